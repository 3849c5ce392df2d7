"""Start-up, progress, capabilities, settings, workspace folders, odd files and stdout hygiene."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from lsp_session import (
    Session,
    codes,
    completion_items,
    start_session,
    stop_session,
    wait_ready,
)
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

PCR = "protocols/PCR amplification.md"
EXP014 = "experiments/EXP-014 HEK293 transfection.md"


def second_notebook(root: Path) -> Path:
    """A small implicit notebook (no ``.codex/``) with its own notes."""
    root.mkdir(parents=True)
    (root / "Field notes.md").write_text(
        "---\ntags: [field]\n---\n# Field notes\n\nSampling at the [[River site]].\n"
        "Protocol: [[PCR amplification]] lives in the other notebook.\n",
        encoding="utf-8",
    )
    (root / "sites").mkdir()
    (root / "sites/River site.md").write_text(
        "# River site\n\n## Access\n\nGate code 1234. #field/site\n", encoding="utf-8"
    )
    return root


async def test_capabilities(shared_lab: Session) -> None:
    lab = shared_lab
    caps = lab.capabilities
    assert caps.position_encoding in (None, types.PositionEncodingKind.Utf16)
    sync = caps.text_document_sync
    assert isinstance(sync, types.TextDocumentSyncOptions)
    assert sync.open_close is True
    assert sync.change == types.TextDocumentSyncKind.Incremental
    assert caps.completion_provider is not None
    assert caps.completion_provider.resolve_provider is True
    assert {"[", "#", "("} <= set(caps.completion_provider.trigger_characters or [])
    assert caps.definition_provider
    assert caps.references_provider
    assert caps.hover_provider
    assert caps.document_symbol_provider
    assert caps.workspace_symbol_provider
    assert caps.folding_range_provider
    assert caps.document_link_provider is not None
    assert caps.code_lens_provider is not None
    assert isinstance(caps.code_action_provider, types.CodeActionOptions)
    assert types.CodeActionKind.QuickFix in (caps.code_action_provider.code_action_kinds or [])
    assert isinstance(caps.rename_provider, types.RenameOptions)
    assert caps.rename_provider.prepare_provider is True
    assert caps.execute_command_provider is not None
    workspace = caps.workspace
    assert workspace is not None and workspace.workspace_folders is not None
    assert workspace.workspace_folders.supported is True
    assert workspace.workspace_folders.change_notifications
    if lab.profile == "visual-studio-code":  # advertised to clients that can send it
        assert workspace.file_operations is not None
        assert workspace.file_operations.will_rename is not None


async def test_indexing_reports_progress(shared_lab: Session) -> None:
    lab = shared_lab

    def ended() -> list[types.WorkDoneProgressEnd]:
        return [
            r
            for reports in lab.client.progress_reports.values()
            for r in reports
            if isinstance(r, types.WorkDoneProgressEnd)
        ]

    await lab.wait_until(ended, "the end of the first index run")
    (token,) = [t for t, reports in lab.client.progress_reports.items() if reports]
    reports = lab.client.progress_reports[token]
    begin, *middle, end = reports
    assert isinstance(begin, types.WorkDoneProgressBegin)
    assert begin.title == "Indexing lab-notebook"
    assert isinstance(end, types.WorkDoneProgressEnd)
    assert end.message == "26 notes"
    assert middle and all(isinstance(r, types.WorkDoneProgressReport) for r in middle)
    percentages = [r.percentage for r in middle if isinstance(r, types.WorkDoneProgressReport)]
    assert percentages == sorted(percentages) and percentages[-1] == 100
    assert all(r.message and "files" in r.message for r in middle)


async def test_requests_before_indexing_finishes_are_answered(
    lab_notebook: Path, profile: str
) -> None:
    session = await start_session(lab_notebook, profile, ready=False)
    try:
        uri = session.open("scratch.md", "[[PCR")
        result = await asyncio.wait_for(session.complete(uri, types.Position(0, 5)), timeout=10)
        assert isinstance(result, types.CompletionList)
        await wait_ready(session)
        result = await session.complete(uri, types.Position(0, 5))
        assert "PCR amplification" in {i.label for i in result.items}
    finally:
        await stop_session(session)


# -- settings --------------------------------------------------------------------------------

BAD_SETTINGS: dict[str, Any] = {
    "diagnostics": {"brokenLinks": "loud", "noSuchKind": "error"},
    "completion": {"maxItems": "many"},
    "codeLens": {"backlinks": "yes"},
    "watcher": 5,
    "index": {"debounceMs": -1},
    "log": {"level": "chatty", "file": 3},
    "noSuchSetting": True,
}


async def test_bad_settings_warn_and_keep_defaults(lab_notebook: Path, profile: str) -> None:
    (lab_notebook / "extra").mkdir()
    for number in range(40):  # `[[` lists one row per file: more files than the default cap
        (lab_notebook / "extra" / f"Note {number}.md").write_text("# Note\n", encoding="utf-8")
    session = await start_session(lab_notebook, profile, BAD_SETTINGS)
    try:
        warnings = [m.message for m in session.client.messages]
        assert all(m.type == types.MessageType.Warning for m in session.client.messages), (
            session.client.messages
        )
        for fragment in (
            "codex.diagnostics.brokenLinks",
            "codex.diagnostics.noSuchKind",
            "codex.completion.maxItems",
            "codex.codeLens.backlinks",
            "codex.watcher",
            "codex.index.debounceMs",
            "codex.log.level",
            "codex.log.file",
            "codex.noSuchSetting",
        ):
            assert any(fragment in w for w in warnings), (fragment, warnings)
        # Defaults are in force: errors for broken links, the default completion cap.
        uri = session.open(EXP014)
        found = await session.wait_for_diagnostics(uri, lambda d: "link-broken" in codes(d))
        assert [d.severity for d in found] == [types.DiagnosticSeverity.Error]
        result = await session.complete_at_end("scratch.md", "[[")
        assert len(result.items) == 50
        lens = await session.client.text_document_code_lens_async(
            types.CodeLensParams(types.TextDocumentIdentifier(session.open(PCR)))
        )
        assert lens
    finally:
        await stop_session(session)


async def test_settings_that_are_not_an_object(lab_notebook: Path, profile: str) -> None:
    session = await start_session(lab_notebook, profile, ["not", "an", "object"])  # type: ignore[arg-type]
    try:
        assert any("must be an object" in m.message for m in session.client.messages)
        # A bad value pushed later is reported too, and the server keeps working.
        session.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"codex": {"completion": {"maxItems": 0}}})
        )
        await session.wait_until(
            lambda: any("maxItems" in m.message for m in session.client.messages),
            "a warning about maxItems",
        )
        hits = await session.command("codex.search", {"query": "PCR"})
        assert hits
    finally:
        await stop_session(session)


@pytest.mark.parametrize("wrapped", [True, False])
async def test_settings_in_initialization_options(
    lab_notebook: Path, profile: str, wrapped: bool
) -> None:
    """Settings given at initialize hold when the client has no ``codex`` section."""
    codex = {"diagnostics": {"brokenLinks": "hint"}}
    options = {"codex": codex} if wrapped else codex
    session = await start_session(lab_notebook, profile, initialization_options=options)
    try:
        uri = session.open(EXP014)
        found = await session.wait_for_diagnostics(uri, lambda d: "link-broken" in codes(d))
        assert [d.severity for d in found] == [types.DiagnosticSeverity.Hint]
    finally:
        await stop_session(session)


async def test_log_file_setting(lab_notebook: Path, profile: str, tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "codex.log"
    settings = {"log": {"level": "info", "file": str(log_file)}, "noSuchSetting": 1}
    session = await start_session(lab_notebook, profile, settings)
    await stop_session(session)
    assert "codex.noSuchSetting is not a known setting" in log_file.read_text(encoding="utf-8")


# -- workspace folders -----------------------------------------------------------------------


async def test_two_workspace_folders(lab_notebook: Path, profile: str, tmp_path: Path) -> None:
    field = second_notebook(tmp_path / "field-notes")
    session = await start_session([lab_notebook, field], profile)
    try:
        notebooks = {n["name"]: n for n in await session.command("codex.notebooks")}
        assert set(notebooks) == {"lab-notebook", "field-notes"}
        assert notebooks["field-notes"]["explicit"] is False
        assert notebooks["field-notes"]["notes"] == 2
        # Implicit notebooks keep their database out of the user's folder.
        assert not (field / ".codex").exists()
        assert not notebooks["field-notes"]["database"].startswith(str(field))

        uri = (field / "Field notes.md").as_uri()
        text = (field / "Field notes.md").read_text(encoding="utf-8")
        session.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "markdown", 1, text))
        )
        found = await session.definition(uri, types.Position(5, 20))
        assert [loc.uri for loc in found] == [(field / "sites/River site.md").as_uri()]
        # Notebooks are separate: a link into the other notebook is broken.
        diagnostics = await session.wait_for_diagnostics(uri, lambda d: bool(d))
        assert codes(diagnostics) == ["link-broken"]
        assert "PCR amplification" in diagnostics[0].message
        # Search and tags cover both notebooks.
        hits = await session.command("codex.search", {"query": "gate code"})
        assert [h["uri"] for h in hits] == [(field / "sites/River site.md").as_uri()]
        assert hits[0]["notebook"] == str(field)
        tags = {t["name"] for t in await session.command("codex.tags")}
        assert {"field", "field/site", "assay/pcr"} <= tags
        symbols = await session.client.workspace_symbol_async(
            types.WorkspaceSymbolParams("River site")
        )
        assert any(s.name == "River site" for s in symbols or [])
    finally:
        await stop_session(session)


async def test_workspace_folders_added_and_removed(
    lab_notebook: Path, profile: str, tmp_path: Path
) -> None:
    field = second_notebook(tmp_path / "field-notes")
    session = await start_session(lab_notebook, profile)
    try:
        session.client.workspace_did_change_workspace_folders(
            types.DidChangeWorkspaceFoldersParams(
                types.WorkspaceFoldersChangeEvent(
                    added=[types.WorkspaceFolder(field.as_uri(), "field-notes")], removed=[]
                )
            )
        )
        await wait_ready(session, count=2)
        result = await session.complete(
            session_open(session, field / "new.md", "[[Riv"), types.Position(0, 5)
        )
        assert "River site" in {i.label for i in result.items}
        session.client.workspace_did_change_workspace_folders(
            types.DidChangeWorkspaceFoldersParams(
                types.WorkspaceFoldersChangeEvent(
                    added=[],
                    removed=[types.WorkspaceFolder(lab_notebook.as_uri(), "lab-notebook")],
                )
            )
        )

        async def only_field() -> bool:
            names = [n["name"] for n in await session.command("codex.notebooks")]
            return names == ["field-notes"]

        await session.wait_until(only_field, "the lab notebook to be closed")
        hits = await session.command("codex.search", {"query": "PCR"})
        assert all(h["notebook"] == str(field) for h in hits)
    finally:
        await stop_session(session)


async def test_a_new_note_goes_to_a_workspace_notebook_first(
    lab_notebook: Path, profile: str, tmp_path: Path
) -> None:
    """createNote without a notebook picks a workspace folder's notebook, not the one opened
    around a lone document, whichever was opened first."""
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "idea.md").write_text("# Idea\n", encoding="utf-8")
    session = await start_session(lab_notebook, profile)
    lab_folder = types.WorkspaceFolder(lab_notebook.as_uri(), "lab-notebook")
    try:
        session_open(session, loose / "idea.md", "# Idea\n")

        async def names_are(expected: list[str]) -> bool:
            return sorted(n["name"] for n in await session.command("codex.notebooks")) == expected

        await session.wait_until(partial(names_are, ["lab-notebook", "loose"]), "the lone note")
        for added, removed in (([], [lab_folder]), ([lab_folder], [])):
            session.client.workspace_did_change_workspace_folders(
                types.DidChangeWorkspaceFoldersParams(
                    types.WorkspaceFoldersChangeEvent(added=added, removed=removed)
                )
            )
            expected = ["lab-notebook", "loose"] if added else ["loose"]
            await session.wait_until(partial(names_are, expected), "the workspace folders")
        created = await session.command("codex.createNote", {"title": "Fresh idea"})
        assert created["uri"] == (lab_notebook / "Fresh idea.md").as_uri()
    finally:
        await stop_session(session)


async def test_a_request_right_after_opening_a_lone_note_waits_for_its_notebook(
    lab_notebook: Path, profile: str, tmp_path: Path
) -> None:
    """Completion asked at once after didOpen of a note outside every open notebook is
    answered from that note's notebook (found on a thread meanwhile), not as if it had none."""
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "Other idea.md").write_text("# Other idea\n", encoding="utf-8")
    session = await start_session(lab_notebook, profile)
    try:
        uri = session_open(session, loose / "new.md", "[[Oth")
        result = await session.complete(uri, types.Position(0, 5))
        labels = {i.label for i in result.items}
        assert result.is_incomplete or "Other idea" in labels, (result.is_incomplete, labels)
    finally:
        await stop_session(session)


def session_open(session: Session, path: Path, text: str) -> str:
    """Open a file by absolute path (outside ``session.root``)."""
    uri = path.as_uri()
    session.client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "markdown", 1, text))
    )
    return uri


# -- odd files -------------------------------------------------------------------------------


async def test_invalid_yaml_and_binary_files(lab_notebook: Path, profile: str) -> None:
    (lab_notebook / "odd").mkdir()
    (lab_notebook / "odd/nul bytes.md").write_bytes(b"# Nul\x00\x00 bytes\n\x00\xff\xfe[[PCR]]\n")
    (lab_notebook / "odd/latin1.md").write_bytes(
        "# Caf\xe9 notes\n\n[[PCR]] \xb5L\n".encode("latin-1")
    )
    (lab_notebook / "odd/bad yaml.md").write_text(
        "---\ntitle: [unclosed\ntags: {a: \n---\n# Bad yaml\n\nSee [[PCR amplification]].\n",
        encoding="utf-8",
    )
    (lab_notebook / "odd/not a mapping.md").write_text("---\n- a\n- b\n---\n# List\n")
    (lab_notebook / "odd/random.md").write_bytes(bytes(range(256)) * 8)
    (lab_notebook / "odd/image.png.md").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    (lab_notebook / "odd/empty.md").write_bytes(b"")
    session = await start_session(lab_notebook, profile)
    try:
        (notebook,) = await session.command("codex.notebooks")
        assert notebook["ready"]
        uri = session.open("odd/bad yaml.md")
        found = await session.wait_for_diagnostics(uri, lambda d: bool(d))
        assert "yaml-invalid" in codes(found)
        locations = await session.definition(uri, session.find("odd/bad yaml.md", "[[PCR", delta=3))
        assert [loc.uri for loc in locations] == [session.uri(PCR)]
        uri = session.open("odd/not a mapping.md")
        found = await session.wait_for_diagnostics(uri, lambda d: bool(d))
        assert "yaml-not-mapping" in codes(found)
        result = await session.complete_at_end("scratch.md", "[[latin")
        assert "latin1" in {i.label for i in result.items}
        assert await session.command("codex.search", {"query": "Café"}) is not None
        backlinks = await session.command("codex.backlinks", {"uri": session.uri(PCR)})
        assert len(backlinks) >= 18
        symbols = await session.client.workspace_symbol_async(types.WorkspaceSymbolParams("nul"))
        assert symbols is not None
        # The server is still healthy.
        result = await session.complete_at_end("scratch2.md", "[[PCR amp")
        assert "PCR amplification" in {i.label for i in completion_items(result)}
    finally:
        await stop_session(session)


# -- stdout carries the protocol only --------------------------------------------------------


def frame(body: dict[str, Any] | bytes) -> bytes:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    return f"Content-Length: {len(raw)}\r\n\r\n".encode("ascii") + raw


def parse_frames(stream: bytes) -> list[dict[str, Any]]:
    """Every message on ``stream``; fails on anything that is not a well-formed LSP frame."""
    messages = []
    while stream:
        header, separator, rest = stream.partition(b"\r\n\r\n")
        assert separator, f"garbage on stdout: {stream[:200]!r}"
        fields = dict(line.split(": ", 1) for line in header.decode("ascii").split("\r\n") if line)
        assert set(fields) <= {"Content-Length", "Content-Type"}, header
        length = int(fields["Content-Length"])
        body, stream = rest[:length], rest[length:]
        message = json.loads(body)
        assert message["jsonrpc"] == "2.0"
        messages.append(message)
    return messages


def complete_frames(stream: bytes) -> int:
    """Length of the complete frames at the start of ``stream`` (a frame may be half read)."""
    end = 0
    while (header_end := stream.find(b"\r\n\r\n", end)) != -1:
        length = re.search(rb"Content-Length: (\d+)", stream[end:header_end])
        assert length is not None, stream[end:header_end]
        frame_end = header_end + 4 + int(length.group(1))
        if frame_end > len(stream):
            break
        end = frame_end
    return end


async def read_until(
    stream: asyncio.StreamReader, done: Callable[[list[dict[str, Any]]], bool], timeout: float
) -> bytes:
    """What ``stream`` says until its complete messages satisfy ``done``."""
    data = b""

    async def read() -> bytes:
        nonlocal data
        while True:
            chunk = await stream.read(65536)
            assert chunk, f"the server closed its output: {data[-500:]!r}"
            data += chunk
            if done(parse_frames(data[: complete_frames(data)])):
                return data

    return await asyncio.wait_for(read(), timeout)


async def test_stdout_carries_only_protocol_messages(lab_notebook: Path) -> None:
    executable = Path(sys.executable).parent / "codex-lsp"
    command = [str(executable)] if executable.exists() else [sys.executable, "-m", "codex_lsp"]
    process = await asyncio.create_subprocess_exec(
        *command,
        "serve",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None
    root = lab_notebook.as_uri()
    uri = (lab_notebook / EXP014).as_uri()
    text = (lab_notebook / EXP014).read_text(encoding="utf-8")
    messages: list[dict[str, Any] | bytes] = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "processId": None,
                "rootUri": root,
                "capabilities": {},
                "initializationOptions": {"log": {"level": "debug"}},
                "workspaceFolders": [{"uri": root, "name": "lab"}],
            },
        },
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        b"{this is not json",
        {"jsonrpc": "2.0", "id": 2, "method": "no/suchMethod", "params": {}},
        {"jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": {"x": 1}},
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}
            },
        },
        {
            "jsonrpc": "2.0",
            "id": 4,
            "method": "workspace/executeCommand",
            "params": {"command": "codex.search", "arguments": [{"query": '"NEAR('}]},
        },
        {
            "jsonrpc": "2.0",
            "id": 5,
            "method": "workspace/executeCommand",
            "params": {"command": "codex.reindex", "arguments": [{"full": True}]},
        },
    ]
    for message in messages:
        process.stdin.write(frame(message))
    await process.stdin.drain()
    assert process.stdout is not None

    def answered_and_diagnosed(received: list[dict[str, Any]]) -> bool:
        ids = {m.get("id") for m in received if "method" not in m}
        methods = {m.get("method") for m in received}
        return {1, 2, 3, 4, 5} <= ids and "textDocument/publishDiagnostics" in methods

    before = await read_until(process.stdout, answered_and_diagnosed, timeout=120)
    process.stdin.write(frame({"jsonrpc": "2.0", "id": 9, "method": "shutdown"}))
    process.stdin.write(frame({"jsonrpc": "2.0", "method": "exit"}))
    await process.stdin.drain()
    rest, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    stdout = before + rest
    received = parse_frames(stdout)
    answered = {m["id"]: m for m in received if "id" in m and "method" not in m}
    assert {1, 2, 3, 4, 5, 9} <= set(answered), sorted(answered)
    assert "result" in answered[1] and "capabilities" in answered[1]["result"]
    assert answered[2]["error"]["code"] == -32601
    assert answered[3]["error"]["code"] == -32602  # invalid params: answered, not dropped
    assert isinstance(answered[4]["result"], list)  # a query that is not FTS5 syntax: no error
    assert answered[5]["result"][0]["notes"] == 26
    methods = {m.get("method") for m in received}
    assert "textDocument/publishDiagnostics" in methods
    assert b"Traceback" not in stdout
    del stderr  # anything may go to stderr
