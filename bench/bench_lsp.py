"""Benchmark the codex-lsp language server over stdio, as an editor would drive it.

Usage::

    python bench/bench_lsp.py [--notes 10000] [--out DIR] [--samples 200] [--rounds 1]
                              [--warm 5] [--cold 1] [--edits 20] [--open 20] [--think-ms 800]
                              [--seed 7] [--uri-style escaped|plain] [--json FILE]

The real server (``python -m codex_lsp serve``) is started by a real LSP client
(pytest-lsp's ``LanguageClient`` with VS Code's capabilities, which accepts the server's
dynamic registration of ``workspace/didChangeWatchedFiles``) on a generated notebook, cached in
``--out`` (default ``/tmp/codex-bench-lsp-N``). Every time is a client-side round trip measured
with ``time.perf_counter``: JSON-RPC encoding and pytest-lsp's capability checks are included,
as an editor would see them. What it measures:

1. **warm start** (``--warm`` times): ``codex-lsp index DIR`` first (untimed), then a fresh
   server; ``initialize`` is answered, then the clock starts and ``initialized`` and a
   ``didOpen`` are sent; completion (after ``[[``) and definition (on a link) requests are
   repeated until each returns a non-empty answer. Budget for 10,000 notes: 0.5 s each.
   **cold start** (``--cold`` times): the database is deleted, then the time from
   ``initialized`` until ``codex.notebooks`` reports every notebook ready.
2. **request latency** (``--samples`` each, per ``--rounds``), with ``--open`` random notes
   open in the editor:

   * completion on an idle server: ``[[`` plus 0-3 characters of a real note name (half of
     them auto-closed as ``[[...]]``) are first typed at random word boundaries of the open
     notes, one place per line; once the server has re-indexed the buffers and published
     their diagnostics, one completion request per place, back to back. Budget: p95 <= 15 ms;
   * completion while typing: a ``didChange`` inserts ``[[`` plus 0-3 characters of a real
     note name (half of them auto-closed as ``[[...]]``) at a random word boundary of a random
     open note, the completion request follows at once and is timed; a second ``didChange``
     then removes the text. A random pause of up to ``--think-ms`` precedes each sample, so
     some requests arrive while the index is being updated with the previous edit (the server
     writes a buffer to the index ``debounceMs``, 300 ms, after the last change), others after
     it. Budget: p95 <= 15 ms;
   * definition on a random link, references (half on a random link, whose target is often a
     hub note with hundreds of backlinks, half at the top of a note: its backlinks), hover
     (links and tags), ``workspace/symbol`` with 1-3 character queries, ``codex.search`` with
     one or two words; sent back to back on an idle index;
   * a null round trip (hover where there is nothing) as the floor of the transport.
3. **edit to diagnostics** (``--edits`` rounds): a ``didChange`` appends a link to a missing
   note; timed until ``publishDiagnostics`` for that URI reports it. Then the missing note is
   written to disk and announced with ``workspace/didChangeWatchedFiles``; timed until the
   first note's diagnostic is gone (this includes the server's 200 ms batching of file events).

Every generated note has a space in its name. The client spells URIs as VS Code does
(``file:///nb/Run%200042.md``); ``--uri-style plain`` sends them unescaped instead
(``file:///nb/Run 0042.md``), to compare: pygls keys open documents by the unescaped URI, so
a server that looks buffers up by the URI as sent only sees them in the plain spelling.

Latencies are reported as p50/p95/max in milliseconds (percentiles by linear interpolation
between closest ranks); a budget is PASS when the p95 of all samples (the median of the runs
for start-up times) is within it, OVER otherwise. The load average is printed before and after
each phase: the machine may be shared. Everything the benchmark adds to the notebook (files
under ``zz-bench-lsp/``) is removed at the end; if a run is interrupted, the next one re-indexes
the notebook with ``--full`` before measuring.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

try:  # run as a script: bench/ is sys.path[0]
    from generate import generate_notebook, notes_paths
except ImportError:  # imported as bench.bench_lsp from the repository root
    from bench.generate import generate_notebook, notes_paths

from codex_lsp.core.locate import element_at
from codex_lsp.core.model import Link, ParsedNote, Position
from codex_lsp.core.parser import parse_note
from codex_lsp.core.resolve import strip_note_suffix

T = TypeVar("T")

SERVER_COMMAND = [sys.executable, "-m", "codex_lsp", "serve"]
PROFILE = "visual-studio-code"
MARKER = Path(".codex") / "bench-lsp-notebook.json"
DIRTY = Path(".codex") / "bench-lsp-dirty"
SCRATCH_DIR = "zz-bench-lsp"
MISSING_PREFIX = "zz bench missing"
BUDGET_NOTES = 10_000
POLL_PAUSE = 0.002
DEBOUNCE_S = 0.3  # the server's default codex.index.debounceMs

log = logging.getLogger("bench_lsp")


# -- statistics ---------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0..1) of ``values``, interpolating linearly between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Metric:
    """One measured quantity: samples in milliseconds and an optional budget."""

    name: str
    samples_ms: list[float] = field(default_factory=list)
    budget_ms: float | None = None
    budget_stat: str = "p95"  # "p95" for latencies, "median" for start-up times
    failures: int = 0  # answers that were empty or wrong (still timed)
    note: str = ""
    per_round_p95: list[float] = field(default_factory=list)

    def stat(self, name: str) -> float:
        """``p50``, ``p95``, ``median``, ``min`` or ``max`` of the samples."""
        if name in ("p50", "median"):
            return percentile(self.samples_ms, 0.5)
        if name == "p95":
            return percentile(self.samples_ms, 0.95)
        if name == "min":
            return min(self.samples_ms, default=math.nan)
        if name == "max":
            return max(self.samples_ms, default=math.nan)
        raise ValueError(name)

    def verdict(self) -> str:
        """PASS/OVER against the budget, or "-" without one."""
        if self.budget_ms is None or not self.samples_ms:
            return "-"
        return "PASS" if self.stat(self.budget_stat) <= self.budget_ms else "OVER"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary plus the raw samples."""
        data = asdict(self)
        data.update(
            n=len(self.samples_ms),
            p50_ms=self.stat("p50"),
            p95_ms=self.stat("p95"),
            max_ms=self.stat("max"),
            min_ms=self.stat("min"),
            verdict=self.verdict(),
        )
        return data


def load() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages."""
    return os.getloadavg()


# -- the notebook -------------------------------------------------------------------------


def prepare_notebook(out: Path, notes: int, seed: int) -> None:
    """Generate the notebook into ``out`` unless a matching one is cached there.

    Refuses to touch a non-empty ``out`` that this benchmark did not create.
    """
    wanted = {"notes": notes, "seed": seed}
    marker = out / MARKER
    if marker.is_file():
        try:
            if json.loads(marker.read_text(encoding="utf-8")) == wanted:
                return
        except (OSError, ValueError):
            pass
        shutil.rmtree(out)
    elif out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} exists and was not made by bench_lsp.py; choose another --out")
    print(f"generating {notes} notes into {out} ...", file=sys.stderr, flush=True)
    generate_notebook(out, notes, seed=1)
    marker.write_text(json.dumps(wanted), encoding="utf-8")


def run_index(root: Path, full: bool = False) -> float:
    """Run ``codex-lsp index`` on ``root`` in a subprocess; returns its wall time in seconds."""
    command = [sys.executable, "-m", "codex_lsp", "index", str(root)]
    if full:
        command.append("--full")
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def request_bench_main(
    description: str,
    measure: Callable[[Path, int, int], Awaitable[dict[str, Any]]],
    argv: list[str] | None = None,
) -> int:
    """The command line of a request benchmark: ``--root DIR`` (used as it is) or ``--notes N``
    generated notes (cached in ``/tmp/codex-bench-lsp-N``), indexed first (untimed); then
    ``measure(root, samples, seed)``, printed as JSON (and written to ``--json FILE``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--notes", type=int, default=40_000)
    parser.add_argument("--root", type=Path, help="an existing notebook, used as it is")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path)
    options = parser.parse_args(argv)
    root = options.root
    if root is None:
        root = Path(f"/tmp/codex-bench-lsp-{options.notes}")
        prepare_notebook(root, options.notes, options.seed)
    run_index(root)
    results = asyncio.run(measure(root.resolve(), options.samples, options.seed))
    print(json.dumps(results, indent=2))
    if options.json:
        options.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


def clean_leftovers(root: Path) -> None:
    """Remove what an interrupted run left behind and re-index if buffers reached the index."""
    scratch = root / SCRATCH_DIR
    if scratch.exists():
        shutil.rmtree(scratch)
    if (root / DIRTY).exists():
        print("previous run was interrupted: re-indexing --full", file=sys.stderr, flush=True)
        run_index(root, full=True)
        (root / DIRTY).unlink()


def delete_database(root: Path) -> None:
    """Delete the notebook's SQLite files (database, WAL, shared memory)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = root / ".codex" / f"notebook.db{suffix}"
        if path.exists():
            path.unlink()


@dataclass
class OpenNote:
    """A note the benchmark keeps open, with its current buffer and parse."""

    rel: str
    uri: str
    text: str
    version: int
    note: ParsedNote
    prose: list[tuple[int, list[int]]]  # (line, insertion columns) for completion samples


def prose_positions(text: str) -> list[tuple[int, list[int]]]:
    """Lines of plain prose (no frontmatter, fence, heading) with word-boundary columns."""
    found: list[tuple[int, list[int]]] = []
    lines = text.split("\n")
    in_front = bool(lines) and lines[0].strip() == "---"
    in_fence = False
    for number, line in enumerate(lines):
        stripped = line.strip()
        if in_front:
            if number > 0 and stripped == "---":
                in_front = False
            continue
        if stripped.startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence or not stripped or stripped.startswith(("#", "![[", "|")):
            continue
        columns = []
        depth = 0  # open [[ or ( before the current column
        for column, char in enumerate(line):
            pair = line[column : column + 2]
            if pair == "[[" or char == "(":
                depth += 1
            elif (pair == "]]" or char == ")") and depth:
                depth -= 1
            elif char == " " and not depth:
                columns.append(column + 1)
        columns.append(len(line))
        if line.isascii():  # columns are code points; keep UTF-16 == code points
            found.append((number, columns))
    return found


# -- the client ---------------------------------------------------------------------------


class DiagnosticsWatch:
    """Every ``publishDiagnostics`` the client receives, with waiters per URI."""

    def __init__(self) -> None:
        self.latest: dict[str, list[types.Diagnostic]] = {}
        self.last_time = 0.0  # perf_counter time of the latest notification
        self._waiters: list[tuple[str, Callable[[list[types.Diagnostic]], bool], Any]] = []

    def publish(self, params: types.PublishDiagnosticsParams) -> None:
        """Record a notification and wake the waiters whose condition now holds."""
        now = time.perf_counter()
        self.last_time = now
        diagnostics = list(params.diagnostics)
        self.latest[params.uri] = diagnostics
        for waiter in list(self._waiters):
            uri, condition, future = waiter
            if uri == params.uri and not future.done() and condition(diagnostics):
                future.set_result(now)
                self._waiters.remove(waiter)

    async def wait(
        self, uri: str, condition: Callable[[list[types.Diagnostic]], bool], timeout: float
    ) -> float:
        """``perf_counter`` time of the first publication for ``uri`` satisfying ``condition``."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters.append((uri, condition, future))
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._waiters = [w for w in self._waiters if w[2] is not future]


def make_client_factory(watch: DiagnosticsWatch) -> Callable[[], LanguageClient]:
    """A pytest-lsp client that also accepts dynamic registrations, like VS Code does."""

    def factory() -> LanguageClient:
        client = LanguageClient(converter_factory=default_converter)
        features = dict(DEFAULT_CLIENT_FEATURES)

        def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
            client.diagnostics[params.uri] = params.diagnostics
            watch.publish(params)

        def register(client: LanguageClient, params: types.RegistrationParams) -> None:
            return None

        def unregister(client: LanguageClient, params: types.UnregistrationParams) -> None:
            return None

        features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
        features[types.CLIENT_REGISTER_CAPABILITY] = register
        features[types.CLIENT_UNREGISTER_CAPABILITY] = unregister
        register_lsp_features(client, features)
        return client

    return factory


class Session:
    """A running server (``command``: codex-lsp unless told), its client and the notes open
    in it."""

    def __init__(
        self, root: Path, escaped_uris: bool = True, command: Sequence[str] = SERVER_COMMAND
    ) -> None:
        self.root = root
        self.server_command = list(command)
        self.escaped_uris = escaped_uris
        self.watch = DiagnosticsWatch()
        self.client: LanguageClient | None = None
        self.open: dict[str, OpenNote] = {}
        self.opened_any = False

    @property
    def lsp(self) -> LanguageClient:
        """The client (after :meth:`start`)."""
        assert self.client is not None, "session not started"
        return self.client

    async def start(self) -> None:
        """Start the server and answer ``initialize`` (``initialized`` is sent separately)."""
        config = ClientServerConfig(
            server_command=self.server_command, client_factory=make_client_factory(self.watch)
        )
        client = await config.start()
        assert isinstance(client, LanguageClient)
        self.client = client
        params = types.InitializeParams(
            capabilities=client_capabilities(PROFILE),
            process_id=os.getpid(),
            root_uri=self.root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=self.root.as_uri(), name=self.root.name)],
        )
        client.capabilities = params.capabilities
        await client.initialize_async(params)

    def initialized(self) -> None:
        """Send ``initialized``."""
        self.lsp.initialized(types.InitializedParams())

    async def stop(self) -> None:
        """Close open notes, let the server re-read them from disk, then shut it down."""
        if self.client is None:
            return
        for rel in list(self.open):
            self.close_note(rel)
        if self.opened_any:
            await asyncio.sleep(1.0)  # the didClose re-index from disk runs on the writer
        try:
            await asyncio.wait_for(self.lsp.shutdown_session(), 30)
        finally:
            await self.lsp.stop()
            self.client = None

    async def command(self, name: str, argument: dict[str, Any] | None = None) -> Any:
        """Run a ``workspace/executeCommand`` command."""
        return await self.lsp.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=[argument or {}])
        )

    async def wait_ready(self, timeout: float = 120.0) -> None:
        """Poll ``codex.notebooks`` until every notebook finished its first index run."""
        deadline = time.perf_counter() + timeout
        while True:
            notebooks = await self.command("codex.notebooks")
            if notebooks and all(n["ready"] for n in notebooks):
                return
            if time.perf_counter() > deadline:
                raise TimeoutError(f"notebooks not ready after {timeout} s: {notebooks}")
            await asyncio.sleep(0.02)

    def uri(self, rel: str) -> str:
        """URI of a notebook-relative path, spelled as ``--uri-style`` says."""
        path = self.root / rel
        if self.escaped_uris:
            return path.as_uri()
        uri = "file://" + path.as_posix()
        if unquote(uri) != uri:
            raise ValueError(f"{path} cannot be written as a URI without escapes")
        return uri

    def open_note(self, rel: str, text: str | None = None) -> OpenNote:
        """``didOpen`` a note (its disk text unless ``text`` is given)."""
        self.opened_any = True
        body = text if text is not None else (self.root / rel).read_text(encoding="utf-8")
        uri = self.uri(rel)
        self.lsp.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=uri, language_id="markdown", version=1, text=body)
            )
        )
        stem = strip_note_suffix(rel.rsplit("/", 1)[-1])
        opened = OpenNote(rel, uri, body, 1, parse_note(body, stem), prose_positions(body))
        self.open[rel] = opened
        return opened

    def close_note(self, rel: str) -> None:
        """``didClose`` a note."""
        opened = self.open.pop(rel)
        self.lsp.text_document_did_close(
            types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(opened.uri))
        )

    def replace_text(self, opened: OpenNote, text: str) -> None:
        """Replace the whole buffer of ``opened`` with ``text``."""
        opened.text = text
        opened.version += 1
        self.lsp.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=opened.uri, version=opened.version
                ),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def edit(self, opened: OpenNote, line: int, start: int, end: int, new_text: str) -> None:
        """Replace columns ``start..end`` of ``line`` (one line, ASCII) with ``new_text``."""
        lines = opened.text.split("\n")
        lines[line] = lines[line][:start] + new_text + lines[line][end:]
        opened.text = "\n".join(lines)
        opened.version += 1
        self.lsp.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=opened.uri, version=opened.version
                ),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(types.Position(line, start), types.Position(line, end)),
                        text=new_text,
                    )
                ],
            )
        )


async def timed(call: Awaitable[T]) -> tuple[float, T]:
    """Await ``call``; returns (milliseconds, result)."""
    start = time.perf_counter()
    result = await call
    return (time.perf_counter() - start) * 1000, result


async def first_success(
    request: Callable[[], Awaitable[Any]], ok: Callable[[Any], bool], timeout: float = 60.0
) -> tuple[float, int]:
    """Repeat ``request`` until ``ok(answer)``; returns (perf_counter time, attempts)."""
    deadline = time.perf_counter() + timeout
    attempts = 0
    while True:
        attempts += 1
        try:
            if ok(await request()):
                return time.perf_counter(), attempts
        except Exception as exc:  # an error answer is not a success; retry
            log.debug("attempt %d failed: %s", attempts, exc)
        if time.perf_counter() > deadline:
            raise TimeoutError("no successful answer")
        await asyncio.sleep(POLL_PAUSE)


def completion_items(result: Any) -> list[types.CompletionItem]:
    """The items of a completion answer (list or ``CompletionList``)."""
    if result is None:
        return []
    if isinstance(result, types.CompletionList):
        return list(result.items)
    return list(result)


# -- the benchmark ------------------------------------------------------------------------


@dataclass
class Options:
    """Parsed command-line options."""

    notes: int
    out: Path
    samples: int
    rounds: int
    warm: int
    cold: int
    edits: int
    open_count: int
    think_ms: float
    seed: int
    json_path: Path | None
    escaped_uris: bool


@dataclass
class Results:
    """Everything measured, in the order it is printed."""

    metrics: dict[str, Metric] = field(default_factory=dict)
    loads: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def metric(self, name: str, budget_ms: float | None = None, stat: str = "p95") -> Metric:
        """The metric called ``name``, created on first use."""
        if name not in self.metrics:
            self.metrics[name] = Metric(name, budget_ms=budget_ms, budget_stat=stat)
        return self.metrics[name]

    def mark_load(self, phase: str) -> None:
        """Record the load average at a phase boundary."""
        self.loads.append({"phase": phase, "loadavg": load(), "time": time.time()})
        print(f"  [{phase}] load average {'/'.join(f'{v:.2f}' for v in load())}", flush=True)


class Bench:
    """Runs every phase against one notebook."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.root = options.out.resolve()
        self.rng = random.Random(options.seed)
        self.results = Results()
        paths = notes_paths(self.root)
        self.rels = [p.relative_to(self.root).as_posix() for p in paths]
        self.stems = [strip_note_suffix(p.name) for p in paths]

    # -- start-up -------------------------------------------------------------------------

    def _link_note(self) -> tuple[str, str, types.Position, types.Position]:
        """A note with a resolvable wiki link: (rel, text, completion position, link position).

        The completion position is right after a ``[[`` added at the end of the first prose
        line (the opened buffer includes it); the link position is inside an existing link.
        """
        while True:
            rel = self.rng.choice(self.rels)
            text = (self.root / rel).read_text(encoding="utf-8")
            note = parse_note(text, strip_note_suffix(rel.rsplit("/", 1)[-1]))
            links = [link for link in note.links if _is_resolvable_wiki(link)]
            prose = prose_positions(text)
            if not links or not prose:
                continue
            link = links[0]
            line, _ = prose[-1]
            lines = text.split("\n")
            lines[line] += " [[a"
            where = types.Position(line, len(lines[line]))
            middle = (link.target_range.start.character + link.target_range.end.character) // 2
            target = types.Position(link.target_range.start.line, middle)
            return rel, "\n".join(lines), where, target

    async def warm_start(self, session: Session) -> None:
        """Time ``initialized`` -> first good completion and definition (warm database)."""
        rel, text, where, link_at = self._link_note()
        await session.start()
        uri = session.uri(rel)

        async def complete() -> Any:
            return await session.lsp.text_document_completion_async(
                types.CompletionParams(types.TextDocumentIdentifier(uri), where)
            )

        async def define() -> Any:
            return await session.lsp.text_document_definition_async(
                types.DefinitionParams(types.TextDocumentIdentifier(uri), link_at)
            )

        start = time.perf_counter()
        session.initialized()
        session.open_note(rel, text)
        (done_c, tries_c), (done_d, tries_d) = await asyncio.gather(
            first_success(complete, lambda r: bool(completion_items(r))),
            first_success(define, lambda r: r is not None),
        )
        await session.wait_ready()
        ready = time.perf_counter()
        self.results.metric("warm start: first completion", 500, "median").samples_ms.append(
            (done_c - start) * 1000
        )
        self.results.metric("warm start: first definition", 500, "median").samples_ms.append(
            (done_d - start) * 1000
        )
        self.results.metric("warm start: notebooks ready", None, "median").samples_ms.append(
            (ready - start) * 1000
        )
        print(
            f"  warm start: completion {(done_c - start) * 1000:.0f} ms ({tries_c} tries), "
            f"definition {(done_d - start) * 1000:.0f} ms ({tries_d} tries), "
            f"ready {(ready - start) * 1000:.0f} ms",
            flush=True,
        )
        session.close_note(rel)

    async def cold_start(self) -> None:
        """Delete the database; time ``initialized`` -> ``codex.notebooks`` all ready."""
        delete_database(self.root)
        session = Session(self.root, self.options.escaped_uris)
        try:
            await session.start()
            start = time.perf_counter()
            session.initialized()
            await session.wait_ready(timeout=600)
            elapsed = (time.perf_counter() - start) * 1000
        finally:
            await session.stop()
        self.results.metric("cold start: notebooks ready", None, "median").samples_ms.append(
            elapsed
        )
        print(f"  cold start: ready after {elapsed:.0f} ms", flush=True)

    # -- latencies ------------------------------------------------------------------------

    def open_pool(self, session: Session) -> list[OpenNote]:
        """Open ``--open`` random notes that have prose lines and resolvable links."""
        pool: list[OpenNote] = []
        for rel in self.rng.sample(self.rels, len(self.rels)):
            if len(pool) >= self.options.open_count:
                break
            text = (self.root / rel).read_text(encoding="utf-8")
            note = parse_note(text, strip_note_suffix(rel.rsplit("/", 1)[-1]))
            if prose_positions(text) and any(_is_resolvable_wiki(lk) for lk in note.links):
                pool.append(session.open_note(rel, text))
        return pool

    async def settle(self, session: Session, seconds: float = 1.0, quiet: float = 0.5) -> None:
        """Wait ``seconds`` (past the write debounce), then until no diagnostics came for
        ``quiet`` seconds: debounced writes and the diagnostics they cause are done."""
        start = time.perf_counter()
        await asyncio.sleep(seconds)
        while time.perf_counter() - session.watch.last_time < quiet:
            if time.perf_counter() - start > 60:
                break
            await asyncio.sleep(0.05)
        await session.command("codex.notebooks")

    async def completion_idle(self, session: Session, pool: list[OpenNote]) -> None:
        """``[[`` + 0-3 characters typed at many places first (one per line); once the server
        is idle, one completion request per place, back to back; then the buffers are restored.
        Repeated in batches until ``--samples`` requests were made."""
        metric = self.results.metric("completion after [[, idle server", 15)
        before = len(metric.samples_ms)
        while len(metric.samples_ms) - before < self.options.samples:
            wanted = self.options.samples - (len(metric.samples_ms) - before)
            places: dict[tuple[str, int], tuple[OpenNote, int, int, str, bool]] = {}
            for _ in range(wanted * 20):
                if len(places) >= wanted:
                    break
                opened = self.rng.choice(pool)
                line, columns = self.rng.choice(opened.prose)
                if (opened.rel, line) not in places:
                    column = self.rng.choice(columns)
                    typed = self.rng.choice(self.stems)[: self.rng.randint(0, 3)]
                    closed = self.rng.random() < 0.5
                    places[opened.rel, line] = (opened, line, column, typed, closed)
            originals = {opened.rel: opened.text for opened in pool}
            requests = []
            for opened, line, column, typed, closed in places.values():
                inserted = "[[" + typed + ("]]" if closed else "")
                session.edit(opened, line, column, column, inserted)
                requests.append((opened, types.Position(line, column + 2 + len(typed)), typed))
            await self.settle(session, 1.0)
            self.rng.shuffle(requests)
            for opened, cursor, typed in requests:
                elapsed, result = await timed(
                    session.lsp.text_document_completion_async(
                        types.CompletionParams(types.TextDocumentIdentifier(opened.uri), cursor)
                    )
                )
                items = completion_items(result)
                metric.samples_ms.append(elapsed)
                metric.failures += not items or (
                    bool(typed) and not any(typed.lower() in i.label.lower() for i in items)
                )
            for opened in pool:
                session.replace_text(opened, originals[opened.rel])
            await self.settle(session, 1.0)
        metric.per_round_p95.append(percentile(metric.samples_ms[before:], 0.95))

    async def completion_typing(self, session: Session, pool: list[OpenNote]) -> None:
        """Insert ``[[`` + 0-3 characters, request completion, remove the text again."""
        all_metric = self.results.metric("completion while typing", 15)
        after_write = self.results.metric("  of which >= 0.4 s after the previous edit", 15)
        soon = self.results.metric("  of which < 0.4 s after the previous edit", 15)
        last_edit = time.perf_counter()
        before = len(all_metric.samples_ms)
        for _ in range(self.options.samples):
            await asyncio.sleep(self.rng.uniform(0, self.options.think_ms) / 1000)
            opened = self.rng.choice(pool)
            line, columns = self.rng.choice(opened.prose)
            column = self.rng.choice(columns)
            typed = self.rng.choice(self.stems)[: self.rng.randint(0, 3)]
            closed = self.rng.random() < 0.5
            inserted = "[[" + typed + ("]]" if closed else "")
            gap = time.perf_counter() - last_edit
            session.edit(opened, line, column, column, inserted)
            cursor = types.Position(line, column + 2 + len(typed))
            trigger = (
                types.CompletionContext(types.CompletionTriggerKind.TriggerCharacter, "[")
                if not typed
                else types.CompletionContext(types.CompletionTriggerKind.Invoked)
            )
            elapsed, result = await timed(
                session.lsp.text_document_completion_async(
                    types.CompletionParams(
                        types.TextDocumentIdentifier(opened.uri), cursor, context=trigger
                    )
                )
            )
            session.edit(opened, line, column, column + len(inserted), "")
            last_edit = time.perf_counter()
            items = completion_items(result)
            ok = bool(items) and (
                not typed or any(typed.lower() in i.label.lower() for i in items[:50])
            )
            for metric in (all_metric, after_write if gap >= DEBOUNCE_S + 0.1 else soon):
                metric.samples_ms.append(elapsed)
                metric.failures += not ok
        all_metric.per_round_p95.append(percentile(all_metric.samples_ms[before:], 0.95))

    def _random_link(self, pool: list[OpenNote]) -> tuple[OpenNote, Link]:
        opened = self.rng.choice(pool)
        links = [lk for lk in opened.note.links if _is_resolvable_wiki(lk)]
        return opened, self.rng.choice(links)

    @staticmethod
    def _inside(link: Link) -> types.Position:
        r = link.target_range
        return types.Position(r.start.line, (r.start.character + r.end.character) // 2)

    async def requests(self, session: Session, pool: list[OpenNote]) -> None:
        """Definition, references, hover, workspace symbols, search and a null round trip."""
        n = self.options.samples

        async def sample(
            name: str, make: Callable[[], Awaitable[Any]], ok: Callable[[Any], bool]
        ) -> None:
            metric = self.results.metric(name)
            start = len(metric.samples_ms)
            for _ in range(n):
                elapsed, result = await timed(make())
                metric.samples_ms.append(elapsed)
                metric.failures += not ok(result)
            metric.per_round_p95.append(percentile(metric.samples_ms[start:], 0.95))

        def definition() -> Awaitable[Any]:
            opened, link = self._random_link(pool)
            return session.lsp.text_document_definition_async(
                types.DefinitionParams(types.TextDocumentIdentifier(opened.uri), self._inside(link))
            )

        def references() -> Awaitable[Any]:
            if self.rng.random() < 0.5:
                opened, link = self._random_link(pool)
                where = self._inside(link)
            else:
                opened, where = self.rng.choice(pool), types.Position(0, 0)
            return session.lsp.text_document_references_async(
                types.ReferenceParams(
                    context=types.ReferenceContext(include_declaration=True),
                    text_document=types.TextDocumentIdentifier(opened.uri),
                    position=where,
                )
            )

        def hover() -> Awaitable[Any]:
            opened = self.rng.choice(pool)
            tags = [t for t in opened.note.tags if t.source.value == "inline"]
            if tags and self.rng.random() < 0.2:
                r = self.rng.choice(tags).range
                where = types.Position(r.start.line, r.start.character + 1)
            else:
                opened, link = self._random_link(pool)
                where = self._inside(link)
            return session.lsp.text_document_hover_async(
                types.HoverParams(types.TextDocumentIdentifier(opened.uri), where)
            )

        def null_hover() -> Awaitable[Any]:
            opened = self.rng.choice(pool)
            while True:
                line, columns = self.rng.choice(opened.prose)
                where = types.Position(line, self.rng.choice(columns) + 1)
                if element_at(opened.note, Position(where.line, where.character)) is None:
                    break
            return session.lsp.text_document_hover_async(
                types.HoverParams(types.TextDocumentIdentifier(opened.uri), where)
            )

        def symbol() -> Awaitable[Any]:
            stem = self.rng.choice(self.stems).lower()
            length = self.rng.randint(1, 3)
            start = self.rng.randrange(max(1, len(stem) - length + 1))
            query = stem[start : start + length]
            return session.lsp.workspace_symbol_async(types.WorkspaceSymbolParams(query=query))

        def search() -> Awaitable[Any]:
            words = [w for w in self.rng.choice(self.stems).lower().split() if w.isalpha()]
            query = " ".join(self.rng.sample(words, min(len(words), self.rng.randint(1, 2))))
            return session.command("codex.search", {"query": query or "buffer"})

        await sample("null round trip (hover on plain text)", null_hover, lambda r: r is None)
        await sample("definition on a link", definition, lambda r: r is not None)
        await sample("references (link target or note)", references, lambda r: r is not None)
        await sample("hover (link preview or tag)", hover, lambda r: r is not None)
        await sample("workspace/symbol, 1-3 chars", symbol, lambda r: r is not None)
        await sample("codex.search, 1-2 words", search, lambda r: isinstance(r, list))

    # -- diagnostics ----------------------------------------------------------------------

    async def edit_to_diagnostics(self, session: Session, pool: list[OpenNote]) -> None:
        """Broken link typed -> diagnostic shown; missing note created -> diagnostic cleared."""
        shown = self.results.metric("didChange -> broken-link diagnostic")
        cleared = self.results.metric("note created (watched files) -> diagnostic cleared")
        scratch = self.root / SCRATCH_DIR
        scratch.mkdir(exist_ok=True)
        for number in range(self.options.edits):
            opened = pool[number % len(pool)]
            name = f"{MISSING_PREFIX} {number}-{self.rng.randrange(10**6)}"
            line, columns = self.rng.choice(opened.prose)
            column = columns[-1]
            inserted = f" [[{name}]]"

            def mentions(diagnostics: list[types.Diagnostic], name: str = name) -> bool:
                return any(name in d.message for d in diagnostics)

            waiting = asyncio.ensure_future(session.watch.wait(opened.uri, mentions, 10))
            start = time.perf_counter()
            session.edit(opened, line, column, column, inserted)
            shown.samples_ms.append((await waiting - start) * 1000)
            await asyncio.sleep(DEBOUNCE_S + 0.3)  # the buffer reaches the index meanwhile

            path = scratch / f"{name}.md"
            waiting = asyncio.ensure_future(
                session.watch.wait(opened.uri, lambda d, m=mentions: not m(d), 10)
            )
            start = time.perf_counter()
            path.write_text(f"# {name}\n\nCreated by bench_lsp.py.\n", encoding="utf-8")
            self._watched(session, path, types.FileChangeType.Created)
            cleared.samples_ms.append((await waiting - start) * 1000)

            session.edit(opened, line, column, column + len(inserted), "")
            path.unlink()
            self._watched(session, path, types.FileChangeType.Deleted)
            await asyncio.sleep(0.6)
        shutil.rmtree(scratch, ignore_errors=True)

    @staticmethod
    def _watched(session: Session, path: Path, kind: types.FileChangeType) -> None:
        session.lsp.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams([types.FileEvent(uri=path.as_uri(), type=kind)])
        )

    # -- driver ---------------------------------------------------------------------------

    async def run(self) -> Results:
        """Every phase, in order; the load average is recorded between phases."""
        o = self.options
        results = self.results
        results.mark_load("start")
        for number in range(o.rounds):
            for _ in range(max(0, o.warm - 1)):
                run_index(self.root)
                session = Session(self.root, self.options.escaped_uris)
                try:
                    await self.warm_start(session)
                finally:
                    await session.stop()
            results.extra.setdefault("index_before_warm_s", []).append(run_index(self.root))
            session = Session(self.root, self.options.escaped_uris)
            (self.root / DIRTY).write_text("", encoding="utf-8")
            try:
                if o.warm > 0:
                    await self.warm_start(session)
                else:
                    await session.start()
                    session.initialized()
                    await session.wait_ready()
                results.mark_load(f"round {number + 1}: warm start done")
                pool = self.open_pool(session)
                await self.settle(session, 1.0)
                await self.completion_idle(session, pool)
                await self.completion_typing(session, pool)
                results.mark_load(f"round {number + 1}: completion done")
                await self.settle(session, 1.0)
                await self.requests(session, pool)
                results.mark_load(f"round {number + 1}: requests done")
                if o.edits:
                    await self.edit_to_diagnostics(session, pool)
                    results.mark_load(f"round {number + 1}: diagnostics done")
            finally:
                await session.stop()
            (self.root / DIRTY).unlink()
        for _ in range(o.cold):
            await self.cold_start()
        results.mark_load("end")
        return results


def _is_resolvable_wiki(link: Link) -> bool:
    """A plain ``[[Name]]``-style link to an existing generated note (no anchor, no embed)."""
    return (
        link.kind.value == "wiki"
        and not link.anchor
        and bool(link.target)
        and not link.target.endswith(("draft", "notes", "v2", "plan"))
    )


# -- report -------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    """CPU, memory, OS and the versions of what is measured."""
    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            model = next(
                (ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), model
            )
    except OSError:
        pass
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        memory = 0
    from importlib.metadata import version

    return {
        "cpu_model": model,
        "nproc": os.cpu_count(),
        "memory_gb": round(memory / 1e9, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "pygls": version("pygls"),
        "pytest_lsp": version("pytest-lsp"),
        "codex_lsp": version("codex-lsp"),
        "git_commit": _git_commit(),
    }


def _git_commit() -> str | None:
    try:
        found = subprocess.run(
            ["git", "-C", str(Path(__file__).resolve().parent), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return found.stdout.strip() or None


def render_table(results: Results, notes: int) -> str:
    """The result table as plain text."""
    header = (
        f"{'measurement':<52} {'n':>4} {'p50':>8} {'p95':>8} {'max':>8} "
        f"{'budget':>10} {'verdict':>7}  p95 per round"
    )
    lines = [header, "-" * len(header)]
    for metric in results.metrics.values():
        n = len(metric.samples_ms)
        if metric.budget_ms is None:
            budget = "-"
        else:
            scale = "" if notes == BUDGET_NOTES else "*"
            budget = f"{metric.budget_stat} {metric.budget_ms:g}{scale}"
        failures = f"  ({metric.failures} empty/wrong)" if metric.failures else ""
        rounds = " ".join(f"{v:.1f}" for v in metric.per_round_p95)
        lines.append(
            f"{metric.name:<52} {n:>4} {metric.stat('p50'):>8.1f} {metric.stat('p95'):>8.1f} "
            f"{metric.stat('max'):>8.1f} {budget:>10} {metric.verdict():>7}  {rounds}{failures}"
        )
    lines.append("times in ms; start-up budgets apply to the median of the runs")
    if notes != BUDGET_NOTES:
        lines.append(f"* budgets are set for {BUDGET_NOTES} notes; this run used {notes}")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> Options:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=BUDGET_NOTES, help="notes to generate")
    parser.add_argument("--out", type=Path, help="notebook cache (/tmp/codex-bench-lsp-N)")
    parser.add_argument("--samples", type=int, default=200, help="requests per kind per round")
    parser.add_argument("--rounds", type=int, default=1, help="fresh-server latency rounds")
    parser.add_argument("--warm", type=int, default=5, help="warm starts per round")
    parser.add_argument("--cold", type=int, default=1, help="cold starts (database deleted)")
    parser.add_argument("--edits", type=int, default=20, help="edit-to-diagnostics rounds")
    parser.add_argument("--open", type=int, default=20, dest="open_count", help="open notes")
    parser.add_argument("--think-ms", type=float, default=800, help="max pause before typing")
    parser.add_argument("--seed", type=int, default=7, help="seed of the request mix")
    parser.add_argument("--json", type=Path, dest="json_path", help="also write JSON here")
    parser.add_argument(
        "--uri-style",
        choices=("plain", "escaped"),
        default="escaped",
        help="spell spaces in URIs as %%20 (escaped, as VS Code does) or as-is (plain)",
    )
    args = parser.parse_args(argv)
    out = args.out or Path(f"/tmp/codex-bench-lsp-{args.notes}")
    return Options(
        notes=args.notes,
        out=out,
        samples=args.samples,
        rounds=args.rounds,
        warm=args.warm,
        cold=args.cold,
        edits=args.edits,
        open_count=args.open_count,
        think_ms=args.think_ms,
        seed=args.seed,
        json_path=args.json_path,
        escaped_uris=args.uri_style == "escaped",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: prepare the notebook, run every phase, print (and save) the results."""
    options = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("pygls").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")  # pytest-lsp's capability checks warn on stderr
    prepare_notebook(options.out, options.notes, seed=1)
    root = options.out.resolve()
    clean_leftovers(root)
    machine = machine_info()
    print(
        f"codex-lsp {machine['codex_lsp']} ({machine['git_commit']}) on {options.notes} notes "
        f"in {root}; {machine['cpu_model']}, {machine['nproc']} CPUs, "
        f"Python {machine['python']}, SQLite {machine['sqlite']}, pygls {machine['pygls']}",
        flush=True,
    )
    started = time.time()
    results = asyncio.run(Bench(options).run())
    table = render_table(results, options.notes)
    print()
    print(table)
    if options.json_path is not None:
        payload = {
            "machine": machine,
            "options": {k: str(v) for k, v in asdict(options).items()},
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "started": started,
            "loads": results.loads,
            "extra": results.extra,
            "metrics": [m.as_dict() for m in results.metrics.values()],
        }
        options.json_path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    over = [m for m in results.metrics.values() if m.verdict() == "OVER"]
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
