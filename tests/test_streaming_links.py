"""A full run answers links as their notes are written, before later notes are known; links
with an anchor wait, and the answers that a later note changes are corrected at the end, in
the database (storage/streaming_links.py)."""

from __future__ import annotations

import gc
import sqlite3
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codex_lsp.core.resolve import MemoryCatalog, Target, lookup_key
from codex_lsp.core.syntax import is_note_name, split_target
from codex_lsp.storage import streaming_links
from codex_lsp.storage.database import connect
from codex_lsp.storage.indexer import _INSERTS
from codex_lsp.storage.link_resolver import LinkResolver
from codex_lsp.storage.reader import PreparedFile, prepare_file
from codex_lsp.storage.run_files import RunFiles
from codex_lsp.storage.scanner import FileStat
from codex_lsp.storage.streaming_links import (
    WAITING,
    EarlyAnswers,
    LinkRow,
    StreamingLinks,
    ask,
)

NOW = "2026-11-22T00:00:00+00:00"


def notes(root: Path, texts: dict[str, str]) -> dict[str, PreparedFile]:
    """Write the notes and prepare each with the id ``id:<path>``."""
    prepared = {}
    for path, text in texts.items():
        (root / path).write_text(text, encoding="utf-8")
        stat = FileStat(path, 1, len(text.encode()))
        prepared[path] = prepare_file(root, stat, 1_000_000, f"id:{path}", NOW)
    return prepared


def notes_in_folders(root: Path, texts: dict[str, str]) -> dict[str, PreparedFile]:
    """:func:`notes`, with the folders of their paths made first."""
    for path in texts:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
    return notes(root, texts)


def planned(prepared: dict[str, PreparedFile]) -> dict[str, str]:
    return {path: item.file_id for path, item in prepared.items()}


class Run:
    """A full run's database, its files and its streaming links: files are written as the
    indexer writes them, their links answered as a worker answers them."""

    def __init__(self, tmp_path: Path, prepared: dict[str, PreparedFile]) -> None:
        self.conn: sqlite3.Connection = connect(tmp_path / "run.db")
        self.planned = planned(prepared)
        self.files = RunFiles.of(self.planned.items())
        self.names = self.files.names()
        self.early = EarlyAnswers(self.names)
        self.links = StreamingLinks(self.names)

    def write(self, item: PreparedFile) -> list[LinkRow]:
        """Write the file's rows and its links' rows, as answered at once."""
        self.conn.execute(_INSERTS["file_metadata"], item.file_row)
        for table, rows in (
            ("alias", item.alias_rows),
            ("heading", item.heading_rows),
            ("block", item.block_rows),
        ):
            self.conn.executemany(_INSERTS[table], rows)
        path = item.stat.path
        answers = self.early.chunk([(path, item.links)])[0]
        rows = self.links.file_written(path, item.file_id, item.links, answers, self.planned[path])
        self.conn.executemany(_INSERTS["link"], rows)
        return rows

    def stored(self) -> list[tuple[object, ...]]:
        """(target as written, anchor, status, target id) of every stored link, by id."""
        return self.conn.execute(
            "SELECT target, anchor, status, target_id FROM link ORDER BY id"
        ).fetchall()


def answers(rows: list[LinkRow]) -> list[tuple[object, ...]]:
    """(target as written, status, target id) of link rows."""
    return [(row[3], row[-3], row[-2]) for row in rows]


def test_a_link_to_a_note_not_written_yet_is_answered_at_once(tmp_path: Path) -> None:
    files = notes(tmp_path, {"a.md": "See [[Zeta]].\n", "Zeta.md": "# Zeta\n"})
    run = Run(tmp_path, files)
    rows = run.write(files["a.md"])
    run.write(files["Zeta.md"])
    assert answers(rows) == [("Zeta", "resolved", "id:Zeta.md")]
    assert run.links.finish(run.conn) == 0


def test_an_alias_written_later_corrects_the_answer(tmp_path: Path) -> None:
    files = notes(
        tmp_path,
        {"a.md": "See [[Nick]].\n", "z.md": "---\naliases: [Nick]\n---\nText.\n"},
    )
    run = Run(tmp_path, files)
    rows = run.write(files["a.md"])
    assert answers(rows) == [("Nick", "broken", None)]  # no note named Nick is known yet
    run.write(files["z.md"])
    assert run.links.finish(run.conn) == 1
    assert run.stored() == [("Nick", None, "resolved", "id:z.md")]


def test_links_with_an_anchor_are_answered_at_the_end(tmp_path: Path) -> None:
    """Until the end, an anchored link holds what its name alone gives, when one look-up
    gives it, else waits; the end checks every anchor and rewrites only what changed."""
    files = notes_in_folders(
        tmp_path,
        {
            "a.md": "[[z#Method]] [[z#Missing]] [[docs|z#Method]] [[z#^blk]] [[Twin#H]]"
            " [z](z.md#missing)\n",
            "z.md": "# Zed\n\n## Method\n\nText. ^blk\n",
            "b/Twin.md": "# H\n",
            "c/Twin.md": "# H\n",
        },
    )
    run = Run(tmp_path, files)
    rows = run.write(files["a.md"])
    assert [row[-3] for row in rows] == [
        "resolved",
        "resolved",
        WAITING,  # the label side may be the target (Dendron order): the resolver's rules
        "resolved",
        WAITING,  # two notes of that name
        "resolved",
    ]
    for path in ("z.md", "b/Twin.md", "c/Twin.md"):
        run.write(files[path])
    assert run.links.finish(run.conn) == 4
    assert run.stored() == [
        ("z", "Method", "resolved", "id:z.md"),
        ("z", "Missing", "broken-anchor", "id:z.md"),
        ("docs", None, "resolved", "id:z.md"),  # Dendron order: the label side leads to z
        ("z", "blk", "resolved", "id:z.md"),
        ("Twin", "H", "ambiguous", "id:b/Twin.md"),
        ("z.md", "missing", "broken-anchor", "id:z.md"),
    ]


def _tables_read(conn: sqlite3.Connection, action: Callable[[], object]) -> list[str]:
    """The anchor tables (``heading``, ``block``) that the statements of ``action`` read."""
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        action()
    finally:
        conn.set_trace_callback(None)
    return [
        table
        for sql in statements
        for table in ("heading", "block")
        if sql.startswith("SELECT") and f"FROM {table} " in sql
    ]


def test_finish_reads_only_the_anchor_tables_its_links_need(tmp_path: Path) -> None:
    """Links to headings need their targets' headings, links to blocks their blocks: the
    other table is not read (the reads of the targets are most of ``finish``'s work)."""
    texts = {
        "heads.md": "[[z#Method]] [[z#Missing]]\n",
        "blocks.md": "[[z#^blk]] [[z#^none]]\n",
        "z.md": "# Zed\n\n## Method\n\nText. ^blk\n",
    }
    for source, wanted in (("heads.md", ["heading"]), ("blocks.md", ["block"])):
        folder = tmp_path / source.removesuffix(".md")
        folder.mkdir()
        files = notes(folder, {source: texts[source], "z.md": texts["z.md"]})
        run = Run(folder, files)
        for item in files.values():
            run.write(item)
        assert _tables_read(run.conn, lambda run=run: run.links.finish(run.conn)) == wanted
        statuses = [row[2] for row in run.stored()]
        assert statuses == ["resolved", "broken-anchor"]


def test_finish_reads_whole_targets_for_the_resolver_in_one_query_each(tmp_path: Path) -> None:
    """A link the resolver answers (a name two notes have) sees its targets' headings and
    blocks: both are read with the page's other targets, not one file at a time."""
    texts = {"a.md": "[[Twin#H]] [[z#^b]] [[y#H]]\n"}
    for name in ("b/Twin.md", "c/Twin.md", "z.md", "y.md"):
        texts[name] = "# H\n\nText. ^b\n"
    files = notes_in_folders(tmp_path, texts)
    run = Run(tmp_path, files)
    for item in files.values():
        run.write(item)
    tables = _tables_read(run.conn, lambda: run.links.finish(run.conn))
    assert sorted(tables) == ["block", "heading"]
    assert [row[2] for row in run.stored()] == ["ambiguous", "resolved", "resolved"]


def test_a_note_that_cannot_be_read_is_taken_back(tmp_path: Path) -> None:
    files = notes(tmp_path, {"a.md": "[[gone]] [[kept]]\n", "gone.md": "", "kept.md": ""})
    run = Run(tmp_path, files)
    rows = run.write(files["a.md"])
    assert [row[-3] for row in rows] == ["resolved", "resolved"]
    run.write(files["kept.md"])  # indexed before: its row stays
    run.links.file_unreadable("gone.md", kept=False)  # new: it never gets a row
    run.links.file_unreadable("kept.md", kept=True)
    assert run.links.finish(run.conn) == 1
    assert run.stored() == [
        ("gone", None, "broken", None),
        ("kept", None, "resolved", "id:kept.md"),
    ]


def test_a_file_given_another_id_than_planned_corrects_links_to_it(tmp_path: Path) -> None:
    files = notes(tmp_path, {"a.md": "[[moved]]\n", "moved.md": "Text.\n"})
    run = Run(tmp_path, files)
    rows = run.write(files["a.md"])
    assert answers(rows) == [("moved", "resolved", "id:moved.md")]
    run.write(files["moved.md"].with_id("old-id"))  # a moved file keeps the id it had
    assert run.links.finish(run.conn) == 1
    assert run.stored() == [("moved", None, "resolved", "old-id")]


def test_finish_answers_more_anchored_links_than_one_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streaming_links, "PAGE", 3)
    files = notes(
        tmp_path,
        {
            "a.md": " ".join(f"[[z#H{n}]]" for n in range(8)) + "\n",
            "z.md": "".join(f"# H{n}\n\n" for n in range(0, 8, 2)),
        },
    )
    run = Run(tmp_path, files)
    run.write(files["a.md"])
    run.write(files["z.md"])
    assert run.links.finish(run.conn) == 4
    assert [row[2] for row in run.stored()] == ["resolved", "broken-anchor"] * 4


def test_the_run_keeps_no_link_rows_or_headings(tmp_path: Path) -> None:
    """What the streaming links hold does not grow with the links and headings written,
    nor with the files (their names are in the run's own database)."""
    many = {f"n{i}.md": "".join(f"# Heading {i} {h}\n\n" for h in range(20)) for i in range(60)}
    many["hub.md"] = " ".join(f"[[n{i % 60}#Heading {i % 60} 3]] [[n{i % 60}]]" for i in range(600))
    files = notes(tmp_path, many)
    run = Run(tmp_path, files)
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for item in files.values():
            run.write(item)
        gc.collect()  # what is left is held
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    held = sum(
        stat.size_diff
        for stat in after.compare_to(before, "filename")
        if stat.traceback[0].filename == streaming_links.__file__
    )
    # The 1,200 link rows and 1,200 headings would take many times this.
    assert held < 10_000
    assert run.links.finish(run.conn) == 0  # every anchor is there
    assert {row[2] for row in run.stored()} == {"resolved"}


def _sqlite_steps(conn: sqlite3.Connection, job: Callable[[], object]) -> int:
    """SQLite virtual-machine instructions that ``job`` makes ``conn`` execute."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 100
        return 0

    conn.set_progress_handler(count, 100)
    try:
        job()
    finally:
        conn.set_progress_handler(None, 0)
    return steps


@pytest.mark.parametrize("page", [4, 400])
def test_finish_reads_the_doubtful_names_once_not_once_a_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: int
) -> None:
    """The names whose answers may change (every alias of the run) are looked up by every
    page of ``finish``: that work must not be redone page after page, or a notebook with
    many aliases and many anchored links costs (aliases x pages), growing with its square."""
    texts = {f"alias{i}.md": f"---\naliases: [Nick {i}]\n---\nText.\n" for i in range(1_500)}
    texts["a.md"] = " ".join(f"[[z#H{n}]] [[alias{n}]]" for n in range(400)) + "\n"
    texts["z.md"] = "# H0\n"
    files = notes(tmp_path, texts)
    run = Run(tmp_path, files)
    for item in files.values():
        run.write(item)
    monkeypatch.setattr(streaming_links, "PAGE", 400)
    one_page = _sqlite_steps(run.conn, lambda: run.links.finish(run.conn))
    run.conn.execute("UPDATE link SET status = ? WHERE anchor IS NOT NULL", (WAITING,))
    monkeypatch.setattr(streaming_links, "PAGE", page)
    steps = _sqlite_steps(run.conn, lambda: run.links.finish(run.conn))
    assert run.stored()[:3] == [
        ("z", "H0", "resolved", "id:z.md"),
        ("alias0", None, "resolved", "id:alias0.md"),
        ("z", "H1", "broken-anchor", "id:z.md"),
    ]
    # 100 pages of 4 links cost about what one page of 400 does, not 100 times its look-ups.
    assert steps < 2 * one_page


_NAMES = ["Alpha", "alpha", "Beta", "beta.md", "Gamma.markdown", "img.png", "Img", "x y"]
_ODD_NAMES = ["beta.md.md", "...md"]  # a path may find what a name does not
_FOLDERS = ["", "a/", "b/", "a/c/"]
_NAME_TARGETS = [*_NAMES, "alpha.MD", "img.PNG", "Nick", "nothing", ".hidden", "..", "a/Alpha"]
_LABELS = [
    None,
    "",
    "Beta",
    "Nick",
    "nothing",
    "a/Alpha",
    "a/nothing",
    "./Alpha",
    " ./alpha",
    "./beta.md",
    "../Beta",
    "/a/Alpha",
    "/nothing",
    "dendron://vault/Alpha",
    "dendron://vault/nothing",
]
_PATHS = [
    "Alpha.md",
    "Alpha",
    "alpha.md",
    "../Alpha.md",
    "../../Alpha.md",
    "a/Alpha.md",
    "/a/Alpha.md",
    "/Alpha",
    "./beta.md",
    "beta.md",
    "c/Gamma.markdown",
    "c/Gamma",
    "Gamma",
    "a/../Beta",
    "..",
    "../..",
    "/..",
    "img.png",
    "../img.png",
    "Img",
    "nothing.md",
    "/",
]


def _parsed_link(kind: str, target: str, label: str | None) -> tuple[Any, ...]:
    """A link as the parser gives it (columns of ``reader._link_row``), without an anchor."""
    label_path = split_target(label)[0] if label and not kind.startswith("markdown") else ""
    label_key = lookup_key(label_path) if label_path else None
    return (kind, target, None, 0, label, *[0] * 8, lookup_key(target) if target else "", label_key)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    files=st.lists(
        st.tuples(st.sampled_from(_FOLDERS), st.sampled_from(_NAMES + _ODD_NAMES)),
        min_size=1,
        max_size=8,
    ),
    kind=st.sampled_from(["wiki", "embed", "frontmatter"]),
)
def test_links_answered_early_get_the_resolvers_answer(
    files: list[tuple[str, str]], kind: str
) -> None:
    """Every answer a worker gives without the resolver (bare names, Markdown paths) is the
    general resolver's over the files of the run: two files of one name, attachments,
    folders and relative paths, labels in Dendron order. (Aliases and files that could not
    be read or kept another id are not known yet: ``finish`` corrects those answers.)"""
    paths = list(dict.fromkeys(folder + name for folder, name in files))
    early = EarlyAnswers(RunFiles.of((path, f"id:{path}") for path in paths).names())
    resolver = LinkResolver(
        MemoryCatalog(Target(path, is_note_name(path), ref=f"id:{path}") for path in paths)
    )
    links = [
        *(_parsed_link(kind, t, label) for t in _NAME_TARGETS for label in _LABELS),
        *(_parsed_link(md, t, None) for md in ("markdown", "markdown-embed") for t in _PATHS),
    ]
    asked: list[Sequence[Any]] = []

    def resolver_asked(resolver: LinkResolver, link: Sequence[Any], path: str) -> object:
        asked.append(link)
        return ask(resolver, link, path)

    for path in paths:
        asked.clear()
        with mock.patch.object(streaming_links, "ask", resolver_asked):
            answers = early.chunk([(path, links)])[0]
        for answer, link in zip(answers, links, strict=True):
            if not any(link is other for other in asked):
                assert answer == ask(resolver, link, path), (path, link)


def test_most_links_are_answered_without_the_resolver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Links to a bare name that one note has, or that none has (nor their label), and
    Markdown links to a file's path never reach the resolver; the others (two notes of one
    name, an alias, an attachment, a folder, a Markdown path to no file) do."""
    texts = {
        "a.md": "[[Zeta]] [[nothing]] ![[Zeta]] [[b/Twin]] [[Twin]] [[Nick]] [[pic.png]]"
        " [[nothing|nobody]] [z](Zeta.md) [t](<c/Twin.md>) [p](./pic.png) [m](missing.md)\n",
        "Zeta.md": "# Zeta\n",
        "b/Twin.md": "x\n",
        "c/Twin.md": "x\n",
        "Named.md": "---\naliases: [Nick]\n---\n",
    }
    files = notes_in_folders(tmp_path, texts)
    (tmp_path / "pic.png").write_bytes(b"\x89PNG")
    files["pic.png"] = prepare_file(tmp_path, FileStat("pic.png", 1, 4), 1_000, "id:pic", NOW)
    run = Run(tmp_path, files)
    asked: list[str] = []
    original = streaming_links.ask

    def counting(resolver: LinkResolver, link: Sequence[Any], path: str) -> object:
        asked.append(link[1])
        return original(resolver, link, path)

    monkeypatch.setattr(streaming_links, "ask", counting)
    for path in ["Named.md", "a.md", "Zeta.md", "b/Twin.md", "c/Twin.md", "pic.png"]:
        run.write(files[path])
    # An alias is not known until the end: no file has the name Nick until then.
    assert asked == ["b/Twin", "Twin", "pic.png", "missing.md"]
    assert run.links.finish(run.conn) == 1
    assert [row[2:] for row in run.stored()] == [
        ("resolved", "id:Zeta.md"),
        ("broken", None),
        ("resolved", "id:Zeta.md"),
        ("resolved", "id:b/Twin.md"),
        ("ambiguous", "id:b/Twin.md"),
        ("resolved", "id:Named.md"),
        ("resolved", "id:pic"),
        ("broken", None),
        ("resolved", "id:Zeta.md"),
        ("resolved", "id:c/Twin.md"),
        ("resolved", "id:pic"),
        ("broken", None),
    ]


def test_anchored_links_to_one_note_are_answered_as_the_resolver_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The end of the run answers a link with an anchor to a bare name that one note has
    without the resolver: the same answers as the resolver (heading, heading path, block,
    missing anchor), and the resolver still answers the others (two notes of one name)."""
    texts = {
        "a.md": "[[Zeta#Top]] [[Zeta#Top#Inner]] [[Zeta#^blk]] [[Zeta#Nope]] [[Twin#H]]"
        " [[Zeta|Label#x]] [[b/Twin#H]]\n",
        "Zeta.md": "# Top\n\n## Inner\n\nText ^blk\n",
        "b/Twin.md": "# H\n",
        "c/Twin.md": "# H\n",
    }
    files = notes_in_folders(tmp_path, texts)
    run = Run(tmp_path, files)
    for item in files.values():
        run.write(item)
    asked: list[str] = []
    original = LinkResolver.__call__

    def counting(self: LinkResolver, kind: str, target: str, *rest: Any) -> object:
        asked.append(target)
        return original(self, kind, target, *rest)

    monkeypatch.setattr(LinkResolver, "__call__", counting)
    assert run.links.finish(run.conn) == 3  # those that waited and the missing anchor
    assert asked == ["Twin", "b/Twin"]
    assert run.stored() == [
        ("Zeta", "Top", "resolved", "id:Zeta.md"),
        ("Zeta", "Top#Inner", "resolved", "id:Zeta.md"),
        ("Zeta", "blk", "resolved", "id:Zeta.md"),
        ("Zeta", "Nope", "broken-anchor", "id:Zeta.md"),
        ("Twin", "H", "ambiguous", "id:b/Twin.md"),
        ("Zeta", None, "resolved", "id:Zeta.md"),
        ("b/Twin", "H", "resolved", "id:b/Twin.md"),
    ]
