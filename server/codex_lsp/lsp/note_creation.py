"""Creating a note through the editor, which ``codex.createNote``, ``codex.daily`` and the
notes made from links share: the notebook a command names, the request, the WorkspaceEdit."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from .convert import path_to_uri, uri_to_path
from .requests import RequestFailed, optional_field
from .workspace_edits import create_file_edit

if TYPE_CHECKING:
    from ..storage.new_note import NoteRequest
    from ..storage.service import NotebookService
    from .server import CodexServer


def choose_notebook(ls: CodexServer, value: str | None) -> NotebookService:
    """The notebook a command names (a path or file URI); by default a workspace folder's."""
    if not ls.services:
        raise RequestFailed("no notebook is open")
    if value is None:
        # A workspace folder's notebook before one opened around a lone document: a command
        # that names no notebook acts where the user's workspace is.
        in_folders = {root for roots in ls.folder_roots.values() for root in roots}
        chosen = [service for root, service in ls.services.items() if root in in_folders]
        return (chosen or list(ls.services.values()))[0]
    path = uri_to_path(value) if value.startswith("file:") else Path(value)
    service = ls.services.get(path.resolve()) if path else None
    if service is None:
        raise RequestFailed(f"{value} is not an open notebook")
    return service


def note_request(arg: dict[str, Any], title: str) -> NoteRequest:
    """The template, type, folder and clipboard fields of a command's argument."""
    from ..storage.new_note import NoteRequest

    return NoteRequest(
        title=title,
        folder=optional_field(arg, "folder", str, "a string"),
        template=optional_field(arg, "template", str, "a template name"),
        type=optional_field(arg, "type", str, "a note type name"),
        clipboard=optional_field(arg, "clipboard", str, "a string") or "",
    )


async def create_note(
    ls: CodexServer, service: NotebookService, request: NoteRequest
) -> dict[str, Any]:
    """Create the note ``request`` asks for through a WorkspaceEdit (unless it exists) and
    index it; the answer of ``codex.createNote``: ``{uri, path, created, snippet?,
    template?}``."""
    from ..core.template_vars import TemplateError
    from ..storage.new_note import NoteRefused, plan_new_note

    try:
        note = await asyncio.to_thread(plan_new_note, service.notebook, request)
    except (NoteRefused, TemplateError) as exc:
        raise RequestFailed(str(exc)) from None
    absolute = await ls.confine_new(service, note.path)
    uri = path_to_uri(absolute)
    if await asyncio.to_thread(absolute.exists):
        return {"uri": uri, "path": note.path, "created": False}
    result = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(
            edit=create_file_edit(uri, note.text), label=f"Create note {note.path}"
        )
    )
    if not result.applied:
        raise RequestFailed(f"the editor did not create {note.path}: {result.failure_reason}")
    await ls.update_notebook(service, [note.path])
    answer: dict[str, Any] = {"uri": uri, "path": note.path, "created": True}
    if note.snippet is not None:
        answer["snippet"] = note.snippet
    if note.template is not None:
        answer["template"] = note.template
    return answer
