"""The index run's writer thread: order, results, and failures reach the caller."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from codex_lsp.storage.writer import InlineWriter, ThreadWriter


def fresh() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    conn.execute("CREATE TABLE t (n INTEGER UNIQUE)")
    return conn


def test_jobs_run_in_order_and_calls_see_earlier_writes() -> None:
    """A read queued after writes sees them; everything is done when the block ends."""
    conn = fresh()
    with ThreadWriter(conn) as writer:
        writer.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(1000)])
        writer.execute("DELETE FROM t WHERE n >= ?", (500,))
        count = writer.call(lambda c: c.execute("SELECT count(*) FROM t").fetchone()[0])
        writer.execute("INSERT INTO t VALUES (?)", (-1,))
    assert count == 500
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 501


def test_a_failed_write_is_raised_and_later_jobs_are_skipped() -> None:
    """A constraint error on the thread surfaces in the caller; nothing after it runs."""
    conn = fresh()
    with pytest.raises(sqlite3.IntegrityError), ThreadWriter(conn) as writer:
        writer.execute("INSERT INTO t VALUES (1)")
        writer.execute("INSERT INTO t VALUES (1)")  # fails on the thread
        writer.execute("INSERT INTO t VALUES (2)")  # skipped
    assert [r[0] for r in conn.execute("SELECT n FROM t")] == [1]


def test_leaving_with_an_exception_drops_queued_jobs() -> None:
    """The caller's own failure stops the thread: jobs still queued are not run."""
    conn = fresh()
    started, release = threading.Event(), threading.Event()

    def hold(_: sqlite3.Connection) -> None:
        started.set()
        release.wait(5)

    with pytest.raises(RuntimeError, match="caller"), ThreadWriter(conn) as writer:
        writer.submit(hold)
        assert started.wait(5)
        writer.execute("INSERT INTO t VALUES (1)")  # queued behind the held job
        threading.Timer(0.1, release.set).start()
        raise RuntimeError("caller failed")
    assert release.is_set()  # the block waited for the running job to end
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_inline_writer_executes_at_once() -> None:
    """Small runs: the same interface, no thread."""
    conn = fresh()
    writer = InlineWriter(conn)
    writer.executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
    assert writer.call(lambda c: c.execute("SELECT sum(n) FROM t").fetchone()[0]) == 3
