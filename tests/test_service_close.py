"""Closing a notebook while requests still come: they fail with ``NotebookClosed``, never with
SQLite's "Cannot operate on a closed database" (which the server reported as an internal
error when a workspace folder was removed while a request was on its way)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from codex_lsp.storage.notebooks import Notebook
from codex_lsp.storage.service import NotebookClosed, NotebookService


def reader_closed(service: NotebookService) -> bool:
    """Whether both reader lanes have closed (or dropped) their connections."""
    for conn in (service._reader.conn, service._interactive.conn):
        if conn is None:
            continue
        try:
            conn.total_changes  # noqa: B018 - raises once the connection is closed
        except sqlite3.ProgrammingError:
            continue
        return False
    return True


def test_a_read_sent_while_the_notebook_closes_fails_as_closed(tmp_path: Path) -> None:
    root = tmp_path / "nb"
    (root / ".codex").mkdir(parents=True)
    (root / "a.md").write_text("# A\n", encoding="utf-8")
    service = NotebookService(Notebook(root, explicit=True))
    service.index().result(timeout=60)
    assert service.read(lambda conn: conn.execute("SELECT 1").fetchone()).result() == (1,)
    assert service.read_now(lambda conn: conn.execute("SELECT 1").fetchone()).result() == (1,)

    # The writer is kept busy, so close() has closed the reader but not yet shut it down.
    gate = threading.Event()
    service.write(lambda conn: gate.wait(60))
    closing = threading.Thread(target=service.close)
    closing.start()
    try:
        for _ in range(6000):
            if reader_closed(service):
                break
            threading.Event().wait(0.01)
        assert reader_closed(service), "close() did not close the reader"
        for read in (service.read, service.read_now):
            late = read(lambda conn: conn.execute("SELECT 1").fetchone())
            with pytest.raises(NotebookClosed):
                late.result(timeout=60)
    finally:
        gate.set()
        closing.join(timeout=60)
