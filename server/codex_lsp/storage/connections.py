"""What a note is connected to: the notes linking to it, the links it makes, its tags.

Reads the index only (the text around each backlink comes from the adapter, which knows the
open buffers). Positions are the stored LSP positions (0-based line, UTF-16 column).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..core.model import Range
from ..core.resolve import LinkStatus
from .lookups import LinkRow, links_to

_LINK_COLUMNS = (
    "SELECT l.target, l.anchor, l.is_block, l.start_line, l.start_char, l.end_line,"
    " l.end_char, l.status, t.path, t.title FROM link l"
    " JOIN file_metadata f ON f.id = l.source_id"
    " LEFT JOIN file_metadata t ON t.id = l.target_id AND t.deleted_at IS NULL"
    " WHERE f.path = ? AND f.deleted_at IS NULL ORDER BY l.start_line, l.start_char"
)
_TITLES = "SELECT path, title FROM file_metadata WHERE deleted_at IS NULL AND path = ?"
_TAGS = (
    "SELECT DISTINCT t.name FROM file_tag ft JOIN tag t ON t.id = ft.tag_id"
    " JOIN file_metadata f ON f.id = ft.file_id WHERE f.path = ? AND f.deleted_at IS NULL"
)
_BROKEN = {LinkStatus.BROKEN.value, LinkStatus.BROKEN_ANCHOR.value}


@dataclass(frozen=True, slots=True)
class Backlink:
    """A line of another note that links to this one (its first link on that line)."""

    path: str
    title: str
    range: Range


@dataclass(frozen=True, slots=True)
class OutgoingLink:
    """A link written in this note, with the file it leads to (None when broken)."""

    target: str
    range: Range
    path: str | None
    title: str | None
    broken: bool


@dataclass(frozen=True, slots=True)
class Connections:
    """Everything ``connections`` found for one note."""

    backlinks: list[Backlink]
    links: list[OutgoingLink]
    tags: list[str]


def connections(conn: sqlite3.Connection, path: str) -> Connections:
    """Backlinks (sorted by source path and position, one per source line, links of the note
    to itself left out), outgoing links in document order, and tags sorted without case."""
    backlinks = _backlinks(conn, path, links_to(conn, path))
    links = [
        OutgoingLink(
            _written_target(target, anchor, bool(is_block)),
            Range.of(a or 0, b or 0, c or 0, d or 0),
            target_path,
            (title or target_path) if target_path else None,
            status in _BROKEN or target_path is None,
        )
        for target, anchor, is_block, a, b, c, d, status, target_path, title in conn.execute(
            _LINK_COLUMNS, (path,)
        )
    ]
    tags = sorted((name for (name,) in conn.execute(_TAGS, (path,))), key=str.casefold)
    return Connections(backlinks, links, tags)


def _backlinks(conn: sqlite3.Connection, path: str, rows: list[LinkRow]) -> list[Backlink]:
    titles: dict[str, str] = {}
    seen: set[tuple[str, int]] = set()
    found = []
    for row in rows:
        line = (row.path, row.range.start.line)
        if row.path == path or line in seen:
            continue
        seen.add(line)
        if row.path not in titles:
            found_title = conn.execute(_TITLES, (row.path,)).fetchone()
            titles[row.path] = (found_title[1] if found_title else None) or row.path
        found.append(Backlink(row.path, titles[row.path], row.range))
    return found


def _written_target(target: str, anchor: str | None, is_block: bool) -> str:
    """The link's target as written: ``Note``, ``Note#Heading``, ``Note#^block``, ``#Heading``."""
    if anchor is None:
        return target
    return f"{target}#{'^' if is_block else ''}{anchor}"
