"""The protocol fuzz test: random sequences of valid and malformed messages against one server.

Hypothesis draws sequences of requests (every LSP method the server advertises and every
``codex.*`` command it lists), notifications, unknown methods, garbage and wrongly typed
params, huge strings and URIs outside the notebook, and sends each sequence pipelined to a
real server on a copy of the example notebook. The client applies the server's workspace
edits wherever they point, as a trusting editor would. Properties: every request is answered
within 5 s, the process never exits, and no file outside the open notebooks changes (a
sentinel tree beside the notebook, reachable through symlinks inside it, is compared after
each sequence). A document opened in the sentinel tree (``didOpen``, as an editor opening a
lone note) opens that folder as a notebook, by design (docs/security.md): files in a notebook
the server reports open (``codex.notebooks``) may change, nothing else. The run is bounded by
``MAX_EXAMPLES`` and ``BUDGET`` seconds.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from raw_rpc import RawServer

from conftest import copy_lab

ANSWER_WITHIN = 5.0
MAX_EXAMPLES = 300
BUDGET = 150.0  # seconds of generated sequences; later examples send nothing
PCR = "protocols/PCR amplification.md"

# Each capability the server may advertise, with the requests that exercise it: a new
# capability fails the test until the fuzzer knows its requests.
CAPABILITY_METHODS = {
    "positionEncoding": [],
    "textDocumentSync": [],
    "workspace": ["workspace/willRenameFiles"],
    "completionProvider": ["textDocument/completion", "completionItem/resolve"],
    "hoverProvider": ["textDocument/hover"],
    "definitionProvider": ["textDocument/definition"],
    "referencesProvider": ["textDocument/references"],
    "documentSymbolProvider": ["textDocument/documentSymbol"],
    "codeActionProvider": ["textDocument/codeAction"],
    "codeLensProvider": ["textDocument/codeLens"],
    "documentLinkProvider": ["textDocument/documentLink"],
    "workspaceSymbolProvider": ["workspace/symbol"],
    "renameProvider": ["textDocument/rename", "textDocument/prepareRename"],
    "foldingRangeProvider": ["textDocument/foldingRange"],
    "diagnosticProvider": ["textDocument/diagnostic", "workspace/diagnostic"],
    "executeCommandProvider": ["workspace/executeCommand"],
}
NOTIFICATIONS = [
    "textDocument/didOpen",
    "textDocument/didChange",
    "textDocument/didSave",
    "textDocument/didClose",
    "workspace/didChangeWatchedFiles",
    "workspace/didChangeConfiguration",
    "workspace/didChangeWorkspaceFolders",
    "$/cancelRequest",
    "$/setTrace",
    "window/workDoneProgress/cancel",
    "no/suchNotification",
]


# -- the world: a notebook, and a sentinel tree beside it ---------------------------------------


@dataclass
class World:
    """The notebook the server opened and the tree outside it that must never change."""

    root: Path
    outside: Path

    def outside_notebooks(self, changed: list[str], roots: set[Path]) -> list[str]:
        """The changed sentinel paths that lie in none of the notebook ``roots``."""
        real_roots = {root.resolve() for root in roots}
        return [
            rel
            for rel in changed
            if not any((self.outside / rel).resolve().is_relative_to(r) for r in real_roots)
        ]

    def snapshot(self) -> dict[str, str]:
        """Every path under the sentinel tree with a digest of its content (or link target)."""
        found = {}
        for folder, dirs, files in os.walk(self.outside, followlinks=False):
            for name in dirs + files:
                path = Path(folder) / name
                rel = path.relative_to(self.outside).as_posix()
                if path.is_symlink():
                    found[rel] = "-> " + os.readlink(path)
                elif path.is_file():
                    found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
                else:
                    found[rel] = "dir"
        return found


def make_world(base: Path) -> World:
    """A notebook with symlinks into a sentinel tree (a git repository when git is there)."""
    root = copy_lab(base / "lab-notebook")
    outside = base / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.md").write_text("# Secret\n\nNot for the server.\n", encoding="utf-8")
    (outside / "folder" / "inner.md").write_text("# Inner\n", encoding="utf-8")
    (root / "lnk").symlink_to(outside / "folder", target_is_directory=True)
    (root / "secret link.md").symlink_to(outside / "secret.md")
    return World(root, outside)


# -- strategies ---------------------------------------------------------------------------------


def json_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Any JSON value (small), with a chance of a huge string."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**63), max_value=2**63),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=30),
        st.sampled_from(["", "x" * 100_000, "[[" * 5_000, "\x00\ud7ff\uffff", "../" * 50]),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.text(max_size=12), inner, max_size=4),
        ),
        max_leaves=max_leaves,
    )


def uris(world: World) -> st.SearchStrategy[str]:
    """Note URIs inside the notebook and every kind of URI that is not."""
    root, outside = world.root, world.outside
    inside = [
        (root / PCR).as_uri(),
        (root / "README.md").as_uri(),
        (root / "new note.md").as_uri(),
        (root / "lnk" / "inner.md").as_uri(),
        (root / "secret link.md").as_uri(),
        (root / ".codex" / "schema.yaml").as_uri(),
    ]
    elsewhere = [
        (outside / "secret.md").as_uri(),
        root.as_uri() + "/../outside/secret.md",
        root.as_uri() + "/%2e%2e/outside/secret.md",
        root.as_uri() + "/lnk/../../outside/secret.md",
        (outside / "folder" / "new.md").as_uri(),
        "file:///etc/passwd",
        "file:///",
        "untitled:Untitled-1",
        "http://example.com/x.md",
        "file://host/share/x.md",
        "not a uri",
        "",
    ]
    return st.one_of(st.sampled_from(inside + elsewhere), st.text(max_size=40))


def positions() -> st.SearchStrategy[Any]:
    """Positions, sensible or not."""
    sane = st.fixed_dictionaries({"line": st.integers(0, 60), "character": st.integers(0, 120)})
    return st.one_of(sane, sane, json_values(4))


def names() -> st.SearchStrategy[str]:
    """Names for new notes, folders and renames, hostile ones included."""
    hostile = st.sampled_from(
        [
            "lnk/pwn",
            "lnk",
            "../escape",
            "/etc",
            ".codex/x",
            ".",
            "..",
            "x\n# injected",
            "a]]b",
            "a:b",
            "n" * 300,
            "../outside/owned",
        ]
    )
    return st.one_of(hostile, hostile, st.text(max_size=20))


# The fields each command reads (docs/protocol.md); commands not listed get any of them.
COMMAND_FIELDS = {
    "codex.search": ["query", "tags", "limit"],
    "codex.searchTags": ["tags", "match"],
    "codex.backlinks": ["uri"],
    "codex.references": ["uri", "position"],
    "codex.createNote": ["title", "folder", "template", "type", "clipboard", "notebook"],
    "codex.templates": ["type", "folder", "notebook"],
    "codex.daily": ["date", "offset", "period", "relative", "uri", "clipboard", "notebook"],
    "codex.reindex": ["full"],
    "codex.history": ["uri", "limit"],
    "codex.show": ["uri", "commit"],
    "codex.diff": ["uri", "from", "to"],
    "codex.restore": ["uri", "commit"],
}


def argument_fields(world: World) -> dict[str, st.SearchStrategy[Any]]:
    """A strategy for each field a ``codex.*`` command may read."""
    return {
        "uri": uris(world),
        "position": positions(),
        "query": st.one_of(st.text(max_size=20), json_values(3)),
        "tags": st.one_of(st.lists(st.text(max_size=8), max_size=3), json_values(3)),
        "match": st.sampled_from(["all", "any", "some", 3]),
        "limit": st.one_of(st.integers(-5, 600), json_values(2)),
        "title": names(),
        "folder": names(),
        "notebook": st.one_of(st.just(world.root.as_uri()), uris(world)),
        "full": st.one_of(st.booleans(), json_values(2)),
        "commit": st.sampled_from(["HEAD", "HEAD~1", "no-such", "", "--help", "-p"]),
        "from": st.sampled_from(["HEAD", "HEAD~3", "--output=/tmp/x"]),
        "to": st.sampled_from(["HEAD", "0" * 40]),
        "template": st.one_of(names(), json_values(2)),
        "type": st.one_of(st.sampled_from(["experiment", "protocol", "nope", ""]), json_values(2)),
        "clipboard": st.one_of(st.text(max_size=40), json_values(2)),
        "date": st.one_of(
            st.sampled_from(["today", "next monday", "in 99999 months", "9999-12-31", "+100000"]),
            st.text(max_size=30),
            json_values(2),
        ),
        "offset": st.one_of(st.integers(-(10**7), 10**7), json_values(2)),
        "period": st.sampled_from(["daily", "weekly", "monthly", "yearly", 3]),
        "relative": st.sampled_from(["next", "previous", "sideways", None, 1]),
    }


def command_argument(world: World, name: str) -> st.SearchStrategy[Any]:
    """The one object of command ``name``: its own fields (some left out, others added), or
    anything at all."""
    fields = argument_fields(world)
    own = COMMAND_FIELDS.get(name, list(fields))
    shaped = st.fixed_dictionaries(
        {key: fields[key] for key in own[:1]},
        optional={key: fields[key] for key in [*own[1:], *fields] if key != own[0]},
    )
    return st.one_of(shaped, shaped, shaped, json_values(4))


def text_document_params(world: World) -> st.SearchStrategy[Any]:
    """Params of a ``textDocument/*`` request: mostly well formed, sometimes not."""
    document = st.fixed_dictionaries({"uri": uris(world)})
    well_formed = st.fixed_dictionaries(
        {"textDocument": document, "position": positions()},
        optional={
            "newName": names(),
            "context": st.one_of(
                st.just({"includeDeclaration": True}),
                st.just({"diagnostics": [], "only": ["quickfix"]}),
                json_values(3),
            ),
            "range": st.one_of(
                st.just({"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 0}}),
                json_values(3),
            ),
            "query": st.text(max_size=10),
        },
    )
    return st.one_of(well_formed, well_formed, json_values(6))


def requests(world: World, commands: list[str], methods: list[str]) -> st.SearchStrategy[Any]:
    """``("request", method, params)``."""
    lsp = st.tuples(st.just("request"), st.sampled_from(methods), text_document_params(world))
    command = st.sampled_from([*commands, "codex.noSuchCommand"]).flatmap(
        lambda name: st.builds(
            lambda argument, wrap: (
                "request",
                "workspace/executeCommand",
                {"command": name, "arguments": [argument]} if wrap else {"command": name},
            ),
            command_argument(world, name),
            st.sampled_from([True, True, True, False]),
        )
    )
    renames = st.builds(
        lambda old, new: (
            "request",
            "workspace/willRenameFiles",
            {"files": [{"oldUri": old, "newUri": new}]},
        ),
        uris(world),
        uris(world),
    )
    symbol = st.builds(
        lambda q: ("request", "workspace/symbol", {"query": q}),
        st.one_of(st.text(), json_values(2)),
    )
    odd = st.tuples(
        st.just("request"),
        st.one_of(st.sampled_from(["initialize", "no/suchMethod", ""]), st.text(max_size=15)),
        json_values(4),
    )
    return st.one_of(command, command, lsp, lsp, lsp, renames, symbol, odd)


def notifications(world: World) -> st.SearchStrategy[Any]:
    """``("notify", method, params)``: document sync with any URI and text, and the rest."""
    text = st.one_of(
        st.text(max_size=200),
        st.sampled_from(
            [
                "---\na: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n---\n# Hostile\n[[PCR]]\n",
                # Every link broken: a diagnostic each (a realistic worst case, not a
                # flood that takes the client longer to read than the answer bound).
                "# Big\n" + "[[x]] " * 2_000,
                "```\ncode\n```\n    [[in code]]\n",
            ]
        ),
    )
    did_open = st.builds(
        lambda uri, body, version: (
            "notify",
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "markdown",
                    "version": version,
                    "text": body,
                }
            },
        ),
        uris(world),
        text,
        st.integers(0, 5),
    )
    did_change = st.builds(
        lambda uri, body, version: (
            "notify",
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": body}],
            },
        ),
        uris(world),
        text,
        st.integers(0, 50),
    )
    simple = st.builds(
        lambda method, uri: ("notify", method, {"textDocument": {"uri": uri}}),
        st.sampled_from(["textDocument/didSave", "textDocument/didClose"]),
        uris(world),
    )
    watched = st.builds(
        lambda uri, kind: (
            "notify",
            "workspace/didChangeWatchedFiles",
            {"changes": [{"uri": uri, "type": kind}]},
        ),
        uris(world),
        st.one_of(st.integers(1, 3), json_values(1)),
    )
    folders = st.builds(
        lambda removed, added: (
            "notify",
            "workspace/didChangeWorkspaceFolders",
            {"event": {"added": added, "removed": removed}},
        ),
        st.sampled_from([[], [{"uri": world.root.as_uri(), "name": "lab"}]]),
        st.sampled_from([[], [{"uri": world.root.as_uri(), "name": "lab"}]]),
    )
    # Settings never name a log file: a client may legitimately send logs anywhere.
    configuration = st.builds(
        lambda value: ("notify", "workspace/didChangeConfiguration", {"settings": value}),
        json_values(4).filter(lambda v: "log" not in str(v)),
    )
    anything = st.tuples(st.just("notify"), st.sampled_from(NOTIFICATIONS), json_values(4))
    return st.one_of(did_open, did_change, simple, watched, folders, configuration, anything)


# -- the test -----------------------------------------------------------------------------------


async def exercise(server: RawServer, messages: list[tuple[str, str, Any]]) -> list[str]:
    """Send ``messages`` pipelined; the problems found (unanswered requests, a dead server)."""
    sent: list[tuple[Any, str, float]] = []
    loop = asyncio.get_running_loop()
    for kind, method, params in messages:
        if kind == "request":
            sent.append((server.request_nowait(method, params), method, loop.time()))
        else:
            server.notify(method, params)
    assert server.process.stdin is not None
    await server.process.stdin.drain()
    problems = []
    for msg_id, method, when in sent:
        remaining = when + ANSWER_WITHIN - loop.time()
        try:
            answer = await server.response(msg_id, timeout=max(remaining, 0.01))
        except asyncio.TimeoutError:
            problems.append(f"{method} (id {msg_id}) not answered within {ANSWER_WITHIN} s")
            continue
        error = answer.get("error")
        if isinstance(error, dict) and error.get("code") == -32603:
            problems.append(f"{method} (id {msg_id}) internal error: {error.get('message')}")
    # A request after the sequence proves every notification was handled without killing it.
    if server.alive:
        try:
            await server.request("workspace/symbol", {"query": "x"}, timeout=ANSWER_WITHIN)
        except asyncio.TimeoutError:
            problems.append("the server stopped answering")
    if not server.alive:
        problems.append(f"the server exited with {server.process.returncode}")
    return problems


def sequences(world: World, commands: list[str], methods: list[str]) -> st.SearchStrategy[Any]:
    """Lists of messages to send in one go."""
    return st.lists(
        st.one_of(requests(world, commands, methods), notifications(world)),
        min_size=1,
        max_size=10,
    )


def advertised_methods(capabilities: dict[str, Any]) -> Iterator[str]:
    """The request methods behind every capability the server advertised."""
    for key in capabilities:
        assert key in CAPABILITY_METHODS, f"the fuzzer does not know capability {key}"
        yield from CAPABILITY_METHODS[key]


async def open_notebooks(server: RawServer) -> set[Path]:
    """The roots of the notebooks the server has open now."""
    found = await server.result(
        "workspace/executeCommand", {"command": "codex.notebooks", "arguments": []}
    )
    return {Path(notebook["root"]) for notebook in found}


def test_protocol_fuzz(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(RawServer.start(tmp_path / "stderr.log", apply_edits=True))
    try:
        answer = loop.run_until_complete(server.initialize(world.root))
        capabilities = answer["result"]["capabilities"]
        methods = sorted(set(advertised_methods(capabilities)))
        commands = list(capabilities["executeCommandProvider"]["commands"])
        loop.run_until_complete(server.wait_ready())
        before = world.snapshot()
        opened: set[Path] = {world.root}
        stop_at = time.monotonic() + BUDGET

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            # The server is not reset between examples: shrinking would replay sequences
            # against a different state, so the failing sequence is reported as drawn.
            phases=(Phase.explicit, Phase.generate),
        )
        @given(sequences(world, commands, methods))
        def run(messages: list[tuple[str, str, Any]]) -> None:
            if time.monotonic() > stop_at:
                return  # over budget: the remaining examples send nothing
            problems = loop.run_until_complete(exercise(server, messages))
            assert not problems, problems
            opened.update(loop.run_until_complete(open_notebooks(server)))
            changed = sorted({rel for rel, _ in set(world.snapshot().items()) ^ before.items()})
            escaped = world.outside_notebooks(changed, opened)
            assert not escaped, f"files outside the open notebooks changed: {escaped}"

        run()
        assert loop.run_until_complete(server.stop()) == 0
    finally:
        if server.alive:
            server.process.kill()
            loop.run_until_complete(server.process.wait())
        loop.close()
