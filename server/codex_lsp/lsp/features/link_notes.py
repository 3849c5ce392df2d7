"""Notes from links: the note a broken link names (path and title), its text from the
notebook's schema and templates (storage/new_note.py), and ``codex.createNote {uri,
position}``, which creates it (rules in docs/linking.md, "Notes from links")."""

from __future__ import annotations

import asyncio
import posixpath
from typing import Any

from lsprotocol import types

from ...core.locate import element_at
from ...core.model import Link, Position
from ...core.names import BadName, check_relative_path
from ...core.resolve import strip_note_suffix
from ...core.syntax import is_note_name
from ...storage.new_note import new_note_for
from ...storage.references import destination
from ...storage.service import NotebookService
from ..convert import path_to_uri
from ..requests import RequestFailed
from ..server import CodexServer


def new_note_path(folder: str, title: str) -> str:
    """Notebook-relative path for a new note titled ``title`` in ``folder``; raises
    :class:`BadName` with the rule it breaks.

    A title with ``/`` is a path from the notebook root. Whether a symlinked folder on the way
    leads outside the notebook is the caller's check (it needs the disk).
    """
    name = title.strip()
    if not is_note_name(name):
        name += ".md"
    path = name if "/" in name or not folder else f"{folder}/{name}"
    return check_relative_path(path, "a note path")


def link_note(source: str, link: Link) -> tuple[str, str] | None:
    """The notebook path and title of the note ``link`` (written in ``source``) names: next
    to ``source`` for a bare name, from the root for a path; None when it cannot be a note."""
    title = strip_note_suffix(link.target.rstrip("/").rsplit("/", 1)[-1])
    if not title.strip():
        return None
    folder = "" if "/" in link.target else posixpath.dirname(source)
    target = link.target if "/" in link.target else title
    try:
        return new_note_path(folder, target), title
    except BadName:
        return None


async def note_text(service: NotebookService, path: str, title: str) -> str:
    """The text a new note at ``path`` starts with (the schema's keys; read on a thread)."""
    return await asyncio.to_thread(new_note_for, service.notebook, path, title)


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


async def create_from_link(ls: CodexServer, uri: str, position: Position) -> dict[str, Any]:
    """``codex.createNote {uri, position}``: create the note the link at ``position`` names
    (nothing when it exists: its URI is answered with ``created: false``)."""
    doc = await ls.document(uri)
    if doc is None or doc.service is None:
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
    path, title = named
    return await create_note(ls, service, path, title)


async def create_note(
    ls: CodexServer, service: NotebookService, path: str, title: str
) -> dict[str, Any]:
    """Create the note ``path`` titled ``title`` through the editor (an undoable edit), unless
    it exists; answers ``{uri, path, created}``."""
    absolute = await ls.confine_new(service, path)
    uri = path_to_uri(absolute)
    if await asyncio.to_thread(absolute.exists):
        return {"uri": uri, "path": path, "created": False}
    text = await note_text(service, path, title)
    result = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(
            edit=create_file_edit(uri, text), label=f"Create note {path}"
        )
    )
    if not result.applied:
        raise RequestFailed(f"the editor did not create {path}: {result.failure_reason}")
    await ls.update_notebook(service, [path])
    return {"uri": uri, "path": path, "created": True}
