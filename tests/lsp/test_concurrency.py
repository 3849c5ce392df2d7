"""Two servers and the CLI on one notebook while its notes are edited, created and deleted:
the database stays sound and ends equal to a fresh full index of the same files (issue 13,
"How to prove it")."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

from lsp_session import Session, start_session, stop_session
from lsprotocol import types

from codex_testing import EXAMPLE_NOTEBOOK

ROUNDS = 60
CLI_RUNS = 6
TARGETS = ["PCR optimisation", "Gel electrophoresis", "qPCR", "Missing note", "stress/n3"]


async def cli_index(root: Path, *extra: str) -> None:
    """``codex-lsp index ROOT`` as a real process; fails on any error."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "codex_lsp",
        "index",
        str(root),
        *extra,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()


def note_text(rng: random.Random, number: int) -> str:
    """A small note with links (some broken), tags and a heading."""
    links = " ".join(f"[[{rng.choice(TARGETS)}]]" for _ in range(rng.randint(1, 4)))
    return (
        f"---\ntitle: Stress {number}\ntags: [stress, round{number % 5}]\n---\n"
        f"# Stress note {number}\n\nSee {links} and #tag{rng.randint(0, 9)}.\n"
        f"\n## Part {rng.randint(0, 99)}\n\nword{number} text ^b{number}\n"
    )


async def edit_storm(sessions: list[Session], root: Path, seed: int) -> None:
    """Create, change and delete notes while both servers answer searches."""
    rng = random.Random(seed)
    created: list[str] = []
    for number in range(ROUNDS):
        action = rng.random()
        session = sessions[number % len(sessions)]
        if action < 0.5 or not created:
            rel = f"stress/n{number}.md"
            session.write(rel, note_text(rng, number))
            created.append(rel)
        elif action < 0.8:
            rel = rng.choice(created)
            session.write(rel, note_text(rng, number))
        else:
            rel = created.pop(rng.randrange(len(created)))
            session.delete(rel)
            for other in sessions:  # the other server's client also saw the file go
                if other is not session:
                    other.files_changed([(root / rel, types.FileChangeType.Deleted)])
        if number % 7 == 0:
            existing = root / "experiments/EXP-012 Annealing gradient.md"
            existing.write_text(existing.read_text(encoding="utf-8") + f"\nmore {number}\n")
        hits = await session.command("codex.search", {"query": "stress"})
        assert isinstance(hits, list)
        await asyncio.sleep(0)


def ordered(rows: Any) -> list[Any]:
    """Rows in a stable order (they may hold None)."""
    return sorted(rows, key=repr)


def snapshot(db: Path) -> dict[str, Any]:
    """The meaningful content of an index, keyed by paths instead of ids."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        live = "SELECT id, path FROM file_metadata WHERE deleted_at IS NULL"
        paths = dict(conn.execute(live).fetchall())
        files = ordered(
            conn.execute(
                "SELECT path, title, content_hash, is_note, size, properties FROM file_metadata"
                " WHERE deleted_at IS NULL"
            ).fetchall()
        )
        links = ordered(
            (paths.get(row[0]), *row[1:-1], paths.get(row[-1]))
            for row in conn.execute(
                "SELECT source_id, kind, target, anchor, start_line, start_char, status,"
                " target_id FROM link"
            )
        )
        tags = ordered(
            (paths.get(file_id), name, source)
            for file_id, name, source in conn.execute(
                "SELECT file_id, name, source FROM file_tag JOIN tag ON tag.id = tag_id"
            )
        )
        search = ordered(
            (paths.get(row[0]), *row[1:])
            for row in conn.execute(
                "SELECT file_id, name, folder, title, aliases, content, tags, folded"
                " FROM search_index"
            )
        )
        orphans = [row for row in links if row[0] is None]
        return {"files": files, "links": links, "tags": tags, "search": search, "bad": orphans}
    finally:
        conn.close()


async def test_two_servers_and_the_cli_keep_one_sound_index(tmp_path: Path) -> None:
    root = tmp_path / "lab"
    shutil.copytree(EXAMPLE_NOTEBOOK, root, ignore=shutil.ignore_patterns("notebook.db*"))
    (root / "stress").mkdir()
    first = await start_session(root, "visual-studio-code")
    second = await start_session(root, "neovim")
    sessions = [first, second]
    try:

        async def cli_runs() -> None:
            for run in range(CLI_RUNS):
                await cli_index(root, *(["--full"] if run == 2 else []))

        await asyncio.wait_for(
            asyncio.gather(edit_storm(sessions, root, seed=13), cli_runs()), timeout=240
        )
        # Settle: each writer brings the shared index up to date with the files.
        for session in sessions:
            await session.command("codex.reindex")
        await cli_index(root)
        shared = snapshot(root / ".codex/notebook.db")
    finally:
        for session in sessions:
            await stop_session(session)

    fresh = tmp_path / "fresh"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("notebook.db*"))
    await cli_index(fresh, "--full")
    expected = snapshot(fresh / ".codex/notebook.db")
    assert shared["bad"] == expected["bad"] == []
    for table in ("files", "links", "tags", "search"):
        assert shared[table] == expected[table], table
    assert len(shared["files"]) > len(os.listdir(EXAMPLE_NOTEBOOK))
