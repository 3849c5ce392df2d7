"""``exit`` right behind ``shutdown`` while the notebook is still being indexed and a buffer
edit is pending (an editor restarting the server, as VS Code does when a server setting
changes): the process ends promptly and writes no errors, whatever is still running."""

from __future__ import annotations

import asyncio
from pathlib import Path

from raw_rpc import RawServer

DASHBOARD = "Dashboard.md"


async def test_exit_with_work_pending_ends_quietly(lab_notebook: Path, tmp_path: Path) -> None:
    stderr = tmp_path / "stderr.log"
    server = await RawServer.start(stderr)
    try:
        # VS Code's capabilities: the server registers a file watcher with the client.
        watched = {"didChangeWatchedFiles": {"dynamicRegistration": True}}
        await server.initialize(
            lab_notebook,
            capabilities={"window": {"workDoneProgress": True}, "workspace": watched},
        )
        # Indexing has begun and is still running when exit arrives.
        await server.wait_for(lambda m: m.get("method") == "$/progress")
        uri = (lab_notebook / DASHBOARD).as_uri()
        text = (lab_notebook / DASHBOARD).read_text(encoding="utf-8")
        document = {"uri": uri, "languageId": "markdown", "version": 1, "text": text}
        server.notify("textDocument/didOpen", {"textDocument": document})
        server.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{"text": "# Dashboard\n\n[[PCR amplification]]\n"}],
            },
        )
        readme = {"uri": (lab_notebook / "README.md").as_uri(), "type": 2}
        server.notify("workspace/didChangeWatchedFiles", {"changes": [readme]})
        server.request_nowait("shutdown")
        server.notify("exit")
        status = await asyncio.wait_for(server.process.wait(), 20)
    finally:
        await server.stop()
    log = stderr.read_text(encoding="utf-8", errors="replace")
    assert status == 0
    assert "Error sending data" not in log, log[:2000]
