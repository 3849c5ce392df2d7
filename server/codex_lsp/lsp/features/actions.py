"""Code actions: create the note a broken link names; rewrite an ambiguous link to a path;
then every provider's (schema fixes, views, mentions, extract and inline)."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from ...core.model import Link, Position
from ..convert import path_to_uri
from ..feature import Feature, handles
from ..note_creation import link_note, link_request, planned_note
from ..requests import RequestFailed
from ..server import Document
from ..workspace_edits import create_file_edit


async def actions_for(doc: Document, diagnostics: list[types.Diagnostic]) -> list[types.CodeAction]:
    """Quick fixes for the codex diagnostics in the request."""
    from ...core.locate import element_at
    from ...core.resolve import strip_note_suffix
    from ...storage.notebooks import really_inside

    root = doc.service.notebook.root
    found: list[types.CodeAction] = []
    for diagnostic in diagnostics:
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        element = element_at(
            doc.note, Position(diagnostic.range.start.line, diagnostic.range.start.character)
        )
        if not isinstance(element, Link):
            continue
        if diagnostic.code == "link-broken":
            named = link_note(doc.rel, element)
            if named is None:
                continue
            path, title = named
            if not await asyncio.to_thread(really_inside, root / path, root):
                continue  # a symlinked folder on the way leads outside the notebook
            uri = path_to_uri(root / path)
            try:
                note = await planned_note(doc.service, link_request(path, title))
            except RequestFailed:
                continue  # a template that cannot be used: its problem shows where it is
            found.append(
                types.CodeAction(
                    title=f"Create note '{path}'",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=True,
                    edit=create_file_edit(uri, note.text),
                )
            )
        elif diagnostic.code == "link-ambiguous":
            written = doc.text[
                doc.index.offset(element.target_range.start) : doc.index.offset(
                    element.target_range.end
                )
            ]
            _, hash_sign, anchor = written.partition("#")
            for candidate in data.get("candidates", []):
                replacement = strip_note_suffix(candidate) + hash_sign + anchor
                found.append(
                    types.CodeAction(
                        title=f"Link to '{candidate}'",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        edit=types.WorkspaceEdit(
                            changes={
                                doc.uri: [
                                    types.TextEdit(
                                        types.Range(
                                            types.Position(*element.target_range.start),
                                            types.Position(*element.target_range.end),
                                        ),
                                        replacement,
                                    )
                                ]
                            }
                        ),
                    )
                )
    return found


class Actions(Feature):
    """Code actions: the link quick fixes, then every provider's (schema fixes, views)."""

    @handles(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[
                types.CodeActionKind.QuickFix,
                types.CodeActionKind.Source,
                types.CodeActionKind.RefactorExtract,
                types.CodeActionKind.RefactorInline,
            ]
        ),
    )
    async def code_action(self, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        """Quick fixes for the codex diagnostics in the request, and source actions."""
        doc = await self.server.note_at(params.text_document.uri)
        if doc is None:
            return None
        ours = [d for d in params.context.diagnostics if d.source == "codex"]
        found = await actions_for(doc, ours)
        for provide in list(self.server.providers.actions):
            found += await provide(doc, ours, params.context.only, params.range)
        return found or None
