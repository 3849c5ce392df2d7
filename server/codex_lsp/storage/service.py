"""A live notebook for long-running hosts (the language server): one writer, many reads.

All index writes run on one dedicated thread (SQLite allows one writer); reads run on a
second thread with their own connection, so they never wait for a long index run (WAL).
Both return ``concurrent.futures.Future`` objects; nothing here touches an event loop.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from .database import connect
from .indexer import Indexer, IndexStats, ProgressCallback
from .notebooks import Notebook

log = logging.getLogger(__name__)

T = TypeVar("T")


class NotebookClosed(RuntimeError):
    """Work was asked of a notebook that has been closed (its folder left the workspace)."""


class NotebookService:
    """Owns a notebook's writer (indexer) and reader connections."""

    def __init__(self, notebook: Notebook) -> None:
        self.notebook = notebook
        self._writer = ThreadPoolExecutor(1, thread_name_prefix=f"codex-write-{notebook.name}")
        self._reader = ThreadPoolExecutor(1, thread_name_prefix=f"codex-read-{notebook.name}")
        self._indexer: Indexer | None = None
        self._read_conn: sqlite3.Connection | None = None
        self._generation = 0
        self._lock = threading.Lock()
        self.ready = threading.Event()
        self._opened = threading.Event()
        self._closed = False
        self.last_stats: IndexStats | None = None

    @property
    def generation(self) -> int:
        """Increases every time the index changes; caches compare against it."""
        return self._generation

    def _bump(self, stats: IndexStats) -> IndexStats:
        with self._lock:
            self._generation += 1
        self.last_stats = stats
        return stats

    def _indexer_here(self) -> Indexer:
        if self._indexer is None:
            try:
                self._indexer = Indexer(self.notebook)
            finally:
                self._opened.set()
        return self._indexer

    def index(
        self,
        *,
        full: bool = False,
        progress: ProgressCallback | None = None,
        contents: dict[str, str] | None = None,
    ) -> Future[IndexStats]:
        """Scan the notebook (on the writer thread); ``contents`` are open editor buffers."""
        buffers = dict(contents or {})

        def run() -> IndexStats:
            indexer = self._indexer_here()
            stats = indexer.index(full=full, progress=progress)
            if buffers:
                indexer.update_paths(buffers.keys(), buffers)
            self.ready.set()
            return self._bump(stats)

        return self._submit(self._writer, run)

    def update(
        self, paths: Iterable[str], contents: dict[str, str] | None = None
    ) -> Future[IndexStats]:
        """Re-index some notebook-relative paths (on the writer thread)."""
        wanted = list(paths)
        buffers = dict(contents or {})

        def run() -> IndexStats:
            return self._bump(self._indexer_here().update_paths(wanted, buffers))

        return self._submit(self._writer, run)

    def write(self, change: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Run ``change`` with the writer's connection (on the writer thread)."""
        return self._submit(self._writer, lambda: change(self._indexer_here().conn))

    def read(self, query: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Run ``query`` with the read connection (on the reader thread)."""

        def run() -> T:
            if self._read_conn is None:
                self._opened.wait()  # the writer creates (or repairs) the database first
                if self._closed:
                    raise NotebookClosed(f"the notebook {self.notebook.name} was closed")
                self._read_conn = connect(self.notebook.db_path)
            return query(self._read_conn)

        return self._submit(self._reader, run)

    def _submit(self, executor: ThreadPoolExecutor, work: Callable[[], T]) -> Future[T]:
        """``work`` on ``executor``, or a future failed with :class:`NotebookClosed`."""
        try:
            return executor.submit(work)
        except RuntimeError:  # the executor was shut down by close()
            failed: Future[T] = Future()
            failed.set_exception(NotebookClosed(f"the notebook {self.notebook.name} was closed"))
            return failed

    def close(self) -> None:
        """Finish pending work and close both connections (blocks until then: call it off any
        event loop). Reads still waiting for the database fail with :class:`NotebookClosed`."""
        if self._closed:
            return
        self._closed = True

        def close_writer() -> None:
            try:
                if self._indexer is not None:
                    self._indexer.close()
            finally:
                self._opened.set()  # release reads that wait for a database never opened

        def close_reader() -> None:
            if self._read_conn is not None:
                self._read_conn.close()

        self._writer.submit(close_writer)
        self._reader.submit(close_reader)
        self._writer.shutdown(wait=True)
        self._reader.shutdown(wait=True)
