"""Life cycle and synchronisation: start-up indexing, open documents, file changes, settings.

Open documents are the truth for their notes: each change is written to the index after a
short debounce. Changes made outside the editor arrive through ``didChangeWatchedFiles``
(when the client can register watchers) or a watchdog observer, batched per notebook.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ...core.syntax import is_note_name
from ...core.textpos import utf16_len
from ..convert import uri_to_path
from ..feature import Feature, handles
from ..log import set_log_file, set_log_level
from ..server import CodexServer
from ..settings import parse_settings
from ..watcher import ChangeBatcher

if TYPE_CHECKING:
    from ...storage.service import NotebookService
    from ..folder_watcher import FolderWatcher

log = logging.getLogger(__name__)


class Sync(Feature):
    """Life cycle, open documents, watched files, workspace folders and settings; the
    source of the document events every other feature hears."""

    def __init__(self, server: CodexServer) -> None:
        super().__init__(server)
        self.batcher = ChangeBatcher(server)
        self.watchers: dict[Path, FolderWatcher] = {}
        self.pending_writes: dict[str, asyncio.TimerHandle] = {}

    @handles(types.INITIALIZE)
    def initialize(self, params: types.InitializeParams) -> None:
        """Apply the initialization options, then let every feature see the params."""
        options = params.initialization_options
        if isinstance(options, dict):
            codex = options.get("codex", options) if "codex" in options else options
            apply_settings(self.server, codex)
        self.server.initializing(params)

    @handles(types.INITIALIZED)
    async def initialized(self, params: types.InitializedParams) -> None:
        """Open the workspace folders as notebooks, watch them and index them."""
        ls = self.server
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
        await self.start_watching()
        await asyncio.gather(
            *(
                ls.index_notebook(service)
                for service in list(ls.services.values())
                if ls.needs_first_index(service)
            ),
            return_exceptions=True,
        )

    @handles(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def folders_changed(self, params: types.DidChangeWorkspaceFoldersParams) -> None:
        """Close the notebooks of removed folders, open and index those of added ones."""
        ls = self.server
        for folder in params.event.removed:
            await ls.remove_folder(folder.uri)
        created: list[NotebookService] = []
        for folder in params.event.added:
            created += await ls.add_folder(folder.uri)
        live_roots = set(ls.services)
        for root in [r for r in self.watchers if r not in live_roots]:
            self.watchers.pop(root).stop()
        await self.start_watching()
        for service in created:
            ls.start_indexing(service)

    @handles(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def configuration_changed(self, params: types.DidChangeConfigurationParams) -> None:
        """Apply new settings; everything that depends on them is computed again."""
        ls = self.server
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get("codex"), dict):
            apply_settings(ls, settings["codex"])
        else:
            await load_configuration(ls)
        for service in list(ls.services.values()):
            ls.index_changed(service)

    @handles(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(self, params: types.DidOpenTextDocumentParams) -> None:
        """Open the document's notebook if needed, index the buffer, tell the features."""
        uri = params.text_document.uri
        self.server.start_opening(uri)
        self.schedule_write(uri, 0.0)
        self.server.opened(uri)

    @handles(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        """Index the buffer after a quiet period; tell the features where the cursor is."""
        uri = params.text_document.uri
        self.schedule_write(uri, self.server.settings.debounce_ms / 1000)
        cursor = edit_end(params.content_changes[-1]) if params.content_changes else None
        self.server.changed(uri, cursor)

    @handles(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(self, params: types.DidSaveTextDocumentParams) -> None:
        """Index the saved buffer now and tell the features."""
        self.schedule_write(params.text_document.uri, 0.0)
        self.server.saved(params.text_document.uri)

    @handles(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(self, params: types.DidCloseTextDocumentParams) -> None:
        """Return the note to its disk text and clear what was pushed for it."""
        ls = self.server
        uri = params.text_document.uri
        ls.forget(uri)
        handle = self.pending_writes.pop(uri, None)
        if handle is not None:
            handle.cancel()
        where = ls.locate(uri)
        if where is not None:
            # The disk is the truth again for a closed note (unsaved edits are dropped).
            ls.run_task(
                ls.update_notebook(where.service, [where.rel]), name=f"re-indexing closed {uri}"
            )
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )
        ls.closed(uri)

    @handles(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files_changed(self, params: types.DidChangeWatchedFilesParams) -> None:
        """Queue the changed files for one index update per notebook; a created folder
        rescans its notebook."""
        created: list[Path] = []
        for change in params.changes:
            path = uri_to_path(change.uri)
            if path is None:
                continue
            if change.type == types.FileChangeType.Created:
                created.append(path)
            else:
                self.batcher.add(path)
        if created:
            self.server.run_task(self.add_created(created), name="queueing created files")

    async def add_created(self, paths: list[Path]) -> None:
        """Queue created paths, folders as folders.

        A client may announce a new folder without the files written into it (VS Code's
        watcher does when they arrive before it watches the folder), so a folder rescans its
        notebook, as the watchdog observer's folder events do. The events do not say which
        paths are folders: the disk does, asked on a thread.
        """
        folders = await asyncio.to_thread(lambda: {p for p in paths if p.is_dir()})
        for path in paths:
            self.batcher.add(path, is_folder=path in folders)

    @handles(types.SHUTDOWN)
    async def shutdown(self, params: Any) -> None:
        """Stop watching and close every notebook, on a thread: ``shutdown`` answers at once."""
        stopping = list(self.watchers.values())
        self.watchers.clear()
        services = list(self.server.services.values())

        def close_all() -> None:
            for watcher in stopping:
                watcher.stop()
            for service in services:
                service.close()

        # Closing waits for running index runs, so it runs on a thread and shutdown answers at
        # once: a client may send ``exit`` right behind it. The process ends only once the
        # closing thread has finished (the interpreter joins it), so nothing is cut short.
        self.server.run_task(asyncio.to_thread(close_all), name="closing the notebooks")

    def schedule_write(self, uri: str, delay: float) -> None:
        """Write the buffer of ``uri`` to the index after ``delay`` seconds of quiet."""
        path = uri_to_path(uri)
        if path is None or not is_note_name(path.name):
            return
        handle = self.pending_writes.pop(uri, None)
        if handle is not None:
            handle.cancel()
        ls = self.server

        def fire() -> None:
            self.pending_writes.pop(uri, None)
            doc = ls.open_document(uri)
            where = ls.locate(uri)
            if doc is None or where is None:
                return
            ls.run_task(
                ls.update_notebook(where.service, [where.rel], {where.rel: doc.source}),
                name=f"indexing the buffer of {uri}",
            )

        self.pending_writes[uri] = asyncio.get_running_loop().call_later(delay, fire)

    async def start_watching(self) -> None:
        """Watch every notebook: through the client when it can, else with watchdog."""
        from ..folder_watcher import FolderWatcher

        ls, batcher = self.server, self.batcher
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
            if batcher.client_registered:
                return
            batcher.client_registered = True
            try:
                await ls.client_register_capability_async(
                    types.RegistrationParams(registrations=[_WATCH_ALL])
                )
                return
            except Exception as exc:
                batcher.client_registered = False
                log.warning("client refused file watching (%s); using watchdog", exc)
        if mode == "client":
            return
        for root in ls.services:
            if root not in self.watchers:
                watcher = FolderWatcher(root, batcher.add_threadsafe)
                if watcher.start():
                    self.watchers[root] = watcher


_WATCH_ALL = types.Registration(
    id="codex-watch-files",
    method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
    register_options=types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern="**/*")]
    ),
)


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
