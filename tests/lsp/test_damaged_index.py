"""An index damaged, truncated, deleted or replaced while the server runs is rebuilt in the
background, with progress, and requests get answers meanwhile (issue 13, item 8); a notebook
on a read-only mount is served from an index in the user cache (item 9)."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lsp_session import Session, start_session, stop_session

from codex_lsp.storage.notebooks import cache_dir_for
from codex_testing import EXAMPLE_NOTEBOOK
from mounts import remount, tmpfs

PCR_NOTE = "experiments/2026-03-04 PCR optimisation.md"


def _overwrite(db: Path) -> None:
    with db.open("r+b") as file:
        file.write(os.urandom(db.stat().st_size))


def _truncate(db: Path) -> None:
    os.truncate(db, db.stat().st_size // 3)


def _delete(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def _replace(db: Path) -> None:
    other = db.with_name("other.tmp")
    other.write_bytes(b"not a database " * 1000)
    other.replace(db)


def checkpoint(db: Path) -> None:
    """Copy the WAL into the database file and empty it, as any process may, so that what
    the server reads next comes from the file the test damages."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


DAMAGE: dict[str, Callable[[Path], None]] = {
    "overwritten": _overwrite,
    "truncated": _truncate,
    "deleted": _delete,
    "replaced": _replace,
}


async def search(session: Session, query: str) -> list[dict[str, Any]]:
    """``codex.search``; fails on an error answer."""
    hits = await session.command("codex.search", {"query": query})
    assert isinstance(hits, list)
    return hits


def index_progress(session: Session) -> list[str]:
    """Tokens of the index runs reported with ``$/progress``."""
    return [t for t in session.client.progress_reports if str(t).startswith("codex-index-")]


def integrity(db: Path) -> str:
    """``PRAGMA integrity_check`` of a database file."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize("damage", sorted(DAMAGE))
async def test_a_damaged_index_is_rebuilt_while_the_server_runs(lab: Session, damage: str) -> None:
    db = lab.root / ".codex/notebook.db"
    assert any(hit["path"] == PCR_NOTE for hit in await search(lab, "PCR"))
    runs_before = len(index_progress(lab))
    checkpoint(db)
    DAMAGE[damage](db)

    async def rebuilt() -> bool:  # every answer meanwhile is a list, never an error
        return any(hit["path"] == PCR_NOTE for hit in await search(lab, "PCR"))

    await lab.wait_until(rebuilt, "search answering from a rebuilt index", timeout=30)
    if lab.profile == "visual-studio-code":  # the client that supports progress
        assert len(index_progress(lab)) > runs_before
    assert integrity(db) == "ok"
    if damage != "deleted":
        assert list(db.parent.glob("notebook.db.corrupt-*")), "the damaged file is kept aside"


@pytest.mark.parametrize("damage", sorted(DAMAGE))
async def test_a_full_reindex_works_on_a_damaged_index(lab: Session, damage: str) -> None:
    checkpoint(lab.root / ".codex/notebook.db")
    DAMAGE[damage](lab.root / ".codex/notebook.db")
    results = await lab.command("codex.reindex", {"full": True})
    assert [r["notes"] for r in results] == [26]

    async def answered() -> bool:  # a damage only a reader meets is rebuilt in the background
        return any(hit["path"] == PCR_NOTE for hit in await search(lab, "PCR"))

    await lab.wait_until(answered, "search answering from a rebuilt index", timeout=30)


@pytest.fixture
def read_only_lab(tmp_path: Path) -> Iterator[Path]:
    """The example notebook, indexed, on a read-only mount."""
    with tmpfs(tmp_path / "mnt") as mount:
        root = mount / "lab"
        shutil.copytree(EXAMPLE_NOTEBOOK, root, ignore=shutil.ignore_patterns("notebook.db*"))
        remount(mount, "ro")
        try:
            yield root
        finally:
            remount(mount, "rw")


async def test_a_read_only_notebook_is_served_from_the_cache(
    read_only_lab: Path, profile: str
) -> None:
    session = await start_session(read_only_lab, profile)
    try:
        assert any(hit["path"] == PCR_NOTE for hit in await search(session, "PCR"))
        notes = await session.command("codex.notebooks")
        assert notes[0]["notes"] == 26
        assert notes[0]["database"] == str(cache_dir_for(read_only_lab) / "notebook.db")
        warnings = [m.message for m in session.client.log_messages if "read-only" in m.message]
        assert len(warnings) == 1, warnings
    finally:
        await stop_session(session)
    assert not (read_only_lab / ".codex/notebook.db").exists()
