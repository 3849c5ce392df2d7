"""Code actions: create the note a broken link names; rewrite an ambiguous link to a path."""

from __future__ import annotations

import posixpath

from lsprotocol import types

from ...core.locate import element_at
from ...core.model import Link, Position
from ...core.names import BadName, check_relative_path
from ...core.resolve import strip_note_suffix
from ...core.syntax import is_note_name
from ...core.templates import new_note_text
from ...storage.notebooks import really_inside
from ..convert import path_to_uri
from ..server import CodexServer, Document
from . import mentions, schema, views


def new_note_path(folder: str, title: str) -> str:
    """Notebook-relative path for a new note titled ``title`` in ``folder`` (checked by
    :func:`check_folder`); raises :class:`BadName` with the rule it breaks.

    A title with ``/`` is a path from the notebook root. Whether a symlinked folder on the way
    leads outside the notebook is the caller's check (it needs the disk).
    """
    name = title.strip()
    if not is_note_name(name):
        name += ".md"
    path = name if "/" in name or not folder else f"{folder}/{name}"
    return check_relative_path(path, "a note path")


def create_file_edit(uri: str, text: str) -> types.WorkspaceEdit:
    """A WorkspaceEdit that creates ``uri`` (never over an existing file) holding ``text``."""
    return types.WorkspaceEdit(
        document_changes=[
            types.CreateFile(
                uri=uri, options=types.CreateFileOptions(overwrite=False, ignore_if_exists=True)
            ),
            types.TextDocumentEdit(
                types.OptionalVersionedTextDocumentIdentifier(uri, None),
                [types.TextEdit(types.Range(types.Position(0, 0), types.Position(0, 0)), text)],
            ),
        ]
    )


def create_note_edit(title: str, uri: str) -> types.WorkspaceEdit:
    """A WorkspaceEdit that creates ``uri`` as a new note titled ``title``."""
    return create_file_edit(uri, new_note_text(title))


def _link_title(link: Link) -> str:
    base = link.target.rstrip("/").rsplit("/", 1)[-1]
    return strip_note_suffix(base)


def actions_for(doc: Document, diagnostics: list[types.Diagnostic]) -> list[types.CodeAction]:
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
            title = _link_title(element)
            folder = "" if "/" in element.target else posixpath.dirname(doc.rel)
            target = element.target if "/" in element.target else title
            try:
                path = new_note_path(folder, target)
            except BadName:
                continue
            if not really_inside(root / path, root):
                continue  # a symlinked folder on the way leads outside the notebook
            uri = path_to_uri(root / path)
            found.append(
                types.CodeAction(
                    title=f"Create note '{path}'",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=True,
                    edit=create_note_edit(title, uri),
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
            code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.Source]
        ),
    )
    async def code_action(
        ls: CodexServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        doc = await ls.document(params.text_document.uri)
        if doc is None or doc.service is None:
            return None
        ours = [d for d in params.context.diagnostics if d.source == "codex"]
        fixes = actions_for(doc, ours) + await schema.schema_actions(doc, ours)
        fixes += await mentions.mention_actions(ls, doc, ours)
        return (fixes + await views.view_actions(ls, doc, params.context.only)) or None
