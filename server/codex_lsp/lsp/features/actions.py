"""Code actions: create the note a broken link names; rewrite an ambiguous link to a path."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from ...core.locate import element_at
from ...core.model import Link, Position
from ...core.resolve import strip_note_suffix
from ...storage.notebooks import really_inside
from ..convert import path_to_uri
from ..server import CodexServer, Document
from . import extract, mentions, schema, views
from .link_notes import create_file_edit, link_note, note_text


async def actions_for(doc: Document, diagnostics: list[types.Diagnostic]) -> list[types.CodeAction]:
    """Quick fixes for the codex diagnostics in the request."""
    assert doc.service is not None
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
            found.append(
                types.CodeAction(
                    title=f"Create note '{path}'",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=True,
                    edit=create_file_edit(uri, await note_text(doc.service, path, title)),
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


def register(server: CodexServer) -> None:
    """Register code actions."""

    @server.feature(
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
    async def code_action(
        ls: CodexServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        doc = await ls.document(params.text_document.uri)
        if doc is None or doc.service is None:
            return None
        ours = [d for d in params.context.diagnostics if d.source == "codex"]
        fixes = await actions_for(doc, ours) + await schema.schema_actions(doc, ours)
        fixes += await mentions.mention_actions(ls, doc, ours)
        fixes += await extract.extract_actions(ls, doc, params.range, params.context.only)
        return (fixes + await views.view_actions(ls, doc, params.context.only)) or None
