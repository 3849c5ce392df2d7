"""A read-only notebook is indexed into the user cache, and its own database is never renamed
(issue 13, item 9): on a real read-only mount, and with SQLite's errors injected."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_lsp.storage import database, location
from codex_lsp.storage.database import DatabaseError, connect
from codex_lsp.storage.notebooks import Notebook, cache_dir_for
from codex_testing import EXAMPLE_NOTEBOOK, cli
from mounts import remount, tmpfs


@pytest.fixture
def mounted(tmp_path: Path) -> Iterator[Path]:
    """A writable tmpfs holding a copy of the example notebook (no index yet) at ``lab``."""
    with tmpfs(tmp_path / "mnt") as mount:
        shutil.copytree(
            EXAMPLE_NOTEBOOK, mount / "lab", ignore=shutil.ignore_patterns("notebook.db*")
        )
        try:
            yield mount
        finally:
            remount(mount, "rw")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("indexed", [True, False], ids=["with its index", "never indexed"])
def test_search_on_a_read_only_mount(mounted: Path, tmp_path: Path, indexed: bool) -> None:
    cache = tmp_path / "cache"
    lab = mounted / "lab"
    if indexed:
        assert cli("index", lab, cache=cache).returncode == 0
    remount(mounted, "ro")
    before = _files(lab / ".codex")
    result = cli("search", lab, "PCR", "--json", cache=cache)
    assert result.returncode == 0, result.stderr
    assert '"path": "experiments/2026-03-04 PCR optimisation.md"' in result.stdout
    warning = result.stderr.splitlines()
    assert len(warning) == 1 and "read-only" in warning[0], result.stderr
    assert f"{cache}/codex-lsp/{cache_dir_for(lab).name}/notebook.db" in warning[0]
    assert _files(lab / ".codex") == before  # nothing renamed, nothing written
    check = cli("check", lab, "--format", "json", cache=cache)
    assert check.returncode == 1 and '"errors": 2' in check.stdout, check.stderr


def test_a_database_error_that_is_not_damage_never_moves_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "notebook.db"
    connect(path).close()

    def refuse(conn: sqlite3.Connection) -> None:
        error = sqlite3.OperationalError("attempt to write a readonly database")
        error.sqlite_errorcode = 8  # type: ignore[attr-defined]  # SQLITE_READONLY
        raise error

    monkeypatch.setattr(database, "_enable_wal", refuse)
    with pytest.raises(DatabaseError, match="readonly"):
        connect(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notebook.db"]


def test_an_unwritable_notebook_uses_the_cache_and_says_so_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "nb"
    (root / ".codex").mkdir(parents=True)
    notebook = Notebook(root, explicit=True)
    assert location.index_path(notebook) == root / ".codex/notebook.db"
    unwritable = {root / ".codex"}
    real_access = os.access
    monkeypatch.setattr(
        location.os, "access", lambda p, mode: Path(p) not in unwritable and real_access(p, mode)
    )
    with caplog.at_level(logging.WARNING):
        first = location.index_path(notebook)
        second = location.index_path(notebook)
    assert first == second == cache_dir_for(root) / "notebook.db"
    assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
    assert "read-only" in caplog.records[0].getMessage()
