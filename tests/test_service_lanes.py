"""A notebook's two reader lanes: the interactive lane answers while the background lane is
busy (the edited note's diagnostics must not wait behind the checks of every open note
after an index change), each lane with its own connection."""

from __future__ import annotations

import threading
from pathlib import Path

from codex_lsp.storage.notebooks import Notebook
from codex_lsp.storage.service import NotebookService, on_interactive_lane


def test_the_interactive_lane_answers_while_the_background_lane_is_busy(tmp_path: Path) -> None:
    root = tmp_path / "nb"
    (root / ".codex").mkdir(parents=True)
    (root / "a.md").write_text("# A\n", encoding="utf-8")
    service = NotebookService(Notebook(root, explicit=True))
    gate = threading.Event()
    try:
        service.index().result(timeout=60)
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
        service.close()


def test_only_the_interactive_lane_says_it_is_one(tmp_path: Path) -> None:
    root = tmp_path / "nb"
    (root / ".codex").mkdir(parents=True)
    service = NotebookService(Notebook(root, explicit=True))
    try:
        service.index().result(timeout=60)
        assert service.read_now(lambda conn: on_interactive_lane()).result(timeout=30)
        assert not service.read(lambda conn: on_interactive_lane()).result(timeout=30)
        assert not on_interactive_lane()
    finally:
        service.close()
