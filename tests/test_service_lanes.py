"""A notebook's two reader lanes: the interactive lane answers while the background lane is
busy (the edited note's diagnostics must not wait behind the checks of every open note
after an index change), each lane with its own connection."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_lsp.storage import service as service_module
from codex_lsp.storage.notebooks import Notebook
from codex_lsp.storage.service import NotebookService, on_interactive_lane


@pytest.fixture
def service(tmp_path: Path) -> Iterator[NotebookService]:
    """A notebook of one note, indexed, its service closed after the test."""
    root = tmp_path / "nb"
    (root / ".codex").mkdir(parents=True)
    (root / "a.md").write_text("# A\n", encoding="utf-8")
    opened = NotebookService(Notebook(root, explicit=True))
    try:
        opened.index().result(timeout=60)
        yield opened
    finally:
        opened.close()


def test_the_interactive_lane_answers_while_the_background_lane_is_busy(
    service: NotebookService,
) -> None:
    gate = threading.Event()
    try:
        busy = service.read(lambda conn: gate.wait(60))
        count = "SELECT count(*) FROM file_metadata"
        answer = service.read_now(lambda conn: (conn.execute(count).fetchone(), conn))
        (found, interactive_conn) = answer.result(timeout=30)
        assert found == (1,)
        assert not busy.done()
        gate.set()
        assert busy.result(timeout=30) is True
        background_conn = service.read(lambda conn: conn).result(timeout=30)
        assert background_conn is not interactive_conn
    finally:
        gate.set()


def test_only_the_interactive_lane_says_it_is_one(service: NotebookService) -> None:
    assert service.read_now(lambda conn: on_interactive_lane()).result(timeout=30)
    assert not service.read(lambda conn: on_interactive_lane()).result(timeout=30)
    assert not on_interactive_lane()


def test_background_work_waits_for_a_pending_interactive_read(
    service: NotebookService, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A background read sharing the interpreter with an interactive one would slow the
    # answer a user waits for: it starts only once no interactive read is pending.
    monkeypatch.setattr(service_module, "YIELD_LIMIT", 60.0)
    hold = threading.Event()
    try:
        interactive = service.read_now(lambda conn: hold.wait(60))
        background = service.read(lambda conn: interactive.done())
        # Released from another thread: this one waits on the background read's answer.
        threading.Timer(0.2, hold.set).start()
        assert background.result(timeout=30) is True
        # A write waits likewise.
        interactive = service.read_now(lambda conn: hold.wait(60))
        assert service.write(lambda conn: interactive.done()).result(timeout=30) is True
    finally:
        hold.set()


def test_the_interactive_lane_never_waits_for_itself(
    service: NotebookService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "YIELD_LIMIT", 60.0)
    # Waiting here would wait for this very read (up to the limit, far beyond the timeout).
    service.read_now(lambda conn: service.yield_to_interactive()).result(timeout=10)
