"""Benchmark ``codex.search`` over stdio on a generated notebook.

Usage::

    python bench/bench_search_scale.py [--notes 40000 | --root DIR] [--samples 200] [--json FILE]

The notebook (``--root``, or ``--notes`` generated notes cached in ``/tmp/codex-bench-lsp-N``
as ``bench_lsp.py`` makes it) is indexed with ``codex-lsp index`` first (untimed); then the
real server is started by a real LSP client and ``--samples`` searches of one or two words of
real note names (as ``bench_lsp.py`` draws them) are sent back to back, each a client-side
round trip. The floor, in the same run: ``codex.search`` with an empty query (answered with no
search). p50/p95/max in milliseconds; budget: p95 <= 100 ms at 40,000 notes. Beside them, the
server's CPU time per request (``/proc/PID/stat``, all its threads, averaged over the
samples): unlike round trips, it hardly moves with the load of the machine.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path
from typing import Any

try:  # run as a script: bench/ is sys.path[0]
    from bench_lsp import Session, load, percentile, request_bench_main
    from bench_symbols import note_names
except ImportError:  # imported as bench.bench_search_scale from the repository root
    from bench.bench_lsp import Session, load, percentile, request_bench_main
    from bench.bench_symbols import note_names


def search_queries(names: list[str], samples: int, seed: int) -> list[str]:
    """One or two words of random note names."""
    rng = random.Random(seed)
    found: list[str] = []
    while len(found) < samples:
        words = [w for w in rng.choice(names).lower().split() if w.isalpha()]
        if words:
            found.append(" ".join(rng.sample(words, min(len(words), rng.randint(1, 2)))))
    return found


def server_cpu_seconds(session: Session) -> float:
    """User and system CPU seconds the server process has used so far (Linux)."""
    process = getattr(session.lsp, "_server", None)  # where pygls keeps the subprocess
    assert process is not None, "the server runs in a subprocess"
    with open(f"/proc/{process.pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def figures(times: list[float]) -> dict[str, float]:
    """p50, p95 and max of ``times`` (milliseconds)."""
    return {
        "p50": round(percentile(times, 0.5), 2),
        "p95": round(percentile(times, 0.95), 2),
        "max": round(max(times), 2),
    }


async def measure(root: Path, samples: int, seed: int) -> dict[str, Any]:
    """Start the server on ``root`` and time searches and the floor."""
    session = Session(root)
    await session.start()
    session.initialized()
    await session.wait_ready(timeout=600)

    async def ask(query: str) -> float:
        start = time.perf_counter()
        result = await session.command("codex.search", {"query": query})
        assert isinstance(result, list), result
        return (time.perf_counter() - start) * 1000

    results: dict[str, Any] = {"notes": len(note_names(root)), "load_before": load()}
    try:
        await ask("warm up")
        texts = search_queries(note_names(root), samples, seed)
        cpu = server_cpu_seconds(session)
        results["codex.search, 1-2 words"] = figures([await ask(text) for text in texts])
        searched = server_cpu_seconds(session)
        results["floor (empty query)"] = figures([await ask("") for _ in range(samples)])
        floor = server_cpu_seconds(session)
        results["server CPU ms per request"] = {
            "codex.search, 1-2 words": round((searched - cpu) * 1000 / samples, 2),
            "floor (empty query)": round((floor - searched) * 1000 / samples, 2),
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
