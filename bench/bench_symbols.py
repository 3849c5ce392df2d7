"""Benchmark ``workspace/symbol`` over stdio on a real or generated notebook.

Usage::

    python bench/bench_symbols.py [--notes 40000 | --root DIR] [--samples 200] [--json FILE]

With ``--root`` the notebook at DIR is used as it is (for example a folder of
``/work/shared/corpora``); otherwise a notebook of ``--notes`` generated notes is cached in
``/tmp/codex-bench-lsp-N`` (as ``bench_lsp.py`` makes it). The notebook is indexed with
``codex-lsp index`` first (untimed), then the real server is started by a real LSP client and
every time is a client-side round trip:

* the first query (it builds the server's symbol index from the database);
* ``--samples`` queries of each kind, back to back: prefixes of 1-3 characters of real note
  names, fuzzy queries (3-5 characters of a name, in order, with gaps), and queries that match
  nothing (every answer is checked to be empty);
* the floor, in the same run: a query longer than the server accepts, answered as soon as it
  reaches the notebook's reader thread (transport, JSON and thread hop, no search).

p50/p95/max in milliseconds, and the server's CPU time per query of each kind (its
``/proc/<pid>/stat``: on a loaded machine the round trips grow with the load, the CPU does
not). Budgets: p95 <= 10 ms for the real corpus, <= 15 ms for the
no-match queries at 40,000 notes.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path
from typing import Any

from lsprotocol import types

try:  # run as a script: bench/ is sys.path[0]
    from bench_lsp import Session, load, percentile, request_bench_main
except ImportError:  # imported as bench.bench_symbols from the repository root
    from bench.bench_lsp import Session, load, percentile, request_bench_main

NO_MATCH = ["zqxjkv", "qqqzzzxx", "xjqzvkw", "zzqjjx", "vqxzjq"]
TOO_LONG = "x" * 1001  # longer than the server's MAX_SYMBOL_QUERY: answered without a search


def note_names(root: Path) -> list[str]:
    """File stems of the notebook's notes."""
    return sorted(p.stem for p in root.rglob("*.md") if ".codex" not in p.parts)


def queries(names: list[str], samples: int, seed: int) -> dict[str, list[str]]:
    """``samples`` queries of each kind, drawn from real names."""
    rng = random.Random(seed)
    prefix, fuzzy = [], []
    while len(prefix) < samples:
        name = rng.choice(names)
        prefix.append(name[: rng.randint(1, 3)])
    while len(fuzzy) < samples:
        name = rng.choice(names).replace(" ", "")
        if len(name) >= 5:
            picks = sorted(rng.sample(range(len(name)), rng.randint(3, 5)))
            fuzzy.append("".join(name[i] for i in picks))
    no_match = [NO_MATCH[i % len(NO_MATCH)] for i in range(samples)]
    return {"prefix 1-3 chars": prefix, "fuzzy 3-5 chars": fuzzy, "no match": no_match}


async def measure(root: Path, samples: int, seed: int) -> dict[str, Any]:
    """Start the server on ``root`` and time every kind of query."""
    session = Session(root)
    await session.start()
    session.initialized()
    await session.wait_ready(timeout=600)

    def server_cpu_ms() -> float:
        server = session.lsp._server  # pygls keeps the process it started there
        assert server is not None
        fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")

    async def ask(query: str) -> tuple[float, list[Any]]:
        start = time.perf_counter()
        result = await session.lsp.workspace_symbol_async(types.WorkspaceSymbolParams(query))
        return (time.perf_counter() - start) * 1000, list(result or [])

    results: dict[str, Any] = {"notes": len(note_names(root)), "load_before": load()}
    try:
        first_ms, _ = await ask("a")
        results["first query (builds the index) ms"] = round(first_ms, 1)
        kinds = queries(note_names(root), samples, seed)
        kinds["floor (query too long)"] = [TOO_LONG] * samples
        for kind, texts in kinds.items():
            times = []
            cpu_before = server_cpu_ms()
            for text in texts:
                ms, found = await ask(text)
                if kind == "no match" or text is TOO_LONG:
                    assert found == [], (text, found[:3])
                times.append(ms)
            results[kind] = {
                "p50": round(percentile(times, 0.5), 2),
                "p95": round(percentile(times, 0.95), 2),
                "max": round(max(times), 2),
                "server CPU ms per query": round((server_cpu_ms() - cpu_before) / len(texts), 2),
            }
    finally:
        results["load_after"] = load()
        await session.stop()
    return results


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    return request_bench_main(__doc__.split("\n", 1)[0], measure, argv)


if __name__ == "__main__":
    sys.exit(main())
