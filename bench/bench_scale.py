"""How codex-lsp scales: index and language-server figures at 1k, 10k, 40k and 100k notes.

Usage::

    python bench/bench_scale.py [--sizes 1000,10000,40000,100000] [--samples 100]
                                [--out-prefix /tmp/codex-bench-scale-] [--no-lsp] [--peer]
                                [--json FILE]

For each size, a notebook made by ``bench/generate.py`` (seed 1) with its schema and git
history (``--shipped``; generated once, then reused from ``--out-prefix`` + size while its
marker file says it is the same notebook) is measured:

* **floor**: ``bench/floor.py`` (walk, read, decode, YAML frontmatter) in the same run;
* **cold index**: ``notebook.db*`` deleted, then a fresh process indexes it (parse, full-text,
  links, schema check, git pass), as ``bench/bench_index.py`` does; its peak RSS (``VmHWM``)
  and the largest worker's;
* **no-op**: ``Indexer.index()`` in this process, nothing changed (median of 5, after one
  that imports what runs need);
* **database size**: ``notebook.db`` after the run;
* through a real server (``python -m codex_lsp serve`` over stdio, pytest-lsp's client with VS
  Code's capabilities, as ``bench/bench_lsp.py`` drives it), on the warm database:
  **warm start** (``initialized`` sent until the first non-empty completion), then
  ``--samples`` of each request on an idle index with 20 notes open: **completion** after
  ``[[`` and 0-3 letters of a note name, **workspace symbols** (1-3 letters of a name, and a
  query matching nothing), **search** (``codex.search``, one or two words of names),
  **references** (at the top of an open note: its backlinks); then the server's peak RSS;
* with ``--peer``, the same requests to VS Code's Markdown language server
  (vscode-markdown-languageserver 0.5.0 from npm, run by ``bench/peer_mdls.mjs``, which
  answers its custom requests as VS Code does), printed side by side.

Request times are client-side round trips; p95 by linear interpolation. Budgets at 100,000
notes: cold index <= 40 s, warm start <= 1 s, request p95 <= 25 ms but search <= 100 ms, peak
RSS of a cold index <= 150 MB at any size, server <= 300 MB. The machine may be shared: the
floor, measured in the same run, says how fast it was.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types

try:  # run as a script: bench/ is sys.path[0]
    from bench_index import ColdRun, process_tree, run_cold
    from bench_lsp import Session, completion_items, first_success, percentile, timed
    from floor import floor_stats
    from generate import generate_notebook, notes_paths, ship_notebook
except ImportError:  # imported as bench.bench_scale from the repository root
    from bench.bench_index import ColdRun, process_tree, run_cold
    from bench.bench_lsp import Session, completion_items, first_success, percentile, timed
    from bench.floor import floor_stats
    from bench.generate import generate_notebook, notes_paths, ship_notebook

from codex_lsp.core.resolve import strip_note_suffix
from codex_lsp.storage.indexer import Indexer
from codex_lsp.storage.notebooks import discover

SIZES = (1_000, 10_000, 40_000, 100_000)
PEER_DIR = Path("/tmp/codex-bench-peer")
PEER_PACKAGES = ("vscode-markdown-languageserver@0.5.0", "markdown-it@14", "vscode-jsonrpc@8")
PEER_PROXY = Path(__file__).resolve().parent / "peer_mdls.mjs"
MARKER = Path(".codex") / "bench-scale-notebook.json"
OPEN_NOTES = 20
NO_MATCH = "qqxzj"
MB = 1_000_000


def ensure_notebook(out: Path, notes: int) -> None:
    """Generate and ship the notebook unless the same one is cached in ``out``."""
    wanted = {"notes": notes, "seed": 1, "shipped": True}
    marker = out / MARKER
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == wanted:
        return
    out.mkdir(parents=True, exist_ok=True)
    generate_notebook(out, notes, 1)
    ship_notebook(out, 1)
    marker.write_text(json.dumps(wanted), encoding="utf-8")


def cold_index(out: Path) -> ColdRun:
    """Delete the database of the notebook at ``out``, then index it in a fresh process."""
    for path in (out / ".codex").glob("notebook.db*"):
        path.unlink()
    return run_cold(out, None, 0.0)


def database_bytes(root: Path) -> int:
    """Size of the notebook's database files."""
    return sum(p.stat().st_size for p in (root / ".codex").glob("notebook.db*"))


def noop_seconds(root: Path) -> float:
    """Median of 5 index runs that find nothing changed, after one that imports what runs
    need (GitPython, the schema validator)."""
    indexer = Indexer(discover(root)[0])
    try:
        indexer.index()
        times = []
        for _ in range(5):
            started = time.perf_counter()
            indexer.index()
            times.append(time.perf_counter() - started)
        return statistics.median(times)
    finally:
        indexer.close()


def server_peak_rss(session: Session) -> int:
    """Largest peak RSS (``VmHWM``) of the server's processes (the peer runs behind a proxy
    process), in bytes."""
    process = getattr(session.lsp, "_server", None)
    if process is None:
        return 0
    peak = 0
    for pid in process_tree(process.pid):
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) * 1024)
        except OSError:
            continue
    return peak


def ensure_peer() -> list[str]:
    """The command that runs MDLS behind bench/peer_mdls.mjs (its packages installed with npm
    into ``PEER_DIR`` once)."""
    if not (PEER_DIR / "node_modules" / "vscode-markdown-languageserver").is_dir():
        PEER_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", *PEER_PACKAGES],
            cwd=PEER_DIR,
            check=True,
        )
    return ["node", str(PEER_PROXY), str(PEER_DIR)]


async def sample(
    requests: Sequence[Callable[[], Awaitable[Any]]],
) -> list[float]:
    """Milliseconds of each request, sent one after the other."""
    times = []
    for request in requests:
        elapsed, _ = await timed(request())
        times.append(elapsed)
    return times


async def measure_server(
    root: Path, samples: int, rng: random.Random, peer: list[str] | None = None
) -> dict[str, float]:
    """Warm start, request p95s and peak RSS of a server on the warm database of ``root``;
    ``peer``: the command of MDLS instead (its completion is asked after ``[x](``, as it
    completes paths, not wiki links; it has no search; its references are asked on the
    note's first heading, codex-lsp's at the top of the note)."""
    paths = [p.relative_to(root).as_posix() for p in notes_paths(root)]
    stems = [strip_note_suffix(p.rsplit("/", 1)[-1]) for p in paths]
    opened = rng.sample(paths, OPEN_NOTES)
    prefixes = [rng.choice(stems)[: rng.randint(0, 3)] for _ in range(samples)]
    # The first note open carries one ``[[prefix`` line per completion sample.
    opener = "[x](" if peer else "[["
    probe = opened[0]
    probe_text = (root / probe).read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    first_line = probe_text.count("\n")
    probe_text += "".join(f"{opener}{prefix}\n" for prefix in prefixes)

    session = Session(root, command=peer) if peer else Session(root)
    await session.start()
    try:
        started = time.perf_counter()
        session.initialized()
        session.open_note(probe, probe_text)
        probe_uri = session.uri(probe)

        def complete(line: int, column: int) -> Awaitable[Any]:
            return session.lsp.text_document_completion_async(
                types.CompletionParams(
                    types.TextDocumentIdentifier(probe_uri), types.Position(line, column)
                )
            )

        first, _ = await first_success(
            lambda: complete(first_line, len(opener) + len(prefixes[0])),
            lambda answer: bool(completion_items(answer)),
        )
        warm_start_ms = (first - started) * 1000
        for rel in opened[1:]:
            session.open_note(rel)
        if not peer:
            await session.wait_ready()
        await asyncio.sleep(1.5)  # the buffers indexed, their diagnostics published
        completion = await sample(
            [
                (lambda n=n, prefix=prefix: complete(first_line + n, len(opener) + len(prefix)))
                for n, prefix in enumerate(prefixes)
            ]
        )
        queries = [rng.choice(stems)[: rng.randint(1, 3)] for _ in range(samples)]
        queries[:: max(1, samples // 10)] = [NO_MATCH] * len(queries[:: max(1, samples // 10)])

        def symbols_of(query: str) -> Awaitable[Any]:
            return session.lsp.workspace_symbol_async(types.WorkspaceSymbolParams(query=query))

        await symbols_of(NO_MATCH)  # MDLS reads the whole workspace at its first such request
        symbols = await sample([(lambda query=query: symbols_of(query)) for query in queries])
        result = {
            "warm_start_ms": warm_start_ms,
            "completion_p95_ms": percentile(completion, 0.95),
            "symbols_p95_ms": percentile(symbols, 0.95),
        }
        if not peer:
            words = [w for stem in rng.sample(stems, min(len(stems), 200)) for w in stem.split()]
            searches = [" ".join(rng.sample(words, rng.randint(1, 2))) for _ in range(samples)]
            search = await sample(
                [
                    (lambda query=query: session.command("codex.search", {"query": query}))
                    for query in searches
                ]
            )
            result["search_p95_ms"] = percentile(search, 0.95)
        places = []
        for rel in (rng.choice(opened) for _ in range(samples)):
            line = 0
            if peer:  # the first heading
                lines = session.open[rel].text.split("\n") if rel in session.open else []
                line = next((n for n, text in enumerate(lines) if text.startswith("#")), 0)
            places.append((rel, line))
        references = await sample(
            [
                (
                    lambda rel=rel, line=line: session.lsp.text_document_references_async(
                        types.ReferenceParams(
                            text_document=types.TextDocumentIdentifier(session.uri(rel)),
                            position=types.Position(line, 2 if peer else 0),
                            context=types.ReferenceContext(include_declaration=False),
                        )
                    )
                )
                for rel, line in places
            ]
        )
        result["references_p95_ms"] = percentile(references, 0.95)
        result["server_peak_rss"] = server_peak_rss(session)
        return result
    finally:
        await session.stop()


def measure_size(
    out: Path, notes: int, samples: int, lsp: bool, peer: list[str] | None
) -> dict[str, Any]:
    """Every figure for one notebook size (and MDLS's request figures, when ``peer``)."""
    ensure_notebook(out, notes)
    floor = floor_stats(out)
    cold = cold_index(out)
    result: dict[str, Any] = {
        "notes": notes,
        "floor_s": floor.seconds,
        "cold_s": cold.seconds,
        "cold_cpu_s": cold.cpu_self + cold.cpu_workers,
        "cold_peak_rss": cold.peak_rss_self,
        "worker_peak_rss": cold.peak_rss_workers,
        "noop_s": noop_seconds(out),
        "database_bytes": database_bytes(out),
        "problems": cold.stats.get("problems"),
        "links": cold.stats.get("links"),
    }
    if lsp:
        result.update(asyncio.run(measure_server(out, samples, random.Random(notes))))
    if peer:
        figures = asyncio.run(measure_server(out, samples, random.Random(notes), peer))
        result["peer"] = figures
    return result


def render(rows: Sequence[dict[str, Any]]) -> str:
    """One table, a row per size: the index, the server's requests, memory, and the load
    average before and after the size was measured (CPU time moves least with the load)."""
    headers = [
        "notes",
        "floor",
        "cold index",
        "cold CPU",
        "CPU per note",
        "no-op",
        "warm start",
        "completion p95",
        "symbols p95",
        "search p95",
        "references p95",
        "index peak RSS",
        "server peak RSS",
        "database",
        "load",
    ]

    def ms(row: dict[str, Any], key: str) -> str:
        return f"{row[key]:.1f} ms" if key in row else "-"

    lines = []
    for row in rows:
        lines.append(
            [
                f"{row['notes']:,}",
                f"{row['floor_s']:.2f} s",
                f"{row['cold_s']:.2f} s",
                f"{row['cold_cpu_s']:.2f} s",
                f"{row['cold_cpu_s'] * 1000 / row['notes']:.2f} ms",
                f"{row['noop_s'] * 1000:.0f} ms",
                ms(row, "warm_start_ms"),
                ms(row, "completion_p95_ms"),
                ms(row, "symbols_p95_ms"),
                ms(row, "search_p95_ms"),
                ms(row, "references_p95_ms"),
                f"{row['cold_peak_rss'] / MB:.0f} MB",
                f"{row['server_peak_rss'] / MB:.0f} MB" if "server_peak_rss" in row else "-",
                f"{row['database_bytes'] / MB:.0f} MB",
                f"{row.get('load_before', 0):.1f}-{row.get('load_after', 0):.1f}",
            ]
        )
    table = [headers, *lines]
    widths = [max(len(r[i]) for r in table) for i in range(len(headers))]
    out = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in table
    ]
    out.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def render_peer(rows: Sequence[dict[str, Any]]) -> str:
    """codex-lsp and MDLS side by side: request p95s and server peak RSS, a row per size."""
    lines = ["| notes | measure | codex-lsp | MDLS |", "|---|---|---|---|"]
    for row in rows:
        peer = row.get("peer", {})
        for key, name in (
            ("warm_start_ms", "warm start (first completion)"),
            ("completion_p95_ms", "completion p95"),
            ("symbols_p95_ms", "workspace symbols p95"),
            ("references_p95_ms", "references p95"),
        ):
            ours = f"{row[key]:.1f} ms" if key in row else "-"
            theirs = f"{peer[key]:.1f} ms" if key in peer else "-"
            lines.append(f"| {row['notes']:,} | {name} | {ours} | {theirs} |")
        ours_rss = f"{row['server_peak_rss'] / MB:.0f} MB" if "server_peak_rss" in row else "-"
        theirs_rss = f"{peer['server_peak_rss'] / MB:.0f} MB" if "server_peak_rss" in peer else "-"
        lines.append(f"| {row['notes']:,} | server peak RSS | {ours_rss} | {theirs_rss} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--samples", type=int, default=100, help="requests of each kind")
    parser.add_argument("--out-prefix", default="/tmp/codex-bench-scale-")
    parser.add_argument("--no-lsp", action="store_true", help="index figures only")
    parser.add_argument(
        "--peer", action="store_true", help="also measure MDLS (installed from npm once)"
    )
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"{size:,} notes ...", file=sys.stderr, flush=True)
        load = os.getloadavg()[0]
        peer = ensure_peer() if args.peer else None
        out = Path(f"{args.out_prefix}{size}")
        row = measure_size(out, size, args.samples, not args.no_lsp, peer)
        row["load_before"] = load
        row["load_after"] = os.getloadavg()[0]
        rows.append(row)
        print(render(rows[-1:]), file=sys.stderr, flush=True)
    print(render(rows))
    if args.peer:
        print()
        print(render_peer(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
