"""Hover: a preview of a link's target, and how many notes carry a tag."""

from __future__ import annotations

import sqlite3

from lsprotocol import types

from ...core.locate import element_at
from ...core.model import Link, TagOccurrence
from ...core.resolve import effective_target
from ...core.tag_table import meaning_of, tag_hover_markdown
from ...storage import lookups
from ...storage.tag_meanings import tag_table
from ..convert import core_position, lsp_range
from ..server import CodexServer
from . import schema, views
from .diagnostics import note_catalog, resolve_in
from .preview import preview_markdown


def register(server: CodexServer) -> None:
    """Register hover."""

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: CodexServer, params: types.HoverParams) -> types.Hover | None:
        doc = await ls.document(params.text_document.uri)
        if doc is None or doc.service is None:
            return None
        view_hover_ = await views.view_hover(ls, doc, params.position)  # a view's property
        if view_hover_ is not None:
            return view_hover_
        key_hover = await schema.schema_hover(doc, params.position)  # a frontmatter key
        if key_hover is not None:
            return key_hover
        service = doc.service
        element = element_at(doc.note, core_position(params.position))
        if isinstance(element, TagOccurrence):
            name, notebook = element.name, service.notebook
            count, table = await ls.read(
                service, lambda conn: (lookups.tag_file_count(conn, name), tag_table(notebook))
            )
            text = tag_hover_markdown(name, count, meaning_of(table, name))
            return types.Hover(
                types.MarkupContent(types.MarkupKind.Markdown, text), lsp_range(element.range)
            )
        if not isinstance(element, Link):
            return None
        link = element

        def build(conn: sqlite3.Connection) -> str:
            result = resolve_in(note_catalog(conn, doc.rel, doc.note), doc.rel, link)
            if result.target is None:
                return f"Broken link: no note or file named `{link.target}`"
            _, anchor, is_block = effective_target(link, result)
            return preview_markdown(service, conn, result.target, anchor, is_block) or ""

        text = await ls.read(service, build)
        if not text:
            return None
        return types.Hover(
            types.MarkupContent(types.MarkupKind.Markdown, text), lsp_range(link.range)
        )
