"""``codex.attach``: copy files into the notebook, embed them in a note (docs/attachments.md).

The rules live in core (``attach_names``) and storage (``attach``); the hover of attachment
links and their completion kinds are the hover and completion features' (through
``core/media.py`` and ``storage/attachment_info.py``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ...core.attach_names import attachment_folder
from ...core.names import BadName
from ...core.syntax import is_note_name
from ..convert import uri_to_path
from ..feature import Feature, command
from ..requests import (
    InvalidParams,
    RequestFailed,
    command_argument,
    optional_field,
    position_field,
    required_field,
)

if TYPE_CHECKING:
    from ...storage.attach import Attached
    from ...storage.service import NotebookService
    from ..server import CodexServer

MAX_FILES = 100  # files one request may attach


class Attachments(Feature):
    """``codex.attach``: copy files into the notebook and embed them in a note."""

    @command("codex.attach")
    async def attach(self, *args: Any) -> dict[str, Any]:
        """Copy ``files`` into the attachment folder, with sidecars; insert the embeds."""
        from ...storage.attach import AttachFailed, attach_files

        ls = self.server
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
