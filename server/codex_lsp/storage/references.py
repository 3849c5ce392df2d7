"""Where a link leads (definition) and what refers to a note, heading, block or tag
(references), read from the index with one note's current text laid over it.

Blocking (SQLite): run on a reader thread. Places are notebook-relative paths and ranges.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from ..core.anchors import (
    anchor_of,
    block_of,
    heading_for_anchor,
    heading_keys,
    names_of_block,
    names_of_heading,
)
from ..core.locate import element_at
from ..core.model import Block, Heading, Link, ParsedNote, Position, Range, TagOccurrence
from ..core.resolve import (
    OverlayCatalog,
    Resolution,
    effective_target,
    find_anchor,
    resolve_written,
    target_of_note,
)
from ..core.syntax import is_note_name
from . import lookups
from .catalog import SqlCatalog

WHOLE_FILE = Range(Position(0, 0), Position(0, 0))


class Place(NamedTuple):
    """A range in the file at notebook-relative ``path``."""

    path: str
    range: Range


def resolve_from(conn: sqlite3.Connection, rel: str, note: ParsedNote, link: Link) -> Resolution:
    """Resolve ``link`` written in ``rel`` against the index, with ``note`` (the note's
    current text) standing in for what the index knows of ``rel``."""
    catalog = OverlayCatalog(
        SqlCatalog(conn),
        target_of_note(rel, note.aliases, note.headings, [b.id for b in note.blocks]),
    )
    return resolve_written(link, rel, catalog)


def destination(conn: sqlite3.Connection, rel: str, note: ParsedNote, link: Link) -> Place | None:
    """Where ``link`` (written in ``rel``) leads: its heading or block when it names one,
    else the whole file; None when it leads nowhere."""
    result = resolve_from(conn, rel, note, link)
    if result.target is None:
        return None
    if result.target == rel:
        return place_in(link, result, note.headings, {b.id: b.range for b in note.blocks})
    if not is_note_name(result.target):
        return place_in(link, result, (), {})
    rows = lookups.headings_of(conn, result.target)
    blocks = {b.id: b.range for b in lookups.blocks_of(conn, result.target)}
    return place_in(link, result, rows, blocks)


def place_in(
    link: Link,
    result: Resolution,
    headings: Sequence[Heading | lookups.HeadingRow],
    blocks: Mapping[str, Range],
) -> Place:
    """The place in ``result.target`` (resolved, with these headings and block ranges) that
    ``link`` names: its heading or block, else the whole file."""
    assert result.target is not None
    _, anchor, is_block = effective_target(link, result)  # Dendron: [[label|note#anchor]]
    if not anchor or not is_note_name(result.target):
        return Place(result.target, WHOLE_FILE)
    info = target_of_note(result.target, (), headings, blocks.keys())
    found = find_anchor(info, anchor, is_block)
    if found is None:
        return Place(result.target, WHOLE_FILE)
    block = block_of(anchor_of(anchor, is_block))
    if block is not None:
        return Place(result.target, blocks[block])
    return Place(result.target, headings[found].range)


def _names_heading(
    row: lookups.LinkRow, keys: tuple[tuple[str, str, int], ...], number: int
) -> bool:
    """True when a stored link's anchor names heading ``number`` of ``keys``."""
    return bool(row.anchor) and bool(
        names_of_heading(keys, anchor_of(row.anchor or "", row.is_block), number)
    )


def _names_block(row: lookups.LinkRow, block_id: str) -> bool:
    """True when a stored link's anchor names block ``block_id``."""
    return bool(row.anchor) and bool(
        names_of_block(anchor_of(row.anchor or "", row.is_block), block_id)
    )


def references(
    conn: sqlite3.Connection,
    rel: str,
    note: ParsedNote,
    position: Position,
    include_declaration: bool,
) -> list[Place]:
    """Every place that refers to what is at ``position`` in note ``rel`` (its current
    text parsed: ``note``): a tag, the target of a link, a heading, a block, else the note."""
    element = element_at(note, position)
    if isinstance(element, TagOccurrence):
        return [
            Place(place.path, place.range) for place, _, _ in lookups.tag_places(conn, element.name)
        ]
    if isinstance(element, Link):
        return _link_references(conn, rel, note, element)
    links = lookups.links_to(conn, rel)
    found: list[Place] = []
    if isinstance(element, Heading) and element.level > 1:
        keys = heading_keys(note.headings)
        number = next(n for n, h in enumerate(note.headings) if h is element)
        links = [row for row in links if _names_heading(row, keys, number)]
        if include_declaration:
            found.append(Place(rel, element.range))
    elif isinstance(element, Block):
        links = [row for row in links if _names_block(row, element.id)]
        if include_declaration:
            found.append(Place(rel, element.range))
    found.extend(Place(row.path, row.range) for row in links)
    return found


def _link_references(
    conn: sqlite3.Connection, rel: str, note: ParsedNote, link: Link
) -> list[Place]:
    """The references of what ``link`` leads to: its note, heading or block."""
    result = resolve_from(conn, rel, note, link)
    if result.target is None:
        return []
    links = lookups.links_to(conn, result.target)
    _, anchor, is_block = effective_target(link, result)
    block = block_of(anchor_of(anchor, is_block)) if anchor else None
    if block is not None:
        links = [row for row in links if _names_block(row, block)]
    elif anchor and is_block:
        links = []
    elif anchor:
        keys = heading_keys(
            note.headings if result.target == rel else lookups.headings_of(conn, result.target)
        )
        number = heading_for_anchor(keys, anchor_of(anchor, False))
        links = [row for row in links if number is not None and _names_heading(row, keys, number)]
    return [Place(row.path, row.range) for row in links]
