"""Helpers to drive the real server over stdio with a pytest-lsp client."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

# Implicit notebooks keep their database under the user cache: keep tests out of the real one.
os.environ.setdefault("XDG_CACHE_HOME", tempfile.mkdtemp(prefix="codex-test-cache-"))

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "codex_lsp", "serve"])
CLIENTS = ["visual-studio-code", "neovim"]


@dataclass
class Session:
    """A started server with its client and the notebook folder it was opened on."""

    client: LanguageClient
    root: Path
    profile: str

    def uri(self, rel: str) -> str:
        """URI of a notebook-relative path."""
        return (self.root / rel).as_uri()

    async def command(self, name: str, argument: dict[str, Any] | None = None) -> Any:
        """Run a ``workspace/executeCommand`` command."""
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=[argument or {}])
        )

    def open(self, rel: str, text: str | None = None) -> str:
        """Send ``didOpen`` for a file (its disk text unless ``text`` is given)."""
        uri = self.uri(rel)
        body = text if text is not None else (self.root / rel).read_text(encoding="utf-8")
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=uri, language_id="markdown", version=1, text=body)
            )
        )
        return uri


async def start_session(
    root: Path | list[Path], profile: str, settings: dict[str, Any] | None = None
) -> Session:
    """Start the server on one or more workspace folders and wait until they are indexed."""
    roots = root if isinstance(root, list) else [root]
    client = await SERVER.start()
    assert isinstance(client, LanguageClient)
    if settings is not None:
        client.set_configuration({"codex": settings})
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(profile),
            root_uri=roots[0].as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=r.as_uri(), name=r.name) for r in roots],
        )
    )
    session = Session(client, roots[0], profile)
    await wait_ready(session)
    return session


async def wait_ready(session: Session, timeout: float = 60.0) -> None:
    """Poll ``codex.notebooks`` until every notebook has finished its first index run."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        notebooks = await session.command("codex.notebooks")
        if notebooks and all(n["ready"] for n in notebooks):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"notebooks not indexed in {timeout} s: {notebooks}")
        await asyncio.sleep(0.05)


async def stop_session(session: Session) -> None:
    """Shut the server down cleanly."""
    await session.client.shutdown_session()
    await session.client.stop()
