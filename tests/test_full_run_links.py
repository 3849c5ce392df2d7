"""A full run resolves links against an in-memory catalog while it writes; an incremental run
re-resolves them from the database. Both must store exactly the same answers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codex_lsp.storage import indexer as indexer_module
from codex_lsp.storage.indexer import Indexer
from codex_lsp.storage.notebooks import Notebook

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
