"""Go to definition and find references (backlinks, heading, block and tag references)."""

from __future__ import annotations

import sqlite3

from lsprotocol import types

from ...core.locate import element_at
from ...core.model import Block, Heading, Link, Position, TagOccurrence
from ...core.resolve import effective_target, find_anchor, slugify, target_of_note
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
        info = target_of_note(
            doc.rel, (), [(h.text, h.slug) for h in headings], [b.id for b in blocks]
        )
    else:
        rows = lookups.headings_of(conn, result.target)
        blocks = lookups.blocks_of(conn, result.target)
        heading_ranges = [h.range for h in rows]
        block_ranges = {b.id: b.range for b in blocks}
        info = target_of_note(
            result.target, (), [(h.text, h.slug) for h in rows], block_ranges.keys()
        )
    found = find_anchor(info, anchor, is_block)
    if found is None:
        return result.target, ZERO_RANGE
    chosen = block_ranges[anchor] if is_block else heading_ranges[found]
    return result.target, lsp_range(chosen)


def anchor_matches(link: lookups.LinkRow, heading: Heading) -> bool:
    """True when a stored link's anchor names ``heading``."""
    if link.is_block or not link.anchor:
        return False
    wanted = link.anchor.rsplit("#", 1)[-1].strip()
    return wanted.lower() == heading.text.lower() or slugify(wanted) == heading.slug


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
            links = [row for row in links if row.is_block and row.anchor == anchor]
        elif anchor:
            wanted = slugify(anchor.rsplit("#", 1)[-1])
            links = [
                row
                for row in links
                if not row.is_block
                and row.anchor
                and slugify(row.anchor.rsplit("#", 1)[-1]) == wanted
            ]
        return [(row.path, lsp_range(row.range)) for row in links]
    links = lookups.links_to(conn, doc.rel)
    found: list[tuple[str, types.Range]] = []
    if isinstance(element, Heading) and element.level > 1:
        links = [row for row in links if anchor_matches(row, element)]
        if include_declaration:
            found.append((doc.rel, lsp_range(element.range)))
    elif isinstance(element, Block):
        links = [row for row in links if row.is_block and row.anchor == element.id]
        if include_declaration:
            found.append((doc.rel, lsp_range(element.range)))
    found.extend((row.path, lsp_range(row.range)) for row in links)
    return found


def register(server: CodexServer) -> None:
    """Register definition and references."""

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(ls: CodexServer, params: types.DefinitionParams) -> types.Location | None:
        doc = ls.document(params.text_document.uri)
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
        doc = ls.document(params.text_document.uri)
        if doc is None or doc.service is None:
            return None
        service = doc.service
        position = core_position(params.position)
        include = params.context.include_declaration
        found = await ls.read(service, lambda conn: references(conn, doc, position, include))
        return [types.Location(ls.uri_of(service, path), r) for path, r in found]
