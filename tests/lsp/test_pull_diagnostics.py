"""Pull diagnostics with result ids, notebook-wide problems, and the link being typed.

A client that declares ``textDocument/diagnostic`` and ``workspace/diagnostic/refresh``
pulls; the others (pytest-lsp's VS Code and Neovim profiles, like Neovim 0.11) get pushes.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsp_session import CLIENTS, Session, codes, start_session, stop_session, uri_path
from lsprotocol import types
from pytest_lsp import client_capabilities

from codex_testing import cli

GEL_CHECK = "experiments/2026-03-05 Gel check of PCR products.md"
PCR = "protocols/PCR amplification.md"
Report = Any


def pull_capabilities() -> types.ClientCapabilities:
    """VS Code's capabilities with pull diagnostics and their refresh (as VS Code has)."""
    caps = client_capabilities("visual-studio-code")
    assert caps.text_document is not None and caps.workspace is not None
    caps.text_document.diagnostic = types.DiagnosticClientCapabilities(
        dynamic_registration=False, related_document_support=False
    )
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    return caps


async def start_pull(root: Path, settings: dict[str, Any] | None = None) -> Session:
    """A pulling client on ``root``."""
    return await start_session(
        root, "visual-studio-code", settings, capabilities=pull_capabilities()
    )


@pytest_asyncio.fixture
async def pull(lab_notebook: Path) -> AsyncIterator[Session]:
    """A pulling client on a copy of the example notebook (default settings)."""
    session = await start_pull(lab_notebook)
    yield session
    await stop_session(session)


async def pull_note(session: Session, uri: str, previous: str | None = None) -> Report:
    """``textDocument/diagnostic`` for one note."""
    return await session.client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri), previous_result_id=previous
        )
    )


async def pull_workspace(session: Session, previous: dict[str, str] | None = None) -> Report:
    """``workspace/diagnostic`` with the result ids the client holds."""
    return await session.client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(
            previous_result_ids=[
                types.PreviousResultId(uri=uri, value=value)
                for uri, value in (previous or {}).items()
            ]
        )
    )


def is_full(report: Report) -> bool:
    return getattr(report, "kind", None) == "full"


async def wait_refresh(session: Session, seen: int) -> None:
    """Wait for a ``workspace/diagnostic/refresh`` request after the ``seen`` first ones."""
    await session.wait_until(
        lambda: session.client.diagnostic_refresh_count > seen, "workspace/diagnostic/refresh"
    )


async def test_pull_is_offered_to_clients_that_can_be_asked_to_pull_again(
    lab_notebook: Path,
) -> None:
    session = await start_pull(lab_notebook)
    try:
        provider = session.capabilities.diagnostic_provider
        assert isinstance(provider, types.DiagnosticOptions)
        assert provider.inter_file_dependencies and provider.workspace_diagnostics
    finally:
        await stop_session(session)
    # Neovim 0.11 pulls but cannot be asked to pull again: it gets pushes only.
    session = await start_session(lab_notebook, "neovim")
    try:
        assert session.capabilities.diagnostic_provider is None
    finally:
        await stop_session(session)


async def test_an_unchanged_note_answers_unchanged(pull: Session) -> None:
    uri = pull.open("scratch.md", "# Scratch\n\nSee [[Nowhere]].\n")
    first = await pull_note(pull, uri)
    assert is_full(first) and first.result_id
    assert codes(first.items) == ["link-broken"]
    again = await pull_note(pull, uri, first.result_id)
    assert again.kind == "unchanged" and again.result_id == first.result_id
    # An edit that changes nothing shown still answers unchanged.
    pull.insert(uri, types.Position(0, 9), " pad")
    same = await pull_note(pull, uri, first.result_id)
    assert same.kind == "unchanged" and same.result_id == first.result_id
    # Fixing the link changes the answer and its id.
    start = pull.find("scratch.md", "Nowhere")
    pull.edit(uri, types.Range(start, types.Position(start.line, start.character + 7)), "PCR")
    pull.insert(uri, types.Position(0, 0), "x")  # the cursor leaves the link
    fixed = await pull_note(pull, uri, first.result_id)
    assert is_full(fixed) and fixed.items == () and fixed.result_id != first.result_id
    assert (await pull_note(pull, uri, fixed.result_id)).kind == "unchanged"
    assert uri not in pull.client.diagnostics  # nothing was pushed to a pulling client


async def test_a_change_elsewhere_asks_the_client_to_pull_again(pull: Session) -> None:
    gel = pull.open(GEL_CHECK)
    before = await pull_note(pull, gel)
    assert "link-broken-anchor" in codes(before.items)
    seen = pull.client.diagnostic_refresh_count
    pcr = pull.open(PCR)
    pull.insert(pcr, pull.find(PCR, "## Analysis"), "## Nonexistent section\n\nDetails.\n\n")
    await wait_refresh(pull, seen)
    after = await pull_note(pull, gel, before.result_id)
    assert is_full(after) and "link-broken-anchor" not in codes(after.items)


def check_issues(root: Path, cache: Path) -> set[tuple[str, str, int, int]]:
    """What ``codex-lsp check`` reports for a notebook: (path, code, line, column)."""
    done = cli("check", "--json", root, cache=cache)
    assert done.returncode in (0, 1), done.stderr
    return {
        (i["path"], i["code"], i["line"], i["character"]) for i in json.loads(done.stdout)["issues"]
    }


def workspace_issues(session: Session, report: Report) -> set[tuple[str, str, int, int]]:
    found = set()
    for item in report.items:
        rel_path = uri_path(item.uri).relative_to(session.root).as_posix()
        for d in item.items:
            found.add((rel_path, str(d.code), d.range.start.line, d.range.start.character))
    return found


async def test_notebook_scope_shows_what_check_shows(lab_notebook: Path, tmp_path: Path) -> None:
    twin = tmp_path / "twin"
    shutil.copytree(lab_notebook, twin)
    expected = check_issues(twin, tmp_path / "cache")
    assert len(expected) >= 3
    session = await start_pull(lab_notebook, {"diagnostics": {"scope": "notebook"}})
    try:
        first = await pull_workspace(session)
        assert workspace_issues(session, first) == expected
        ids = {item.uri: item.result_id for item in first.items}
        again = await pull_workspace(session, ids)
        assert {item.kind for item in again.items} == {"unchanged"}
        # Creating the missing heading on disk (a closed note) fixes the broken anchor.
        seen = session.client.diagnostic_refresh_count
        text = (lab_notebook / PCR).read_text(encoding="utf-8")
        session.write(PCR, text + "\n## Nonexistent section\n")
        await wait_refresh(session, seen)
        third = await pull_workspace(session, ids)
        gel_uri = session.uri(GEL_CHECK)
        changed = {item.uri: item for item in third.items if item.kind == "full"}
        assert "link-broken-anchor" not in codes(changed[gel_uri].items)
        # An open note is answered by textDocument/diagnostic, not by the workspace report.
        session.open(GEL_CHECK)
        fourth = await pull_workspace(session)
        assert gel_uri not in {item.uri for item in fourth.items}
    finally:
        await stop_session(session)


async def test_open_notes_scope_has_no_workspace_report(pull: Session) -> None:
    assert (await pull_workspace(pull)).items == ()


@pytest.mark.parametrize("profile", CLIENTS)
async def test_notebook_scope_pushes_closed_notes(lab_notebook: Path, profile: str) -> None:
    session = await start_session(lab_notebook, profile, {"diagnostics": {"scope": "notebook"}})
    try:
        gel = session.uri(GEL_CHECK)
        await session.wait_for_diagnostics(gel, lambda found: "link-broken-anchor" in codes(found))
    finally:
        await stop_session(session)


async def test_a_link_being_typed_is_reported_once_the_cursor_leaves_it(pull: Session) -> None:
    uri = pull.open("scratch.md", "# Scratch\n\nSee .\n")
    assert (await pull_note(pull, uri)).items == ()
    pull.insert(uri, types.Position(2, 4), "[[]]")  # an editor closes the brackets
    pull.insert(uri, types.Position(2, 6), "Nowh")  # the cursor is inside: [[Nowh|]]
    assert (await pull_note(pull, uri)).items == ()
    pull.insert(uri, types.Position(2, 10), "ere")
    assert (await pull_note(pull, uri)).items == ()
    pull.insert(uri, types.Position(0, 9), "!")  # an edit elsewhere: the user moved on
    assert codes((await pull_note(pull, uri)).items) == ["link-broken"]
    # Typing the closing brackets oneself leaves the cursor after the link: reported.
    other = pull.open("other.md", "# Other\n\nSee [[Gone")
    pull.insert(other, types.Position(2, 10), "]]")
    assert codes((await pull_note(pull, other)).items) == ["link-broken"]
    # A save shows a link still under the cursor.
    third = pull.open("third.md", "# Third\n\nSee [[]].\n")
    pull.insert(third, types.Position(2, 6), "Missing")
    assert (await pull_note(pull, third)).items == ()
    pull.save(third)
    await pull.wait_until(
        lambda: _has_broken(pull, third), "the held link to be reported after the save"
    )


async def _has_broken(session: Session, uri: str) -> bool:
    return codes((await pull_note(session, uri)).items) == ["link-broken"]


@pytest.mark.parametrize("profile", CLIENTS)
async def test_pushes_hold_back_the_link_being_typed(lab_notebook: Path, profile: str) -> None:
    session = await start_session(lab_notebook, profile)
    try:
        uri = session.open("scratch.md", "[[Gone]]\n\nSee [[Nowher]].\n")
        await session.wait_for_diagnostics(uri, lambda found: codes(found) == ["link-broken"] * 2)
        # One change event: the first link fixed, then a letter typed inside the second.
        session.versions[uri] += 1
        session.buffers[uri] = "[[PCR amplification]]\n\nSee [[Nowhere]].\n"
        session.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=session.versions[uri]),
                [
                    types.TextDocumentContentChangePartial(
                        range=types.Range(types.Position(0, 2), types.Position(0, 6)),
                        text="PCR amplification",
                    ),
                    types.TextDocumentContentChangePartial(
                        range=types.Range(types.Position(2, 12), types.Position(2, 12)), text="e"
                    ),
                ],
            )
        )
        await session.wait_for_diagnostics(uri, lambda found: not found)
        session.save(uri)
        found = await session.wait_for_diagnostics(uri, lambda found: bool(found))
        assert codes(found) == ["link-broken"] and "Nowhere" in found[0].message
    finally:
        await stop_session(session)


def count_publishes(session: Session) -> dict[str, int]:
    """Count every ``publishDiagnostics`` by URI (the client keeps only the latest)."""
    counts: dict[str, int] = {}
    features = session.client.protocol.fm.features
    record = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def counting(*args: Any) -> None:
        params: types.PublishDiagnosticsParams = args[-1]  # the handler is bound to its client
        counts[params.uri] = counts.get(params.uri, 0) + 1
        record(*args)

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = counting
    return counts


@pytest.mark.parametrize("profile", CLIENTS)
async def test_one_keystroke_publishes_the_edited_note_once(
    lab_notebook: Path, profile: str
) -> None:
    session = await start_session(lab_notebook, profile)
    try:
        pcr = session.open(PCR)
        gel = session.open(GEL_CHECK)
        await session.wait_for_diagnostics(gel, lambda found: "link-broken-anchor" in codes(found))
        await session.wait_for_diagnostics(pcr, lambda found: not found)
        counts = count_publishes(session)
        # One keystroke (a paste): the heading the other note links to, and a broken link.
        at = session.find(PCR, "## Analysis")
        session.insert(pcr, at, "## Nonexistent section\n\nSee [[Nowhere]].\n\n")
        # The other note is re-published once the edit is in the index, after which nothing
        # more is sent for the edited note (its problems did not change meanwhile).
        await session.wait_for_diagnostics(
            gel, lambda found: "link-broken-anchor" not in codes(found)
        )
        await session.wait_for_diagnostics(pcr, lambda found: codes(found) == ["link-broken"])
        assert counts.get(pcr) == 1 and counts.get(gel) == 1, counts
    finally:
        await stop_session(session)


@pytest.mark.parametrize("profile", CLIENTS)
async def test_a_keystroke_written_to_the_index_at_once_is_published_once(
    lab_notebook: Path, profile: str
) -> None:
    # With no index debounce, the edit is in the index (and the open notes checked again)
    # before the keystroke's own push is due: that check must not publish the new version
    # ahead of the push, which would then publish it a second time.
    session = await start_session(lab_notebook, profile, {"index": {"debounceMs": 0}})
    try:
        pcr = session.open(PCR)
        other = session.open("scratch.md", "# Scratch\n")
        await session.wait_for_diagnostics(pcr, lambda found: not found)
        await session.wait_for_diagnostics(other, lambda found: not found)
        counts = count_publishes(session)
        session.insert(pcr, session.find(PCR, "## Analysis"), "See [[Nowhere]].\n\n")
        await session.wait_for_diagnostics(pcr, lambda found: codes(found) == ["link-broken"])
        # A keystroke in another note, once the first was published: its publish comes after
        # every publish the first keystroke causes (its push and its index check).
        session.insert(other, types.Position(1, 0), "See [[Elsewhere]].\n")
        await session.wait_for_diagnostics(other, lambda found: codes(found) == ["link-broken"])
        assert counts.get(pcr) == 1, counts
    finally:
        await stop_session(session)


async def test_a_bad_scope_is_reported_and_the_default_used(lab_notebook: Path) -> None:
    session = await start_pull(lab_notebook, {"diagnostics": {"scope": "everything"}})
    try:
        await session.wait_until(
            lambda: any("codex.diagnostics.scope" in m.message for m in session.client.messages),
            "a warning about codex.diagnostics.scope",
        )
        assert (await pull_workspace(session)).items == ()
    finally:
        await stop_session(session)
