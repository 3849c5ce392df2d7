"""Go to definition and find references (backlinks, heading, block and tag references):
the requests translated to and from ``storage.references``."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from ...core.model import Link
from ..convert import core_position, lsp_range
from ..feature import Feature, handles
from ..partial import partial_answer


class Navigation(Feature):
    """Go to definition and find references."""

    @handles(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(self, params: types.DefinitionParams) -> types.Location | None:
        """Where the link under the cursor leads (found on disk while the index is built)."""
        from ...core.locate import element_at
        from ...storage import references as refs
        from ...storage.disk_lookup import destination_on_disk

        ls = self.server
        doc = await ls.note_at(params.text_document.uri)
        if doc is None:
            return None
        element = element_at(doc.note, core_position(params.position))
        if not isinstance(element, Link):
            return None
        service = doc.service
        found = await ls.read(
            service, lambda conn: refs.destination(conn, doc.rel, doc.note, element)
        )
        if found is None and not service.ready.is_set():
            # The first index run may not have reached the target yet: look on disk.
            # One walk of the notebook's files serves every such request (and completion).
            found = await asyncio.to_thread(
                lambda: destination_on_disk(
                    service.notebook.root, doc.rel, doc.note, element, service.files_on_disk().named
                )
            )
        if found is None:
            return None
        return types.Location(ls.uri_of(service, found.path), lsp_range(found.range))

    @handles(types.TEXT_DOCUMENT_REFERENCES)
    async def find_references(self, params: types.ReferenceParams) -> list[types.Location] | None:
        """What refers to the note, heading, block or tag under the cursor (partial while
        the notebook is being indexed)."""
        from ...storage import references as refs

        ls = self.server
        doc = await ls.note_at(params.text_document.uri)
        if doc is None:
            return None
        service = doc.service
        position = core_position(params.position)
        include = params.context.include_declaration
        indexing = [] if service.ready.is_set() else [service.notebook.name]
        with partial_answer(ls, params.work_done_token, "References", indexing):
            found = await ls.read(
                service, lambda conn: refs.references(conn, doc.rel, doc.note, position, include)
            )
        return [types.Location(ls.uri_of(service, p.path), lsp_range(p.range)) for p in found]
