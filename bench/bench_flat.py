"""Is a cold index's CPU per note flat from 10,000 to 100,000 notes?

Usage::

    python bench/bench_flat.py [--sizes 10000,100000] [--rounds 2]
                               [--out-prefix /tmp/codex-bench-scale-] [--json FILE]

Cold index runs (``notebook.db*`` deleted, a fresh process, as ``bench/bench_index.py`` and
``bench/bench_scale.py`` run them: parse, full text, links, schema check, git pass) of the
notebooks ``bench/bench_scale.py`` generates, alternating between the sizes: the small size,
then the large one, ``--rounds`` times, and the small one once more. The machine's speed drifts
over minutes; runs of the two sizes taken in turn, each large run between two small ones,
compare the code and not the minute. CPU is the indexer process's and its workers'. The
figure is the median CPU per note of each size and their ratio: flat means the large size's
CPU per note is at most 10% above the small size's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path
from typing import Any

try:  # run as a script: bench/ is sys.path[0]
    from bench_scale import cold_index, ensure_notebook
except ImportError:  # imported as bench.bench_flat from the repository root
    from bench.bench_scale import cold_index, ensure_notebook

FLAT = 1.10
"""The largest ratio of CPU per note (large size over small) that counts as flat."""


def cpu_per_note(root: Path, notes: int) -> dict[str, float]:
    """One cold index of ``root``: its CPU per note (ms), the indexer's and the workers'."""
    cold = cold_index(root)
    return {
        "seconds": cold.seconds,
        "cpu_ms_per_note": (cold.cpu_self + cold.cpu_workers) * 1000 / notes,
        "indexer_ms_per_note": cold.cpu_self * 1000 / notes,
        "workers_ms_per_note": cold.cpu_workers * 1000 / notes,
        "load": os.getloadavg()[0],
    }


def alternate(
    small: tuple[Path, int], large: tuple[Path, int], rounds: int
) -> dict[int, list[dict[str, float]]]:
    """Cold runs in the order small, large, small, ..., small; the runs of each size."""
    runs: dict[int, list[dict[str, float]]] = {small[1]: [], large[1]: []}
    order = [small, large] * rounds + [small]
    for root, notes in order:
        run = cpu_per_note(root, notes)
        runs[notes].append(run)
        print(
            f"{notes:>7,} notes: {run['seconds']:.2f} s, {run['cpu_ms_per_note']:.3f} ms of CPU"
            f" per note (load {run['load']:.1f})",
            file=sys.stderr,
            flush=True,
        )
    return runs


def summary(runs: dict[int, list[dict[str, float]]]) -> dict[str, Any]:
    """Median CPU per note of each size and the ratio of the large size's to the small's."""
    small, large = sorted(runs)
    medians = {
        notes: {key: statistics.median(r[key] for r in rs) for key in rs[0] if key != "load"}
        for notes, rs in runs.items()
    }
    ratio = medians[large]["cpu_ms_per_note"] / medians[small]["cpu_ms_per_note"]
    return {"medians": medians, "ratio": ratio, "flat": ratio <= FLAT, "runs": runs}


def render(result: dict[str, Any]) -> str:
    """The medians of each size and the verdict, as a Markdown table."""
    lines = [
        "| notes | runs | CPU per note | indexer | workers | cold index |",
        "|---|---|---|---|---|---|",
    ]
    for notes, median in sorted(result["medians"].items()):
        lines.append(
            f"| {notes:,} | {len(result['runs'][notes])} | {median['cpu_ms_per_note']:.3f} ms"
            f" | {median['indexer_ms_per_note']:.3f} ms | {median['workers_ms_per_note']:.3f} ms"
            f" | {median['seconds']:.2f} s |"
        )
    verdict = "flat" if result["flat"] else "NOT flat"
    lines.append("")
    lines.append(f"large / small: {result['ratio']:.3f} ({verdict}: limit {FLAT:.2f})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="the small and the large size")
    parser.add_argument("--rounds", type=int, default=2, help="runs of the large size")
    parser.add_argument("--out-prefix", default="/tmp/codex-bench-scale-")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    small_size, large_size = sorted(int(s) for s in args.sizes.split(","))
    notebooks = []
    for size in (small_size, large_size):
        out = Path(f"{args.out_prefix}{size}")
        ensure_notebook(out, size)
        notebooks.append((out, size))
    result = summary(alternate(notebooks[0], notebooks[1], args.rounds))
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
