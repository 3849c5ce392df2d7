"""End-to-end fixtures: the real server over stdio, driven by a pytest-lsp client.

``lab`` is a fresh server on a private copy of the example notebook for each test (use it
when the test changes files or server state). ``shared_lab`` is one server per test module
and client profile, for tests that only read; those modules must run on the module's event
loop (``pytestmark = pytest.mark.asyncio(loop_scope="module")``).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from lsp_session import CLIENTS, Session, start_session, stop_session

HERE = Path(__file__).resolve().parent
EXAMPLE_NOTEBOOK = HERE.parents[1] / "examples" / "lab-notebook"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A server answer that the client's capabilities do not allow fails the test."""
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(
                pytest.mark.filterwarnings("error::pytest_lsp.checks.LspSpecificationWarning")
            )


def copy_lab(target: Path) -> Path:
    """A copy of the example notebook at ``target`` (without its index database)."""
    shutil.copytree(
        EXAMPLE_NOTEBOOK, target, symlinks=True, ignore=shutil.ignore_patterns("notebook.db*")
    )
    return target


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


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=CLIENTS)
async def shared_lab(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Session]:
    """One server per module and profile on a copy of the example notebook (read-only use)."""
    root = copy_lab(tmp_path_factory.mktemp("shared") / "lab-notebook")
    session = await start_session(root, str(request.param))
    yield session
    await stop_session(session)
