"""Life cycle and synchronisation: start-up indexing, open documents, file changes, settings.

Open documents are the truth for their notes: each change is written to the index after a
short debounce. Changes made outside the editor arrive through ``didChangeWatchedFiles``
(when the client can register watchers) or a watchdog observer, batched per notebook.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from lsprotocol import types

from ...core.syntax import is_note_name
from ...core.textpos import utf16_len
from ...storage.service import NotebookService
from ..convert import uri_to_path
from ..log import set_log_file, set_log_level
from ..server import CodexServer
from ..settings import parse_settings
from ..watcher import ChangeBatcher, FolderWatcher

log = logging.getLogger(__name__)

# How long ``shutdown`` waits for index runs to finish before answering.


def register(server: CodexServer) -> None:
    """Register life-cycle and synchronisation handlers."""
    batcher = ChangeBatcher(server)
    watchers: dict[Path, FolderWatcher] = {}
    pending_writes: dict[str, asyncio.TimerHandle] = {}
    background: set[asyncio.Future[Any]] = set()

    @server.feature(types.INITIALIZE)
    def initialize(ls: CodexServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict):
            apply_settings(ls, options.get("codex", options) if "codex" in options else options)
        for listener in ls.on_initialize:
            listener(params)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: CodexServer, params: types.InitializedParams) -> None:
        folders = ls.workspace.folders
        uris = [f.uri for f in folders.values()] if folders else []
        if not uris and ls.workspace.root_uri:
            uris = [ls.workspace.root_uri]
        try:
            for uri in uris:
                await ls.add_folder(uri)
        finally:
            ls.folders_opened.set()
        await load_configuration(ls)
        await start_watching(ls, watchers, batcher)
        await asyncio.gather(
            *(
                ls.index_notebook(service)
                for service in list(ls.services.values())
                if ls.needs_first_index(service)
            ),
            return_exceptions=True,
        )

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def folders_changed(
        ls: CodexServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        for folder in params.event.removed:
            await ls.remove_folder(folder.uri)
        created: list[NotebookService] = []
        for folder in params.event.added:
            created += await ls.add_folder(folder.uri)
        live_roots = set(ls.services)
        for root in [r for r in watchers if r not in live_roots]:
            watchers.pop(root).stop()
        await start_watching(ls, watchers, batcher)
        for service in created:
            ls.start_indexing(service)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def configuration_changed(
        ls: CodexServer, params: types.DidChangeConfigurationParams
    ) -> None:
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get("codex"), dict):
            apply_settings(ls, settings["codex"])
        else:
            await load_configuration(ls)
        for service in list(ls.services.values()):
            ls.index_changed(service)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: CodexServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.start_opening(params.text_document.uri)
        schedule_write(ls, params.text_document.uri, 0.0)
        for listener in ls.on_document_opened:
            listener(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: CodexServer, params: types.DidChangeTextDocumentParams) -> None:
        schedule_write(ls, params.text_document.uri, ls.settings.debounce_ms / 1000)
        cursor = edit_end(params.content_changes[-1]) if params.content_changes else None
        for edited in ls.on_document_edited:
            edited(params.text_document.uri, cursor)
        for listener in ls.on_document_changed:
            listener(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: CodexServer, params: types.DidSaveTextDocumentParams) -> None:
        schedule_write(ls, params.text_document.uri, 0.0)
        for listener in ls.on_document_saved:
            listener(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: CodexServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.forget(uri)
        handle = pending_writes.pop(uri, None)
        if handle is not None:
            handle.cancel()
        where = ls.locate(uri)
        if where is not None:
            # The disk is the truth again for a closed note (unsaved edits are dropped).
            spawn(ls, ls.update_notebook(where.service, [where.rel]))
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )
        for listener in ls.on_document_closed:
            listener(uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files_changed(ls: CodexServer, params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            path = uri_to_path(change.uri)
            if path is not None:
                batcher.add(path)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: CodexServer, params: Any) -> None:
        stopping = list(watchers.values())
        watchers.clear()
        services = list(ls.services.values())

        def close_all() -> None:
            for watcher in stopping:
                watcher.stop()
            for service in services:
                service.close()

        # Closing waits for running index runs, so it runs on a thread and shutdown answers at
        # once: a client may send ``exit`` right behind it. The process ends only once the
        # closing thread has finished (the interpreter joins it), so nothing is cut short.
        closing = asyncio.ensure_future(asyncio.to_thread(close_all))
        background.add(closing)
        closing.add_done_callback(background.discard)

    def schedule_write(ls: CodexServer, uri: str, delay: float) -> None:
        """Write the buffer of ``uri`` to the index after ``delay`` seconds of quiet."""
        path = uri_to_path(uri)
        if path is None or not is_note_name(path.name):
            return
        handle = pending_writes.pop(uri, None)
        if handle is not None:
            handle.cancel()

        def fire() -> None:
            pending_writes.pop(uri, None)
            doc = ls.open_document(uri)
            where = ls.locate(uri)
            if doc is None or where is None:
                return
            spawn(ls, ls.update_notebook(where.service, [where.rel], {where.rel: doc.source}))

        pending_writes[uri] = asyncio.get_running_loop().call_later(delay, fire)


def edit_end(change: types.TextDocumentContentChangeEvent) -> types.Position | None:
    """Where the cursor is after a change: after its inserted text (None for the whole
    document, which says nothing of the cursor)."""
    if not isinstance(change, types.TextDocumentContentChangePartial):
        return None
    start = change.range.start
    lines = change.text.split("\n")
    if len(lines) == 1:
        return types.Position(start.line, start.character + utf16_len(lines[0]))
    return types.Position(start.line + len(lines) - 1, utf16_len(lines[-1]))


def spawn(ls: CodexServer, coroutine: Any) -> None:
    """Run a coroutine in the background, logging (never raising) its failure."""
    task = asyncio.ensure_future(coroutine)

    def done(finished: asyncio.Future[Any]) -> None:
        if not finished.cancelled() and finished.exception() is not None:
            log.error("background update failed: %s", finished.exception())

    task.add_done_callback(done)


async def load_configuration(ls: CodexServer) -> None:
    """Ask the client for the ``codex`` section when it supports ``workspace/configuration``."""
    workspace = ls.client_capabilities.workspace
    if not (workspace and workspace.configuration):
        return
    try:
        result = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="codex")])
        )
    except Exception as exc:
        log.warning("could not read the codex settings from the client: %s", exc)
        return
    if result and result[0] is not None:
        # A client with no ``codex`` section answers null: keep the initializationOptions.
        apply_settings(ls, result[0])


def apply_settings(ls: CodexServer, raw: Any) -> None:
    """Validate and apply settings; bad values are shown to the user and defaults used."""
    settings, warnings = parse_settings(raw)
    ls.settings = settings
    set_log_level(settings.log_level)
    set_log_file(Path(settings.log_file).expanduser() if settings.log_file else None)
    for warning in warnings:
        log.warning("settings: %s", warning)
        ls.window_show_message(
            types.ShowMessageParams(types.MessageType.Warning, f"codex-lsp settings: {warning}")
        )


async def start_watching(
    ls: CodexServer, watchers: dict[Path, FolderWatcher], batcher: ChangeBatcher
) -> None:
    """Watch every notebook: through the client when it can, else with watchdog."""
    batcher.bind(asyncio.get_running_loop())
    mode = ls.settings.watcher
    if mode == "off":
        return
    workspace = ls.client_capabilities.workspace
    client_can = bool(
        workspace
        and workspace.did_change_watched_files
        and workspace.did_change_watched_files.dynamic_registration
    )
    if client_can and mode in ("auto", "client"):
        if not batcher.client_registered:
            batcher.client_registered = True
            try:
                await ls.client_register_capability_async(
                    types.RegistrationParams(
                        registrations=[
                            types.Registration(
                                id="codex-watch-files",
                                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                register_options=types.DidChangeWatchedFilesRegistrationOptions(
                                    watchers=[types.FileSystemWatcher(glob_pattern="**/*")]
                                ),
                            )
                        ]
                    )
                )
                return
            except Exception as exc:
                batcher.client_registered = False
                log.warning("client refused file watching (%s); using watchdog", exc)
        else:
            return
    if mode == "client":
        return
    for root in ls.services:
        if root not in watchers:
            watcher = FolderWatcher(root, batcher.add_threadsafe)
            if watcher.start():
                watchers[root] = watcher
