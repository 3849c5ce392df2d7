"""Rename notes, headings, block ids and tags (``prepareRename``, ``rename``,
``workspace/willRenameFiles``): the requests translated to ``storage.rename_plan`` and its
plan into one WorkspaceEdit the editor applies, and can undo."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from ..convert import core_position, lsp_range, path_to_uri
from ..feature import Feature, handles
from ..requests import RequestFailed
from ..server import CodexServer, Document

if TYPE_CHECKING:
    from ...core.edits import Plan

if TYPE_CHECKING:
    import sqlite3

    from ...storage.rename_plan import Buffer
    from ...storage.service import NotebookService

DocumentChange = types.TextDocumentEdit | types.CreateFile | types.RenameFile | types.DeleteFile


def document_changes(root: Path, plan: Plan) -> list[DocumentChange]:
    """The plan as WorkspaceEdit document changes: text edits first, then file moves."""
    changes: list[DocumentChange] = [
        types.TextDocumentEdit(
            types.OptionalVersionedTextDocumentIdentifier(
                path_to_uri(root / rel), plan.versions[rel]
            ),
            [types.TextEdit(lsp_range(e.range), e.new_text) for e in edits],
        )
        for rel, edits in plan.edits.items()
    ]
    changes.extend(
        types.RenameFile(
            old_uri=path_to_uri(root / move.old),
            new_uri=path_to_uri(root / move.new),
            options=types.RenameFileOptions(overwrite=False, ignore_if_exists=False),
        )
        for move in plan.moves
    )
    return changes


def buffers_of(ls: CodexServer, service: NotebookService) -> dict[str, Buffer]:
    """The open editor buffers of ``service``'s notebook by notebook path."""
    from ...storage.rename_plan import Buffer

    found = {}
    for text_doc in list(ls.workspace.text_documents.values()):
        where = ls.locate(text_doc.uri)
        if where is not None and where.service is service:
            found[where.rel] = Buffer(text_doc.source, text_doc.version)
    return found


def _files_moved(conn: sqlite3.Connection, *, root: Path, old: str, new: str) -> dict[str, str]:
    from ...storage.rename_plan import RenamePlanner

    return RenamePlanner(conn, root).files_moved(old, new)


def _moves(
    conn: sqlite3.Connection,
    *,
    root: Path,
    buffers: dict[str, Buffer],
    moves: dict[str, str],
    renamed: dict[str, str],
) -> Plan:
    from ...core.edits import Move
    from ...storage.rename_plan import RenamePlanner

    planner = RenamePlanner(conn, root, buffers)
    plan = planner.moves(moves)
    for old, new in renamed.items():  # files renamed themselves: their sidecars follow
        plan.moves += planner.sidecar_moves(Move(old, new))
    return plan


async def _document(ls: CodexServer, uri: str) -> Document:
    doc = await ls.note_at(uri)
    if doc is None:
        raise RequestFailed("This file is not part of a notebook")
    return doc


class Rename(Feature):
    """Register prepareRename, rename and willRenameFiles."""

    @handles(types.TEXT_DOCUMENT_PREPARE_RENAME)
    async def prepare_rename(
        self, params: types.PrepareRenameParams
    ) -> types.PrepareRenamePlaceholder | None:
        """Where the subject under the cursor is and its current name, or why it cannot be
        renamed."""
        from ...storage.rename_plan import Refused, RenamePlanner, Source, subject_at

        ls = self.server
        doc = await _document(ls, params.text_document.uri)
        service = doc.service
        source = Source(doc.rel, doc.text, doc.version, doc.note, doc.index)
        root = service.notebook.root
        try:
            subject = subject_at(doc.note, core_position(params.position))
            placeholder = await ls.read(
                service, lambda conn: RenamePlanner(conn, root).placeholder(source, subject)
            )
        except Refused as exc:
            raise RequestFailed(str(exc)) from None
        return types.PrepareRenamePlaceholder(lsp_range(subject.where), placeholder)

    @handles(types.TEXT_DOCUMENT_RENAME)
    async def rename(self, params: types.RenameParams) -> types.WorkspaceEdit | None:
        """One WorkspaceEdit renaming the subject under the cursor everywhere."""
        from ...storage.rename_plan import Refused, RenamePlanner, Source, subject_at

        ls = self.server
        doc = await _document(ls, params.text_document.uri)
        service = doc.service
        root = service.notebook.root
        buffers = buffers_of(ls, service)
        source = Source(doc.rel, doc.text, doc.version, doc.note, doc.index)
        try:
            subject = subject_at(doc.note, core_position(params.position))
            if subject.kind in ("note", "link") and params.new_name.strip():
                move = await ls.read(
                    service,
                    lambda conn: RenamePlanner(conn, root, buffers).note_move(
                        source, subject, params.new_name
                    ),
                )
                await ls.confine_new(service, move.new)
            plan = await ls.read(
                service,
                lambda conn: RenamePlanner(conn, root, buffers).rename(
                    source, subject, params.new_name
                ),
            )
        except Refused as exc:
            raise RequestFailed(str(exc)) from None
        return types.WorkspaceEdit(document_changes=document_changes(root, plan))

    @handles(
        types.WORKSPACE_WILL_RENAME_FILES,
        types.FileOperationRegistrationOptions(
            filters=[types.FileOperationFilter(pattern=types.FileOperationPattern(glob="**/*"))]
        ),
    )
    async def will_rename(self, params: types.RenameFilesParams) -> types.WorkspaceEdit | None:
        """The edits that keep links to files the editor is about to move working."""
        from ...core.names import check_relative_path
        from ...storage.rename_plan import Refused, checked

        ls = self.server
        moves_by_root: dict[Path, tuple[NotebookService, dict[str, str], dict[str, str]]] = {}
        for renamed in params.files:
            try:
                moved_from = await ls.confine(renamed.old_uri)
            except RequestFailed:
                continue  # not a file of an open notebook: no link of ours leads to it
            moved_to = await ls.confine(renamed.new_uri)
            service = moved_from.service
            if moved_to.service is not service:
                raise RequestFailed(
                    f"{moved_from.rel} moves out of its notebook: links to it are not updated"
                )
            try:
                new = checked(check_relative_path, moved_to.rel, "notebook path")
            except Refused as exc:
                raise RequestFailed(str(exc)) from None
            old, root = moved_from.rel, service.notebook.root
            found = await ls.read(service, partial(_files_moved, root=root, old=old, new=new))
            entry = moves_by_root.setdefault(root, (service, {}, {}))
            entry[1].update(found)
            if found.get(old) == new:  # a file, not a folder (whose sidecars move with it)
                entry[2][old] = new
        changes: list[DocumentChange] = []
        for root, (service, moves, direct) in moves_by_root.items():
            buffers = buffers_of(ls, service)
            try:
                plan = await ls.read(
                    service,
                    partial(_moves, root=root, buffers=buffers, moves=moves, renamed=direct),
                )
            except Refused as exc:
                raise RequestFailed(str(exc)) from None
            changes.extend(document_changes(root, plan))
        return types.WorkspaceEdit(document_changes=changes) if changes else None
