"""Hover: a preview of a link's target, and how many notes carry a tag."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from ...core.model import Link, TagOccurrence
from ..convert import core_position, lsp_range, path_to_uri
from ..feature import Feature, handles

if TYPE_CHECKING:
    import sqlite3


class Hover(Feature):
    """Hover: a provider's answer first (a view's property, a frontmatter key), else a link's
    preview or a tag's count."""

    @handles(types.TEXT_DOCUMENT_HOVER)
    async def hover(self, params: types.HoverParams) -> types.Hover | None:
        """The hover of the element under the cursor."""
        from ...core.locate import element_at
        from ...core.resolve import effective_target
        from ...storage import lookups
        from ...storage.attachment_info import attachment_hover
        from ...storage.preview import preview_markdown
        from ...storage.references import resolve_from

        ls = self.server
        doc = await ls.note_at(params.text_document.uri)
        if doc is None:
            return None
        for provide in list(ls.providers.hover):
            provided = await provide(doc, params.position)
            if provided is not None:
                return provided
        service = doc.service
        element = element_at(doc.note, core_position(params.position))
        if isinstance(element, TagOccurrence):
            from ...core.tag_table import meaning_of, tag_hover_markdown
            from ...storage.tag_meanings import tag_table

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
            result = resolve_from(conn, doc.rel, doc.note, link)
            if result.target is None:
                return f"Broken link: no note or file named `{link.target}`"
            _, anchor, is_block = effective_target(link, result)
            if not anchor:
                root = service.notebook.root
                uri = path_to_uri(root / result.target)
                if shown := attachment_hover(conn, root, result.target, uri):
                    return shown
            return preview_markdown(service, conn, result.target, anchor, is_block) or ""

        text = await ls.read(service, build)
        if not text:
            return None
        return types.Hover(
            types.MarkupContent(types.MarkupKind.Markdown, text), lsp_range(link.range)
        )
