"""``codex.createNote`` in a folder whose note type has required keys: no schema error."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from lsp_session import codes, start_session, stop_session
from schema_notebook import make_notebook


async def test_created_notes_pass_their_schema(tmp_path: Path, profile: str) -> None:
    session = await start_session(make_notebook(tmp_path / "notebook"), profile)
    try:
        for folder, title, wanted in (
            ("experiments", "New run", ["status: planned", f"date: '{_dt.date.today()}'"]),
            ("protocols", "Buffers", ['version: ""']),
            ("people", "Bo", ["title: Bo"]),
        ):
            result = await session.command("codex.createNote", {"title": title, "folder": folder})
            assert result["created"] is True
            text = session.read(result["path"])
            for line in wanted:
                assert line in text.splitlines(), text
            uri = session.open(result["path"])
            # The first diagnostics published for the new note (schema checks included).
            found = await session.wait_for_diagnostics(uri)
            assert codes(found) == [], [(d.code, d.message) for d in found]
    finally:
        await stop_session(session)
