"""Code lens counts follow the index: the server asks the client to re-request code lenses
(``workspace/codeLens/refresh``) after index runs, when the client supports it; a client that
declares ``experimental.codex.indexChanged`` is also told which notebooks changed
(``codex/indexChanged``)."""

from __future__ import annotations

import re
from pathlib import Path

from lsp_session import Session, start_session, stop_session, wait_ready
from lsprotocol import types
from pytest_lsp import client_capabilities

PCR = "protocols/PCR amplification.md"


async def backlinks(session: Session, uri: str) -> int:
    """The count the backlink code lens shows."""
    lenses = await session.client.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(uri))
    )
    titles = [lens.command.title for lens in lenses or [] if lens.command]
    counts = [int(m.group(1)) for t in titles if (m := re.fullmatch(r"(\d+) backlinks?", t))]
    assert len(counts) == 1, titles
    return counts[0]


async def references(session: Session, uri: str) -> int:
    """How many places link to the note, as references from its first line say."""
    return len(await session.references(uri, types.Position(0, 0)))


async def test_lenses_are_refreshed_after_the_first_index(lab_notebook: Path) -> None:
    session = await start_session(lab_notebook, "visual-studio-code", ready=False)
    try:
        uri = session.open(PCR)
        await backlinks(session, uri)  # asked while indexing: may be short
        await session.wait_until(lambda: session.code_lens_refreshes > 0, "codeLens refresh")
        await wait_ready(session)
        # An editor re-asks on each refresh; the answer after the first index is right.
        count = await backlinks(session, uri)
        assert count == await references(session, uri) and count > 1
    finally:
        await stop_session(session)


async def test_a_new_link_on_disk_refreshes_the_count(lab_notebook: Path) -> None:
    session = await start_session(lab_notebook, "visual-studio-code")
    try:
        uri = session.open(PCR)
        before = await backlinks(session, uri)
        seen = session.code_lens_refreshes
        session.write("daily/extra.md", "# Extra\n\nRan [[PCR amplification]] again.\n")

        async def refreshed_and_counted() -> bool:
            return session.code_lens_refreshes > seen and await backlinks(session, uri) == (
                before + 1
            )

        await session.wait_until(refreshed_and_counted, "a refresh and the new count")
    finally:
        await stop_session(session)


def wanting_index_notices() -> types.ClientCapabilities:
    """VS Code's capabilities, plus the experimental ``codex.indexChanged`` (as our clients)."""
    capabilities = client_capabilities("visual-studio-code")
    capabilities.experimental = {"codex": {"indexChanged": True}}
    return capabilities


async def test_a_client_that_asks_is_told_each_index_change(lab_notebook: Path) -> None:
    session = await start_session(
        lab_notebook, "visual-studio-code", ready=False, capabilities=wanting_index_notices()
    )
    try:
        notebook = lab_notebook.as_uri()
        await session.wait_until(lambda: session.index_changes, "the first index's notice")
        await wait_ready(session)
        assert all(changes == [notebook] for changes in session.index_changes)
        # A note written on disk: told once it is in the index, so a query then sees it.
        seen = len(session.index_changes)
        session.write("daily/extra.md", "# Extra\n\nRan [[PCR amplification]] again.\n")
        await session.wait_until(lambda: len(session.index_changes) > seen, "the write's notice")
        assert session.index_changes[-1] == [notebook]
        hits = await session.command("codex.search", {"query": "Extra"})
        assert "daily/extra.md" in [hit["path"] for hit in hits], hits
    finally:
        await stop_session(session)


async def test_a_client_that_does_not_ask_gets_no_notice(lab_notebook: Path) -> None:
    session = await start_session(lab_notebook, "visual-studio-code")
    try:
        seen = session.code_lens_refreshes
        session.write("daily/extra.md", "# Extra\n\nRan [[PCR amplification]] again.\n")
        await session.wait_until(lambda: session.code_lens_refreshes > seen, "a codeLens refresh")
        # Sent in the same turn as the refresh: it would have come before this answer.
        await session.command("codex.notebooks")
        assert session.index_changes == []
    finally:
        await stop_session(session)
