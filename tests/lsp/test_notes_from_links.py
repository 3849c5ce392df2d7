"""Notes from links: ``codex.createNote {uri, position}`` creates the note a broken link names
(title and folder from the link, the schema's keys filled), and the "Create note" quick fix
gives the same text."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_session import codes, find, start_session, stop_session
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from schema_notebook import make_notebook

REQUEST_FAILED = -32803


def at(position: types.Position) -> dict[str, int]:
    """A position as a command argument."""
    return {"line": position.line, "character": position.character}


async def test_create_from_the_link_under_the_cursor(tmp_path: Path, profile: str) -> None:
    session = await start_session(make_notebook(tmp_path / "notebook"), profile)
    try:
        text = "---\nstatus: planned\ndate: 2026-03-04\n---\n# Run\n\nSee [[Gel run|the gel]].\n"
        uri = session.open("experiments/Run.md", text)
        await session.wait_for_diagnostics(uri, lambda d: "link-broken" in codes(d))
        result = await session.command(
            "codex.createNote", {"uri": uri, "position": at(find(text, "Gel run", delta=2))}
        )
        assert result == {
            "uri": session.uri("experiments/Gel run.md"),
            "path": "experiments/Gel run.md",
            "created": True,
        }
        created = session.read("experiments/Gel run.md")
        # The folder's note type (experiment) requires status and date: they are filled.
        assert "status: planned" in created.splitlines() and "\n# Gel run\n" in created
        await session.wait_for_diagnostics(uri, lambda d: "link-broken" not in codes(d))
        new = session.open("experiments/Gel run.md")
        assert codes(await session.wait_for_diagnostics(new)) == []
        # A second time, the note exists: it is answered, not created again.
        again = await session.command(
            "codex.createNote", {"uri": uri, "position": at(find(text, "Gel run"))}
        )
        assert again == {**result, "created": False}
        assert len(session.applied_edits) == 1
    finally:
        await stop_session(session)


async def test_a_path_link_creates_from_the_root_and_the_quick_fix_agrees(
    tmp_path: Path, profile: str
) -> None:
    session = await start_session(make_notebook(tmp_path / "notebook"), profile)
    try:
        text = "# Notes\n\n[[protocols/Lysis]] and [[Other]]\n"
        uri = session.open("people/Notes.md", text)
        found = await session.wait_for_diagnostics(
            uri, lambda d: codes(d).count("link-broken") == 2
        )
        lysis = next(d for d in found if d.range.start.character == 0)
        actions = await session.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri),
                range=lysis.range,
                context=types.CodeActionContext(diagnostics=[lysis]),
            )
        )
        (action,) = [a for a in actions or [] if isinstance(a, types.CodeAction)]
        assert action.title == "Create note 'protocols/Lysis.md'"
        assert action.edit is not None and action.edit.document_changes is not None
        quick_fix_text = action.edit.document_changes[1].edits[0].new_text  # type: ignore[union-attr]
        assert 'version: ""' in quick_fix_text.splitlines()  # the protocol type's key
        result = await session.command(
            "codex.createNote", {"uri": uri, "position": at(find(text, "Lysis"))}
        )
        assert result["path"] == "protocols/Lysis.md" and result["created"] is True
        assert session.read("protocols/Lysis.md") == quick_fix_text
    finally:
        await stop_session(session)


@pytest.mark.parametrize(
    ("text", "needle", "reason"),
    [
        ("# A\n\nNo link here.\n", "link", "position must be on a link"),
        ("# A\n\n[[#Heading]]\n", "Heading", "position must be on a link"),
    ],
)
async def test_a_position_on_no_link_is_refused(
    tmp_path: Path, profile: str, text: str, needle: str, reason: str
) -> None:
    session = await start_session(make_notebook(tmp_path / "notebook"), profile)
    try:
        uri = session.open("people/A.md", text)
        with pytest.raises(JsonRpcException) as failure:
            await session.command(
                "codex.createNote", {"uri": uri, "position": at(find(text, needle))}
            )
        assert failure.value.code == REQUEST_FAILED and reason in str(failure.value)
    finally:
        await stop_session(session)
