"""Go to definition and find references (backlinks, heading, block and tag references)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from lsprotocol import types

from ...core.anchors import (
    HeadingKey,
    anchor_of,
    heading_for_anchor,
    heading_keys,
    names_of_block,
    names_of_heading,
)
from ...core.locate import element_at
from ...core.model import Block, Heading, Link, Position, TagOccurrence
from ...core.resolve import effective_target, find_anchor, target_of_note
from ...core.syntax import is_note_name
from ...storage import lookups
from ..convert import ZERO_RANGE, core_position, lsp_range
from ..server import CodexServer, Document
from .diagnostics import note_catalog, resolve_in


def link_destination(
    conn: sqlite3.Connection, doc: Document, link: Link
) -> tuple[str, types.Range] | None:
    """Notebook path and range a link leads to (heading or block range when it has one)."""
    result = resolve_in(note_catalog(conn, doc.rel, doc.note), doc.rel, link)
    if result.target is None:
        return None
    _, anchor, is_block = effective_target(link, result)  # Dendron: [[label|note#anchor]]
    if not anchor or not is_note_name(result.target):
        return result.target, ZERO_RANGE
    if result.target == doc.rel:
        headings, blocks = doc.note.headings, doc.note.blocks
        heading_ranges = [h.range for h in headings]
        block_ranges = {b.id: b.range for b in blocks}
        info = target_of_note(doc.rel, (), headings, [b.id for b in blocks])
    else:
        rows = lookups.headings_of(conn, result.target)
        blocks = lookups.blocks_of(conn, result.target)
        heading_ranges = [h.range for h in rows]
        block_ranges = {b.id: b.range for b in blocks}
        info = target_of_note(result.target, (), rows, block_ranges.keys())
    found = find_anchor(info, anchor, is_block)
    if found is None:
        return result.target, ZERO_RANGE
    chosen = (
        block_ranges[anchor_of(anchor, True).start[0].text] if is_block else heading_ranges[found]
    )
    return result.target, lsp_range(chosen)


def anchor_names(link: lookups.LinkRow, headings: Sequence[HeadingKey], number: int) -> bool:
    """True when a stored link's anchor names heading ``number`` of ``headings``."""
    if not link.anchor:
        return False
    return bool(names_of_heading(headings, anchor_of(link.anchor, link.is_block), number))


def anchor_names_block(link: lookups.LinkRow, block_id: str) -> bool:
    """True when a stored link's anchor names block ``block_id``."""
    if not link.anchor:
        return False
    return bool(names_of_block(anchor_of(link.anchor, link.is_block), block_id))


def references(
    conn: sqlite3.Connection, doc: Document, position: Position, include_declaration: bool
) -> list[tuple[str, types.Range]]:
    """(path, range) of every place that refers to what is under the cursor."""
    element = element_at(doc.note, position)
    if isinstance(element, TagOccurrence):
        return [
            (place.path, lsp_range(place.range))
            for place, _, _ in lookups.tag_places(conn, element.name)
        ]
    if isinstance(element, Link):
        result = resolve_in(note_catalog(conn, doc.rel, doc.note), doc.rel, element)
        if result.target is None:
            return []
        links = lookups.links_to(conn, result.target)
        _, anchor, is_block = effective_target(element, result)
        if anchor and is_block:
            block_id = anchor_of(anchor, True).start[0].text
            links = [row for row in links if anchor_names_block(row, block_id)]
        elif anchor:
            keys = heading_keys(
                doc.note.headings
                if result.target == doc.rel
                else lookups.headings_of(conn, result.target)
            )
            number = heading_for_anchor(keys, anchor_of(anchor, False))
            links = [row for row in links if number is not None and anchor_names(row, keys, number)]
        return [(row.path, lsp_range(row.range)) for row in links]
    links = lookups.links_to(conn, doc.rel)
    found: list[tuple[str, types.Range]] = []
    if isinstance(element, Heading) and element.level > 1:
        keys = heading_keys(doc.note.headings)
        number = next(n for n, h in enumerate(doc.note.headings) if h is element)
        links = [row for row in links if anchor_names(row, keys, number)]
        if include_declaration:
            found.append((doc.rel, lsp_range(element.range)))
    elif isinstance(element, Block):
        links = [row for row in links if anchor_names_block(row, element.id)]
        if include_declaration:
            found.append((doc.rel, lsp_range(element.range)))
    found.extend((row.path, lsp_range(row.range)) for row in links)
    return found


def register(server: CodexServer) -> None:
    """Register definition and references."""

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(ls: CodexServer, params: types.DefinitionParams) -> types.Location | None:
        doc = await ls.document(params.text_document.uri)
        if doc is None or doc.service is None:
            return None
        element = element_at(doc.note, core_position(params.position))
        if not isinstance(element, Link):
            return None
        service = doc.service
        found = await ls.read(service, lambda conn: link_destination(conn, doc, element))
        if found is None:
            return None
        return types.Location(ls.uri_of(service, found[0]), found[1])

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    async def find_references(
        ls: CodexServer, params: types.ReferenceParams
    ) -> list[types.Location] | None:
        doc = await ls.document(params.text_document.uri)
        if doc is None or doc.service is None:
            return None
        service = doc.service
        position = core_position(params.position)
        include = params.context.include_declaration
        found = await ls.read(service, lambda conn: references(conn, doc, position, include))
        return [types.Location(ls.uri_of(service, path), r) for path, r in found]
