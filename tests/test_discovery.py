"""Notebook discovery for documents opened outside the open notebooks (CodexServer)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from codex_lsp.lsp import server as server_module
from codex_lsp.lsp.server import CodexServer
from codex_lsp.storage.notebooks import Notebook, enclosing_notebook


def test_discovery_runs_off_the_loop_and_remembers_folders_without_a_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    walks: list[tuple[Path, bool]] = []

    def counted(path: Path) -> Notebook | None:
        walks.append((path, threading.current_thread() is threading.main_thread()))
        return enclosing_notebook(path)

    monkeypatch.setattr(server_module, "enclosing_notebook", counted)
    lone = tmp_path / "loose"
    lone.mkdir()
    server = CodexServer()
    started: list[Path] = []
    monkeypatch.setattr(
        server, "start_indexing", lambda service: started.append(service.notebook.root)
    )

    async def scenario() -> None:
        await server.open_enclosing((lone / "a.md").as_uri())
        await server.open_enclosing((lone / "b.md").as_uri())
        assert len(walks) == 1  # the second note's folder is known to have no notebook
        assert not server.services
        (lone / ".codex").mkdir()
        server.remove_folder("file:///unrelated")  # workspace folders changed: forget
        await server.open_enclosing((lone / "b.md").as_uri())
        assert len(walks) == 2
        assert list(server.services) == started == [lone.resolve()]
        for service in server.services.values():
            service.close()

    asyncio.run(scenario())
    assert walks and not any(on_main for _, on_main in walks)
