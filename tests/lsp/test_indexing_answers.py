"""Definition and references during a notebook's first index run (and the run that follows a
warm start): a valid link is resolved at any time, and references say they are partial."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsp_session import find, start_session, stop_session, uri_path, wait_ready
from lsprotocol import types

NOTES = 3000
LOREM = "Lorem ipsum dolor sit amet. " * 40


def note_text(number: int, extra: str = "") -> str:
    """Note ``number``: a title, a ``Details`` section on line 2 and two links."""
    links = f"[[Note {(number + 1) % NOTES:05d}]] and [[Note {(number * 7) % NOTES:05d}]]"
    return f"# Note {number:05d}\n\n## Details\n\nSee {links}.\n\n{LOREM}{extra}\n"


def generated_notebook(root: Path, extra: str = "") -> Path:
    """A notebook of NOTES notes in 20 folders, large enough that indexing it takes a while."""
    (root / ".codex").mkdir(parents=True, exist_ok=True)
    for number in range(NOTES):
        folder = root / f"folder-{number % 20:02d}"
        folder.mkdir(exist_ok=True)
        (folder / f"Note {number:05d}.md").write_text(note_text(number, extra), encoding="utf-8")
    return root


async def wait_open(session: object) -> None:
    """Wait until the server has opened the notebook (it does once initialized)."""
    while not await session.command("codex.notebooks"):  # type: ignore[attr-defined]
        await asyncio.sleep(0.01)


async def still_indexing(session: object) -> bool:
    """True while the notebook's index run has not finished."""
    notebooks = await session.command("codex.notebooks")  # type: ignore[attr-defined]
    return bool(notebooks) and not notebooks[0]["ready"]


@pytest.mark.parametrize("profile", ["neovim"])
async def test_definition_while_indexing_finds_the_note_on_disk(
    tmp_path: Path, profile: str
) -> None:
    root = generated_notebook(tmp_path / "big")
    session = await start_session(root, profile, ready=False)
    try:
        text = "[[Note 02999]] [[Note 02998#Details]] [[folder-17/Note 02997]] [[Nowhere]]\n"
        uri = session.open("folder-00/scratch.md", text)
        by_name = await session.definition(uri, find(text, "Note 02999"))
        by_anchor = await session.definition(uri, find(text, "Note 02998"))
        by_path = await session.definition(uri, find(text, "folder-17"))
        nowhere = await session.definition(uri, find(text, "Nowhere"))
        # The index run was still going when the answers came (else this proves nothing).
        assert await still_indexing(session), "the first index finished too soon"
        assert [uri_path(d.uri) for d in by_name] == [root / "folder-19/Note 02999.md"]
        assert [uri_path(d.uri) for d in by_anchor] == [root / "folder-18/Note 02998.md"]
        assert by_anchor[0].range.start == types.Position(2, 0)
        assert [uri_path(d.uri) for d in by_path] == [root / "folder-17/Note 02997.md"]
        assert nowhere == []
    finally:
        await stop_session(session)


@pytest.mark.parametrize("profile", ["neovim"])
async def test_first_definition_after_a_warm_start_is_not_null(
    tmp_path: Path, profile: str
) -> None:
    root = generated_notebook(tmp_path / "big")
    session = await start_session(root, profile, ready=False)
    await wait_ready(session, timeout=300)
    await stop_session(session)
    # While the server was off: every note changed (the next run has work to do) and a new
    # note appeared that the stored index has never seen.
    generated_notebook(root, extra=" Edited.")
    (root / "folder-05/Fresh idea.md").write_text("# Fresh idea\n", encoding="utf-8")
    session = await start_session(root, profile, ready=False)
    try:
        text = "See [[Fresh idea]].\n"
        uri = session.open("folder-00/scratch.md", text)
        found = await session.definition(uri, find(text, "Fresh"))
        assert await still_indexing(session), "the index run finished too soon"
        assert [uri_path(d.uri) for d in found] == [root / "folder-05/Fresh idea.md"]
    finally:
        await stop_session(session)


@pytest.mark.parametrize("profile", ["neovim"])
async def test_references_while_indexing_say_they_are_partial(tmp_path: Path, profile: str) -> None:
    root = generated_notebook(tmp_path / "big")
    session = await start_session(root, profile, ready=False)
    try:
        await wait_open(session)
        uri = session.uri("folder-00/Note 00000.md")
        position = types.Position(0, 3)
        session.client.progress_reports.setdefault("while-indexing", [])
        await session.client.text_document_references_async(
            types.ReferenceParams(
                context=types.ReferenceContext(include_declaration=False),
                text_document=types.TextDocumentIdentifier(uri),
                position=position,
                work_done_token="while-indexing",
            )
        )
        assert await still_indexing(session), "the first index finished too soon"
        reports = session.client.progress_reports["while-indexing"]
        assert reports and isinstance(reports[0], types.WorkDoneProgressBegin)
        assert isinstance(reports[-1], types.WorkDoneProgressEnd)
        assert reports[-1].message == "partial results: big still being indexed"

        await wait_ready(session, timeout=300)
        session.client.progress_reports.setdefault("when-ready", [])
        found = await session.client.text_document_references_async(
            types.ReferenceParams(
                context=types.ReferenceContext(include_declaration=False),
                text_document=types.TextDocumentIdentifier(uri),
                position=position,
                work_done_token="when-ready",
            )
        )
        # Note 00000 is linked from Note 02999 (number + 1) and Note 00000 itself (number * 7).
        assert sorted(uri_path(loc.uri).name for loc in found or []) == [
            "Note 00000.md",
            "Note 02999.md",
        ]
        # Progress is sent before the answer on the same stream: none came.
        assert session.client.progress_reports["when-ready"] == []
    finally:
        await stop_session(session)
