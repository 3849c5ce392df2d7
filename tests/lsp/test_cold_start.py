"""Completion during a notebook's first index run answers from what is on disk: the notes the
index has not reached yet are offered by their file name, marked incomplete until the run ends.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from lsp_session import Session, position_at, start_session, stop_session, wait_ready

NOTES = 3000
LOREM = "Lorem ipsum dolor sit amet. " * 40


def generated_notebook(root: Path) -> Path:
    """A notebook of NOTES notes in 20 folders, large enough that indexing it takes a while;
    the last notes written are the last ones the first index run reaches."""
    (root / ".codex").mkdir(parents=True)
    for number in range(NOTES):
        folder = root / f"folder-{number % 20:02d}"
        folder.mkdir(exist_ok=True)
        text = f"# Note {number:05d}\n\nSee [[Note {(number + 1) % NOTES:05d}]].\n\n{LOREM}\n"
        (folder / f"Note {number:05d}.md").write_text(text, encoding="utf-8")
    return root


async def still_indexing(session: Session) -> bool:
    """True while the notebook's first index run has not finished."""
    notebooks = await session.command("codex.notebooks")
    return not notebooks or not notebooks[0]["ready"]


@pytest.mark.parametrize("profile", ["neovim"])
async def test_completion_during_the_first_index_offers_the_notes_on_disk(
    tmp_path: Path, profile: str
) -> None:
    root = generated_notebook(tmp_path / "big")
    session = await start_session(root, profile, ready=False)
    try:
        text = "[[Note 0299"
        uri = session.open("folder-00/scratch.md", text)
        position = position_at(text, len(text))
        # As an editor does while the user types: ask again while the answer is incomplete.
        deadline = time.monotonic() + 120
        answer = await session.complete(uri, position)
        while not answer.items and await still_indexing(session):
            assert answer.is_incomplete is True
            assert time.monotonic() < deadline, "no completion item before the deadline"
            await asyncio.sleep(0.02)
            answer = await session.complete(uri, position)
        labels = [item.label for item in answer.items]
        # The answer came while the index run was still going (else this proves nothing).
        assert await still_indexing(session), f"items only once the index was ready: {labels}"
        assert answer.is_incomplete is True
        assert {f"Note 0299{digit}" for digit in range(10)} <= set(labels), labels

        await wait_ready(session, timeout=300)
        after = await session.complete(uri, position)
        assert after.is_incomplete is False
        labels = [item.label for item in after.items]
        assert {f"Note 0299{digit}" for digit in range(10)} <= set(labels), labels
    finally:
        await stop_session(session)


@pytest.mark.parametrize("profile", ["visual-studio-code"])
async def test_a_command_sent_right_after_initialized_finds_its_notebook(
    tmp_path: Path, profile: str
) -> None:
    # The workspace folders' notebooks open in the background after `initialized`: a command
    # naming a note in one of them waits for that instead of calling the note outside.
    root = tmp_path / "nb"
    (root / ".codex").mkdir(parents=True)
    (root / "A.md").write_text("# A\n\nSee [[B]].\n", encoding="utf-8")
    (root / "B.md").write_text("# B\n", encoding="utf-8")
    for number in range(3000):  # folders that opening the workspace folder looks through
        (root / f"folder {number // 100}" / f"{number}").mkdir(parents=True)
    session = await start_session(root, profile, ready=False)
    try:
        found = await session.command("codex.connections", {"uri": (root / "B.md").as_uri()})
        assert isinstance(found, dict) and "backlinks" in found, found
    finally:
        await stop_session(session)
