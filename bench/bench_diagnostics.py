"""Benchmark edit -> diagnostics for the edited note, by pull and by push, over stdio.

Usage::

    python bench/bench_diagnostics.py [--notes 10000] [--out DIR] [--edits 200]
                                      [--think-ms 500] [--seed 7] [--mode both|pull|push]
                                      [--phase both|quiet|writing]

The real server (``python -m codex_lsp serve``) is driven by a real LSP client (pytest-lsp's
``LanguageClient``) on a generated notebook cached in ``--out`` (default
``/tmp/codex-bench-diag-N``, indexed once with ``codex-lsp index`` before measuring), with
ten notes open. Each sample is one keystroke: a ``didChange`` that adds or removes a link to
a missing note at the end of an open note.

- **pull**: the client declares VS Code's capabilities plus pull diagnostics and
  ``workspace/diagnostic/refresh``, and, as VS Code does, pulls every open note again when
  the server asks it to (refresh). A sample sends the ``didChange``, then at once
  ``textDocument/diagnostic`` with the previous result id, and is timed until the answer
  (which must show the change). Budget: p95 <= 10 ms, in both phases.
- **push**: pytest-lsp's VS Code profile (no pull): timed from the ``didChange`` until a
  ``publishDiagnostics`` for the note shows the change (includes the server's push delay).
  Also counted: publishes of the edited notes per keystroke, once the server is quiet at the
  end (at most 1).

Beside each phase: the server's CPU time (user + system, from ``/proc/<pid>/stat``) per
keystroke, everything a keystroke causes included (its index write, the checks after it): on
a shared machine, a figure the load does not inflate as it does the wall-clock times.

Each mode runs two phases of ``--edits`` samples:

- **quiet**: no index write overlaps the sample: ``--think-ms`` plus the server's index
  debounce (300 ms) plus ``SETTLE_S`` pass after the previous keystroke, so the previous
  edit has been written to the index and the open notes checked again.
- **writing**: the sample overlaps an index write: another open note is changed first, and
  the sample's keystroke follows after the debounce plus 0-``WRITE_JITTER_S``, while the
  server writes that note to the index and checks the open notes again afterwards.

Times are client-side round trips (``time.perf_counter``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
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
DEBOUNCE_S = 0.3  # the server's default codex.index.debounceMs
SETTLE_S = 0.5  # longer than writing one note and checking ten open notes again
WRITE_JITTER_S = 0.1
PHASES = ("quiet", "writing")


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) the process ``pid`` has used, in ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


class CountingWatch(DiagnosticsWatch):
    """A :class:`DiagnosticsWatch` that also counts the publishes for each URI."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}

    def publish(self, params: types.PublishDiagnosticsParams) -> None:
        """Count, then record as the watch does."""
        self.counts[params.uri] = self.counts.get(params.uri, 0) + 1
        super().publish(params)


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


async def pull(client: LanguageClient, note: Note) -> Any:
    """``textDocument/diagnostic`` for ``note`` with the result id it holds."""
    return await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(note.uri),
            previous_result_id=note.result_id,
        )
    )


class Run:
    """One mode's session: the client, its open notes and what it measured."""

    def __init__(self, client: LanguageClient, watch: CountingWatch, mode: str) -> None:
        self.client = client
        self.watch = watch
        self.mode = mode
        self.notes: list[Note] = []
        self.samples: dict[str, list[float]] = {phase: [] for phase in PHASES}
        self.cpu: dict[str, float] = {}  # server CPU ms per keystroke, by phase
        self.keystrokes = 0
        self.opened: dict[str, int] = {}  # publishes by URI before the first keystroke
        self.repulls: set[asyncio.Task[Any]] = set()

    def refresh(self) -> None:
        """Pull every open note again, as VS Code does when the server asks (the answers
        are not kept: a sample's own pull carries the result id of its previous pull)."""
        for note in self.notes:
            task = asyncio.ensure_future(pull(self.client, note))
            self.repulls.add(task)
            task.add_done_callback(self.repulls.discard)

    async def keystroke(self, note: Note, index: int) -> None:
        """Change ``note`` without timing it (the edit that makes the index write)."""
        self.client.text_document_did_change(note.toggle(index))
        self.keystrokes += 1
        if self.mode == "pull":
            report = await pull(self.client, note)
            note.result_id = report.result_id
        else:
            await self.watch.wait(note.uri, note.shows_change, TIMEOUT)

    async def sample(self, note: Note, index: int) -> float:
        """One timed keystroke: ms until the edited note's diagnostics show it."""
        change = note.toggle(index)
        start = time.perf_counter()
        self.client.text_document_did_change(change)
        self.keystrokes += 1
        if self.mode == "pull":
            report: Any = await pull(self.client, note)
            elapsed = time.perf_counter() - start
            assert report.kind == "full" and note.shows_change(report.items), report
            note.result_id = report.result_id
        else:
            elapsed = await self.watch.wait(note.uri, note.shows_change, TIMEOUT) - start
        return elapsed * 1000

    def publishes_per_keystroke(self) -> float:
        """Publishes of the edited notes since the first keystroke, per keystroke."""
        counts = self.watch.counts
        published = sum(counts.get(n.uri, 0) - self.opened.get(n.uri, 0) for n in self.notes)
        return published / max(self.keystrokes, 1)


async def measure(
    root: Path, mode: str, edits: int, think_ms: int, seed: int, phases: Sequence[str]
) -> Run:
    """Edit -> diagnostics samples (ms) for one mode, by phase."""
    watch = CountingWatch()
    config = ClientServerConfig(
        server_command=SERVER_COMMAND, client_factory=make_client_factory(watch)
    )
    client = await config.start()
    assert isinstance(client, LanguageClient)
    run = Run(client, watch, mode)

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def code_lens_refresh(_client: LanguageClient, params: None) -> None:
        return None  # an editor would ask for code lenses again; this one shows none

    features = client.protocol.fm.features
    counted = features[types.WORKSPACE_DIAGNOSTIC_REFRESH]  # pytest-lsp's: counts refreshes

    def diagnostic_refresh(*args: Any) -> Any:
        run.refresh()
        return counted(*args)

    features[types.WORKSPACE_DIAGNOSTIC_REFRESH] = diagnostic_refresh

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
        for path in rng.sample(notes_paths(root), OPEN_NOTES):
            note = Note(path, path.as_uri())
            client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    types.TextDocumentItem(note.uri, "markdown", 1, note.text)
                )
            )
            run.notes.append(note)
            if mode == "pull":
                note.result_id = (await pull(client, note)).result_id
            else:
                await watch.wait(note.uri, lambda _: True, TIMEOUT)
        # What opening starts (the names of the mention hints are read, the open notes
        # checked again with them) is over before the first keystroke.
        await asyncio.sleep(2 * SETTLE_S)
        run.opened = dict(watch.counts)
        index = 0
        server = client._server  # the server process (pygls keeps it here)
        assert server is not None
        for phase in phases:
            cpu, keystrokes = cpu_ms(server.pid), run.keystrokes
            for _ in range(edits):
                index += 1
                note, other = rng.sample(run.notes, 2)
                if phase == "quiet":
                    await asyncio.sleep(rng.uniform(0, think_ms / 1000) + DEBOUNCE_S + SETTLE_S)
                else:
                    await run.keystroke(other, index)
                    await asyncio.sleep(DEBOUNCE_S + rng.uniform(0, WRITE_JITTER_S))
                run.samples[phase].append(await run.sample(note, index))
            await asyncio.sleep(DEBOUNCE_S + SETTLE_S)  # the phase's last write and check
            run.cpu[phase] = (cpu_ms(server.pid) - cpu) / (run.keystrokes - keystrokes)
        return run
    finally:
        await client.shutdown_session()
        await client.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print p50/p95/max per mode and phase."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--edits", type=int, default=200, help="samples per mode and phase")
    parser.add_argument("--think-ms", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mode", choices=("both", "pull", "push"), default="both")
    parser.add_argument("--phase", choices=("both", *PHASES), default="both")
    args = parser.parse_args(argv)
    out = (args.out or Path(f"/tmp/codex-bench-diag-{args.notes}")).resolve()
    prepare_notebook(out, args.notes, args.seed)
    run_index(out)
    phases = PHASES if args.phase == "both" else (args.phase,)
    print(f"edit -> diagnostics of the edited note, {args.notes} notes, {args.edits} edits")
    print("quiet: no index write during the sample; writing: an index write overlaps it")
    print(
        f"{'mode':<6} {'phase':<8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        f" {'CPU ms/key':>10}  budget"
    )
    status = 0
    for mode in ("pull", "push") if args.mode == "both" else (args.mode,):
        run = asyncio.run(measure(out, mode, args.edits, args.think_ms, args.seed, phases))
        for phase in phases:
            samples = run.samples[phase]
            p95 = percentile(samples, 0.95)
            verdict = "-"
            if mode == "pull":
                passed = p95 <= BUDGET_PULL_MS
                verdict = f"<= {BUDGET_PULL_MS:g} ms: " + ("PASS" if passed else "OVER")
                status = status if passed else 1
            print(
                f"{mode:<6} {phase:<8} {percentile(samples, 0.5):8.1f} {p95:8.1f}"
                f" {max(samples):8.1f} {run.cpu[phase]:10.1f}  {verdict}",
                flush=True,
            )
        if mode == "push":
            per = run.publishes_per_keystroke()
            print(f"push: {per:.2f} publishes of the edited note per keystroke (at most 1)")
            status = status if per <= 1 else 1
    return status


if __name__ == "__main__":
    sys.exit(main())
