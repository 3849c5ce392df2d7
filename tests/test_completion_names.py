"""Note completion's names: what the table answers, and how little it holds per file (a
server holding a 100,000-note notebook must stay within 300 MB)."""

from __future__ import annotations

import gc
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest

from codex_lsp.core.completion_names import NameTable
from codex_lsp.lsp.features.completion import NameCache
from codex_lsp.storage.notebooks import Notebook
from codex_lsp.storage.service import NotebookService

PER_FILE_ALLOWANCE = 450
"""Bytes one more file may add to the names completion holds: its path, its name twice (as
typed and lowercased, for matching), a few numbers."""

WORDS = ("absorbance", "adapter", "batch", "blot", "membrane", "complex", "dye", "gradient")


def test_completion_names_hold_little_per_file(tmp_path: Path) -> None:
    root = tmp_path / "nb"
    (root / ".codex").mkdir(parents=True)
    files = 4000
    for n in range(files):
        name = " ".join(WORDS[(n * k) % len(WORDS)] for k in (1, 3, 7)).capitalize()
        alias = f"aliases: [A{n}]\n" if n % 7 == 0 else ""
        text = f"---\ntitle: {name} {n:05d}\n{alias}---\n# {name}\n"
        (root / f"{name} {n:05d}.md").write_text(text, encoding="utf-8")
    service = NotebookService(Notebook(root, explicit=True))
    try:
        service.index(full=True).result()
        cache = NameCache()
        service.read(lambda conn: None).result()  # the reader's connection is open
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            names = cache.refresh(service).result()
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert names.complete
        assert held < files * PER_FILE_ALLOWANCE, held / files
    finally:
        service.close()


def table(paths: list[tuple[str, bool]]) -> NameTable:
    return NameTable((path, path, (), is_note) for path, is_note in paths)


def test_owner_of_finds_notes_and_attachments() -> None:
    names = table([("a.md", True), ("b/c.md", True), ("a.png", False), ("z.pdf", False)])
    assert [names.owner_of(p) for p in ("a.md", "b/c.md", "a.png", "z.pdf")] == [0, 1, 2, 3]
    assert names.owner_of("missing.md") is None
    assert names.owner_of("b.md") is None


def test_owner_of_files_given_out_of_order() -> None:
    names = table([("b.md", True), ("a.md", True), ("x.png", False), ("c.md", True)])
    assert [names.owner_of(p) for p in ("b.md", "a.md", "x.png", "c.md")] == [0, 1, 2, 3]
    assert names.owner_of("d.md") is None


def test_entries_titles_aliases_and_link_texts() -> None:
    names = NameTable(
        [
            ("lab/PCR.md", "Polymerase chain reaction", ("amplify",), True),
            ("other/pcr.md", "pcr", (), True),
            ("gel.png", "gel.png", (), False),
        ]
    )
    assert names.texts == ["PCR", "Polymerase chain reaction", "amplify", "pcr", "gel.png"]
    assert list(names.entry_owner) == [0, 0, 0, 1, 2]
    assert [names.is_alias(e) for e in range(5)] == [False, False, True, False, False]
    assert [names.title(o) for o in range(3)] == ["Polymerase chain reaction", "pcr", "gel.png"]
    # Two notes named "pcr": each is linked by its path.
    assert [names.link_text(o) for o in range(3)] == ["lab/PCR", "other/pcr", "gel.png"]
    assert [c.is_attachment for c in names.completables] == [False] * 4 + [True]
    assert names.index.search("poly", 5) == ([1], False)


def test_link_texts_from_the_notebook_counts() -> None:
    # Some names of a notebook (a prefix look-up): the counts say which stems are shared.
    rows = [("a/PCR.md", "PCR", (), True), ("gel.md", "gel", (), True)]
    assert NameTable(rows, Counter({"pcr": 2, "gel": 1})).link_text(0) == "a/PCR"
    assert NameTable(rows).link_text(0) == "PCR"


def test_a_table_tells_whether_it_holds_a_files_names() -> None:
    rows = [
        ("lab/PCR.md", "Polymerase chain reaction", ("amplify", "pcr run"), True),
        ("Gel.md", "Gel", (), True),
        ("gel.png", "gel.png", (), False),
    ]
    names = NameTable(rows)
    for row in rows:
        assert names.holds(row[0], row)
    assert names.holds("missing.md", None)
    assert not names.holds("missing.md", ("missing.md", "missing.md", (), True))
    assert not names.holds("Gel.md", None)  # deleted
    assert not names.holds("Gel.md", ("Gel.md", "Gel 2", (), True))  # retitled
    assert not names.holds("lab/PCR.md", (*rows[0][:2], ("pcr run", "amplify"), True))
    assert not names.holds("lab/PCR.md", (*rows[0][:2], ("amplify",), True))
    assert not names.holds("gel.png", ("gel.png", "gel.png", (), True))


def test_names_are_reused_without_the_signature_after_an_edit_of_a_body(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit that keeps a note's names is told by that note's rows: the signature of every
    file (which grows with the notebook) is not computed; a changed title still is seen."""
    import codex_lsp.lsp.features.completion as completion

    root = tmp_path / "nb"
    (root / ".codex").mkdir(parents=True)
    for n in range(20):
        (root / f"Note {n}.md").write_text(f"# Note {n}\n\nbody\n", encoding="utf-8")
    signatures = Counter[str]()
    real = completion._signature

    def counted(conn: object) -> object:
        signatures["calls"] += 1
        return real(conn)  # type: ignore[arg-type]

    monkeypatch.setattr(completion, "_signature", counted)
    service = NotebookService(Notebook(root, explicit=True))
    try:
        service.index(full=True).result()
        cache = NameCache()
        first = cache.refresh(service).result()
        assert signatures["calls"] == 1
        service.update(["Note 3.md"], {"Note 3.md": "# Note 3\n\nnew body\n"}).result()
        again = cache.refresh(service).result()
        assert signatures["calls"] == 1 and again.table is first.table
        text = "---\ntitle: Third note\n---\n# Note 3\n"
        service.update(["Note 3.md"], {"Note 3.md": text}).result()
        retitled = cache.refresh(service).result()
        owner = retitled.table.owner_of("Note 3.md")
        assert owner is not None and retitled.table.title(owner) == "Third note"
        service.index().result()  # a scan: its writes are not known one by one
        cache.refresh(service).result()
        assert signatures["calls"] == 3
    finally:
        service.close()
