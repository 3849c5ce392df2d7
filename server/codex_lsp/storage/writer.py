"""Where an index run's database writes are executed: inline, or in order on a thread.

A large run spends most of its database time inside SQLite (FTS5 tokenising, B-tree inserts,
index builds), which runs without the GIL. :class:`ThreadWriter` executes the writes on a
thread of its own, so that this work overlaps with the Python work of the run (reading worker
results, building rows, resolving links). :class:`InlineWriter` has the same interface and
executes each write at once; small runs use it.

Either way the connection is used by one thread at a time, and writes happen in the order they
were given: ``call`` (a read, or a write whose result is needed) waits for everything before it.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

BACKLOG = 8
"""Jobs a :class:`ThreadWriter` holds before ``submit`` waits (bounds the memory of rows)."""


class Writer(Protocol):
    """Executes an index run's database work in order."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Execute one statement (perhaps later)."""
        ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Execute one statement for every row (perhaps later)."""
        ...

    def submit(self, job: Callable[[sqlite3.Connection], object]) -> None:
        """Run ``job(conn)`` after everything given before (perhaps later)."""
        ...

    def call(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``job(conn)`` after everything given before, and return its result."""
        ...


class InlineWriter:
    """A :class:`Writer` that executes everything at once, in the calling thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Execute one statement now."""
        self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Execute one statement for every row, now."""
        self._conn.executemany(sql, rows)

    def submit(self, job: Callable[[sqlite3.Connection], object]) -> None:
        """Run ``job`` now."""
        job(self._conn)

    def call(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``job`` now and return its result."""
        return job(self._conn)


_Job = tuple[Callable[[sqlite3.Connection], Any], "Future[Any] | None"]


class ThreadWriter:
    """A :class:`Writer` that executes everything in order on a thread of its own.

    Use it as a context manager: leaving the block waits for every job (and re-raises the first
    failure); leaving it with an exception drops the jobs not yet started. The caller must not
    use the connection itself inside the block.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._jobs: queue.Queue[_Job | None] = queue.Queue(BACKLOG)
        self._failure: BaseException | None = None
        self._cancelled = False
        self._thread = threading.Thread(target=self._run, name="codex-index-writer", daemon=True)

    def __enter__(self) -> ThreadWriter:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self._cancelled = kind is not None
        self._jobs.put(None)
        self._thread.join()
        if kind is None and self._failure is not None:
            raise self._failure

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Execute one statement on the writer thread."""
        self.submit(lambda conn: conn.execute(sql, params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Execute one statement for every row on the writer thread."""
        self.submit(lambda conn: conn.executemany(sql, rows))

    def submit(self, job: Callable[[sqlite3.Connection], object]) -> None:
        """Queue ``job``; raises at once if an earlier job failed."""
        if self._failure is not None:
            raise self._failure
        self._jobs.put((job, None))

    def call(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Queue ``job`` and wait for its result."""
        future: Future[T] = Future()
        self._jobs.put((job, future))
        return future.result()

    def _run(self) -> None:
        while (item := self._jobs.get()) is not None:
            job, future = item
            if self._failure is not None or self._cancelled:
                if future is not None:
                    future.set_exception(self._failure or RuntimeError("index run cancelled"))
                continue
            try:
                result = job(self._conn)
            except BaseException as exc:  # handed to the caller's thread
                self._failure = exc
                if future is not None:
                    future.set_exception(exc)
                continue
            if future is not None:
                future.set_result(result)


__all__ = ["BACKLOG", "InlineWriter", "ThreadWriter", "Writer"]
