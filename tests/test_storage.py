"""The SQLite index: incremental updates, moves, sidecars, ignores, robustness, concurrency."""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from codex_lsp.storage import indexer as indexer_module
from codex_lsp.storage import queries, reader
from codex_lsp.storage.database import (
    APPLICATION_ID,
    PAGE_SIZE,
    SCHEMA_VERSION,
    SEARCH_AUTOMERGE,
    SEARCH_CRISIS_MERGE,
    SEARCH_HASH_SIZE,
    DatabaseError,
    connect,
    transaction,
)
from codex_lsp.storage.indexer import Indexer, IndexStats
from codex_lsp.storage.notebooks import Notebook, cache_dir_for, discover

EXP_014 = "experiments/EXP-014 HEK293 transfection.md"
GEL_CHECK = "experiments/2026-03-05 Gel check of PCR products.md"
DAILY_0309 = "daily/2026-03-09.md"


# -- helpers -------------------------------------------------------------------------------


def run_index(root: Path, *, explicit: bool = True, full: bool = False) -> IndexStats:
    """Index ``root`` with a fresh Indexer (as a new process would) and close it."""
    indexer = Indexer(Notebook(root, explicit=explicit))
    try:
        return indexer.index(full=full)
    finally:
        indexer.close()


@pytest.fixture
def open_indexer(lab_notebook: Path) -> Iterator[Indexer]:
    """An Indexer on the lab notebook copy, already indexed once."""
    indexer = Indexer(Notebook(lab_notebook, explicit=True))
    indexer.index()
    yield indexer
    indexer.close()


def live_paths(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT path FROM file_metadata WHERE deleted_at IS NULL")
    return {row[0] for row in rows}


def issues_of(conn: sqlite3.Connection) -> list[tuple[str, int, str]]:
    return [(i.path, i.line, i.code) for i in queries.check(conn)]


def link_status(conn: sqlite3.Connection, source: str, written: str) -> list[str]:
    """Statuses of the links in ``source`` written as ``target`` or ``target#anchor``."""
    target, _, anchor = written.partition("#")
    rows = conn.execute(
        "SELECT l.status FROM link l JOIN file_metadata f ON f.id = l.source_id"
        " WHERE f.path = ? AND l.target = ? AND coalesce(l.anchor, '') = ?"
        " ORDER BY l.start_line, l.start_char",
        (source, target, anchor.lstrip("^")),
    )
    return [row[0] for row in rows]


def file_row(conn: sqlite3.Connection, path: str) -> sqlite3.Row:
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute("SELECT * FROM file_metadata WHERE path = ?", (path,)).fetchone()
    finally:
        conn.row_factory = None
    assert row is not None, f"{path} is not in file_metadata"
    return row


def properties(conn: sqlite3.Connection, path: str) -> dict[str, object]:
    value = json.loads(file_row(conn, path)["properties"])
    assert isinstance(value, dict)
    return value


def problem_codes(conn: sqlite3.Connection, path: str) -> list[str]:
    rows = conn.execute("SELECT code FROM problem WHERE path = ? ORDER BY code", (path,))
    return [row[0] for row in rows]


def assert_consistent(conn: sqlite3.Connection) -> None:
    """Invariants that every index run must keep."""
    one = conn.execute
    assert one("PRAGMA integrity_check").fetchone()[0] == "ok"
    live = one("SELECT count(*) FROM file_metadata WHERE deleted_at IS NULL").fetchone()[0]
    assert one("SELECT count(*) FROM search_index").fetchone()[0] == live
    orphans = one(
        "SELECT count(*) FROM search_index s LEFT JOIN file_metadata f ON f.id = s.file_id"
        " WHERE f.id IS NULL OR f.deleted_at IS NOT NULL OR f.rowid != s.rowid"
    ).fetchone()[0]
    assert orphans == 0
    for table, column in (
        ("link", "source_id"),
        ("heading", "file_id"),
        ("block", "file_id"),
        ("alias", "file_id"),
        ("file_tag", "file_id"),
    ):
        dead = one(
            f"SELECT count(*) FROM {table} x LEFT JOIN file_metadata f ON f.id = x.{column}"
            " WHERE f.id IS NULL OR f.deleted_at IS NOT NULL"
        ).fetchone()[0]
        assert dead == 0, f"{table} rows of missing or deleted files"
    stale_targets = one(
        "SELECT count(*) FROM link l JOIN file_metadata t ON t.id = l.target_id"
        " WHERE t.deleted_at IS NOT NULL"
    ).fetchone()[0]
    assert stale_targets == 0, "links pointing at deleted files"
    unresolved = one("SELECT count(*) FROM link WHERE status IS NULL").fetchone()[0]
    assert unresolved == 0


def link_indexes(conn: sqlite3.Connection, table: str = "link") -> list[str]:
    """Names of the indexes on the link table (or ``table``), but SQLite's own."""
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
        " AND name NOT LIKE 'sqlite_%' ORDER BY name",
        (table,),
    ).fetchall()
    return [name for (name,) in rows]


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def bump_mtime(path: Path, seconds: float = 5.0) -> None:
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + int(seconds * 1e9)))


# -- a full index of the example ------------------------------------------------------------


def test_index_counts_of_example(lab_notebook: Path) -> None:
    stats = run_index(lab_notebook)
    assert (stats.notes, stats.attachments, stats.links) == (26, 5, 132)
    assert (stats.broken_links, stats.ambiguous_links) == (2, 1)
    assert (stats.added, stats.modified, stats.removed, stats.moved) == (31, 0, 0, 0)
    assert stats.warnings == []
    assert (lab_notebook / ".codex" / "notebook.db").is_file()


def test_example_issues_and_exclusions(open_indexer: Indexer) -> None:
    conn = open_indexer.conn
    assert issues_of(conn) == [
        (DAILY_0309, 12, "link-ambiguous"),
        (GEL_CHECK, 30, "link-broken-anchor"),
        (EXP_014, 18, "link-broken"),
    ]
    paths = live_paths(conn)
    assert "drafts/private/Grant ideas.md" not in paths  # exclude: in .codex/config.yaml
    assert not any(p.startswith(".") or "/." in p for p in paths)  # .archive/, sidecars
    assert {"data/gel-2026-03-05.png", "data/qpcr-run-07.csv"} <= paths
    assert_consistent(conn)


def test_attachment_sidecar_and_frontmatter_are_stored(open_indexer: Indexer) -> None:
    conn = open_indexer.conn
    csv = properties(conn, "data/qpcr-run-07.csv")
    assert csv["instrument"] == "QuantStudio 5"
    assert file_row(conn, "data/qpcr-run-07.csv")["is_note"] == 0
    pcr = properties(conn, "protocols/PCR amplification.md")
    assert pcr["version"] == "2.1"
    assert file_row(conn, "protocols/PCR amplification.md")["title"] == "PCR amplification"
    aliases = conn.execute("SELECT alias FROM alias ORDER BY alias").fetchall()
    assert ("PCR",) in aliases and ("Home",) in aliases


# -- incremental updates --------------------------------------------------------------------


def test_second_run_changes_nothing(lab_notebook: Path) -> None:
    run_index(lab_notebook)
    stats = run_index(lab_notebook)
    assert (stats.added, stats.modified, stats.removed, stats.moved) == (0, 0, 0, 0)
    assert (stats.notes, stats.links, stats.broken_links) == (26, 132, 2)


def test_touch_without_change_is_not_modified(open_indexer: Indexer, lab_notebook: Path) -> None:
    path = lab_notebook / EXP_014
    before = file_row(open_indexer.conn, EXP_014)
    bump_mtime(path)
    stats = open_indexer.index()
    assert stats.modified == 0
    after = file_row(open_indexer.conn, EXP_014)
    assert after["mtime_ns"] == path.stat().st_mtime_ns != before["mtime_ns"]
    assert after["content_hash"] == before["content_hash"]
    assert after["updated_at"] == before["updated_at"]
    assert open_indexer.index().modified == 0


def test_changing_a_note_updates_its_links(open_indexer: Indexer, lab_notebook: Path) -> None:
    path = lab_notebook / EXP_014
    path.write_text(
        path.read_text(encoding="utf-8").replace("[[Western blot]]", "[[Gel electrophoresis]]"),
        encoding="utf-8",
    )
    bump_mtime(path)
    stats = open_indexer.index()
    assert (stats.added, stats.modified, stats.removed) == (0, 1, 0)
    assert (stats.links, stats.broken_links) == (132, 1)
    conn = open_indexer.conn
    assert link_status(conn, EXP_014, "Western blot") == []
    assert link_status(conn, EXP_014, "Gel electrophoresis") == ["resolved"]
    assert EXP_014 not in [path for path, _, _ in issues_of(conn)]
    assert [hit.path for hit in queries.search(conn, "Western")] == []  # full text updated
    assert EXP_014 in [hit.path for hit in queries.search(conn, "Gel electrophoresis")]
    assert_consistent(conn)


def test_deleting_a_note_is_soft_and_breaks_links_to_it(
    open_indexer: Indexer, lab_notebook: Path
) -> None:
    conn = open_indexer.conn
    file_id = file_row(conn, "protocols/Cell culture passaging.md")["id"]
    (lab_notebook / "protocols/Cell culture passaging.md").unlink()
    stats = open_indexer.index()
    assert (stats.removed, stats.notes) == (1, 25)
    row = file_row(conn, "protocols/Cell culture passaging.md")
    assert row["id"] == file_id
    assert row["deleted_at"] is not None
    assert link_status(conn, EXP_014, "Cell culture passaging") == ["broken"]  # frontmatter
    assert link_status(conn, EXP_014, "Cell culture passaging#Counting") == ["broken"]
    assert "broken" in link_status(conn, "README.md", "Cell culture passaging")
    assert queries.search(conn, "passaging trypsin") == []
    assert_consistent(conn)


def test_moving_a_file_keeps_its_id(open_indexer: Indexer, lab_notebook: Path) -> None:
    conn = open_indexer.conn
    old = "people/Ana Ribeiro.md"
    new = "people/team/Ana Ribeiro.md"
    file_id = file_row(conn, old)["id"]
    (lab_notebook / "people/team").mkdir()
    (lab_notebook / old).rename(lab_notebook / new)
    stats = open_indexer.index()
    assert (stats.moved, stats.added, stats.removed, stats.modified) == (1, 0, 0, 0)
    row = file_row(conn, new)
    assert row["id"] == file_id and row["deleted_at"] is None
    old_rows = conn.execute("SELECT count(*) FROM file_metadata WHERE path = ?", (old,))
    assert old_rows.fetchone()[0] == 0  # the row itself moved
    targets = conn.execute(
        "SELECT DISTINCT status, target_id FROM link WHERE target = 'Ana Ribeiro'"
    ).fetchall()
    assert targets == [("resolved", file_id)]
    assert stats.broken_links == 2
    assert_consistent(conn)


def test_moving_a_file_back_and_forth(open_indexer: Indexer, lab_notebook: Path) -> None:
    conn = open_indexer.conn
    file_id = file_row(conn, "people/Ana Ribeiro.md")["id"]
    (lab_notebook / "people/Ana Ribeiro.md").rename(lab_notebook / "Ana Ribeiro.md")
    assert open_indexer.index().moved == 1
    (lab_notebook / "Ana Ribeiro.md").rename(lab_notebook / "people/Ana Ribeiro.md")
    stats = open_indexer.index()
    assert stats.moved == 1
    assert file_row(conn, "people/Ana Ribeiro.md")["id"] == file_id
    assert stats.notes == 26
    assert_consistent(conn)


def test_a_full_run_leaves_no_reference_cycles(open_indexer: Indexer) -> None:
    """Everything a run made is freed when it ends, without the cyclic collector: a cycle
    would keep a large run's links in memory, and make the next collection walk them."""
    gc.collect()
    open_indexer.index(full=True)
    assert gc.collect() == 0


def test_tags_differing_only_in_case_are_one_tag(open_indexer: Indexer, lab_notebook: Path) -> None:
    """Whatever the letters (SQLite's NOCASE folds only ASCII), in one run and across runs."""
    conn = open_indexer.conn
    write(lab_notebook, "notes/a.md", "Notes #Ärger and #Assay-Día.\n")
    write(lab_notebook, "notes/b.md", "---\ntags: [ärger]\n---\nMore #assay-día.\n")
    open_indexer.index()
    write(lab_notebook, "notes/c.md", "Later #ÄRGER.\n")
    open_indexer.index()

    def tag_of(path: str) -> set[str]:
        return {
            name
            for (name,) in conn.execute(
                "SELECT t.name FROM file_tag ft JOIN tag t ON t.id = ft.tag_id"
                " JOIN file_metadata f ON f.id = ft.file_id WHERE f.path = ?",
                (path,),
            )
        }

    first = tag_of("notes/a.md")  # each tag keeps the spelling it was first seen with
    assert {name.lower() for name in first} == {"ärger", "assay-día"}
    assert tag_of("notes/b.md") == first
    assert len(tag_of("notes/c.md")) == 1 and tag_of("notes/c.md") < first
    assert_consistent(conn)


def test_creating_and_deleting_the_missing_note(open_indexer: Indexer, lab_notebook: Path) -> None:
    conn = open_indexer.conn
    created = write(lab_notebook, "protocols/Western blot.md", "# Western blot\n\nSteps.\n")
    stats = open_indexer.index()
    assert (stats.added, stats.broken_links) == (1, 1)
    assert link_status(conn, EXP_014, "Western blot") == ["resolved"]
    assert (EXP_014, 18, "link-broken") not in issues_of(conn)
    created.unlink()
    stats = open_indexer.index()
    assert (stats.removed, stats.broken_links) == (1, 2)
    assert link_status(conn, EXP_014, "Western blot") == ["broken"]
    assert (EXP_014, 18, "link-broken") in issues_of(conn)
    write(lab_notebook, "Western blot.md", "again\n")  # re-created elsewhere
    open_indexer.index()
    assert link_status(conn, EXP_014, "Western blot") == ["resolved"]
    assert_consistent(conn)


def test_new_alias_makes_link_ambiguous_then_stem_wins(
    open_indexer: Indexer, lab_notebook: Path
) -> None:
    conn = open_indexer.conn
    pcr_links = conn.execute("SELECT count(*) FROM link WHERE target = 'PCR'").fetchone()[0]
    assert pcr_links == 4
    assert link_status(conn, "README.md", "PCR") == ["resolved"]  # alias of PCR amplification
    write(lab_notebook, "notes/Polymerase.md", "---\naliases: [PCR]\n---\nAlso PCR.\n")
    stats = open_indexer.index()
    assert link_status(conn, "README.md", "PCR") == ["ambiguous"]
    assert stats.ambiguous_links == 1 + pcr_links
    write(lab_notebook, "notes/PCR.md", "# PCR\n")
    open_indexer.index()
    assert link_status(conn, "README.md", "PCR") == ["resolved"]
    target = conn.execute(
        "SELECT DISTINCT t.path FROM link l JOIN file_metadata t ON t.id = l.target_id"
        " WHERE l.target = 'PCR'"
    ).fetchall()
    assert target == [("notes/PCR.md",)]
    (lab_notebook / "notes/PCR.md").unlink()
    (lab_notebook / "notes/Polymerase.md").unlink()
    stats = open_indexer.index()
    assert link_status(conn, "README.md", "PCR") == ["resolved"]
    assert stats.ambiguous_links == 1
    assert_consistent(conn)


def test_removing_an_alias_breaks_links_that_used_it(
    open_indexer: Indexer, lab_notebook: Path
) -> None:
    path = lab_notebook / "README.md"
    path.write_text(path.read_text(encoding="utf-8").replace("aliases: [Home]\n", ""), "utf-8")
    bump_mtime(path)
    open_indexer.index()
    assert link_status(open_indexer.conn, DAILY_0309, "Home") == ["broken"]


def test_heading_change_breaks_anchor_links(open_indexer: Indexer, lab_notebook: Path) -> None:
    conn = open_indexer.conn
    source = "experiments/2026-03-04 PCR optimisation.md"
    assert "resolved" in link_status(conn, DAILY_0309, "PCR amplification#Thermal cycling")
    path = lab_notebook / "protocols/PCR amplification.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("## Thermal cycling", "## Cycling"), "utf-8"
    )
    bump_mtime(path)
    open_indexer.index()
    assert link_status(conn, DAILY_0309, "PCR amplification#Thermal cycling") == ["broken-anchor"]
    assert "resolved" in link_status(conn, source, "PCR amplification")
    assert_consistent(conn)


def test_full_reindex_rewrites_everything(lab_notebook: Path) -> None:
    run_index(lab_notebook)
    stats = run_index(lab_notebook, full=True)
    assert stats.modified == 31
    assert (stats.notes, stats.links, stats.broken_links) == (26, 132, 2)


def test_a_full_run_over_an_index_keeps_ids_and_counts_what_changed(lab_notebook: Path) -> None:
    """A full run reads the index's ids into its own files, not into memory: every file
    keeps its id, a moved one too, and the counts say what changed."""
    run_index(lab_notebook)
    db = lab_notebook / ".codex" / "notebook.db"
    conn = sqlite3.connect(db)
    before = dict(conn.execute("SELECT path, id FROM file_metadata WHERE deleted_at IS NULL"))
    conn.close()
    moved, gone = sorted(path for path in before if path.endswith(".md"))[:2]
    (lab_notebook / moved).rename(lab_notebook / "moved here.md")
    (lab_notebook / gone).unlink()
    (lab_notebook / "new note.md").write_text("# New\n\nSee [[moved here]].\n", encoding="utf-8")
    stats = run_index(lab_notebook, full=True)
    assert (stats.added, stats.moved, stats.removed) == (1, 1, 1)
    assert stats.modified == len(before) - 2
    conn = sqlite3.connect(db)
    after = dict(conn.execute("SELECT path, id FROM file_metadata WHERE deleted_at IS NULL"))
    link = conn.execute("SELECT status, target_id FROM link WHERE target = 'moved here'").fetchone()
    conn.close()
    assert after["moved here.md"] == before[moved]
    assert {p: i for p, i in after.items() if p in before} == {
        p: i for p, i in before.items() if p not in (moved, gone)
    }
    assert link == ("resolved", before[moved])


def test_parser_version_change_triggers_full_reindex(
    lab_notebook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_index(lab_notebook)
    assert run_index(lab_notebook).modified == 0
    monkeypatch.setattr(indexer_module, "PARSER_VERSION", "test-bumped")
    stats = run_index(lab_notebook)
    assert stats.modified == 31
    assert run_index(lab_notebook).modified == 0
    conn = sqlite3.connect(lab_notebook / ".codex" / "notebook.db")
    version = conn.execute("SELECT value FROM meta WHERE key = 'parser_version'").fetchone()
    conn.close()
    assert version == ("test-bumped",)


# -- update_paths (editor buffers, watcher events) ------------------------------------------------


def test_update_paths_with_buffer_text(open_indexer: Indexer, lab_notebook: Path) -> None:
    conn = open_indexer.conn
    on_disk = (lab_notebook / EXP_014).read_text(encoding="utf-8")
    buffer = on_disk.replace("[[Western blot]]", "[[Gel electrophoresis#Loading]] #unsaved")
    stats = open_indexer.update_paths([EXP_014], {EXP_014: buffer})
    assert stats.modified == 1
    assert link_status(conn, EXP_014, "Western blot") == []
    assert link_status(conn, EXP_014, "Gel electrophoresis#Loading") == ["resolved"]
    assert [hit.path for hit in queries.search(conn, "", ["unsaved"])] == [EXP_014]
    assert (lab_notebook / EXP_014).read_text(encoding="utf-8") == on_disk
    # The next scan trusts the disk again.
    open_indexer.index()
    assert link_status(conn, EXP_014, "Western blot") == ["broken"]
    assert queries.search(conn, "", ["unsaved"]) == []
    assert_consistent(conn)


def test_update_paths_new_unsaved_and_deleted_files(
    open_indexer: Indexer, lab_notebook: Path
) -> None:
    conn = open_indexer.conn
    stats = open_indexer.update_paths(
        ["notes/Western blot.md"], {"notes/Western blot.md": "# Western blot\n"}
    )
    assert stats.added == 1
    assert link_status(conn, EXP_014, "Western blot") == ["resolved"]
    (lab_notebook / "people/Ana Ribeiro.md").unlink()
    stats = open_indexer.update_paths(["people/Ana Ribeiro.md"])
    assert stats.removed == 1
    assert set(link_status(conn, "README.md", "Ana Ribeiro")) == {"broken"}
    assert_consistent(conn)


def test_update_paths_from_disk(open_indexer: Indexer, lab_notebook: Path) -> None:
    write(lab_notebook, "Western blot.md", "# WB\n")
    stats = open_indexer.update_paths(["Western blot.md", "Western blot.md"])
    assert stats.added == 1
    assert open_indexer.update_paths(["Western blot.md"]).modified == 0
    assert link_status(open_indexer.conn, EXP_014, "Western blot") == ["resolved"]


# -- sidecars ----------------------------------------------------------------------------------

SIDECAR_JSON = '{"title": "From JSON", "a": "json", "numbers": [1, 2]}'
SIDECAR_XML = "<meta><title>From XML</title><a>xml</a><b>xml</b></meta>"
SIDECAR_MD = "---\ntitle: From MD\na: md\nb: md\nc: md\n---\n"


def test_sidecar_priority_json_over_xml_over_md(open_indexer: Indexer, lab_notebook: Path) -> None:
    write(lab_notebook, "data/plate.csv", "a,b\n1,2\n")
    write(lab_notebook, "data/.plate.csv.json", SIDECAR_JSON)
    write(lab_notebook, "data/.plate.csv.xml", SIDECAR_XML)
    write(lab_notebook, "data/.plate.csv.md", SIDECAR_MD)
    open_indexer.index()
    props = properties(open_indexer.conn, "data/plate.csv")
    assert props == {"title": "From JSON", "a": "json", "b": "xml", "c": "md", "numbers": [1, 2]}
    assert "data/.plate.csv.json" not in live_paths(open_indexer.conn)


def test_frontmatter_wins_over_sidecars(open_indexer: Indexer, lab_notebook: Path) -> None:
    write(lab_notebook, "notes/Assay.md", "---\ntitle: Front\nstatus: done\n---\n# Assay\n")
    write(lab_notebook, "notes/.Assay.md.json", '{"title": "Side", "instrument": "Spectramax9"}')
    open_indexer.index()
    conn = open_indexer.conn
    assert properties(conn, "notes/Assay.md") == {
        "title": "Front",
        "status": "done",
        "instrument": "Spectramax9",
    }
    assert file_row(conn, "notes/Assay.md")["title"] == "Front"
    assert [hit.path for hit in queries.search(conn, "spectramax9")] == ["notes/Assay.md"]


def test_sidecar_changes_are_picked_up(open_indexer: Indexer, lab_notebook: Path) -> None:
    conn = open_indexer.conn
    sidecar = write(lab_notebook, "data/.gel-2026-03-05.png.json", '{"exposure": "0.5 s"}')
    open_indexer.index()
    assert properties(conn, "data/gel-2026-03-05.png") == {"exposure": "0.5 s"}
    sidecar.write_text('{"exposure": "1.0 s", "tags": ["gel"]}', encoding="utf-8")
    bump_mtime(sidecar)
    open_indexer.index()
    assert properties(conn, "data/gel-2026-03-05.png")["exposure"] == "1.0 s"
    assert "data/gel-2026-03-05.png" in [hit.path for hit in queries.search(conn, "", ["gel"])]
    sidecar.unlink()
    open_indexer.index()
    assert properties(conn, "data/gel-2026-03-05.png") == {}
    assert_consistent(conn)


def test_sidecar_removal_via_update_paths(open_indexer: Indexer, lab_notebook: Path) -> None:
    conn = open_indexer.conn
    sidecar = lab_notebook / "data/.qpcr-run-07.csv.json"
    assert properties(conn, "data/qpcr-run-07.csv")
    sidecar.unlink()
    open_indexer.update_paths(["data/.qpcr-run-07.csv.json"])
    assert properties(conn, "data/qpcr-run-07.csv") == {}


def test_invalid_sidecar_is_reported_on_the_sidecar(
    open_indexer: Indexer, lab_notebook: Path
) -> None:
    write(lab_notebook, "data/.gel-2026-03-05.png.json", "{not json")
    write(lab_notebook, "data/.qpcr-run-07.csv.xml", "<unclosed>")
    write(lab_notebook, "data/.qpcr-run-07.csv.md", "---\na: [\n---\n")
    open_indexer.index()
    conn = open_indexer.conn
    assert problem_codes(conn, "data/.gel-2026-03-05.png.json") == ["sidecar-invalid"]
    assert problem_codes(conn, "data/.qpcr-run-07.csv.xml") == ["sidecar-invalid"]
    assert problem_codes(conn, "data/.qpcr-run-07.csv.md") == ["sidecar-invalid"]
    assert problem_codes(conn, "data/qpcr-run-07.csv") == []
    (line,) = conn.execute(
        "SELECT start_line FROM problem WHERE path = 'data/.qpcr-run-07.csv.md'"
    ).fetchone()
    assert line == 2  # where the YAML stops, not the top of the file
    assert properties(conn, "data/qpcr-run-07.csv")["instrument"] == "QuantStudio 5"


# -- what is (not) indexed -----------------------------------------------------------------------


def test_gitignore_and_exclude_globs(lab_notebook: Path) -> None:
    write(lab_notebook, ".gitignore", "ignored/\n*.tmp.md\n")
    write(lab_notebook, "ignored/a.md", "x")
    write(lab_notebook, "notes/draft.tmp.md", "x")
    write(lab_notebook, "sub/.gitignore", "secret.md\n")
    write(lab_notebook, "sub/secret.md", "x")
    write(lab_notebook, "sub/ok.md", "x")
    write(lab_notebook, "secret.md", "not ignored at the root")
    config = lab_notebook / ".codex/config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + '  - "scratch/*.md"\n', "utf-8")
    write(lab_notebook, "scratch/x.md", "x")
    write(lab_notebook, "scratch/keep.png", "x")
    write(lab_notebook, "drafts/public.md", "x")
    run_index(lab_notebook)
    conn = connect(lab_notebook / ".codex/notebook.db")
    paths = live_paths(conn)
    conn.close()
    for skipped in (
        "ignored/a.md",
        "notes/draft.tmp.md",
        "sub/secret.md",
        "scratch/x.md",
        "drafts/private/Grant ideas.md",
    ):
        assert skipped not in paths
    for kept in ("sub/ok.md", "secret.md", "scratch/keep.png", "drafts/public.md"):
        assert kept in paths


def test_hidden_and_tool_folders_are_skipped(lab_notebook: Path) -> None:
    for rel in (
        ".obsidian/workspace.md",
        ".trash/old.md",
        ".git/info.md",
        "node_modules/pkg/README.md",
        "notes/node_modules/x.md",
        ".hidden/a.md",
        "notes/.hidden.md",
    ):
        write(lab_notebook, rel, "# hidden\n")
    write(lab_notebook, "notes/visible.md", "# visible\n")
    stats = run_index(lab_notebook)
    assert stats.notes == 27


def test_nested_notebook_is_indexed_separately(lab_notebook: Path) -> None:
    nested = lab_notebook / "projects/collab"
    (nested / ".codex").mkdir(parents=True)
    write(nested, "Shared.md", "# Shared\n[[Plasmid library screen]] #collab\n")
    write(nested, "deeper/More.md", "[[Shared]]\n")
    outer = run_index(lab_notebook)
    assert outer.notes == 26
    inner = run_index(nested)
    assert (inner.notes, inner.links, inner.broken_links) == (2, 2, 1)
    assert (nested / ".codex/notebook.db").is_file()
    found = discover(lab_notebook)
    assert [(n.root, n.explicit) for n in found] == [(lab_notebook, True), (nested, True)]
    conn = connect(lab_notebook / ".codex/notebook.db")
    assert not any(p.startswith("projects/collab") for p in live_paths(conn))
    assert queries.search(conn, "", ["collab"]) == []
    conn.close()


def test_implicit_notebook_writes_nothing_into_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lab_notebook: Path
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    folder = tmp_path / "plain"
    for source in lab_notebook.rglob("*.md"):
        rel = source.relative_to(lab_notebook)
        if not rel.parts[0].startswith("."):
            write(folder, str(rel), source.read_text(encoding="utf-8"))

    def snapshot() -> dict[str, tuple[int, int]]:
        return {
            str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*")
        }

    before = snapshot()
    [notebook] = discover(folder)
    assert not notebook.explicit
    assert notebook.db_path.is_relative_to(cache / "codex-lsp")
    assert notebook.db_path.parent == cache_dir_for(folder)
    stats = run_index(folder, explicit=False)
    assert stats.notes == 27  # no exclude config here: drafts/private is indexed
    assert notebook.db_path.is_file()
    assert snapshot() == before
    assert not (folder / ".codex").exists()


# -- hostile and broken files ----------------------------------------------------------------------


def test_bad_files_are_reported_not_fatal(lab_notebook: Path, tmp_path: Path) -> None:
    config = lab_notebook / ".codex/config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "max_file_size: 2000\n", "utf-8")
    (lab_notebook / "bad").mkdir()
    (lab_notebook / "bad/binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 4)
    (lab_notebook / "bad/nul.md").write_bytes(b"# NUL\n```\n\x00\x00 dump\n```\n[[Home]]\n")
    (lab_notebook / "bad/latin1.md").write_bytes("# Caf\xe9\n[[Home]]\n".encode("latin-1"))
    (lab_notebook / "bad/huge.md").write_text("# Huge\n" + "[[Home]] word\n" * 500, "utf-8")
    (lab_notebook / "bad/dangling.md").symlink_to(lab_notebook / "bad/nothing-here.md")
    (lab_notebook / "bad/loop").symlink_to(lab_notebook / "bad")
    (lab_notebook / "bad/self.md").symlink_to(lab_notebook / "bad/self.md")
    outside = tmp_path / "outside"
    write(outside, "secret.md", "# Secret outside\n")
    (lab_notebook / "bad/outside-dir").symlink_to(outside)
    (lab_notebook / "bad/outside.md").symlink_to(outside / "secret.md")
    (lab_notebook / "bad/inside.md").symlink_to(lab_notebook / "people/Ana Ribeiro.md")

    stats = run_index(lab_notebook)
    conn = connect(lab_notebook / ".codex/notebook.db")
    try:
        assert problem_codes(conn, "bad/binary.md") == ["binary"]
        assert problem_codes(conn, "bad/latin1.md") == ["bad-encoding"]
        assert problem_codes(conn, "bad/nul.md") == []  # valid UTF-8: text with a few NULs
        assert link_status(conn, "bad/nul.md", "Home") == ["resolved"]
        assert problem_codes(conn, "bad/huge.md") == ["too-large"]
        for rel in ("bad/dangling.md", "bad/loop", "bad/self.md", "bad/outside-dir"):
            assert problem_codes(conn, rel) == ["scan"], rel
        assert problem_codes(conn, "bad/outside.md") == ["scan"]
        paths = live_paths(conn)
        assert {"bad/binary.md", "bad/latin1.md", "bad/huge.md", "bad/inside.md"} <= paths
        assert not any("outside" in p or "loop" in p for p in paths)
        assert queries.search(conn, "Secret outside") == []
        assert file_row(conn, "bad/latin1.md")["title"] == "Caf\ufffd"
        assert link_status(conn, "bad/latin1.md", "Home") == ["resolved"]
        assert link_status(conn, "bad/huge.md", "Home") == []
        messages = {i.path: i.message for i in queries.check(conn)}
        assert "loop" in messages["bad/loop"]
        assert "outside" in messages["bad/outside-dir"]
        assert_consistent(conn)
    finally:
        conn.close()
    assert stats.notes == 26 + 5
    again = run_index(lab_notebook)
    assert (again.added, again.modified, again.removed) == (0, 0, 0)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read files whatever their mode")
def test_unreadable_file_and_folder(lab_notebook: Path) -> None:
    locked = write(lab_notebook, "notes/locked.md", "# Locked\n")
    locked_dir = lab_notebook / "closed"
    write(lab_notebook, "closed/inside.md", "x")
    locked.chmod(0)
    locked_dir.chmod(0)
    try:
        stats = run_index(lab_notebook)
        conn = connect(lab_notebook / ".codex/notebook.db")
        codes = problem_codes(conn, "notes/locked.md")
        folder_codes = problem_codes(conn, "closed")
        conn.close()
    finally:
        locked.chmod(0o644)
        locked_dir.chmod(0o755)
    assert codes == ["unreadable"]
    assert folder_codes == ["scan"]
    assert stats.notes == 26


def test_note_that_becomes_unreadable_is_reported(
    open_indexer: Indexer, lab_notebook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading fails after the scan saw the file (e.g. permissions, or it vanished)."""
    real_read = reader.read_bytes

    def failing(file: str, size: int) -> bytes:
        if os.path.basename(file) == "Ana Ribeiro.md":
            raise PermissionError(13, "Permission denied")
        return real_read(file, size)

    path = lab_notebook / "people/Ana Ribeiro.md"
    bump_mtime(path)
    monkeypatch.setattr(reader, "read_bytes", failing)
    open_indexer.index()
    assert problem_codes(open_indexer.conn, "people/Ana Ribeiro.md") == ["unreadable"]


# -- the database file ---------------------------------------------------------------------------


def test_corrupt_database_is_moved_aside_and_rebuilt(
    lab_notebook: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = lab_notebook / ".codex/notebook.db"
    db.write_bytes(b"this is not a database at all" * 200)
    with caplog.at_level(logging.WARNING):
        stats = run_index(lab_notebook)
    assert stats.notes == 26
    aside = sorted(p.name for p in db.parent.glob("notebook.db.corrupt-*"))
    assert len(aside) == 1
    assert any("damaged" in r.getMessage() and aside[0] in r.getMessage() for r in caplog.records)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_truncated_database_is_rebuilt(lab_notebook: Path) -> None:
    run_index(lab_notebook)
    db = lab_notebook / ".codex/notebook.db"
    data = db.read_bytes()
    db.write_bytes(data[:4096] + b"\xff" * 4096)
    stats = run_index(lab_notebook)
    assert (stats.notes, stats.links) == (26, 132)


def test_foreign_database_is_moved_aside(
    lab_notebook: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = lab_notebook / ".codex/notebook.db"
    other = sqlite3.connect(db)
    other.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    other.execute("INSERT INTO users (name) VALUES ('someone')")
    other.commit()
    other.close()
    with caplog.at_level(logging.WARNING):
        stats = run_index(lab_notebook)
    assert stats.notes == 26
    [aside] = db.parent.glob("notebook.db.foreign-*")
    kept = sqlite3.connect(aside)
    assert kept.execute("SELECT name FROM users").fetchall() == [("someone",)]
    kept.close()
    assert any("not a codex-lsp database" in r.getMessage() for r in caplog.records)


def test_database_from_newer_version_is_refused(lab_notebook: Path) -> None:
    db = lab_notebook / ".codex/notebook.db"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 999")
    conn.execute("CREATE TABLE future (x)")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="newer"):
        connect(db)
    assert db.exists()


def test_readers_are_not_blocked_by_a_writer(open_indexer: Indexer) -> None:
    db = open_indexer.notebook.db_path
    writer = open_indexer.conn
    with transaction(writer):
        writer.execute("UPDATE file_metadata SET title = 'changing' WHERE path = 'README.md'")
        reader = sqlite3.connect(db, timeout=0.5)
        try:
            started = time.monotonic()
            count = reader.execute("SELECT count(*) FROM file_metadata").fetchone()[0]
            title = reader.execute(
                "SELECT title FROM file_metadata WHERE path = 'README.md'"
            ).fetchone()[0]
            assert time.monotonic() - started < 0.5
            assert queries.search(reader, "transfection")
        finally:
            reader.close()
    assert count == 31
    assert title == "Lab notebook"  # the reader sees the last committed state


def test_second_writer_waits_for_the_first(open_indexer: Indexer) -> None:
    db = open_indexer.notebook.db_path
    writer = open_indexer.conn
    released = threading.Event()

    def hold() -> None:
        with transaction(writer):
            writer.execute("UPDATE meta SET value = value WHERE key = 'parser_version'")
            released.wait(5)
            time.sleep(0.3)

    thread = threading.Thread(target=hold)
    thread.start()
    time.sleep(0.1)
    second = Indexer(Notebook(open_indexer.notebook.root, explicit=True), connect(db))
    try:
        released.set()
        stats = second.index()
    finally:
        second.close()
        thread.join()
    assert (stats.notes, stats.modified) == (26, 0)


# -- concurrency across processes ---------------------------------------------------------------


def generate_notebook(root: Path, notes: int) -> None:
    """A notebook of ``notes`` small interlinked notes in 15 folders."""
    (root / ".codex").mkdir(parents=True)
    for number in range(notes):
        folder = root / f"folder-{number % 15:02d}"
        folder.mkdir(exist_ok=True)
        links = " ".join(f"[[Note {(number * 7 + k) % (notes + 20):04d}]]" for k in range(4))
        (folder / f"Note {number:04d}.md").write_text(
            textwrap.dedent(
                f"""\
                ---
                title: Note {number}
                tags: [gen/t{number % 9}, batch]
                ---
                # Note {number}

                Sample {number} was measured; see {links} #assay/n{number % 5}.
                """
            ),
            encoding="utf-8",
        )


def test_two_processes_index_the_same_notebook(tmp_path: Path) -> None:
    root = tmp_path / "big"
    generate_notebook(root, 1500)
    command = [sys.executable, "-m", "codex_lsp", "index", str(root), "--json"]
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for _ in range(2)
    ]
    results = [proc.communicate(timeout=120) for proc in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err.decode()
        stats = json.loads(out)["notebooks"][0]["stats"]
        assert stats["notes"] == 1500
        assert stats["added"] in (0, 1500)
    added = sorted(json.loads(out)["notebooks"][0]["stats"]["added"] for out, _ in results)
    assert added == [0, 1500]
    conn = sqlite3.connect(root / ".codex/notebook.db")
    try:
        assert_consistent(conn)
        assert conn.execute("SELECT count(*) FROM file_metadata").fetchone()[0] == 1500
        assert queries.check(conn)  # links to notes 1500..1519 are broken
    finally:
        conn.close()


def open_when(path: str, start: float) -> str:
    """Worker: wait for ``start``, then open (creating) the database at ``path``."""
    while time.time() < start:
        pass
    try:
        conn = connect(Path(path))
        conn.execute("SELECT count(*) FROM file_metadata").fetchone()
        conn.close()
    except Exception as exc:  # reported to the test
        return repr(exc)
    return "ok"


def test_processes_creating_the_database_at_once(tmp_path: Path) -> None:
    """Opening a new database from several processes at the same moment (the WAL switch
    and the schema creation race) never moves it aside and never fails."""
    context = multiprocessing.get_context("fork")
    with context.Pool(6) as pool:
        for attempt in range(12):
            db = tmp_path / f"round-{attempt}" / "notebook.db"
            db.parent.mkdir()
            start = time.time() + 0.1
            results = pool.starmap(open_when, [(str(db), start)] * 6)
            assert results == ["ok"] * 6
            assert sorted(p.name for p in db.parent.iterdir() if ".db." in p.name) == []


def _indexed_as_version(notebook: Path, version: int, *statements: str) -> Path:
    """Index ``notebook``, then make its database look like one of schema ``version`` (by
    ``statements``); the database's path."""
    run_index(notebook)
    db_path = notebook / ".codex" / "notebook.db"
    conn = sqlite3.connect(db_path)
    for statement in statements:
        conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()
    return db_path


def test_version_1_database_gets_the_label_key_column(lab_notebook: Path) -> None:
    """Schema v2 adds the links' label key to a table that lacks it; the next run fills it."""
    db_path = _indexed_as_version(
        lab_notebook, 1, "DROP INDEX link_label_key", "ALTER TABLE link DROP COLUMN label_key"
    )
    run_index(lab_notebook, full=True)
    conn = sqlite3.connect(db_path)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(link)")]
    labelled = conn.execute("SELECT count(*) FROM link WHERE label_key IS NOT NULL").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    assert columns.count("label_key") == 1
    assert labelled > 0
    assert version == SCHEMA_VERSION


def test_version_3_database_gets_the_current_search_index(lab_notebook: Path) -> None:
    """Schemas v4 and v6 rebuild the full-text table; the next run refills it from the notes."""
    db_path = _indexed_as_version(
        lab_notebook,
        3,
        "DROP TABLE search_index",
        "CREATE VIRTUAL TABLE search_index USING fts5(file_id UNINDEXED, path UNINDEXED,"
        " title, content, tags, tokenize = 'unicode61 remove_diacritics 2')",
    )
    stats = run_index(lab_notebook)
    assert stats.modified == 31  # a full run
    conn = sqlite3.connect(db_path)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'search_index'").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    rows = conn.execute("SELECT count(*) FROM search_index").fetchone()[0]
    conn.close()
    assert "folded" in sql and "detail" not in sql  # v6: names searchable, positions kept
    assert (version, rows) == (SCHEMA_VERSION, 31)


def test_version_4_database_gets_a_partial_label_index_and_a_larger_search_buffer(
    lab_notebook: Path,
) -> None:
    """Schema v5: the label-key index holds only links with one; FTS5 buffers more postings.
    Runs after the migration use and keep both."""
    db_path = _indexed_as_version(
        lab_notebook,
        4,
        "DROP INDEX link_label_key",
        "CREATE INDEX link_label_key ON link(label_key)",
        "DELETE FROM search_index_config WHERE k = 'hashsize'",
    )
    run_index(lab_notebook)
    run_index(lab_notebook, full=True)
    conn = sqlite3.connect(db_path)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'link_label_key'").fetchone()
    config = conn.execute("SELECT v FROM search_index_config WHERE k = 'hashsize'").fetchone()
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM link WHERE target_key IN ('a') OR label_key IN ('b')"
    ).fetchall()
    conn.close()
    assert sql == ("CREATE INDEX link_label_key ON link(label_key) WHERE label_key IS NOT NULL",)
    assert (config, version) == ((SEARCH_HASH_SIZE,), SCHEMA_VERSION)
    assert any("USING INDEX link_label_key" in row[-1] for row in plan)


def test_full_run_skips_fsync_only_while_it_runs(
    open_indexer: Indexer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full run writes with synchronous=OFF; afterwards the connection is NORMAL again."""
    seen: list[int] = []
    real_apply = Indexer._apply

    def spying(self: Indexer, *args: Any, **kwargs: Any) -> None:
        seen.append(self.conn.execute("PRAGMA synchronous").fetchone()[0])
        real_apply(self, *args, **kwargs)

    monkeypatch.setattr(Indexer, "_apply", spying)
    open_indexer.index(full=True)
    open_indexer.index()
    assert seen == [0, 1]  # OFF during the full run, NORMAL during the incremental one
    assert open_indexer.conn.execute("PRAGMA synchronous").fetchone()[0] == 1


def test_full_run_passes_after_its_writes_use_a_small_page_cache(
    open_indexer: Indexer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a full run's writes, its git and schema passes use a small page cache (their
    peak memory is the run's); the connection has its own size again afterwards."""
    conn = open_indexer.conn
    conn.execute("PRAGMA cache_size = -3000")
    seen: list[int] = []
    real_sync = indexer_module.safe_sync

    def spying(sync_conn: sqlite3.Connection, *args: Any, **kwargs: Any) -> Any:
        seen.append(sync_conn.execute("PRAGMA cache_size").fetchone()[0])
        return real_sync(sync_conn, *args, **kwargs)

    monkeypatch.setattr(indexer_module, "safe_sync", spying)
    open_indexer.index(full=True)
    open_indexer.index()
    assert seen == [indexer_module.PASS_CACHE_SIZE, -3000]
    assert conn.execute("PRAGMA cache_size").fetchone()[0] == -3000


def search_merging(conn: sqlite3.Connection) -> dict[str, int]:
    """The full-text index's merge settings stored in the database."""
    rows = conn.execute(
        "SELECT k, v FROM search_index_config WHERE k IN ('automerge', 'crisismerge')"
    )
    return dict(rows.fetchall())


def test_full_run_writes_full_text_segments_unmerged_then_resumes_merging(
    open_indexer: Indexer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full run pauses FTS5's merges (their levels would make its cost per note grow with
    the notebook) and resumes them at its end; an incremental run merges as usual."""
    conn = open_indexer.conn
    # A tiny buffer: the run writes a segment every few notes, as a large notebook does.
    conn.execute("INSERT INTO search_index(search_index, rank) VALUES ('hashsize', 512)")
    seen: list[dict[str, int]] = []
    real_apply = Indexer._apply

    def spying(self: Indexer, *args: Any, **kwargs: Any) -> None:
        seen.append(search_merging(self.conn))
        real_apply(self, *args, **kwargs)

    monkeypatch.setattr(Indexer, "_apply", spying)
    open_indexer.index(full=True)
    open_indexer.index()
    paused = {"automerge": 0, "crisismerge": SEARCH_CRISIS_MERGE}
    merging = {"automerge": SEARCH_AUTOMERGE, "crisismerge": SEARCH_CRISIS_MERGE}
    assert seen == [paused, merging]
    assert search_merging(conn) == merging
    conn.execute("INSERT INTO search_index(search_index) VALUES ('integrity-check')")
    found = queries.search(conn, "transfection")
    assert EXP_014 in {hit.path for hit in found}


def test_a_new_database_has_large_pages_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    """Pages of ``PAGE_SIZE`` bytes keep a full run's WAL look-ups cheap; a database made
    with other pages is opened and migrated as it is."""
    new = connect(tmp_path / "new.db")
    assert new.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
    new.close()
    old_path = tmp_path / "old.db"
    made = sqlite3.connect(old_path)
    made.execute("PRAGMA page_size = 4096")
    made.execute("CREATE TABLE other (x)")  # the file exists with its pages
    made.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    made.close()
    old = connect(old_path)
    assert old.execute("PRAGMA page_size").fetchone()[0] == 4096
    assert old.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    old.close()


def test_anchor_tables_are_read_from_their_indexes_without_a_sort(
    open_indexer: Indexer,
) -> None:
    """The headings of some files (resolving anchors, catalogs) are read from the heading
    index in their order, with no sort; their block ids from the block index alone. A
    database of schema 6 is migrated."""
    conn = open_indexer.conn
    for index, target in (("heading_file", "heading(file_id)"), ("block_file", "block(file_id)")):
        conn.execute(f"DROP INDEX {index}")  # as a database of schema 6 had them
        conn.execute(f"CREATE INDEX {index} ON {target}")
    conn.execute("PRAGMA user_version = 6")
    reopened = Indexer(open_indexer.notebook)
    reopened.index()

    def plan(sql: str) -> str:
        rows = reopened.conn.execute(f"EXPLAIN QUERY PLAN {sql}", ("a", "b")).fetchall()
        return " / ".join(row[-1] for row in rows)

    headings = plan(
        "SELECT file_id, text, slug, level FROM heading WHERE file_id IN (?, ?)"
        " ORDER BY file_id, seq"
    )
    blocks = plan("SELECT file_id, block_id FROM block WHERE file_id IN (?, ?)")
    reopened.close()
    assert "USING INDEX heading_file" in headings
    assert "TEMP B-TREE" not in headings
    assert "USING COVERING INDEX block_file" in blocks


def test_read_bytes_reads_a_file_to_its_end_whatever_size_was_taken(tmp_path: Path) -> None:
    """The size from the scan is a hint: a file that grew or shrank since is read whole."""
    path = tmp_path / "note.md"
    content = bytes(range(256)) * 1000
    path.write_bytes(content)
    for size in (0, 10, len(content) - 1, len(content), len(content) + 1, 10 * len(content)):
        assert reader.read_bytes(str(path), size) == content
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    assert reader.read_bytes(str(empty), 5) == b""


def test_full_run_builds_its_link_indexes_after_its_commit_while_checkpointing(
    lab_notebook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The data of a full run is committed first; its link indexes (and the file table's
    look-up indexes) are built in a second transaction while another connection
    checkpoints; the WAL is empty afterwards."""
    seen: list[tuple[int, list[str], list[str]]] = []
    real = indexer_module.checkpoint_alongside

    def spying(conn: sqlite3.Connection) -> Any:
        path = conn.execute("PRAGMA database_list").fetchone()[2]
        other = sqlite3.connect(path)
        links = other.execute("SELECT count(*) FROM link").fetchone()[0]
        indexes = link_indexes(other)
        file_indexes = link_indexes(other, "file_metadata")
        other.close()
        seen.append((links, indexes, file_indexes))
        return real(conn)

    monkeypatch.setattr(indexer_module, "checkpoint_alongside", spying)
    stats = run_index(lab_notebook, full=True)
    assert seen == [(stats.links, [], [])]  # committed, not yet indexed
    conn = sqlite3.connect(lab_notebook / ".codex" / "notebook.db")
    indexes = len(link_indexes(conn))
    file_indexes = link_indexes(conn, "file_metadata")
    busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    conn.close()
    assert indexes == 4
    assert file_indexes == ["file_hash", "file_lookup"]
    assert (busy, frames) == (0, copied)


def test_link_indexes_missing_after_a_stopped_full_run_are_built_by_the_next_run(
    lab_notebook: Path,
) -> None:
    """A full run that stopped between its two transactions left its links without indexes."""
    run_index(lab_notebook)
    conn = sqlite3.connect(lab_notebook / ".codex" / "notebook.db")
    for name in ("link_source", "link_key", "link_target", "link_label_key"):
        conn.execute(f"DROP INDEX {name}")
    conn.commit()
    conn.close()
    stats = run_index(lab_notebook)
    assert stats.added + stats.modified == 0  # nothing else to do
    conn = sqlite3.connect(lab_notebook / ".codex" / "notebook.db")
    indexes = len(link_indexes(conn))
    conn.close()
    assert indexes == 4


def test_deleting_a_note_breaks_links_to_its_alias(
    open_indexer: Indexer, lab_notebook: Path
) -> None:
    """A whole-notebook run reads the alias keys of the files it removes, not of every file."""
    assert link_status(open_indexer.conn, DAILY_0309, "Home") == ["resolved"]
    (lab_notebook / "README.md").unlink()
    open_indexer.index()
    assert link_status(open_indexer.conn, DAILY_0309, "Home") == ["broken"]


def test_a_job_alongside_a_block_runs_beside_it_and_its_failure_is_raised_after() -> None:
    """``on_thread_alongside``: the link index build and the checkpoint of a full run."""
    import threading

    from codex_lsp.storage.database import on_thread_alongside

    started = threading.Event()
    with on_thread_alongside(started.set, "codex-test"):
        assert started.wait(10)  # the job runs while the block does

    def fail() -> None:
        raise RuntimeError("the build failed")

    finished_block = False
    with (
        pytest.raises(RuntimeError, match="the build failed"),
        on_thread_alongside(fail, "codex-test"),
    ):
        finished_block = True
    assert finished_block
