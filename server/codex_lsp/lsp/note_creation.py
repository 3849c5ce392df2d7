"""Creating a note through the editor, which ``codex.createNote``, ``codex.daily`` and the
notes made from links share: the notebook a command names, the request, the WorkspaceEdit,
and the note a broken link names (rules in docs/linking.md, "Notes from links")."""

from __future__ import annotations

import asyncio
import posixpath
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ..core.model import Link, Position
from .convert import path_to_uri
from .requests import RequestFailed, optional_field
from .workspace_edits import create_file_edit

if TYPE_CHECKING:
    from ..storage.new_note import NewNote, NoteRequest
    from ..storage.service import NotebookService
    from .server import CodexServer


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
    note = await planned_note(service, request)
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


def link_note(source: str, link: Link) -> tuple[str, str] | None:
    """The notebook path and title of the note ``link`` (written in ``source``) names: next
    to ``source`` for a bare name, from the root for a path; None when it cannot be a note."""
    from ..core.names import BadName
    from ..core.resolve import strip_note_suffix
    from ..core.templates import note_path

    title = strip_note_suffix(link.target.rstrip("/").rsplit("/", 1)[-1])
    if not title.strip():
        return None
    folder = "" if "/" in link.target else posixpath.dirname(source)
    target = link.target if "/" in link.target else title
    try:
        return note_path(folder, target), title
    except BadName:
        return None


def link_request(path: str, title: str) -> NoteRequest:
    """The request for the note at ``path`` a link names: its folder and file name fixed, the
    template made for that folder or type applied when there is one."""
    from ..core.resolve import strip_note_suffix
    from ..storage.new_note import NoteRequest

    return NoteRequest(
        title=title,
        folder=posixpath.dirname(path),
        name=strip_note_suffix(posixpath.basename(path)),
        fit_template=True,
    )


async def planned_note(service: NotebookService, request: NoteRequest) -> NewNote:
    """The note ``request`` asks for, planned on a thread (templates and schema read there)."""
    from ..core.template_vars import TemplateError
    from ..storage.new_note import NoteRefused, plan_new_note

    try:
        return await asyncio.to_thread(plan_new_note, service.notebook, request)
    except (NoteRefused, TemplateError) as exc:
        raise RequestFailed(str(exc)) from None


async def create_from_link(ls: CodexServer, uri: str, position: Position) -> dict[str, Any]:
    """``codex.createNote {uri, position}``: create the note the link at ``position`` names
    (nothing when it exists: its URI is answered with ``created: false``)."""
    from ..core.locate import element_at
    from ..storage.references import destination

    doc = await ls.note_at(uri)
    if doc is None:
        raise RequestFailed(f"{uri} is not a note of an open notebook")
    service = doc.service
    link = element_at(doc.note, position)
    if not isinstance(link, Link) or not link.target:
        raise RequestFailed("position must be on a link to a note")
    found = await ls.read(service, lambda conn: destination(conn, doc.rel, doc.note, link))
    if found is not None:
        return {"uri": ls.uri_of(service, found.path), "path": found.path, "created": False}
    named = link_note(doc.rel, link)
    if named is None:
        raise RequestFailed(f"'{link.target}' cannot be a note name")
    return await create_note(ls, service, link_request(*named))
