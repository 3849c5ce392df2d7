"""What a user gets from the server during a notebook's first index, and after a warm start.

Usage::

    python bench/bench_cold_start.py [--notes 13000] [--runs 1] [--warm 3] [--probes 40]
                                     [--out DIR] [--json FILE]

A notebook of ``--notes`` generated notes with its schema and git history
(``bench/generate.py --shipped``, seed 1; cached in ``--out``, default
``/tmp/codex-bench-cold-N``) has its database deleted; a real server (``python -m codex_lsp
serve`` over stdio, pytest-lsp's client with VS Code's capabilities, as ``bench/bench_lsp.py``
drives it) is started on it. The clock starts when ``initialized`` is sent; a note is opened at
once, with ``--probes`` lines ``[[`` + 3-6 letters of a note's name and ``--probes`` valid
links appended. The client first asks for completion on the probes, one after the other every
10 ms (as an editor asks again while the user types), until an answer offers a note. Then, until
``codex.notebooks`` reports the notebook ready, it sends, one after the other and round after
round: a completion on a probe, a definition on a link, references at the top of the open note
and a ``workspace/symbol`` query (both with a work-done token), and a ``codex.notebooks`` poll.
It measures:

* **first useful completion**: the time from ``initialized`` to the first completion answer
  with an item in it (budget <= 0.3 s);
* **completion during the index**: latency of every answer (p95 budget <= 50 ms), and how many
  answers broke the contract: ``null``, or not marked ``isIncomplete`` while the index was not
  ready (a short list marked complete stops the editor from asking again);
* **definition of a valid link during the index**: how many of the answers were right (the
  same location as the answer once the index is ready; must be all), and their latency;
* **references and workspace symbols during the index**: how many answers said they were
  partial (a work-done report ending ``partial results: ...``; must be all);
* the time until the index was ready, and the server's CPU time (its process and its workers,
  from ``/proc``).

Requests answered between the last poll that saw the index not ready and the first that saw it
ready are not counted (the index may have finished while they ran).

Then ``--warm`` warm starts on the database just built: a fresh server, ``initialized``, the
same note opened, and at once one completion and one definition: each must be useful (not
``null``, not empty); their latency, and the time until a completion has items.

The machine may be shared: the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types

try:  # run as a script: bench/ is sys.path[0]
    from bench_lsp import Session, completion_items, first_success, percentile, timed
    from bench_scale import ensure_notebook
    from generate import notes_paths
except ImportError:  # imported as bench.bench_cold_start from the repository root
    from bench.bench_lsp import Session, completion_items, first_success, percentile, timed
    from bench.bench_scale import ensure_notebook
    from bench.generate import notes_paths

from codex_lsp.core.resolve import strip_note_suffix

FIRST_USEFUL_BUDGET_MS = 300.0
COMPLETION_BUDGET_MS = 50.0
PARTIAL = "partial results"
PAUSE = 0.01  # seconds between two completions while none offers a note
GIVE_UP_MS = 60_000.0
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Probe:
    """The note opened during the runs: its text, completion places and valid links."""

    rel: str
    text: str
    completions: list[types.Position]
    links: list[types.Position]


@dataclass
class Answer:
    """One timed request: when it was answered (ms after ``initialized``) and what came."""

    kind: str
    at_ms: float
    ms: float
    value: Any
    partial: bool = False


@dataclass
class ColdFigures:
    """The figures of one cold start."""

    ready_ms: float = 0.0
    first_useful_completion_ms: float | None = None
    server_cpu_s: float = 0.0
    completion_ms: list[float] = field(default_factory=list)
    completion_null: int = 0
    completion_marked_complete: int = 0
    completion_with_items: int = 0
    definition_ms: list[float] = field(default_factory=list)
    definition_right: int = 0
    definition_wrong: list[str] = field(default_factory=list)
    references_partial: int = 0
    references_total: int = 0
    symbols_partial: int = 0
    symbols_total: int = 0


def make_probe(root: Path, count: int, rng: random.Random) -> Probe:
    """An existing note with ``count`` completion places and ``count`` valid links appended:
    links by name to notes whose name is unique, a third of them to a heading."""
    paths = [p.relative_to(root).as_posix() for p in notes_paths(root)]
    stems = {path: strip_note_suffix(path.rsplit("/", 1)[-1]) for path in paths}
    counts = Counter(stem.lower() for stem in stems.values())
    unique = sorted(path for path, stem in stems.items() if counts[stem.lower()] == 1)
    rel = rng.choice(paths)
    text = (root / rel).read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    line = text.count("\n")
    completions, links = [], []
    for _ in range(count):
        prefix = stems[rng.choice(paths)][: rng.randint(3, 6)]
        text += f"[[{prefix}\n"
        completions.append(types.Position(line, 2 + len(prefix)))
        line += 1
    for n in range(count):
        target = rng.choice(unique)
        anchor = ""
        if n % 3 == 0:
            heading = next(
                (
                    h.lstrip("#").strip()
                    for h in (root / target).read_text(encoding="utf-8").split("\n")
                    if h.startswith("## ")
                ),
                "",
            )
            anchor = f"#{heading}" if heading else ""
        text += f"See [[{stems[target]}{anchor}]].\n"
        links.append(types.Position(line, 6))
        line += 1
    return Probe(rel, text, completions, links)


def server_cpu_seconds(session: Session) -> float:
    """CPU time (user + system) of the server process, its live descendants and its waited-for
    children, from ``/proc``."""
    process = getattr(session.lsp, "_server", None)
    if process is None:
        return 0.0
    parents: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry)] = fields
        parents.setdefault(int(fields[1]), []).append(int(entry))
    total, stack = 0, [process.pid]
    while stack:
        pid = stack.pop()
        fields = stats.get(pid)
        if fields is not None:  # utime, stime, cutime, cstime: fields 14-17 of stat
            total += sum(int(value) for value in fields[11:15])
        stack.extend(parents.get(pid, ()))
    return total / TICKS


class ColdStart:
    """One cold start: the server, the probe note and the answers collected."""

    def __init__(self, root: Path, probe: Probe) -> None:
        self.root = root
        self.probe = probe
        self.session = Session(root)
        self.started = 0.0
        self.answers: list[Answer] = []
        self.tokens = 0

    def clock_ms(self) -> float:
        """Milliseconds since ``initialized`` was sent."""
        return (time.perf_counter() - self.started) * 1000

    async def ask(self, kind: str, request: Awaitable[Any], token: str | None = None) -> Answer:
        """Time ``request`` and keep its answer (and whether its work-done report said the
        answer is partial)."""
        ms, value = await timed(request)
        reports = self.session.lsp.progress_reports.get(token, []) if token else []
        partial = any(
            isinstance(r, types.WorkDoneProgressEnd) and (r.message or "").startswith(PARTIAL)
            for r in reports
        )
        answer = Answer(kind, self.clock_ms(), ms, value, partial)
        self.answers.append(answer)
        return answer

    def token(self) -> str:
        """A fresh work-done token, registered with the client so its reports are kept."""
        self.tokens += 1
        name = f"cold-{self.tokens}"
        self.session.lsp.progress_reports.setdefault(name, [])
        return name

    async def ready(self) -> bool:
        """Whether every notebook has finished its first index run."""
        notebooks = await self.session.command("codex.notebooks")
        return bool(notebooks) and all(n["ready"] for n in notebooks)

    async def run(self) -> ColdFigures:
        """Start the server on the notebook without a database and ask until it is ready."""
        for path in (self.root / ".codex").glob("notebook.db*"):
            path.unlink()
        session = self.session
        await session.start()
        try:
            self.started = time.perf_counter()
            session.initialized()
            uri = session.open_note(self.probe.rel, self.probe.text).uri
            document = types.TextDocumentIdentifier(uri)
            other = session.uri(self.probe.rel)
            last_not_ready = 0.0
            # As an editor does while the user types: completion again until it offers a note.
            for rounds in itertools.count():
                place = self.probe.completions[rounds % len(self.probe.completions)]
                answer = await self.ask(
                    "completion",
                    session.lsp.text_document_completion_async(
                        types.CompletionParams(document, place)
                    ),
                )
                if completion_items(answer.value) or answer.at_ms > GIVE_UP_MS:
                    break
                await asyncio.sleep(PAUSE)
            rounds = 0
            while True:
                place = self.probe.completions[rounds % len(self.probe.completions)]
                link = self.probe.links[rounds % len(self.probe.links)]
                rounds += 1
                await self.ask(
                    "completion",
                    session.lsp.text_document_completion_async(
                        types.CompletionParams(document, place)
                    ),
                )
                await self.ask(
                    f"definition {link.line}",
                    session.lsp.text_document_definition_async(
                        types.DefinitionParams(document, link)
                    ),
                )
                token = self.token()
                await self.ask(
                    "references",
                    session.lsp.text_document_references_async(
                        types.ReferenceParams(
                            text_document=types.TextDocumentIdentifier(other),
                            position=types.Position(0, 0),
                            context=types.ReferenceContext(include_declaration=False),
                            work_done_token=token,
                        )
                    ),
                    token,
                )
                token = self.token()
                query = self.probe.text.split("\n")[place.line][2:5]
                await self.ask(
                    "symbols",
                    session.lsp.workspace_symbol_async(
                        types.WorkspaceSymbolParams(query=query, work_done_token=token)
                    ),
                    token,
                )
                if await self.ready():
                    ready_ms = self.clock_ms()
                    break
                last_not_ready = self.clock_ms()
            cpu = server_cpu_seconds(session)
            truth = await self.definitions_when_ready(document)
            return self.figures(last_not_ready, ready_ms, cpu, truth)
        finally:
            await session.stop()

    async def definitions_when_ready(self, document: types.TextDocumentIdentifier) -> dict:
        """The definition of every link once the index is ready (the right answers)."""
        truth = {}
        for link in self.probe.links:
            value = await self.session.lsp.text_document_definition_async(
                types.DefinitionParams(document, link)
            )
            truth[link.line] = locations(value)
        return truth

    def figures(
        self, last_not_ready: float, ready_ms: float, cpu: float, truth: dict
    ) -> ColdFigures:
        """Count the answers given while the index was certainly not ready."""
        figures = ColdFigures(ready_ms=ready_ms, server_cpu_s=cpu)
        for answer in self.answers:
            useful = answer.kind == "completion" and completion_items(answer.value)
            if useful and figures.first_useful_completion_ms is None:
                figures.first_useful_completion_ms = answer.at_ms
            if answer.at_ms > last_not_ready:
                continue
            if answer.kind == "completion":
                figures.completion_ms.append(answer.ms)
                if answer.value is None:
                    figures.completion_null += 1
                elif not isinstance(answer.value, types.CompletionList) or (
                    not answer.value.is_incomplete
                ):
                    figures.completion_marked_complete += 1
                if completion_items(answer.value):
                    figures.completion_with_items += 1
            elif answer.kind.startswith("definition"):
                figures.definition_ms.append(answer.ms)
                line = int(answer.kind.split()[1])
                got = locations(answer.value)
                if got == truth[line] and got:
                    figures.definition_right += 1
                else:
                    figures.definition_wrong.append(
                        f"line {line} at {answer.at_ms:.0f} ms: {got} (right: {truth[line]})"
                    )
            elif answer.kind == "references":
                figures.references_total += 1
                figures.references_partial += answer.partial
            elif answer.kind == "symbols":
                figures.symbols_total += 1
                figures.symbols_partial += answer.partial
        return figures


def locations(value: Any) -> list[tuple[str, int, int]]:
    """A definition answer as (uri, line, character) of each place, comparable."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    places = []
    for item in items:
        if isinstance(item, types.LocationLink):
            uri, where = item.target_uri, item.target_selection_range
        else:
            uri, where = item.uri, item.range
        places.append((uri, where.start.line, where.start.character))
    return places


async def warm_start(root: Path, probe: Probe) -> dict[str, Any]:
    """A fresh server on the warm database: the first completion and definition, asked at
    once; then the time until a completion has items."""
    session = Session(root)
    await session.start()
    try:
        started = time.perf_counter()
        session.initialized()
        uri = session.open_note(probe.rel, probe.text).uri
        document = types.TextDocumentIdentifier(uri)

        def complete() -> Awaitable[Any]:
            return session.lsp.text_document_completion_async(
                types.CompletionParams(document, probe.completions[0])
            )

        completion_ms, completion = await timed(complete())
        definition_ms, definition = await timed(
            session.lsp.text_document_definition_async(
                types.DefinitionParams(document, probe.links[0])
            )
        )
        useful, _ = await first_success(complete, lambda answer: bool(completion_items(answer)))
        return {
            "first_completion_ms": completion_ms,
            "first_completion_items": len(completion_items(completion)),
            "first_completion_null": completion is None,
            "first_definition_ms": definition_ms,
            "first_definition_found": bool(locations(definition)),
            "to_useful_completion_ms": (useful - started) * 1000,
        }
    finally:
        await session.stop()


def summary(cold: list[ColdFigures], warm: list[dict[str, Any]]) -> dict[str, Any]:
    """Every run's figures pooled."""
    completion = [ms for run in cold for ms in run.completion_ms]
    definition = [ms for run in cold for ms in run.definition_ms]
    firsts = [run.first_useful_completion_ms for run in cold]
    return {
        "first_useful_completion_ms": [f for f in firsts if f is not None],
        "never_useful": sum(f is None for f in firsts),
        "ready_ms": [run.ready_ms for run in cold],
        "server_cpu_s": [run.server_cpu_s for run in cold],
        "completion": {
            "n": len(completion),
            "p50_ms": percentile(completion, 0.5),
            "p95_ms": percentile(completion, 0.95),
            "max_ms": max(completion, default=float("nan")),
            "null": sum(run.completion_null for run in cold),
            "marked_complete": sum(run.completion_marked_complete for run in cold),
            "with_items": sum(run.completion_with_items for run in cold),
        },
        "definition": {
            "n": len(definition),
            "right": sum(run.definition_right for run in cold),
            "p50_ms": percentile(definition, 0.5),
            "p95_ms": percentile(definition, 0.95),
            "wrong": [w for run in cold for w in run.definition_wrong][:20],
        },
        "references": {
            "n": sum(run.references_total for run in cold),
            "partial": sum(run.references_partial for run in cold),
        },
        "symbols": {
            "n": sum(run.symbols_total for run in cold),
            "partial": sum(run.symbols_partial for run in cold),
        },
        "warm": warm,
    }


def render(result: dict[str, Any]) -> str:
    """The figures as a Markdown table with each budget's verdict."""

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    completion, definition = result["completion"], result["definition"]
    references, symbols, warm = result["references"], result["symbols"], result["warm"]
    firsts = result["first_useful_completion_ms"]
    first = max(firsts) if firsts else float("nan")
    first_ok = not result["never_useful"] and first <= FIRST_USEFUL_BUDGET_MS
    warm_ok = all(w["first_completion_items"] and w["first_definition_found"] for w in warm)
    rows = [
        ("measure", "budget", "figure", "verdict"),
        (
            "first useful completion after `initialized` (worst run)",
            "<= 300 ms",
            f"{first:.0f} ms",
            verdict(first_ok),
        ),
        (
            "completion during the index, p95",
            "<= 50 ms",
            f"{completion['p95_ms']:.1f} ms (p50 {completion['p50_ms']:.1f}, max "
            f"{completion['max_ms']:.1f}; {completion['n']} answers, "
            f"{completion['with_items']} with items)",
            verdict(completion["p95_ms"] <= COMPLETION_BUDGET_MS),
        ),
        (
            "completion during the index marked `isIncomplete`",
            "every answer",
            f"{completion['n'] - completion['null'] - completion['marked_complete']} of "
            f"{completion['n']} ({completion['null']} null)",
            verdict(not completion["null"] and not completion["marked_complete"]),
        ),
        (
            "definition of a valid link during the index, right",
            "every answer",
            f"{definition['right']} of {definition['n']} (p95 {definition['p95_ms']:.1f} ms)",
            verdict(definition["right"] == definition["n"]),
        ),
        (
            "references during the index said partial",
            "every answer",
            f"{references['partial']} of {references['n']}",
            verdict(references["partial"] == references["n"]),
        ),
        (
            "workspace symbols during the index said partial",
            "every answer",
            f"{symbols['partial']} of {symbols['n']}",
            verdict(symbols["partial"] == symbols["n"]),
        ),
        (
            "warm start: first completion and definition useful",
            "every start",
            ", ".join(
                f"{w['first_completion_items']} items in {w['first_completion_ms']:.0f} ms / "
                f"{'found' if w['first_definition_found'] else 'null'} in "
                f"{w['first_definition_ms']:.0f} ms"
                for w in warm
            )
            or "-",
            verdict(warm_ok) if warm else "-",
        ),
        (
            "index ready after `initialized` (server CPU)",
            "-",
            ", ".join(
                f"{ms / 1000:.1f} s ({cpu:.1f} s CPU)"
                for ms, cpu in zip(result["ready_ms"], result["server_cpu_s"], strict=True)
            ),
            "-",
        ),
    ]
    lines = [f"| {' | '.join(row)} |" for row in rows]
    lines.insert(1, "|---|---|---|---|")
    return "\n".join(lines)


async def measure(root: Path, runs: int, warm_runs: int, probes: int, seed: int) -> dict[str, Any]:
    """``runs`` cold starts, then ``warm_runs`` warm starts."""
    probe = make_probe(root, probes, random.Random(seed))
    cold = [await ColdStart(root, probe).run() for _ in range(runs)]
    warm = [await warm_start(root, probe) for _ in range(warm_runs)]
    return summary(cold, warm)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=13_000)
    parser.add_argument("--runs", type=int, default=1, help="cold starts")
    parser.add_argument("--warm", type=int, default=3, help="warm starts after them")
    parser.add_argument("--probes", type=int, default=40, help="completion places and links")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="the notebook (default /tmp/codex-bench-cold-N)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    root = (args.out or Path(f"/tmp/codex-bench-cold-{args.notes}")).resolve()
    ensure_notebook(root, args.notes)
    load_before = os.getloadavg()[0]
    result = asyncio.run(measure(root, args.runs, args.warm, args.probes, args.seed))
    result.update(notes=args.notes, load_before=load_before, load_after=os.getloadavg()[0])
    print(render(result))
    print(f"\nload average {load_before:.1f} before, {result['load_after']:.1f} after")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
