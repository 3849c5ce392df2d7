"""Diagnostics for open notes: broken, ambiguous and broken-anchor links, parse problems.

Published (push) for every open document: right after an edit from the buffer, and again for
every open note of a notebook whenever its index changes (so creating ``Missing note.md``
clears every "broken link" to it).
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from lsprotocol import types

from ...core.model import Link, ParsedNote
from ...core.resolve import (
    LinkStatus,
    OverlayCatalog,
    Resolution,
    effective_target,
    has_clear_winner,
    resolve_written,
    target_of_note,
)
from ...storage.catalog import SqlCatalog
from ...storage.service import NotebookService
from ..convert import ZERO_RANGE, lsp_range, lsp_severity
from ..server import CodexServer, Document
from ..settings import DiagnosticSettings
from . import schema
from .views import is_view_document, is_view_uri, view_diagnostics

SOURCE = "codex"
EDIT_DELAY = 0.05

_PROBLEM_SETTING = {
    "yaml-invalid": "yaml_errors",
    "yaml-not-mapping": "yaml_errors",
    "duplicate-block-id": "duplicate_block_ids",
}


def note_catalog(conn: sqlite3.Connection, rel: str, note: ParsedNote) -> OverlayCatalog:
    """The notebook's catalog with the open buffer's view of ``rel`` laid over it."""
    return OverlayCatalog(
        SqlCatalog(conn),
        target_of_note(
            rel,
            note.aliases,
            note.headings,
            [b.id for b in note.blocks],
        ),
    )


def resolve_in(catalog: OverlayCatalog, rel: str, link: Link) -> Resolution:
    """Resolve one link written in ``rel``."""
    return resolve_written(link, rel, catalog)


def build_diagnostics(
    conn: sqlite3.Connection, doc: Document, settings: DiagnosticSettings, uri_of: Any
) -> list[types.Diagnostic]:
    """Every diagnostic of one note (runs on the reader thread)."""
    special = schema.special_diagnostics(conn, doc, settings)  # schema.yaml, sidecars
    if special is not None:
        return special
    catalog = note_catalog(conn, doc.rel, doc.note)
    found: list[types.Diagnostic] = []
    for link in doc.note.links:
        result = resolve_in(catalog, doc.rel, link)
        diagnostic = _link_diagnostic(link, result, doc.rel, settings, uri_of)
        if diagnostic is not None:
            found.append(diagnostic)
    for problem in doc.note.problems:
        severity = getattr(settings, _PROBLEM_SETTING.get(problem.code, "other"))
        if severity != "off":
            found.append(
                types.Diagnostic(
                    range=lsp_range(problem.range),
                    message=problem.message,
                    severity=lsp_severity(severity),
                    code=problem.code,
                    source=SOURCE,
                )
            )
    found.extend(schema.note_diagnostics(conn, doc, settings))  # frontmatter schemas
    return found


def _link_diagnostic(
    link: Link, result: Resolution, rel: str, settings: DiagnosticSettings, uri_of: Any
) -> types.Diagnostic | None:
    target, anchor, is_block = effective_target(link, result)
    shown = target or "this note"
    data: dict[str, Any] = {
        "target": target,
        "anchor": anchor,
        "isBlock": is_block,
        "status": result.status.value,
    }
    related = None
    if result.status is LinkStatus.BROKEN:
        severity = settings.broken_links
        message = f"Broken link: no note or file named '{target}'"
    elif result.status is LinkStatus.BROKEN_ANCHOR:
        severity = settings.broken_anchors
        what = "block" if is_block else "heading"
        message = f"Broken link: {shown} has no {what} '{anchor}'"
        data["targetPath"] = result.target
    elif result.status is LinkStatus.AMBIGUOUS:
        severity = (
            settings.ambiguous_resolved_links
            if has_clear_winner(result.target, result.candidates, rel)
            else settings.ambiguous_links
        )
        message = (
            f"Ambiguous link: '{target}' matches {len(result.candidates)} files; "
            f"using {result.target}"
        )
        data["candidates"] = list(result.candidates)
        related = [
            types.DiagnosticRelatedInformation(
                types.Location(uri_of(candidate), ZERO_RANGE), f"candidate: {candidate}"
            )
            for candidate in result.candidates
        ]
    else:
        return None
    if severity == "off":
        return None
    return types.Diagnostic(
        range=lsp_range(link.range),
        message=message,
        severity=lsp_severity(severity),
        code=f"link-{result.status.value}",
        source=SOURCE,
        related_information=related,
        data=data,
    )


def register(server: CodexServer) -> None:
    """Publish diagnostics on edits and index changes."""
    edit_timers: dict[str, asyncio.TimerHandle] = {}

    async def publish(uri: str) -> None:
        doc = await server.document(uri)
        if doc is None or doc.service is None:
            return
        version = doc.version
        service = doc.service

        def uri_of(rel: str) -> str:
            return server.uri_of(service, rel)

        settings = server.settings.diagnostics

        def build(conn: sqlite3.Connection) -> list[types.Diagnostic]:
            if is_view_document(doc):  # a .cdx/.base file: only its view diagnostics
                return view_diagnostics(conn, doc)
            return build_diagnostics(conn, doc, settings, uri_of) + view_diagnostics(conn, doc)

        diagnostics = await server.read(service, build)
        current = server.open_document(uri)
        if current is None or current.version != version:
            return  # the note changed meanwhile; a newer run will publish
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=current.uri, diagnostics=diagnostics, version=version
            )
        )

    def refresh_notebook(service: NotebookService) -> None:
        for uri in server.open_documents():
            where = server.locate(uri)
            if where is not None and where.service is service:
                _spawn(publish(uri))

    def on_edit(uri: str) -> None:
        handle = edit_timers.pop(uri, None)
        if handle is not None:
            handle.cancel()

        def fire() -> None:
            edit_timers.pop(uri, None)
            _spawn(publish(uri))

        edit_timers[uri] = asyncio.get_running_loop().call_later(EDIT_DELAY, fire)

    server.on_index_changed.append(refresh_notebook)
    server.on_document_changed.append(on_edit)

    def on_open(uri: str) -> None:
        if is_view_uri(uri):  # not a note: no index run announces it, so publish now
            on_edit(uri)

    server.on_document_opened.append(on_open)


_background: set[asyncio.Future[Any]] = set()


def _spawn(coroutine: Any) -> None:
    task = asyncio.ensure_future(coroutine)
    _background.add(task)
    task.add_done_callback(_background.discard)
