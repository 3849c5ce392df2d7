"""A full run's workers answer links by the run's files as they parse them, and its end
corrects them from the written rows; an incremental run re-resolves them from the database.
Both must store exactly the same answers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codex_lsp.storage import indexer as indexer_module
from codex_lsp.storage.indexer import Indexer
from codex_lsp.storage.notebooks import Notebook
from notebook_builder import write_notebook

LinkRow = tuple[object, ...]


def stored_links(indexer: Indexer) -> list[LinkRow]:
    """Every link with its answer, by source path and position (ids of rewritten files vary)."""
    rows = indexer.conn.execute(
        "SELECT s.path, l.kind, l.target, l.anchor, l.label, l.start_line, l.start_char,"
        " l.status, t.path, l.candidates"
        " FROM link l JOIN file_metadata s ON s.id = l.source_id"
        " LEFT JOIN file_metadata t ON t.id = l.target_id"
    ).fetchall()
    return sorted(rows, key=repr)


def full_then_everything_again(root: Path) -> tuple[list[LinkRow], list[LinkRow]]:
    """Links after a full run, then after every note was rewritten by an incremental run."""
    (root / ".codex").mkdir(exist_ok=True)
    indexer = Indexer(Notebook(root, explicit=True))
    try:
        stats = indexer.index(full=True)
        assert stats.links > 0
        after_full = stored_links(indexer)
        notes = [p for p in root.rglob("*.md") if ".codex" not in p.parts]
        contents = {
            p.relative_to(root).as_posix(): p.read_text(encoding="utf-8", errors="replace") + "\n"
            for p in notes
        }
        indexer.update_paths(list(contents), contents)
        return after_full, stored_links(indexer)
    finally:
        indexer.close()


@pytest.mark.parametrize("corpus", ["dendron-vault", "kepano-obsidian", "ttrpg-share"])
def test_real_vault_gets_the_same_answers_both_ways(
    corpus: str, corpora_dir: Path, tmp_path: Path
) -> None:
    """Aliases, Dendron labels, ambiguous names, anchors: the same status and target."""
    root = tmp_path / corpus
    shutil.copytree(corpora_dir / corpus, root, ignore=shutil.ignore_patterns(".git"))
    after_full, after_incremental = full_then_everything_again(root)
    assert after_full == after_incremental
    assert {row[7] for row in after_full} >= {"resolved", "broken"}


def test_small_notebook_through_the_writer_thread(
    lab_notebook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example notebook's three deliberate problems, written through the thread too."""
    monkeypatch.setattr(indexer_module, "PARALLEL_MIN_FILES", 2)
    after_full, after_incremental = full_then_everything_again(lab_notebook)
    assert after_full == after_incremental
    statuses = sorted(row[7] for row in after_full if row[7] != "resolved")
    assert statuses == ["ambiguous", "broken", "broken-anchor"]


def test_tricky_names_paths_and_anchors_get_the_same_answers_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the full run answers by one look-up (bare names, Markdown paths, anchored links
    until their anchor is checked) against what the resolver answers from the database:
    aliases written after the links to them, two notes of one name, missing anchors and
    blocks, Dendron labels, attachments, relative paths and a moved note keeping its id."""
    monkeypatch.setattr(indexer_module, "PARALLEL_MIN_FILES", 2)
    root = tmp_path / "tricky"
    texts = {
        "a/first.md": "[[Zeta]] [[Zeta#Top]] [[Zeta#Nope]] [[Zeta#^blk]] [[Zeta#Top#Inner]]"
        " [[Nick]] [[Nick#Top]] [[Twin]] [[Twin#H]] [[nothing]] [[nothing|Zeta]]"
        " [[nothing|Zeta#Nope]] [[nothing|nobody]] [[Moved#H]] [[Moved]] ![[pic.png]]\n"
        "[z](../Zeta.md) [z](../Zeta.md#top) [z](../Zeta.md#nope) [t](../b/Twin.md#h)"
        " [p](../pic.png) [m](/new/Moved.md#h) [s](#Local) [[#Local]] [[#Gone]] [x](missing.md)\n"
        "# Local\n",
        # A notebook's own files are read before its folders': before new/Moved.md.
        "Early.md": "[[Moved]] [[Moved#H]] [m](new/Moved.md) [[Nick]] [[nobody|Nick]]\n",
        "Zeta.md": "# Top\n\n## Inner\n\nText ^blk\n",
        "b/Twin.md": "# H\n",
        "c/Twin.md": "# H\n",
        "old/Moved.md": "# H\n\nThe moved note.\n",
        "z/named.md": "---\naliases: [Nick]\n---\n# Top\n",
    }
    write_notebook(root, texts)
    (root / "pic.png").write_bytes(b"\x89PNG")
    first = Indexer(Notebook(root, explicit=True))
    try:
        first.index()
    finally:
        first.close()
    (root / "new").mkdir()
    (root / "old/Moved.md").rename(root / "new/Moved.md")  # the full run keeps its id
    after_full, after_incremental = full_then_everything_again(root)
    assert after_full == after_incremental
    statuses = {row[7] for row in after_full}
    assert statuses == {"resolved", "broken", "broken-anchor", "ambiguous"}
