"""The feature host: one task runner whose failures are logged to the client, and hooks
that fail without stopping the features after them (a real server over stdio, with one
failing feature added: ``failing_feature_server.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

from failing_feature_server import FAILING_NOTE
from lsp_session import Session, start_session, stop_session
from lsprotocol import types
from pytest_lsp import ClientServerConfig

SERVER = ClientServerConfig(
    server_command=[sys.executable, str(Path(__file__).with_name("failing_feature_server.py"))]
)


def logged(session: Session, *parts: str) -> bool:
    """Whether the client was sent a log message containing every one of ``parts``."""
    return any(all(p in m.message for p in parts) for m in session.client.log_messages)


def codes(found: object) -> list[str]:
    """The codes of a list of diagnostics."""
    return [str(d.code) for d in found]  # type: ignore[attr-defined]


async def test_a_failing_background_task_is_logged_and_the_server_keeps_answering(
    tmp_path: Path, profile: str
) -> None:
    (tmp_path / ".codex").mkdir()
    (tmp_path / FAILING_NOTE).write_text("# Fails\n\n## Section\n", encoding="utf-8")
    session = await start_session(tmp_path, profile, server=SERVER)
    try:
        uri = session.open(FAILING_NOTE)
        await session.wait_until(
            lambda: logged(session, f"the failing task of {FAILING_NOTE} failed", "on purpose"),
            "the failure logged to the client",
        )
        error = next(m for m in session.client.log_messages if "on purpose" in m.message)
        assert error.type == types.MessageType.Error
        outline = await session.client.text_document_document_symbol_async(
            types.DocumentSymbolParams(types.TextDocumentIdentifier(uri))
        )
        assert [s.name for s in outline or []] == ["Fails"]
        notebooks = await session.command("codex.notebooks")
        assert [n["root"] for n in notebooks] == [str(tmp_path)]
    finally:
        await stop_session(session)


async def test_a_failing_hook_is_logged_and_the_next_features_still_hear_the_event(
    tmp_path: Path, profile: str
) -> None:
    (tmp_path / ".codex").mkdir()
    (tmp_path / "target.md").write_text("# Target\n", encoding="utf-8")
    session = await start_session(tmp_path, profile, server=SERVER)
    try:
        uri = session.open("typing.md", "See [[Nowher]].\n")
        await session.wait_for_diagnostics(uri, lambda found: codes(found) == ["link-broken"])
        session.edit(uri, types.Range(types.Position(0, 12), types.Position(0, 12)), "e")
        # The cursor is inside the broken link: it is held back while being typed ...
        await session.wait_for_diagnostics(uri, lambda found: not found)
        session.save(uri)
        # ... and shown by the diagnostics feature's save hook, which runs after the failing one.
        found = await session.wait_for_diagnostics(uri, lambda found: bool(found))
        assert codes(found) == ["link-broken"] and "Nowhere" in found[0].message
        assert logged(session, "FailingFeature.on_save failed", "save hook fails on purpose")
    finally:
        await stop_session(session)
