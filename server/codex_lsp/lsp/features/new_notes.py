"""New notes from templates: ``codex.templates``, and the creation ``codex.createNote`` and
``codex.daily`` share (docs/protocol.md, docs/templates.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types

from ...core.template_vars import TemplateError
from ...storage.new_note import NoteRefused, NoteRequest, fitting_templates, plan_new_note
from ...storage.service import NotebookService
from ...storage.templates import TEMPLATE_FOLDER, list_templates
from ..convert import path_to_uri, uri_to_path
from ..requests import RequestFailed, command_argument, optional_field
from ..server import CodexServer
from .actions import create_file_edit


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


def register(server: CodexServer) -> None:
    """Register ``codex.templates``."""

    @server.command("codex.templates")
    async def templates(ls: CodexServer, *args: Any) -> list[dict[str, Any]]:
        arg = command_argument(args)
        service = choose_notebook(ls, optional_field(arg, "notebook", str, "a path or file URI"))
        note_type = optional_field(arg, "type", str, "a note type name")
        folder = optional_field(arg, "folder", str, "a string")
        found = await asyncio.to_thread(list_templates, service.notebook)
        root = service.notebook.root
        return [
            {
                "name": t.name,
                "uri": path_to_uri(root / TEMPLATE_FOLDER / f"{t.name}.md"),
                "type": t.spec.type,
                "folder": t.spec.folder,
                "pattern": t.spec.name,
                "description": t.spec.description,
                **({"problem": t.problem} if t.problem else {}),
            }
            for t in fitting_templates(found, note_type, (folder or "").strip("/") or None)
        ]
