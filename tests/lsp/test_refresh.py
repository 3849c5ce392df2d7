"""Code lens counts follow the index: the server asks the client to re-request code lenses
(``workspace/codeLens/refresh``) after index runs, when the client supports it."""

from __future__ import annotations

import re
from pathlib import Path

from lsp_session import Session, start_session, stop_session, wait_ready
from lsprotocol import types

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
