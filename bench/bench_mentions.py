"""Benchmark unlinked mentions on a generated notebook.

Usage::

    python bench/bench_mentions.py [--notes 10000] [--out DIR] [--samples 200] [--seed 7]
                                   [--json FILE]

A notebook of ``--notes`` generated notes is cached in ``--out`` (default
``/tmp/codex-bench-mentions-N``) and indexed with ``codex-lsp index`` (untimed). Then, on one
read connection, as the server's reader thread runs them:

* ``mentions_of``: the unlinked mentions of ``--samples`` random notes (what
  ``codex.mentions`` and the code lens ask): full-text candidates, then the exact check.
  Budget: p95 <= 50 ms at 10,000 notes.
* ``names``: building the names worth a hint (``NameCache``, once per index change).
* ``mentions_in``: the hints of one note's text (what diagnostics ask on each edit), names
  built.

p50/p95/max in milliseconds, printed as JSON (and written to ``--json FILE``).
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:  # run as a script: bench/ is sys.path[0]
    from bench_lsp import machine_info, percentile, prepare_notebook, run_index
except ImportError:  # imported as bench.bench_mentions from the repository root
    from bench.bench_lsp import machine_info, percentile, prepare_notebook, run_index

from codex_lsp.storage.mentions import NameCache, mentions_in, mentions_of
from codex_lsp.storage.workspace import indexed_notebooks

BUDGET_MS = 50.0


def timed(samples: list[Any], run: Callable[[Any], Any]) -> tuple[dict[str, float], list[Any]]:
    """p50/p95/max milliseconds of ``run`` over ``samples``, and its answers."""
    times, answers = [], []
    for sample in samples:
        start = time.perf_counter()
        answers.append(run(sample))
        times.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": round(percentile(times, 0.5), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "max_ms": round(max(times), 2),
    }, answers


def measure(conn: sqlite3.Connection, samples: int, seed: int) -> dict[str, Any]:
    """Every figure of the module docstring."""
    rng = random.Random(seed)
    paths = [p for (p,) in conn.execute("SELECT path FROM file_metadata WHERE is_note = 1")]
    chosen = rng.sample(paths, min(samples, len(paths)))
    mentions, found = timed(chosen, lambda rel: mentions_of(conn, rel))
    counts = sorted(len(places) for places in found)
    names, _ = timed(list(range(5)), lambda _: NameCache().refresh(conn))
    cache = NameCache()
    cache.refresh(conn)
    texts = [
        (rel, text)
        for rel, text in conn.execute(
            "SELECT m.path, s.content FROM search_index s JOIN file_metadata m"
            " ON m.rowid = s.rowid WHERE m.is_note = 1"
        )
        if rel in set(chosen)
    ]
    hints, _ = timed(texts, lambda pair: mentions_in(cache, pair[0], pair[1]))
    return {
        "notes": len(paths),
        "samples": len(chosen),
        "mentions_of": {**mentions, "budget_p95_ms": BUDGET_MS},
        "mentions_per_note": {"median": counts[len(counts) // 2], "max": counts[-1]},
        "names": names,
        "mentions_in": hints,
        "machine": machine_info(),
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, prepare the notebook, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path)
    options = parser.parse_args(argv)
    root = options.out or Path(f"/tmp/codex-bench-mentions-{options.notes}")
    prepare_notebook(root, options.notes, options.seed)
    run_index(root)  # untimed, in a process of its own as the CLI does it
    with indexed_notebooks(root) as (item,):
        results = measure(item.conn, options.samples, options.seed)
    print(json.dumps(results, indent=2))
    if options.json:
        options.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0 if results["mentions_of"]["p95_ms"] <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
