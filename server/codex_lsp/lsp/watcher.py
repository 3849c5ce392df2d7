"""File changes made outside the editor: the batching queue of changed paths (the watchdog
observer is in ``folder_watcher.py``, loaded only when the client cannot watch files).

Bursts (a ``git checkout`` touching a thousand files) become one index run per notebook.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from ..storage.notebooks import CODEX_DIR

if TYPE_CHECKING:
    from .server import CodexServer

log = logging.getLogger(__name__)

BATCH_DELAY = 0.2
RESCAN_THRESHOLD = 200
_IGNORED_PARTS = frozenset({".git", "node_modules", ".trash", ".obsidian"})


def _interesting(path: Path) -> bool:
    parts = path.parts
    if any(part in _IGNORED_PARTS for part in parts):
        return False
    name = path.name
    return not (CODEX_DIR in parts and name not in ("config.yaml", "schema.yaml"))


class ChangeBatcher:
    """Collects changed paths and re-indexes each notebook once per quiet period."""

    def __init__(self, server: CodexServer) -> None:
        self._server = server
        self._pending: set[Path] = set()
        self._folders: set[Path] = set()
        self._handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.client_registered = False

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Remember the event loop that threads hand their changes to."""
        self._loop = loop

    def add(self, path: Path, is_folder: bool = False) -> None:
        """Queue a changed path (call on the event loop); a folder rescans its notebook."""
        if not _interesting(path):
            return
        loop = asyncio.get_running_loop()
        (self._folders if is_folder else self._pending).add(path)
        if self._handle is not None:
            self._handle.cancel()
        self._handle = loop.call_later(BATCH_DELAY, self._flush)

    def add_threadsafe(self, path: Path, is_folder: bool) -> None:
        """Queue a changed path from another thread (the watchdog observer)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self.add, path, is_folder)

    def _flush(self) -> None:
        self._handle = None
        pending, self._pending = self._pending, set()
        folders, self._folders = self._folders, set()
        by_service: dict[Path, list[str]] = {}
        rescan: set[Path] = set()
        for folder in folders:
            service = self._server.service_for(folder)
            if service is not None:
                rescan.add(service.notebook.root)
        for path in pending:
            service = self._server.service_for(path)
            if service is None:
                continue
            root = service.notebook.root
            rel = path.relative_to(root).as_posix()
            if rel == f"{CODEX_DIR}/config.yaml":
                rescan.add(root)
            by_service.setdefault(root, []).append(rel)
        for root in rescan - by_service.keys():
            by_service[root] = []
        for root, paths in by_service.items():
            service = self._server.services.get(root)
            if service is None:
                continue
            if root in rescan or len(paths) > RESCAN_THRESHOLD:
                self._server.start_indexing(service)
                continue
            buffers = self._server.buffers_of(service)
            contents = {p: buffers[p] for p in paths if p in buffers}
            self._server.run_task(
                self._server.update_notebook(service, paths, contents),
                name=f"re-indexing {len(paths)} changed files of {root}",
            )
