"""Protocol conformance over raw JSON-RPC: the life cycle's errors and malformed params.

LSP: a request before ``initialize`` gets ``ServerNotInitialized`` (-32002) and a
notification is dropped (except ``exit``); a request after ``shutdown`` gets
``InvalidRequest`` (-32600). Params of the wrong shape get ``InvalidParams`` (-32602) with a
message, never an internal error (-32603) with a traceback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from raw_rpc import Message, RawServer

SERVER_NOT_INITIALIZED = -32002
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
PCR = "protocols/PCR amplification.md"


def error_code(answer: Message) -> int | None:
    """The error code of a response (None when it succeeded)."""
    error = answer.get("error")
    return int(error["code"]) if isinstance(error, dict) else None


def errors_shown(server: RawServer) -> list[str]:
    """Error messages the server showed or logged so far."""
    return [
        str(m["params"].get("message"))
        for m in server.notifications
        if m.get("method") in ("window/showMessage", "window/logMessage")
        and m["params"].get("type") == 1
    ]


@pytest_asyncio.fixture
async def raw(tmp_path: Path) -> AsyncIterator[RawServer]:
    """A server that has not been initialized (its stderr in ``tmp_path``)."""
    server = await RawServer.start(tmp_path / "stderr.log")
    yield server
    await server.stop()


async def test_requests_before_initialize_are_refused(raw: RawServer, lab_notebook: Path) -> None:
    uri = (lab_notebook / PCR).as_uri()
    position = {"line": 0, "character": 0}
    requests: list[tuple[str, Any]] = [
        ("textDocument/hover", {"textDocument": {"uri": uri}, "position": position}),
        ("workspace/executeCommand", {"command": "codex.search", "arguments": [{"query": "x"}]}),
        ("textDocument/definition", {"textDocument": {"uri": uri}, "position": position}),
        ("workspace/symbol", {"query": "PCR"}),
        ("shutdown", None),
        ("no/suchMethod", {}),
    ]
    for method, params in requests:
        answer = await raw.request(method, params)
        assert error_code(answer) == SERVER_NOT_INITIALIZED, (method, answer)
    answer = await raw.initialize(lab_notebook)
    assert "capabilities" in answer["result"], answer
    await raw.wait_ready()
    # Once initialized, the same request is answered.
    hover = await raw.request(*requests[0])
    assert "error" not in hover, hover


async def test_notifications_before_initialize_are_dropped(
    raw: RawServer, lab_notebook: Path
) -> None:
    ghost = (lab_notebook / "ghost.md").as_uri()
    raw.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": ghost, "languageId": "markdown", "version": 1, "text": "# G\n"}},
    )
    raw.notify("workspace/didChangeConfiguration", {"settings": {"codex": {}}})
    # Messages are handled in order: anything the notifications caused comes first.
    answer = await raw.initialize(lab_notebook)
    assert "result" in answer, answer
    assert errors_shown(raw) == []
    await raw.wait_ready()
    # The buffer was never opened: the server knows no ghost.md.
    symbols = await raw.result("textDocument/documentSymbol", {"textDocument": {"uri": ghost}})
    assert not symbols


async def test_requests_after_shutdown_are_invalid(raw: RawServer, lab_notebook: Path) -> None:
    await raw.initialize(lab_notebook)
    await raw.wait_ready()
    again = await raw.request("initialize", {"processId": None, "capabilities": {}})
    assert error_code(again) == INVALID_REQUEST, again
    assert await raw.result("shutdown") is None
    uri = (lab_notebook / PCR).as_uri()
    for method, params in [
        (
            "textDocument/hover",
            {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}},
        ),
        ("workspace/executeCommand", {"command": "codex.notebooks", "arguments": [{}]}),
        ("shutdown", None),
    ]:
        answer = await raw.request(method, params)
        assert error_code(answer) == INVALID_REQUEST, (method, answer)
    raw.notify("exit")
    assert await raw.process.wait() == 0


# -- params of the wrong shape ------------------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def ready(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[RawServer, Path]]:
    """One initialized server per module on a copy of the example notebook."""
    from conftest import copy_lab

    root = copy_lab(tmp_path_factory.mktemp("protocol") / "lab-notebook")
    server = await RawServer.start(root.parent / "stderr.log")
    await server.initialize(root)
    await server.wait_ready()
    yield server, root
    await server.stop()


def _command(name: str, argument: Any) -> dict[str, Any]:
    return {"command": name, "arguments": [argument]}


def _bad_params(uri: str) -> list[tuple[str, Any, str]]:
    """(method, params, a word the error message must contain)."""
    at = {"line": 0, "character": 0}
    doc = {"uri": uri}
    return [
        (
            "workspace/executeCommand",
            _command("codex.references", {"uri": uri, "position": {"line": "a"}}),
            "position",
        ),
        (
            "workspace/executeCommand",
            _command("codex.references", {"uri": uri, "position": "x"}),
            "position",
        ),
        (
            "workspace/executeCommand",
            _command("codex.references", {"uri": uri, "position": {"line": -1, "character": 0}}),
            "position",
        ),
        ("workspace/executeCommand", _command("codex.references", {"uri": 5}), "uri"),
        ("workspace/executeCommand", _command("codex.backlinks", {"uri": ["x"]}), "uri"),
        ("workspace/executeCommand", _command("codex.search", {"query": 5}), "query"),
        (
            "workspace/executeCommand",
            _command("codex.search", {"query": "x", "limit": "3"}),
            "limit",
        ),
        ("workspace/executeCommand", _command("codex.search", {"query": "x", "limit": 0}), "limit"),
        ("workspace/executeCommand", _command("codex.search", {"tags": [1]}), "tags"),
        (
            "workspace/executeCommand",
            _command("codex.searchTags", {"tags": ["a"], "match": 3}),
            "match",
        ),
        ("workspace/executeCommand", _command("codex.reindex", {"full": "yes"}), "full"),
        ("workspace/executeCommand", _command("codex.createNote", {"title": 3}), "title"),
        (
            "workspace/executeCommand",
            _command("codex.createNote", {"title": "x", "folder": 7}),
            "folder",
        ),
        (
            "workspace/executeCommand",
            _command("codex.createNote", {"title": "x", "notebook": {}}),
            "notebook",
        ),
        ("workspace/executeCommand", _command("codex.history", {"uri": 5}), "uri"),
        (
            "workspace/executeCommand",
            _command("codex.history", {"uri": uri, "limit": True}),
            "limit",
        ),
        ("workspace/executeCommand", _command("codex.show", {"uri": uri, "commit": 5}), "commit"),
        (
            "workspace/executeCommand",
            _command("codex.diff", {"uri": uri, "from": ["HEAD"]}),
            "from",
        ),
        ("workspace/executeCommand", _command("codex.restore", {"uri": uri}), "commit"),
        ("workspace/executeCommand", _command("codex.search", "not an object"), "JSON object"),
        ("workspace/executeCommand", {"command": "codex.search", "arguments": 5}, ""),
        ("workspace/executeCommand", {"command": 5}, ""),
        ("textDocument/hover", {"textDocument": doc, "position": "x"}, ""),
        ("textDocument/hover", {"textDocument": 5, "position": at}, ""),
        (
            "textDocument/hover",
            {"textDocument": doc, "position": {"line": "a", "character": 0}},
            "",
        ),
        ("textDocument/hover", [uri, at], ""),
        ("textDocument/definition", {"textDocument": {"uri": 5}, "position": at}, ""),
        ("textDocument/completion", {"textDocument": doc}, ""),
        ("textDocument/rename", {"textDocument": doc, "position": at, "newName": 5}, ""),
        ("workspace/symbol", {"query": {"a": 1}}, ""),
    ]


@pytest.mark.asyncio(loop_scope="module")
async def test_params_of_the_wrong_shape_are_invalid_params(ready: tuple[RawServer, Path]) -> None:
    server, root = ready
    uri = (root / PCR).as_uri()
    failures = []
    for method, params, word in _bad_params(uri):
        answer = await server.request(method, params)
        error = answer.get("error") or {}
        message = str(error.get("message", ""))
        if error.get("code") != INVALID_PARAMS or word not in message or "Traceback" in message:
            failures.append((method, params, answer))
    assert not failures, "\n".join(map(str, failures))
    # The server is still healthy.
    assert await server.result("workspace/symbol", {"query": "PCR"})


@pytest.mark.asyncio(loop_scope="module")
async def test_bad_ids_and_methods_are_invalid_requests(ready: tuple[RawServer, Path]) -> None:
    server, _ = ready
    answer = await server.request(5, {})
    assert error_code(answer) == INVALID_REQUEST, answer
    server.send({"jsonrpc": "2.0", "id": {"no": 1}, "method": "workspace/symbol", "params": {}})
    answer = await server.response(None)
    assert error_code(answer) == INVALID_REQUEST, answer
    assert await server.result("workspace/symbol", {"query": "PCR"})


# -- closing a notebook ---------------------------------------------------------------------------


def folders_event(added: list[Path], removed: list[Path]) -> dict[str, Any]:
    """``workspace/didChangeWorkspaceFolders`` params."""
    return {
        "event": {
            "added": [{"uri": p.as_uri(), "name": p.name} for p in added],
            "removed": [{"uri": p.as_uri(), "name": p.name} for p in removed],
        }
    }


# -- the event loop never waits on disk or on a schema compile --------------------------------


def big_schema(types_count: int) -> str:
    """A valid schema whose compilation takes a noticeable time (seconds for hundreds)."""
    lines = ["version: 1", "properties:", "  title: {type: string}", "types:"]
    for i in range(types_count):
        lines += [f"  t{i}:", f'    paths: ["x{i}/**"]', "    properties:"]
        lines += [f'      p{j}: {{type: string, description: "field {j}"}}' for j in range(20)]
    return "\n".join(lines) + "\n"


def arrival(server: RawServer, match: Callable[[Message], bool]) -> int:
    """Where the first message ``match`` accepts arrived among everything received."""
    return next(i for i, m in enumerate(server.received) if match(m))


async def test_a_schema_is_compiled_off_the_event_loop(raw: RawServer, lab_notebook: Path) -> None:
    await raw.initialize(lab_notebook)
    await raw.wait_ready()
    note = (lab_notebook / PCR).as_uri()
    schema_uri = (lab_notebook / ".codex" / "schema.yaml").as_uri()
    text = (lab_notebook / ".codex" / "schema.yaml").read_text(encoding="utf-8")
    for uri, body in ((note, (lab_notebook / PCR).read_text(encoding="utf-8")), (schema_uri, text)):
        raw.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": body}},
        )
    raw.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": schema_uri, "version": 2},
            "contentChanges": [{"text": big_schema(300)}],
        },
    )
    folding = await raw.request("textDocument/foldingRange", {"textDocument": {"uri": note}})
    assert "result" in folding, folding
    compiled = await raw.wait_for(
        lambda m: (
            m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == schema_uri
            and m["params"].get("version") == 2
        )
    )
    assert compiled["params"]["diagnostics"] == []
    # The cheap request was answered while the schema was being compiled, not after.
    answered = arrival(raw, lambda m: m.get("id") == folding["id"] and "method" not in m)
    assert answered < arrival(raw, lambda m: m is compiled)


def many_notes(root: Path, folders: int = 30, per_folder: int = 1000) -> Path:
    """A notebook big enough that indexing it takes seconds."""
    body = "Some text about the experiment. " * 20
    for d in range(folders):
        folder = root / f"d{d}"
        folder.mkdir(parents=True)
        for i in range(per_folder):
            (folder / f"n{d}-{i}.md").write_text(
                f"# N {i}\n\nSee [[n{d}-{(i + 1) % per_folder}]].\n{body}\n", encoding="utf-8"
            )
    return root


def progress_of(token: Any, kind: str) -> Callable[[Message], bool]:
    """Matches the ``$/progress`` notification of ``kind`` for ``token``."""
    return lambda m: (
        m.get("method") == "$/progress"
        and m["params"]["token"] == token
        and m["params"]["value"].get("kind") == kind
    )


async def test_closing_a_notebook_while_it_indexes_leaves_the_loop_free(
    raw: RawServer, lab_notebook: Path, tmp_path: Path
) -> None:
    big = many_notes(tmp_path / "big")
    await raw.initialize(lab_notebook)
    await raw.wait_ready()
    note = (lab_notebook / PCR).as_uri()
    raw.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": note,
                "languageId": "markdown",
                "version": 1,
                "text": (lab_notebook / PCR).read_text(encoding="utf-8"),
            }
        },
    )
    raw.notify("workspace/didChangeWorkspaceFolders", folders_event([big], []))
    begin = await raw.wait_for(
        lambda m: (
            m.get("method") == "$/progress" and m["params"]["value"].get("title") == "Indexing big"
        )
    )
    token = begin["params"]["token"]
    await raw.wait_for(progress_of(token, "report"))  # the run is under way
    # Closing the notebook waits for its index run; the server must go on answering.
    raw.notify("workspace/didChangeWorkspaceFolders", folders_event([], [big]))
    folding = await raw.request(
        "textDocument/foldingRange", {"textDocument": {"uri": note}}, timeout=60
    )
    assert "result" in folding, folding
    end = await raw.wait_for(progress_of(token, "end"), timeout=120)
    answered = arrival(raw, lambda m: m.get("id") == folding["id"] and "method" not in m)
    assert answered < arrival(raw, lambda m: m is end)
    # The notebook is closed: only the lab is left, and shutdown is answered.
    notebooks = await raw.result(
        "workspace/executeCommand", {"command": "codex.notebooks", "arguments": [{}]}
    )
    assert [n["name"] for n in notebooks] == ["lab-notebook"]


@pytest.mark.asyncio(loop_scope="module")
async def test_huge_strings_are_answered(ready: tuple[RawServer, Path]) -> None:
    server, _ = ready
    huge = "x" * 100_000
    assert await server.result("workspace/symbol", {"query": huge}) == []
    hits = await server.result(
        "workspace/executeCommand", {"command": "codex.search", "arguments": [{"query": huge}]}
    )
    assert hits == []


SECTIONS = 40_000


def long_note() -> str:
    """A note of megabytes: ``SECTIONS`` headings, each with a link, a tag and a link."""
    section = "## Step {n}\n\nMix [[PCR amplification]] with #assay/pcr and [x](y.md).\n\n"
    return "".join(section.format(n=n) for n in range(SECTIONS))


def open_buffer(raw: RawServer, uri: str, text: str) -> None:
    """``textDocument/didOpen`` of ``text`` at ``uri``."""
    raw.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}},
    )


async def assert_folding_answered_before_symbols(raw: RawServer, note: str, long_uri: str) -> None:
    """Ask the outline of the long note, then the folding of a small open one: the cheap
    answer must come first (the loop was free while the long note was read and parsed)."""
    slow = raw.request_nowait("textDocument/documentSymbol", {"textDocument": {"uri": long_uri}})
    folding = await raw.request("textDocument/foldingRange", {"textDocument": {"uri": note}})
    assert "result" in folding, folding
    symbols = await raw.response(slow, timeout=120)
    assert len(symbols["result"]) == SECTIONS
    answered = arrival(raw, lambda m: m.get("id") == folding["id"] and "method" not in m)
    assert answered < arrival(raw, lambda m: m is symbols)


async def test_a_note_that_is_not_open_is_read_and_parsed_off_the_event_loop(
    raw: RawServer, lab_notebook: Path
) -> None:
    """A request on a note the editor has not opened reads and parses it on a thread: a
    cheap request on an open note sent after it is answered first."""
    huge = lab_notebook / "huge.md"
    huge.write_text(long_note(), encoding="utf-8")
    await raw.initialize(lab_notebook)
    await raw.wait_ready()
    note = (lab_notebook / PCR).as_uri()
    open_buffer(raw, note, (lab_notebook / PCR).read_text(encoding="utf-8"))
    await assert_folding_answered_before_symbols(raw, note, huge.as_uri())


async def test_a_long_open_buffer_is_parsed_off_the_event_loop(
    raw: RawServer, lab_notebook: Path
) -> None:
    """Opening a buffer of megabytes does not stop the server answering a cheap request on
    another note until it is parsed."""
    await raw.initialize(lab_notebook)
    await raw.wait_ready()
    note = (lab_notebook / PCR).as_uri()
    long_uri = (lab_notebook / "long.md").as_uri()
    open_buffer(raw, note, (lab_notebook / PCR).read_text(encoding="utf-8"))
    open_buffer(raw, long_uri, long_note())
    await assert_folding_answered_before_symbols(raw, note, long_uri)
