"""The workspace symbol index follows index changes without being built again."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_lsp.storage.database import connect
from codex_lsp.storage.indexer import Indexer
from codex_lsp.storage.notebooks import Notebook
from codex_lsp.storage.symbol_index import Symbol, SymbolCache, SymbolIndex

QUERIES = ("alpha", "beta", "gamma", "delta", "sec", "lab", "proj", "#lab", "x", "", "zeta")


def note(title: str, heading: str, tag: str, alias: str = "") -> str:
    aliases = f"aliases: [{alias}]\n" if alias else ""
    return f"---\ntitle: {title}\n{aliases}---\n# {heading}\n\nText #{tag}\n"


@pytest.fixture
def notebook(tmp_path: Path) -> Iterator[tuple[Path, Indexer, sqlite3.Connection]]:
    root = tmp_path / "nb"
    (root / ".codex").mkdir(parents=True)
    (root / "a.md").write_text(note("Alpha note", "Alpha section", "lab", "Antelope"))
    (root / "b.md").write_text(note("Beta note", "Beta section", "lab/sub"))
    (root / "z.md").write_text(note("Zeta note", "Zeta section", "project"))
    indexer = Indexer(Notebook(root, explicit=True))
    indexer.index()
    reader = connect(indexer.db_path)
    yield root, indexer, reader
    reader.close()
    indexer.close()


def shown(symbols: list[Symbol]) -> list[tuple[object, ...]]:
    return sorted(
        (s.name, s.kind.value, s.path, None if s.range is None else str(s.range), s.container)
        for s in symbols
    )


def names(cache: SymbolCache, conn: sqlite3.Connection, query: str) -> set[str]:
    return {symbol.name for symbol in cache.search(conn, query, 100)}


def test_changed_added_and_removed_notes_without_a_rebuild(
    notebook: tuple[Path, Indexer, sqlite3.Connection],
) -> None:
    root, indexer, reader = notebook
    cache = SymbolCache()
    assert {"Alpha note", "Alpha section", "Antelope"} <= names(cache, reader, "a")
    first = cache.index(reader)

    (root / "a.md").write_text(note("Gamma note", "Gamma section", "project", "Gnu"))
    (root / "b.md").unlink()
    (root / "d.md").write_text(note("Delta note", "Delta section", "lab"))
    indexer.index()

    assert names(cache, reader, "gamma") == {"Gamma note", "Gamma section"}
    assert names(cache, reader, "gnu") == {"Gnu"}
    assert names(cache, reader, "delta") == {"Delta note", "Delta section"}
    assert not names(cache, reader, "alpha") and not names(cache, reader, "antelope")
    assert not names(cache, reader, "beta")
    assert cache.index(reader) is first  # brought up to date, not built again
    for query in QUERIES:  # the same answers as an index built from scratch
        assert shown(cache.search(reader, query, 100)) == shown(
            SymbolIndex(reader).search(reader, query, 100)
        ), query


def test_tag_counts_and_places_follow_changes(
    notebook: tuple[Path, Indexer, sqlite3.Connection],
) -> None:
    root, indexer, reader = notebook
    cache = SymbolCache()
    tags = {s.name: s for s in cache.search(reader, "#", 100) if s.kind.value == "tag"}
    assert tags["#lab"].container == "1 files" and tags["#lab"].path == "a.md"
    first = cache.index(reader)

    (root / "a.md").write_text(note("Alpha note", "Alpha section", "project"))
    (root / "c.md").write_text(note("Cee", "Cee section", "lab"))
    (root / "e.md").write_text(note("Eee", "Eee section", "brandnew"))
    indexer.index()

    tags = {s.name: s for s in cache.search(reader, "#", 100) if s.kind.value == "tag"}
    assert tags["#lab"].container == "1 files" and tags["#lab"].path == "b.md"
    assert tags["#project"].container == "2 files" and tags["#project"].path == "a.md"
    assert tags["#brandnew"].path == "e.md"
    assert cache.index(reader) is first
    assert shown(cache.search(reader, "#", 100)) == shown(
        SymbolIndex(reader).search(reader, "#", 100)
    )


def test_a_moved_note_and_a_note_replaced_at_its_path(
    notebook: tuple[Path, Indexer, sqlite3.Connection],
) -> None:
    root, indexer, reader = notebook
    cache = SymbolCache()
    cache.search(reader, "a", 100)
    first = cache.index(reader)
    (root / "sub").mkdir()
    (root / "z.md").rename(root / "sub" / "z.md")
    indexer.index()
    assert {s.path for s in cache.search(reader, "zeta", 100)} == {"sub/z.md"}
    (root / "b.md").unlink()
    indexer.index()
    (root / "b.md").write_text(note("Other", "Other section", "lab"))
    indexer.index()
    assert not names(cache, reader, "beta")
    assert names(cache, reader, "other") == {"Other", "Other section"}
    assert cache.index(reader) is first
    for query in QUERIES:
        assert shown(cache.search(reader, query, 100)) == shown(
            SymbolIndex(reader).search(reader, query, 100)
        ), query


def test_many_changes_build_the_index_again(
    notebook: tuple[Path, Indexer, sqlite3.Connection], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, indexer, reader = notebook
    monkeypatch.setattr("codex_lsp.storage.symbol_index.REBUILD_AT_LEAST", 1)
    cache = SymbolCache()
    cache.search(reader, "a", 100)
    first = cache.index(reader)
    (root / "a.md").write_text(note("Gamma note", "Gamma section", "project"))
    (root / "b.md").write_text(note("Beta two", "Beta section", "project"))
    indexer.index()
    assert names(cache, reader, "gamma") == {"Gamma note", "Gamma section"}
    assert cache.index(reader) is not first


def test_a_tag_first_place_is_looked_up_only_when_its_file_changed(
    notebook: tuple[Path, Indexer, sqlite3.Connection],
) -> None:
    """A change to other files gives a tag's first place from their own tags: the notebook's
    carriers of a tag (thousands for a common one) are read again only when the file of its
    first place changed."""
    root, indexer, reader = notebook
    cache = SymbolCache()
    cache.search(reader, "#", 100)
    first = cache.index(reader)
    statements: list[str] = []
    reader.set_trace_callback(statements.append)

    (root / "0.md").write_text(note("Zero", "Zero section", "lab/sub"))  # before a.md
    (root / "m.md").write_text(note("Em", "Em section", "lab"))  # after a.md
    indexer.index()
    tags = {s.name: s for s in cache.search(reader, "#", 100) if s.kind.value == "tag"}
    assert tags["#lab"].path == "0.md" and tags["#lab"].container == "2 files"
    assert tags["#lab/sub"].path == "0.md" and tags["#lab/sub"].container == "2 files"
    assert not [s for s in statements if "ORDER BY f.path" in s]

    (root / "0.md").write_text(note("Zero", "Zero section", "other"))  # the first place goes
    indexer.index()
    tags = {s.name: s for s in cache.search(reader, "#", 100) if s.kind.value == "tag"}
    assert tags["#lab"].path == "a.md" and tags["#lab/sub"].path == "b.md"
    assert cache.index(reader) is first
    reader.set_trace_callback(None)
    assert shown(cache.search(reader, "#", 100)) == shown(
        SymbolIndex(reader).search(reader, "#", 100)
    )


def test_a_new_tag_is_first_found_where_its_older_children_are(
    notebook: tuple[Path, Indexer, sqlite3.Connection],
) -> None:
    root, indexer, reader = notebook
    (root / "x.md").write_text(note("Ex", "Ex section", "zz/child"))
    indexer.index()
    cache = SymbolCache()
    cache.search(reader, "#", 100)
    (root / "y.md").write_text(note("Why", "Why section", "zz"))  # a new tag, after x.md
    indexer.index()
    tags = {s.name: s for s in cache.search(reader, "#", 100) if s.kind.value == "tag"}
    assert tags["#zz"].path == "x.md" and tags["#zz"].container == "1 files"
    assert shown(cache.search(reader, "#", 100)) == shown(
        SymbolIndex(reader).search(reader, "#", 100)
    )


def test_a_file_written_again_in_the_second_of_the_last_run(
    notebook: tuple[Path, Indexer, sqlite3.Connection], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files are stamped with the second their run started: a run in the same second as the
    last is told apart by what its files hold."""
    root, indexer, reader = notebook
    monkeypatch.setattr("codex_lsp.storage.indexer._now", lambda: "2030-01-01T00:00:00+00:00")
    (root / "c.md").write_text(note("Cee", "Cee section", "lab"))
    indexer.index()  # every file stamped with that second
    cache = SymbolCache()
    assert names(cache, reader, "cee") == {"Cee", "Cee section"}
    first = cache.index(reader)
    (root / "b.md").write_text(note("Bee", "Bee section", "lab"))
    indexer.index()  # the same second again
    assert names(cache, reader, "bee") == {"Bee", "Bee section"}
    assert not names(cache, reader, "beta")
    monkeypatch.setattr("codex_lsp.storage.indexer._now", lambda: "2030-01-01T00:00:01+00:00")
    (root / "a.md").write_text(note("Ay", "Ay section", "lab"))
    indexer.index()
    assert names(cache, reader, "ay") == {"Ay", "Ay section"}
    assert cache.index(reader) is first  # a file leaving the last second is no reason to build
    for query in QUERIES:
        assert shown(cache.search(reader, query, 100)) == shown(
            SymbolIndex(reader).search(reader, query, 100)
        ), query


HEADINGS = ("Methods", "Results", "Method notes", "Meth results", "Summary")


def test_repeated_headings_are_searched_once_and_ranked_as_each(tmp_path: Path) -> None:
    """Notes repeat their headings: each text is searched once, and the answer is every
    live heading ranked as if each were scored (ties: in heading order), also after notes
    changed and were removed."""
    from codex_lsp.core.fuzzy import fuzzy_score

    root = tmp_path / "nb"
    (root / ".codex").mkdir(parents=True)
    for n in range(30):
        body = "".join(f"## {HEADINGS[(n + k) % len(HEADINGS)]}\n\ntext\n\n" for k in range(3))
        (root / f"n{n:02}.md").write_text(f"# Note {n}\n\n{body}")
    indexer = Indexer(Notebook(root, explicit=True))
    indexer.index()
    reader = connect(indexer.db_path)
    try:
        cache = SymbolCache()
        index = cache.index(reader)
        assert len(index._base.headings) == len(HEADINGS) + 30  # the titles, and five
        for n in (3, 4):
            (root / f"n{n:02}.md").unlink()
        (root / "n05.md").write_text("# Note 5\n\n## Methods\n\n## Results\n")
        indexer.index()
        for query in ("meth", "res", "mths", "methods", "s"):
            for limit in (1, 4, 7, 40):
                found = [
                    (s.name, s.path, s.range.start.line if s.range else None)
                    for s in cache.search(reader, query, limit)
                ]
                assert cache.index(reader) is index  # brought up to date, not built again
                rows = reader.execute(
                    "SELECT h.rowid, h.text, f.path, h.start_line FROM heading h"
                    " JOIN file_metadata f ON f.id = h.file_id AND f.deleted_at IS NULL"
                ).fetchall()
                expected = sorted(
                    (-score, rowid, (text, path, line))
                    for rowid, text, path, line in rows
                    if (score := fuzzy_score(query, text)) is not None
                )
                want = [shown for _, _, shown in expected][:limit]
                # Headings are the only symbols these queries find, but "s" finds titles.
                if query != "s":
                    assert found == want, (query, limit)
                fresh = SymbolIndex(reader).search(reader, query, limit)
                assert found == [
                    (s.name, s.path, s.range.start.line if s.range else None) for s in fresh
                ], (query, limit)
    finally:
        reader.close()
        indexer.close()
