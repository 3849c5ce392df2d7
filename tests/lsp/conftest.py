"""End-to-end fixtures: the real server over stdio, driven by a pytest-lsp client.

``lab`` is a fresh server on a private copy of the example notebook for each test (use it
when the test changes settings or other server state). ``shared_lab`` is one server per test
module and client profile, for tests that only read. ``fresh_lab`` is also one server per
module and profile, for tests that change files: after each test its documents are closed,
the notebook's files restored and re-indexed. Modules using ``shared_lab`` or ``fresh_lab``
must run on the module's event loop (``pytestmark = pytest.mark.asyncio(loop_scope="module")``).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Generator
from pathlib import Path

import pytest
import pytest_asyncio
from lsp_session import CLIENTS, Session, reset_session, start_session, stop_session

HERE = Path(__file__).resolve().parent
EXAMPLE_NOTEBOOK = HERE.parents[1] / "examples" / "lab-notebook"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A server answer that the client's capabilities do not allow fails the test."""
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(
                pytest.mark.filterwarnings("error::pytest_lsp.checks.LspSpecificationWarning")
            )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the server's recent log (``window/logMessage``) to a failing test's report."""
    report = yield
    if report.failed:
        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, Session) and value.client.log_messages:
                lines = [f"{m.type.name}: {m.message}" for m in value.client.log_messages[-50:]]
                report.sections.append(("codex-lsp log", "\n".join(lines)))
    return report


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


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=CLIENTS)
async def reused_lab(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Session, Path]]:
    """One server per module and profile, with a pristine copy to restore its notebook from."""
    pristine = copy_lab(tmp_path_factory.mktemp("pristine") / "lab-notebook")
    root = copy_lab(tmp_path_factory.mktemp("reused") / "lab-notebook")
    session = await start_session(root, str(request.param))
    yield session, pristine
    await stop_session(session)


@pytest_asyncio.fixture(loop_scope="module")
async def fresh_lab(reused_lab: tuple[Session, Path]) -> AsyncIterator[Session]:
    """The module's server on an unchanged example notebook; restored after the test."""
    session, pristine = reused_lab
    yield session
    await reset_session(session, pristine)
