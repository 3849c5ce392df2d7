"""Reads the editor features need: note names, headings, backlinks, tag places, symbols.

Every function takes a read connection and returns plain data; positions are the stored
LSP positions (0-based line, UTF-16 column).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..core.model import Block, Position, Range


@dataclass(frozen=True, slots=True)
class NoteName:
    """A file as completion and workspace symbols list it."""

    path: str
    title: str
    aliases: tuple[str, ...]
    is_note: bool


@dataclass(frozen=True, slots=True)
class Place:
    """A range in a file of the notebook."""

    path: str
    range: Range


@dataclass(frozen=True, slots=True)
class HeadingRow:
    """A heading of a stored note."""

    path: str
    level: int
    text: str
    slug: str
    range: Range


@dataclass(frozen=True, slots=True)
class LinkRow:
    """A stored link with where it leads."""

    path: str
    kind: str
    target: str
    anchor: str | None
    is_block: bool
    label: str | None
    range: Range
    target_range: Range
    status: str
    target_path: str | None


def _range(a: int | None, b: int | None, c: int | None, d: int | None) -> Range:
    return Range(Position(a or 0, b or 0), Position(c or 0, d or 0))


def note_names(conn: sqlite3.Connection) -> list[NoteName]:
    """Every live file with its title and aliases, notes first."""
    return [NoteName(*row) for row in note_name_rows(conn)]


def note_name_rows(conn: sqlite3.Connection) -> Iterator[tuple[str, str, tuple[str, ...], bool]]:
    """The fields of :func:`note_names` (path, title, aliases, is_note), notes first, then by
    path, one file at a time (read all before the connection is used for anything else)."""
    aliases: dict[str, list[str]] = {}
    for file_id, alias in conn.execute("SELECT file_id, alias FROM alias"):
        aliases.setdefault(file_id, []).append(alias)
    for file_id, path, title, is_note in conn.execute(
        "SELECT id, path, title, is_note FROM file_metadata WHERE deleted_at IS NULL"
        " ORDER BY is_note DESC, path"
    ):
        yield path, title or path, tuple(aliases.get(file_id, ())), bool(is_note)


def note_name_rows_at(
    conn: sqlite3.Connection, paths: Iterable[str]
) -> dict[str, tuple[str, str, tuple[str, ...], bool]]:
    """The rows of :func:`note_name_rows` of the live files at ``paths`` (a path with no live
    file is left out)."""
    found = {}
    for path in paths:
        row = conn.execute(
            "SELECT id, title, is_note FROM file_metadata WHERE path = ? AND deleted_at IS NULL",
            (path,),
        ).fetchone()
        if row is not None:
            file_id, title, is_note = row
            aliases = conn.execute(
                "SELECT alias FROM alias WHERE file_id = ? ORDER BY rowid", (file_id,)
            ).fetchall()
            found[path] = (path, title or path, tuple(a for (a,) in aliases), bool(is_note))
    return found


def headings_of(conn: sqlite3.Connection, path: str) -> list[HeadingRow]:
    """Headings of the note at ``path`` in document order."""
    return [
        HeadingRow(path, level, text, slug, _range(a, b, c, d))
        for level, text, slug, a, b, c, d in conn.execute(
            "SELECT h.level, h.text, h.slug, h.start_line, h.start_char, h.end_line, h.end_char"
            " FROM heading h JOIN file_metadata f ON f.id = h.file_id"
            " WHERE f.path = ? AND f.deleted_at IS NULL ORDER BY h.seq",
            (path,),
        )
    ]


def blocks_of(conn: sqlite3.Connection, path: str) -> list[Block]:
    """Block ids of the note at ``path`` with the range of their ``^id``."""
    return [
        Block(block_id, _range(a, b, c, d))
        for block_id, a, b, c, d in conn.execute(
            "SELECT b.block_id, b.start_line, b.start_char, b.end_line, b.end_char"
            " FROM block b JOIN file_metadata f ON f.id = b.file_id"
            " WHERE f.path = ? AND f.deleted_at IS NULL",
            (path,),
        )
    ]


_LINK_COLUMNS = (
    "SELECT f.path, l.kind, l.target, l.anchor, l.is_block, l.label, l.start_line, l.start_char,"
    " l.end_line, l.end_char, l.target_start_line, l.target_start_char, l.target_end_line,"
    " l.target_end_char, l.status, t.path FROM link l"
    " JOIN file_metadata f ON f.id = l.source_id"
    " LEFT JOIN file_metadata t ON t.id = l.target_id"
)


def _link_rows(rows: Any) -> list[LinkRow]:
    return [
        LinkRow(
            path,
            kind,
            target,
            anchor,
            bool(is_block),
            label,
            _range(a, b, c, d),
            _range(e, f, g, h),
            status,
            target_path,
        )
        for (
            path,
            kind,
            target,
            anchor,
            is_block,
            label,
            a,
            b,
            c,
            d,
            e,
            f,
            g,
            h,
            status,
            target_path,
        ) in rows
    ]


def links_to(conn: sqlite3.Connection, path: str) -> list[LinkRow]:
    """Every stored link that leads to the file at ``path`` (backlinks), any anchor."""
    return _link_rows(
        conn.execute(
            _LINK_COLUMNS + " WHERE t.path = ? AND f.deleted_at IS NULL"
            " ORDER BY f.path, l.start_line, l.start_char",
            (path,),
        )
    )


def backlink_counts(conn: sqlite3.Connection, paths: list[str]) -> dict[str, int]:
    """Number of links (from other places) leading to each of ``paths``."""
    if not paths:
        return {}
    marks = ",".join("?" * len(paths))
    rows = conn.execute(
        "SELECT t.path, count(*) FROM link l JOIN file_metadata t ON t.id = l.target_id"
        f" WHERE t.path IN ({marks}) GROUP BY t.path",
        paths,
    )
    return {path: count for path, count in rows}


def tag_places(conn: sqlite3.Connection, tag: str) -> list[tuple[Place, str, str]]:
    """Where ``tag`` and its nested children are written: (place, tag name, source)."""
    escaped = tag.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = conn.execute(
        "SELECT f.path, t.name, ft.source, ft.start_line, ft.start_char, ft.end_line,"
        " ft.end_char FROM file_tag ft JOIN tag t ON t.id = ft.tag_id"
        " JOIN file_metadata f ON f.id = ft.file_id AND f.deleted_at IS NULL"
        " WHERE (t.name = ? COLLATE NOCASE OR t.name LIKE ? ESCAPE '\\')"
        " AND ft.start_line IS NOT NULL ORDER BY f.path, ft.start_line, ft.start_char",
        (tag, escaped + "/%"),
    )
    return [
        (Place(path, _range(a, b, c, d)), name, source) for path, name, source, a, b, c, d in rows
    ]


def tag_file_count(conn: sqlite3.Connection, tag: str) -> int:
    """Number of live files carrying ``tag`` (or a nested child)."""
    escaped = tag.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    row = conn.execute(
        "SELECT count(DISTINCT ft.file_id) FROM file_tag ft JOIN tag t ON t.id = ft.tag_id"
        " JOIN file_metadata f ON f.id = ft.file_id AND f.deleted_at IS NULL"
        " WHERE t.name = ? COLLATE NOCASE OR t.name LIKE ? ESCAPE '\\'",
        (tag, escaped + "/%"),
    ).fetchone()
    return int(row[0])


def all_headings(conn: sqlite3.Connection, pattern: str, limit: int) -> list[HeadingRow]:
    """Headings whose text matches a SQL LIKE ``pattern`` (for workspace symbols)."""
    return [
        HeadingRow(path, level, text, slug, _range(a, b, c, d))
        for path, level, text, slug, a, b, c, d in conn.execute(
            "SELECT f.path, h.level, h.text, h.slug, h.start_line, h.start_char, h.end_line,"
            " h.end_char FROM heading h JOIN file_metadata f ON f.id = h.file_id"
            " WHERE f.deleted_at IS NULL AND h.text LIKE ? ESCAPE '\\' LIMIT ?",
            (pattern, limit),
        )
    ]


def file_summary(conn: sqlite3.Connection, path: str) -> tuple[str, dict[str, Any]] | None:
    """Title and merged metadata of a live file."""
    row = conn.execute(
        "SELECT title, properties FROM file_metadata WHERE path = ? AND deleted_at IS NULL",
        (path,),
    ).fetchone()
    if row is None:
        return None
    try:
        properties = json.loads(row[1] or "{}")
    except ValueError:
        properties = {}
    return row[0], properties if isinstance(properties, dict) else {}


def notebook_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Notes, attachments, links and tags of the notebook."""

    def count(sql: str) -> int:
        return int(conn.execute(sql).fetchone()[0])

    live = "SELECT count(*) FROM file_metadata WHERE deleted_at IS NULL"
    return {
        "notes": count(live + " AND is_note = 1"),
        "attachments": count(live + " AND is_note = 0"),
        "links": count("SELECT count(*) FROM link"),
        "tags": count("SELECT count(DISTINCT tag_id) FROM file_tag"),
    }
