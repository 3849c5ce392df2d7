"""Attachments in the editor: hover text of attachment links, the kind of attachments in
completion, and ``codex.attach`` (copy files into the notebook, embed them in a note).

The rules live in core (``media``, ``attachment_preview``, ``attach_names``) and storage
(``attachment_info``, ``attach``); this module only translates (docs/attachments.md).
"""

from __future__ import annotations

import asyncio
import posixpath
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types

from ...core.attach_names import attachment_folder
from ...core.attachment_preview import attachment_markdown
from ...core.media import attachment_kind
from ...core.names import BadName
from ...core.syntax import is_note_name
from ...storage import lookups
from ...storage.attach import Attached, AttachFailed, attach_files
from ...storage.attachment_info import attachment_facts
from ...storage.service import NotebookService
from ..convert import path_to_uri, uri_to_path
from ..requests import (
    InvalidParams,
    RequestFailed,
    command_argument,
    optional_field,
    position_field,
    required_field,
)
from ..server import CodexServer

T = TypeVar("T")
MAX_FILES = 100  # files one request may attach


def attachment_hover(service: NotebookService, conn: sqlite3.Connection, path: str) -> str | None:
    """Hover Markdown for a link that leads to the attachment at ``path`` (None for a note).
    Runs on the reader thread."""
    root = service.notebook.root
    facts = attachment_facts(conn, root, path, path_to_uri(root / path))
    if facts is None:
        return None
    count = lookups.backlink_counts(conn, [path]).get(path, 0)
    return f"{attachment_markdown(facts)}\n\n*{count} backlink{'s' * (count != 1)}*"


def attachment_detail(path: str) -> str:
    """The ``detail`` of an attachment's completion item: its kind and folder."""
    folder = posixpath.dirname(path)
    kind = attachment_kind(path)
    return f"{kind} in {folder}" if folder else kind


def is_image(path: str) -> bool:
    """True for a file that ``![[...]]`` shows as an image."""
    return attachment_kind(path) == "image"


def images_first(items: list[T], path_of: Callable[[T], str]) -> list[T]:
    """``items`` with images moved before everything else, each group keeping its order
    (completion after ``![[`` and ``![...](``)."""
    return sorted(items, key=lambda item: not is_image(path_of(item)))


def register(server: CodexServer) -> None:
    """Register ``codex.attach``."""

    @server.command("codex.attach")
    async def attach(ls: CodexServer, *args: Any) -> dict[str, Any]:
        arg = command_argument(args)
        uri = required_field(arg, "uri", str, "a string (the note's URI)")
        sources = _sources(arg)
        pattern = optional_field(arg, "folder", str, "a string (a folder pattern)")
        position = position_field(arg, "position")
        note = await ls.confine(uri, "uri")
        if not is_note_name(note.rel):
            raise RequestFailed(f"{note.rel} is not a note: files are attached to notes")
        service = note.service
        try:
            folder = attachment_folder(pattern or ls.settings.attachments_folder, note.rel)
        except BadName as exc:
            raise RequestFailed(f"the attachment folder must be in the notebook: {exc}") from None
        await ls.confine_new(service, folder or ".")
        try:
            attached = await asyncio.to_thread(
                attach_files,
                service.notebook,
                folder,
                sources,
                lambda query: service.read(query).result(),
            )
        except AttachFailed as exc:
            raise RequestFailed(str(exc)) from None
        changed = [a.path for a in attached] + [a.sidecar for a in attached if a.sidecar]
        await ls.update_notebook(service, changed)
        text = "\n".join(a.link for a in attached)
        applied = False
        if position is not None:
            applied = await _insert(ls, uri, types.Position(*position), text)
        return {
            "attached": [_attached_json(ls, service, a) for a in attached],
            "text": text,
            "applied": applied,
        }


def _sources(arg: dict[str, Any]) -> list[Path]:
    """The ``files`` argument: absolute paths or ``file:`` URIs of files to attach."""
    value = arg.get("files")
    what = "a non-empty list of absolute paths or file URIs"
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InvalidParams(f"files must be {what}")
    if len(value) > MAX_FILES:
        raise InvalidParams(f"files must hold at most {MAX_FILES} files")
    paths = []
    for item in value:
        path = uri_to_path(item) if item.startswith("file:") else Path(item)
        if path is None or not path.is_absolute():
            raise InvalidParams(f"files must be {what}: {item}")
        paths.append(path)
    return paths


async def _insert(ls: CodexServer, uri: str, position: types.Position, text: str) -> bool:
    """Insert ``text`` at ``position`` of the note as an undoable workspace edit."""
    open_doc = ls.open_document(uri)
    target = open_doc.uri if open_doc is not None else uri
    version = open_doc.version if open_doc is not None else None
    edit = types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                types.OptionalVersionedTextDocumentIdentifier(target, version),
                [types.TextEdit(types.Range(position, position), text)],
            )
        ]
    )
    result = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label="Attach files")
    )
    if not result.applied:
        raise RequestFailed(f"the editor did not insert the links: {result.failure_reason}")
    return True


def _attached_json(ls: CodexServer, service: NotebookService, item: Attached) -> dict[str, Any]:
    return {
        "source": item.source,
        "path": item.path,
        "uri": ls.uri_of(service, item.path),
        "link": item.link,
        "reused": item.reused,
        "sidecar": item.sidecar,
    }
