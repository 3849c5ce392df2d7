"""Unlinked mentions: the pure rules (core/mentions.py) and the index queries
(storage/mentions.py) on a small notebook."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from codex_lsp.core.mentions import (
    NameIndex,
    find_mentions,
    link_text,
    make_name,
    note_names,
    plain_text,
    worth_hinting,
)
from codex_lsp.core.model import Position, Range
from codex_lsp.storage.database import connect
from codex_lsp.storage.location import index_path
from codex_lsp.storage.mentions import NameCache, link_name, mentions_in, mentions_of
from codex_lsp.storage.workspace import IndexedNotebook, indexed_notebooks


def found(text: str, *names: tuple[str, str]) -> list[tuple[str, str]]:
    """(written text, target) of each mention of ``names`` in ``text``."""
    index = NameIndex(n for n in (make_name(name, target) for name, target in names) if n)
    return [(text[m.start : m.end], m.target) for m in find_mentions(plain_text(text), index)]


def test_whole_words_any_case_any_spacing() -> None:
    text = "We ran project  alpha; PROJECT ALPHA again. Alphabet, alphas, alpha_beta, xalpha.\n"
    assert found(text, ("Project Alpha", "a.md"), ("Alpha", "b.md")) == [
        ("project  alpha", "a.md"),
        ("PROJECT ALPHA", "a.md"),
    ]


def test_the_longest_name_wins_and_mentions_do_not_overlap() -> None:
    text = "Project Alpha and Alpha."
    assert found(text, ("Alpha", "b.md"), ("Project Alpha", "a.md")) == [
        ("Project Alpha", "a.md"),
        ("Alpha", "b.md"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "---\ntitle: Gel Imager\n---\n",
        "`Gel Imager`\n",
        "```\nGel Imager\n```\n",
        "    Gel Imager in indented code\n",
        "[[Gel Imager]] and ![[Gel Imager]] and [[Other|Gel Imager]]\n",
        "[Gel Imager](Gel%20Imager.md) and ![Gel Imager](gel.png)\n",
        "https://example.org/Gel-Imager and <https://x.org/gel-imager>\n",
        "#gel-imager and <!-- Gel Imager --> and %%Gel Imager%%\n",
        '<span title="Gel Imager">x</span>\n',
    ],
)
def test_nothing_but_plain_text_counts(text: str) -> None:
    assert found(text, ("Gel Imager", "g.md")) == []


def test_names_with_symbols_are_found_as_written() -> None:
    text = "Ported to .NET and C++, not NET or C.\n"
    assert found(text, (".NET", "n.md"), ("C++", "c.md")) == [(".NET", "n.md"), ("C++", "c.md")]


def test_tags_and_handles_are_not_mentions() -> None:
    assert found("#Imager @Imager Imager\n", ("Imager", "i.md")) == [("Imager", "i.md")]


def test_note_names_are_unique_without_case_and_bounded() -> None:
    assert note_names("gel imager", "Gel Imager", ["GI-3", "gel  imager", "", "!!"]) == [
        "gel imager",
        "GI-3",
    ]
    assert note_names("x" * 300, "Short", []) == ["Short"]


def test_names_that_cannot_be_a_link_label_are_refused() -> None:
    assert make_name("A [draft]", "a.md") is None
    assert make_name("A|B", "a.md") is None
    assert make_name("---", "a.md") is None


@pytest.mark.parametrize(
    ("name", "hinted"),
    [
        ("Gel", False),
        ("PCR", False),
        ("Gels", True),
        ("T 1", True),
        ("2026-03-05", False),
        ("42", False),
        ("qPCR setup", True),
    ],
)
def test_which_names_are_hinted(name: str, hinted: bool) -> None:
    assert worth_hinting(name) is hinted


def test_link_text_keeps_what_was_written() -> None:
    assert link_text("Gel Imager", "Gel Imager") == "[[Gel Imager]]"
    assert link_text("Gel Imager", "gel imager") == "[[Gel Imager|gel imager]]"
    assert link_text("lab/Gel Imager", "GI-3") == "[[lab/Gel Imager|GI-3]]"


def test_plain_text_keeps_offsets() -> None:
    text = "---\na: 1\n---\nSee [[X]] and `y` at https://z.org/ é\n"
    masked = plain_text(text)
    assert len(masked) == len(text) and masked.count("\n") == text.count("\n")
    assert masked.endswith(" é\n") and "X" not in masked and "z.org" not in masked


# -- storage ----------------------------------------------------------------------------------


@contextmanager
def open_indexed(root: Path) -> Iterator[IndexedNotebook]:
    """The one notebook at ``root``, indexed."""
    with indexed_notebooks(root) as (only,):
        yield only


@pytest.fixture
def notebook(tmp_path: Path) -> Path:
    root = tmp_path / "nb"
    (root / ".codex").mkdir(parents=True)
    (root / "lab").mkdir()
    (root / "lab/Gel Imager.md").write_text(
        "---\naliases: [GI-3]\n---\n# Gel Imager\n\nThe gel imager itself.\n", encoding="utf-8"
    )
    (root / "Run.md").write_text(
        "---\ntitle: Run\ntags: [gel imager]\n---\n# Run\n\nUsed the Gel Imager,"
        " then the gi-3\nagain.\n`Gel Imager` and [[Gel Imager]].\n",
        encoding="utf-8",
    )
    (root / "Other.md").write_text("# Other\n\nNothing about imaging here.\n", encoding="utf-8")
    (root / "Twice.md").write_text("# Twice\n\nA gel   imager\n", encoding="utf-8")
    return root


def test_mentions_of_a_note_from_the_index(notebook: Path) -> None:
    with open_indexed(notebook) as db:
        places = mentions_of(db.conn, "lab/Gel Imager.md")
    assert [(p.path, p.range, p.written, p.name) for p in places] == [
        ("Run.md", Range(Position(6, 9), Position(6, 19)), "Gel Imager", "Gel Imager"),
        ("Run.md", Range(Position(6, 30), Position(6, 34)), "gi-3", "GI-3"),
        ("Twice.md", Range(Position(2, 2), Position(2, 14)), "gel   imager", "Gel Imager"),
    ]
    assert places[0].context == "Used the Gel Imager, then the gi-3"


def test_open_buffers_replace_the_index(notebook: Path) -> None:
    with open_indexed(notebook) as db:
        places = mentions_of(
            db.conn, "lab/Gel Imager.md", {"Other.md": "# Other\n\nThe GEL IMAGER broke.\n"}
        )
    assert [(p.path, p.written) for p in places] == [
        ("Other.md", "GEL IMAGER"),
        ("Run.md", "Gel Imager"),
        ("Run.md", "gi-3"),
        ("Twice.md", "gel   imager"),
    ]


def test_the_names_a_text_mentions(notebook: Path) -> None:
    cache = NameCache()
    text = "# Other\n\nThe gel imager and Run and Twice and other.\n"
    with open_indexed(notebook) as db:
        cache.refresh(db.conn)
        found = mentions_in(cache, "Other.md", text)
        assert link_name(db.conn, "lab/Gel Imager.md") == "Gel Imager"
    # "Run" is too short to hint; "Other" is the note itself.
    assert [(m.name, m.target, r) for m, r in found] == [
        ("Gel Imager", "lab/Gel Imager.md", Range(Position(2, 4), Position(2, 14))),
        ("Twice", "Twice.md", Range(Position(2, 27), Position(2, 32))),
    ]


def test_a_name_two_notes_share_is_not_hinted(notebook: Path) -> None:
    (notebook / "Twice 2.md").write_text("---\naliases: [Twice]\n---\n# T2\n", encoding="utf-8")
    with open_indexed(notebook) as db:
        cache = NameCache()
        cache.refresh(db.conn)
        found = mentions_in(cache, "Other.md", "Twice, and twice.\n")
    assert found == []


def test_the_hint_names_follow_the_index(notebook: Path) -> None:
    cache = NameCache()
    text = "Gel Imager, Twice, Spectro Meter and GI-3.\n"

    def hinted(conn: sqlite3.Connection) -> list[tuple[str, str]]:
        cache.refresh(conn)
        return [(m.name, m.target) for m, _ in mentions_in(cache, "Other.md", text)]

    with open_indexed(notebook) as db:
        reader = connect(index_path(db.notebook))
        try:
            assert hinted(reader) == [
                ("Gel Imager", "lab/Gel Imager.md"),
                ("Twice", "Twice.md"),
                ("GI-3", "lab/Gel Imager.md"),
            ]
            (notebook / "Spectro Meter.md").write_text("# Spectro Meter\n", encoding="utf-8")
            (notebook / "lab/Gel Imager.md").write_text("# Gel Imager\n", encoding="utf-8")
            (notebook / "Twice.md").unlink()
            db.indexer.index()
            assert hinted(reader) == [
                ("Gel Imager", "lab/Gel Imager.md"),
                ("Spectro Meter", "Spectro Meter.md"),
            ]
            (notebook / "lab/Gel Imager.md").rename(notebook / "Imager.md")
            db.indexer.index()
            assert hinted(reader) == [  # the moved note keeps its title
                ("Gel Imager", "Imager.md"),
                ("Spectro Meter", "Spectro Meter.md"),
            ]
        finally:
            reader.close()


def test_names_are_found_only_once_built_and_a_lookup_before_is_reported(
    notebook: Path,
) -> None:
    # The first build reads every note: a lookup from another thread never waits for it,
    # finds nothing, and the build then says that what was answered is worth asking again.
    cache = NameCache()
    text = "The gel imager and Twice.\n"
    assert not cache.built and mentions_in(cache, "Other.md", text) == []
    with open_indexed(notebook) as db:
        assert cache.refresh(db.conn) is True
        assert cache.built
        assert [m.name for m, _ in mentions_in(cache, "Other.md", text)] == ["Gel Imager", "Twice"]
        assert cache.refresh(db.conn) is False  # nothing new, nobody missed the names


def test_a_build_nobody_waited_for_is_not_reported(notebook: Path) -> None:
    with open_indexed(notebook) as db:
        assert NameCache().refresh(db.conn) is False


def test_the_names_state_changes_only_when_a_name_does(notebook: Path) -> None:
    # Open notes' hints are reused while their text and this state are unchanged.
    cache = NameCache()
    with open_indexed(notebook) as db:
        reader = connect(index_path(db.notebook))
        try:
            cache.refresh(reader)
            built = cache.state
            (notebook / "Twice.md").write_text("# Twice\n\nA new body.\n", encoding="utf-8")
            db.indexer.index()
            cache.refresh(reader)
            assert cache.state == built  # a body edit leaves the names alone
            (notebook / "Twice.md").write_text("# Thrice\n", encoding="utf-8")
            db.indexer.index()
            cache.refresh(reader)
            assert cache.state != built
            renamed = cache.state
            (notebook / "Twice.md").unlink()
            db.indexer.index()
            cache.refresh(reader)
            assert cache.state != renamed
        finally:
            reader.close()


def test_notes_are_counted_again_only_when_a_row_is_new_to_the_names(notebook: Path) -> None:
    # Counting every note (to notice rows deleted outright) reads the whole table: after an
    # edit of notes the names hold, which is what typing writes, it is not needed.
    cache = NameCache()
    statements: list[str] = []
    with open_indexed(notebook) as db:
        reader = connect(index_path(db.notebook))
        try:
            cache.refresh(reader)
            reader.set_trace_callback(statements.append)
            (notebook / "Twice.md").write_text("# Twice\n\nA new body.\n", encoding="utf-8")
            db.indexer.index()
            cache.refresh(reader)
            assert not [s for s in statements if "count(*)" in s]
            (notebook / "New One.md").write_text("# New One\n", encoding="utf-8")
            db.indexer.index()
            cache.refresh(reader)
            assert [s for s in statements if "count(*)" in s]
            assert [m.name for m, _ in mentions_in(cache, "Other.md", "New One.\n")] == ["New One"]
        finally:
            reader.close()
