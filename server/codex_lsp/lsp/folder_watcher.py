"""A watchdog observer on a notebook root: the fallback when the client cannot watch files."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

log = logging.getLogger(__name__)


class _Handler(FileSystemEventHandler):
    def __init__(self, callback: Callable[[Path, bool], None]) -> None:
        self._callback = callback

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write", "closed"):
            return
        if event.is_directory and event.event_type == "modified":
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                path = Path(raw if isinstance(raw, str) else raw.decode())
                self._callback(path, event.is_directory)


class FolderWatcher:
    """A recursive watchdog observer on one notebook root."""

    def __init__(self, root: Path, callback: Callable[[Path, bool], None]) -> None:
        self._root = root
        self._observer = Observer()
        self._observer.daemon = True
        self._callback = callback

    def start(self) -> bool:
        """Start watching; False (and a warning) when the OS refuses."""
        try:
            self._observer.schedule(_Handler(self._callback), str(self._root), recursive=True)
            self._observer.start()
        except OSError as exc:
            log.warning("cannot watch %s for changes (%s)", self._root, exc)
            return False
        return True

    def stop(self) -> None:
        """Stop watching."""
        self._observer.stop()
