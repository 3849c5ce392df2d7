"""Benchmark edit -> diagnostics for the edited note, by pull and by push, over stdio.

Usage::

    python bench/bench_diagnostics.py [--notes 10000] [--out DIR] [--edits 200]
                                      [--think-ms 500] [--seed 7] [--mode both|pull|push]

The real server (``python -m codex_lsp serve``) is driven by a real LSP client (pytest-lsp's
``LanguageClient``) on a generated notebook cached in ``--out`` (default
``/tmp/codex-bench-diag-N``, indexed once with ``codex-lsp index`` before measuring).

- **pull**: the client declares VS Code's capabilities plus pull diagnostics and
  ``workspace/diagnostic/refresh`` (as VS Code does). Each sample sends a ``didChange`` that
  adds or removes a link to a missing note at the end of a random open note, then at once
  ``textDocument/diagnostic`` with the previous result id, and is timed until the answer
  (which must show the change). Budget: p95 <= 10 ms.
- **push**: pytest-lsp's VS Code profile (no pull): timed from the ``didChange`` until a
  ``publishDiagnostics`` for the note shows the change (includes the server's push delay).

A random pause of up to ``--think-ms`` precedes each sample, so some edits arrive while the
index is being updated with an earlier one (the server writes a buffer to the index 300 ms
after the last change). Times are client-side round trips (``time.perf_counter``).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

try:  # run as a script: bench/ is sys.path[0]
    from bench_lsp import (
        SERVER_COMMAND,
        DiagnosticsWatch,
        make_client_factory,
        percentile,
        prepare_notebook,
        run_index,
    )
    from generate import notes_paths
except ImportError:  # imported as bench.bench_diagnostics from the repository root
    from bench.bench_lsp import (
        SERVER_COMMAND,
        DiagnosticsWatch,
        make_client_factory,
        percentile,
        prepare_notebook,
        run_index,
    )
    from bench.generate import notes_paths

BUDGET_PULL_MS = 10.0
OPEN_NOTES = 10
MISSING = "zz bench diag missing"
TIMEOUT = 10.0


def pull_capabilities() -> types.ClientCapabilities:
    """VS Code's capabilities with pull diagnostics and their refresh."""
    caps = client_capabilities("visual-studio-code")
    assert caps.text_document is not None and caps.workspace is not None
    caps.text_document.diagnostic = types.DiagnosticClientCapabilities(
        dynamic_registration=False, related_document_support=False
    )
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    return caps


async def wait_ready(client: LanguageClient) -> None:
    """Poll ``codex.notebooks`` until every notebook is indexed."""
    while True:
        notebooks = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="codex.notebooks", arguments=[{}])
        )
        if notebooks and all(n["ready"] for n in notebooks):
            return
        await asyncio.sleep(0.05)


class Note:
    """An open note: its URI, buffer and version, and whether it ends with the bench link."""

    def __init__(self, path: Path, uri: str) -> None:
        self.uri = uri
        self.text = path.read_text(encoding="utf-8")
        self.version = 1
        self.linked = False
        self.result_id: str | None = None

    def toggle(self, index: int) -> types.DidChangeTextDocumentParams:
        """The change that adds a link to a missing note at the end, or removes it."""
        lines = self.text.split("\n")
        end = types.Position(len(lines) - 1, len(lines[-1]))
        if self.linked:
            link = self.text[self.text.rindex(" [[") :]
            tail = lines[-1]
            start = types.Position(end.line, len(tail) - len(link))
            change = types.TextDocumentContentChangePartial(range=types.Range(start, end), text="")
            self.text = self.text[: -len(link)]
        else:
            link = f" [[{MISSING} {index}]]"
            change = types.TextDocumentContentChangePartial(range=types.Range(end, end), text=link)
            self.text += link
        self.linked = not self.linked
        self.version += 1
        return types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version), [change]
        )

    def shows_change(self, diagnostics: Sequence[types.Diagnostic]) -> bool:
        """Whether diagnostics reflect the buffer: a broken bench link iff one is there."""
        broken = any(MISSING in d.message for d in diagnostics)
        return broken == self.linked


async def measure(root: Path, mode: str, edits: int, think_ms: int, seed: int) -> list[float]:
    """Edit -> diagnostics samples (ms) for one mode."""
    watch = DiagnosticsWatch()
    config = ClientServerConfig(
        server_command=SERVER_COMMAND, client_factory=make_client_factory(watch)
    )
    client = await config.start()
    assert isinstance(client, LanguageClient)

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def code_lens_refresh(_client: LanguageClient, params: None) -> None:
        return None  # an editor would ask for code lenses again; this one shows none

    caps = pull_capabilities() if mode == "pull" else client_capabilities("visual-studio-code")
    try:
        result = await client.initialize_session(
            types.InitializeParams(
                capabilities=caps,
                root_uri=root.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            )
        )
        assert (result.capabilities.diagnostic_provider is not None) == (mode == "pull")
        await wait_ready(client)
        rng = random.Random(seed)
        notes = []
        for path in rng.sample(notes_paths(root), OPEN_NOTES):
            note = Note(path, path.as_uri())
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    types.TextDocumentItem(note.uri, "markdown", 1, note.text)
                )
            )
            notes.append(note)
        samples = []
        for index in range(edits):
            await asyncio.sleep(rng.uniform(0, think_ms / 1000))
            note = rng.choice(notes)
            change = note.toggle(index)
            start = time.perf_counter()
            client.text_document_did_change(change)
            if mode == "pull":
                report: Any = await client.text_document_diagnostic_async(
                    types.DocumentDiagnosticParams(
                        text_document=types.TextDocumentIdentifier(note.uri),
                        previous_result_id=note.result_id,
                    )
                )
                elapsed = time.perf_counter() - start
                assert report.kind == "full" and note.shows_change(report.items), report
                note.result_id = report.result_id
            else:
                done = await watch.wait(note.uri, note.shows_change, TIMEOUT)
                elapsed = done - start
            samples.append(elapsed * 1000)
        return samples
    finally:
        await client.shutdown_session()
        await client.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print p50/p95/max per mode."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--think-ms", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mode", choices=("both", "pull", "push"), default="both")
    args = parser.parse_args(argv)
    out = (args.out or Path(f"/tmp/codex-bench-diag-{args.notes}")).resolve()
    prepare_notebook(out, args.notes, args.seed)
    run_index(out)
    print(f"edit -> diagnostics, {args.notes} notes, {args.edits} edits per mode")
    print(f"{'mode':<6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  budget")
    status = 0
    for mode in ("pull", "push") if args.mode == "both" else (args.mode,):
        samples = asyncio.run(measure(out, mode, args.edits, args.think_ms, args.seed))
        p95 = percentile(samples, 0.95)
        verdict = "-"
        if mode == "pull":
            verdict = f"<= {BUDGET_PULL_MS:g} ms: " + ("PASS" if p95 <= BUDGET_PULL_MS else "OVER")
            status = 0 if p95 <= BUDGET_PULL_MS else 1
        print(
            f"{mode:<6} {percentile(samples, 0.5):8.1f} {p95:8.1f} {max(samples):8.1f}  {verdict}",
            flush=True,
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
