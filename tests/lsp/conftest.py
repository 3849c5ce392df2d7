"""End-to-end fixtures: the real server over stdio, driven by a pytest-lsp client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from lsp_session import CLIENTS, Session, start_session, stop_session


@pytest.fixture(params=CLIENTS)
def profile(request: pytest.FixtureRequest) -> str:
    """Each end-to-end test runs with the VS Code and the Neovim capability profiles."""
    return str(request.param)


@pytest_asyncio.fixture
async def lab(lab_notebook: Path, profile: str) -> AsyncIterator[Session]:
    """The server opened on a private copy of the example notebook."""
    session = await start_session(lab_notebook, profile)
    yield session
    await stop_session(session)
