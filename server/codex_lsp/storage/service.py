"""A live notebook for long-running hosts (the language server): one writer, many reads.

All index writes run on one dedicated thread (SQLite allows one writer); reads run on two
reader threads (lanes), each with its own connection, so they never wait for a long index run
(WAL): the background lane for every read, and the interactive lane for the few answers a
user waits for while typing (the edited note's diagnostics), which must not queue behind the
background lane's work after an index change. Every call returns a
``concurrent.futures.Future``; nothing here touches an event loop.

Threads share one interpreter: a background job running beside an interactive read would
hold it for turns of the switch interval, several times per read (each SQLite call hands it
over). So background work yields: every background read and write waits before it starts,
and long background jobs between their steps (:meth:`NotebookService.yield_to_interactive`),
while interactive reads are pending.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..core.syntax import is_note_name
from .database import connect, is_damage
from .location import index_path
from .notebooks import Notebook

if TYPE_CHECKING:  # the indexer (and what it loads) is imported when a notebook opens
    from .disk_names import DiskNames
    from .indexer import Indexer, IndexStats, ProgressCallback

log = logging.getLogger(__name__)

T = TypeVar("T")
_lane = threading.local()
CHANGE_LOG = 64
"""Index writes remembered by the paths they wrote (:meth:`NotebookService.changed_since`)."""
YIELD_LIMIT = 0.05
"""Seconds background work waits at most at one step for interactive reads to end (it
never starves behind a stream of them)."""
FileId = tuple[int, int] | None  # (device, inode) of a database file; None when it is missing


def _file_id(path: Path) -> FileId:
    """Which file is at ``path`` now: a replaced or deleted database changes the answer."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


def _hidden(rel: str) -> bool:
    """Whether a path has a hidden part (a sidecar is one: ``.NAME.json``)."""
    return any(part.startswith(".") for part in rel.split("/"))


def _is_damage(exc: BaseException | None) -> bool:
    """True when ``exc``, or an error it interrupted (a failed ``ROLLBACK`` hides the first
    error), says the database is damaged."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, sqlite3.DatabaseError) and is_damage(exc):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


class NotebookClosed(RuntimeError):
    """Work was asked of a notebook that has been closed (its folder left the workspace)."""


def on_interactive_lane() -> bool:
    """Whether the calling thread is a notebook's interactive reader: work kept short there
    (a cache that takes long to build is built on the background lane, not here)."""
    return bool(getattr(_lane, "interactive", False))


def _mark_interactive() -> None:
    _lane.interactive = True


class _Reader:
    """One reader lane: a thread and the connection it alone uses."""

    def __init__(self, name: str, *, interactive: bool) -> None:
        self.executor = ThreadPoolExecutor(
            1, thread_name_prefix=name, initializer=_mark_interactive if interactive else None
        )
        self.conn: sqlite3.Connection | None = None
        self.file: FileId | None = None

    def drop(self) -> None:
        """Close the connection (on the lane's thread); the next read opens it again."""
        if self.conn is not None:
            self.conn.close()
        self.conn = None


class _Pending:
    """How many interactive reads are pending (queued or running), for background work to
    wait until there are none."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = threading.Condition()

    def add(self, future: Future[T]) -> Future[T]:
        """Count ``future`` as pending until it is done."""
        with self._idle:
            self._count += 1
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future[Any]) -> None:
        with self._idle:
            self._count -= 1
            if not self._count:
                self._idle.notify_all()

    def wait(self, limit: float) -> None:
        """Block (the interpreter free meanwhile) while some are pending, ``limit`` s at most."""
        with self._idle:
            self._idle.wait_for(lambda: not self._count, limit)


class NotebookService:
    """Owns a notebook's writer (indexer) and reader connections (two lanes, see above).

    A database damaged, truncated, deleted or replaced while it is open is noticed by either
    thread (``SQLITE_CORRUPT``/``SQLITE_NOTADB``, or the file at the path is no longer the one
    opened): the damaged file is moved aside as at start-up (``connect``), both threads reopen,
    the request that noticed it runs again on the new database (an empty or partial answer
    until it is rebuilt), and ``on_damaged`` is called once, for the host to rebuild the
    index.
    """

    def __init__(self, notebook: Notebook) -> None:
        self.notebook = notebook
        self._writer = ThreadPoolExecutor(1, thread_name_prefix=f"codex-write-{notebook.name}")
        self._reader = _Reader(f"codex-read-{notebook.name}", interactive=False)
        self._interactive = _Reader(f"codex-read-now-{notebook.name}", interactive=True)
        self._pending = _Pending()
        self._indexer: Indexer | None = None
        self._indexer_file: FileId | None = None
        self._generation = 0
        self._mark = 0
        self._changes: deque[tuple[int, frozenset[str] | None]] = deque(maxlen=CHANGE_LOG)
        self._lock = threading.Lock()
        self.ready = threading.Event()
        self._opened = threading.Event()
        self._recovering = False
        self.on_damaged: Callable[[], object] | None = None
        self._closed = False
        self.last_stats: IndexStats | None = None
        self._walk: DiskNames | None = None
        self._walk_lock = threading.Lock()

    @property
    def generation(self) -> int:
        """Increases every time the index changes; caches compare against it."""
        return self._generation

    @property
    def change_mark(self) -> int:
        """Increases after every write to the index (once it is committed): what
        :meth:`changed_since` takes to tell what was written after it was read."""
        return self._mark

    def changed_since(self, mark: int) -> frozenset[str] | None:
        """The notebook paths written to the index since ``change_mark`` was ``mark``; None
        when that is not known (a scan, a write of another kind, or older than the log)."""
        with self._lock:
            if mark == self._mark:
                return frozenset()
            entries = [paths for (number, paths) in self._changes if number > mark]
            if len(entries) != self._mark - mark or None in entries:
                return None
        return frozenset().union(*(paths for paths in entries if paths is not None))

    def _written(self, paths: Iterable[str] | None) -> None:
        """Log a write: the notes at ``paths`` (None: anything may have changed)."""
        with self._lock:
            self._mark += 1
            self._changes.append((self._mark, None if paths is None else frozenset(paths)))

    @property
    def database(self) -> Path:
        """The index file in use: the notebook's own, or the user cache's when the notebook
        cannot be written (known once the writer has opened it)."""
        indexer = self._indexer
        return indexer.db_path if indexer is not None else self.notebook.db_path

    def _bump(self, stats: IndexStats) -> IndexStats:
        with self._lock:
            self._generation += 1
        self.last_stats = stats
        return stats

    def _indexer_here(self) -> Indexer:
        if self._indexer is not None and _file_id(self._indexer.db_path) != self._indexer_file:
            self._drop_indexer()
            self._damaged()
        if self._indexer is None:
            try:
                from .indexer import Indexer

                self._indexer = Indexer(self.notebook)
                self._indexer_file = _file_id(self._indexer.db_path)
            finally:
                self._opened.set()
        return self._indexer

    def _drop_indexer(self) -> None:
        if self._indexer is not None:
            self._indexer.close()
        self._indexer = None

    def _damaged(self) -> None:
        """Tell the host, once per recovery, that the index must be rebuilt."""
        with self._lock:
            first = not self._recovering
            self._recovering = True
        log.warning("the index of %s was damaged or replaced; rebuilding it", self.notebook.root)
        if first and self.on_damaged is not None:
            self.on_damaged()

    def _on_writer(self, job: Callable[[Indexer], T]) -> Future[T]:
        """Run ``job`` on the writer thread, again on a new database if it met damage."""

        def run() -> T:
            if self._opened.is_set():  # else an interactive read may wait for this job
                self.yield_to_interactive()
            try:
                return job(self._indexer_here())
            except sqlite3.DatabaseError as exc:
                if not _is_damage(exc):
                    raise
            self._drop_indexer()  # reopening moves the damaged file aside
            self._damaged()
            return job(self._indexer_here())

        return self._submit(self._writer, run)

    def index(
        self,
        *,
        full: bool = False,
        progress: ProgressCallback | None = None,
        contents: dict[str, str] | None = None,
    ) -> Future[IndexStats]:
        """Scan the notebook (on the writer thread); ``contents`` are open editor buffers."""
        buffers = dict(contents or {})

        def run(indexer: Indexer) -> IndexStats:
            try:
                stats = indexer.index(full=full, progress=progress)
                if buffers:
                    indexer.update_paths(buffers.keys(), buffers)
            finally:
                self._written(None)
            self.ready.set()
            with self._walk_lock:  # the index now holds every file
                self._walk = None
            with self._lock:
                self._recovering = False
            return self._bump(stats)

        return self._on_writer(run)

    def files_on_disk(self) -> DiskNames:
        """The notebook's files as found on disk, for answers during its first index run:
        walked once, however many requests ask meanwhile, and dropped when the run is over.
        Blocking (disk): call from a thread."""
        from .disk_names import DiskNames

        with self._walk_lock:
            if self.ready.is_set():  # a request that began just before the run ended
                return DiskNames(self.notebook.root)
            if self._walk is None:
                self._walk = DiskNames(self.notebook.root)
            return self._walk

    def update(
        self, paths: Iterable[str], contents: dict[str, str] | None = None
    ) -> Future[IndexStats]:
        """Re-index some notebook-relative paths (on the writer thread)."""
        wanted = list(paths)
        buffers = dict(contents or {})
        # A sidecar or an attachment stands for another file, or for none: logged as unknown.
        known = wanted if all(is_note_name(p) and not _hidden(p) for p in wanted) else None

        def run(indexer: Indexer) -> IndexStats:
            try:
                return self._bump(indexer.update_paths(wanted, buffers))
            finally:
                self._written(known)

        return self._on_writer(run)

    def write(self, change: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Run ``change`` with the writer's connection (on the writer thread)."""

        def run(indexer: Indexer) -> T:
            try:
                return change(indexer.conn)
            finally:
                self._written(None)

        return self._on_writer(run)

    def read(self, query: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Run ``query`` with the background lane's connection (on its thread)."""
        return self._read_on(self._reader, query)

    def read_now(self, query: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Run ``query`` on the interactive lane: for a short answer a user is waiting for,
        which must not wait behind the background lane's queue."""
        return self._pending.add(self._read_on(self._interactive, query))

    def yield_to_interactive(self) -> None:
        """Wait while interactive reads are pending (at most ``YIELD_LIMIT``): background
        work calls it between its steps, so that an answer a user waits for has the
        interpreter to itself. Returns at once on the interactive lane."""
        if not on_interactive_lane():
            self._pending.wait(YIELD_LIMIT)

    def _read_on(self, lane: _Reader, query: Callable[[sqlite3.Connection], T]) -> Future[T]:
        def run() -> T:
            self.yield_to_interactive()
            try:
                return query(self._reader_here(lane))
            except sqlite3.DatabaseError as exc:
                if not _is_damage(exc):
                    raise
            lane.drop()  # reopening moves the damaged file aside
            self._damaged()
            return query(self._reader_here(lane))

        return self._submit(lane.executor, run)

    def _submit(self, executor: ThreadPoolExecutor, work: Callable[[], T]) -> Future[T]:
        """``work`` on ``executor``, or a future failed with :class:`NotebookClosed`."""
        try:
            return executor.submit(work)
        except RuntimeError:  # the executor was shut down by close()
            failed: Future[T] = Future()
            failed.set_exception(NotebookClosed(f"the notebook {self.notebook.name} was closed"))
            return failed

    def _reader_here(self, lane: _Reader) -> sqlite3.Connection:
        path = index_path(self.notebook)
        if lane.conn is not None and _file_id(path) != lane.file:
            lane.drop()
            self._damaged()
        if lane.conn is None:
            self._opened.wait()  # the writer creates (or repairs) the database first
            if self._closed:
                raise NotebookClosed(f"the notebook {self.notebook.name} was closed")
            lane.conn = connect(path)
            lane.file = _file_id(path)
        return lane.conn

    def close(self) -> None:
        """Finish pending work and close every connection (blocks until then: call it off any
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

        self._writer.submit(close_writer)
        for lane in (self._reader, self._interactive):
            # Dropped, not only closed: a read sent before the shutdown below finds no
            # connection and fails as NotebookClosed.
            lane.executor.submit(lane.drop)
        self._writer.shutdown(wait=True)
        for lane in (self._reader, self._interactive):
            lane.executor.shutdown(wait=True)
