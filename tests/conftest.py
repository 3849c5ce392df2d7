"""Shared fixtures: a private copy of the example notebook and the location of real corpora."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codex_testing import CORPORA_DIR, EXAMPLE_NOTEBOOK


@pytest.fixture
def lab_notebook(tmp_path: Path) -> Path:
    """A copy of ``examples/lab-notebook`` in ``tmp_path`` (without any index database)."""
    target = tmp_path / "lab-notebook"
    shutil.copytree(
        EXAMPLE_NOTEBOOK, target, symlinks=True, ignore=shutil.ignore_patterns("notebook.db*")
    )
    return target


@pytest.fixture
def corpora_dir() -> Path:
    """``../shared/corpora`` next to the repository; the test fails when it is absent."""
    if not CORPORA_DIR.is_dir():
        pytest.fail(f"real note corpora not found at {CORPORA_DIR}")
    return CORPORA_DIR
