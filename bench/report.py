"""Run the benchmarks of every budget up to 40,000 notes and print the budget table.

Usage::

    python bench/report.py [--only NAME,...] [--skip NAME,...] [--scale FILE] [--out DIR]
                           [--reuse]

Each benchmark (the names below) runs in its own process with ``--json`` (the diagnostics
benchmark has none: its printed table is read), its output kept in ``--out`` (default
``/tmp/codex-bench-report``); then one Markdown table is printed, a row per budget: the budget,
its limit, the figure measured, the verdict (PASS, OVER, or ``?`` when the benchmark failed or
its output lacked the figure), the load average before and after that benchmark, and the
command that measures it. ``--reuse`` reads the JSON files already in ``--out`` instead of
running again (to print the table after an interrupted run). ``--scale FILE``: the ``--json``
of ``bench/bench_scale.py`` (which measures 100,000 notes, too long for this run) adds the
budgets measured at its largest size.

The machine may be shared: read each figure beside its load average.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
CORPORA = BENCH.parent.parent / "shared" / "corpora"
NOTEBOOK_40K = Path("/tmp/codex-bench-scale-40000")  # bench_scale.py's notebook, reused
MB = 1_000_000


@dataclass(frozen=True)
class Run:
    """One benchmark process: ``bench/<script> <args>``, writing ``--json`` unless not."""

    name: str
    script: str
    args: tuple[str, ...]
    writes_json: bool = True

    def command(self) -> str:
        """The command as a user types it from the repository root."""
        return " ".join(["python", f"bench/{self.script}", *self.args])


RUNS = (
    Run("startup", "bench_startup.py", ("--runs", "10")),
    Run("index", "bench_index.py", ("--notes", "10000", "--repeat", "3", "--no-corpora")),
    Run("cold", "bench_cold_start.py", ("--notes", "13000", "--warm", "3")),
    Run("lsp", "bench_lsp.py", ("--notes", "10000", "--samples", "100", "--warm", "3")),
    Run("symbols", "bench_symbols.py", ("--root", str(NOTEBOOK_40K), "--samples", "100")),
    Run("symbols-real", "bench_symbols.py", ("--root", str(CORPORA), "--samples", "100")),
    Run("search", "bench_search_scale.py", ("--root", str(NOTEBOOK_40K), "--samples", "100")),
    Run("search-quality", "bench_search_quality.py", ("--rounds", "3")),
    Run(
        "diagnostics",
        "bench_diagnostics.py",
        ("--notes", "10000", "--edits", "100", "--mode", "pull"),
        writes_json=False,
    ),
    Run("views", "bench_views.py", ("--notes", "10000", "--repeat", "30")),
    Run("mentions", "bench_mentions.py", ("--notes", "10000", "--samples", "100")),
    Run("schema", "bench_schema.py", ("--repeat", "3")),
    Run("git", "bench_git.py", ("--repeat", "5", "--no-index")),
)


@dataclass(frozen=True)
class Figure:
    """A measured figure as the table shows it, and whether it is within its budget."""

    text: str
    within: bool


@dataclass(frozen=True)
class Budget:
    """A row of the table: ``figure`` reads the figure from its run's output."""

    name: str
    limit: str
    run: str
    figure: Callable[[Any], Figure]


def ms_p95(value: float, limit: float, extra: str = "") -> Figure:
    """A p95 in milliseconds against ``limit``."""
    return Figure(f"{value:.1f} ms{extra}", value <= limit)


def _index_cold(data: Any) -> Figure:
    bench = data["notebook"]
    cpu = bench["cold_cpu_self"]["median"] + bench["cold_cpu_workers"]["median"]
    wall = bench["cold"]["median"]
    return Figure(f"{wall:.2f} s wall, {cpu:.2f} s CPU (medians)", wall <= 3.0)


def _index_floor(data: Any) -> Figure:
    ratio = data["notebook"]["cold_over_floor"]["median"]
    return Figure(f"{ratio:.1f}x (median)", ratio <= 5.0)


def _index_noop(data: Any) -> Figure:
    bench = data["notebook"]
    wall, cpu = bench["nothing_changed"]["median"], bench["nothing_changed_cpu"]["median"]
    return Figure(f"{wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU (medians)", wall <= 0.1)


def _index_one(data: Any) -> Figure:
    median = data["notebook"]["one_changed_update_paths"]["median"]
    return Figure(f"{median * 1000:.1f} ms (median)", median <= 0.020)


def _index_rss(data: Any) -> Figure:
    peak = data["notebook"]["peak_rss_self"]["max"]
    return Figure(f"{peak / MB:.0f} MB", peak <= 150 * MB)


def _metric(data: Any, name: str) -> dict[str, Any]:
    for metric in data["metrics"]:
        if metric["name"] == name:
            return dict(metric)
    raise KeyError(name)


def _lsp_warm(data: Any) -> Figure:
    completion = _metric(data, "warm start: first completion")["p50_ms"]
    definition = _metric(data, "warm start: first definition")["p50_ms"]
    return Figure(
        f"completion {completion:.0f} ms, definition {definition:.0f} ms (medians)",
        max(completion, definition) <= 500,
    )


def _lsp_completion(data: Any) -> Figure:
    idle = _metric(data, "completion after [[, idle server")["p95_ms"]
    typing = _metric(data, "completion while typing")["p95_ms"]
    return Figure(f"idle {idle:.1f} ms, typing {typing:.1f} ms", max(idle, typing) <= 15)


def _cold_first(data: Any) -> Figure:
    firsts = data["first_useful_completion_ms"]
    worst = max(firsts) if firsts else float("inf")
    return Figure(f"{worst:.0f} ms", not data["never_useful"] and worst <= 300)


def _cold_completion(data: Any) -> Figure:
    c = data["completion"]
    marked = c["n"] - c["null"] - c["marked_complete"]
    return Figure(
        f"p95 {c['p95_ms']:.1f} ms; {marked} of {c['n']} marked incomplete",
        c["p95_ms"] <= 50 and marked == c["n"],
    )


def _cold_definition(data: Any) -> Figure:
    d = data["definition"]
    return Figure(f"{d['right']} of {d['n']} right, p95 {d['p95_ms']:.0f} ms", d["right"] == d["n"])


def _cold_partial(data: Any) -> Figure:
    r, s = data["references"], data["symbols"]
    return Figure(
        f"references {r['partial']} of {r['n']}, symbols {s['partial']} of {s['n']}",
        r["partial"] == r["n"] and s["partial"] == s["n"],
    )


def _cold_warm(data: Any) -> Figure:
    warm = data["warm"]
    useful = sum(bool(w["first_completion_items"]) and w["first_definition_found"] for w in warm)
    return Figure(f"{useful} of {len(warm)} starts", bool(warm) and useful == len(warm))


def _startup(data: Any) -> Figure:
    after = data["initialize after pygls, ms (median; budget 30)"]
    initialize = data["initialize answered, ms (median, min)"][0]
    pygls = data["import pygls.lsp.server, ms (median, min)"][0]
    return Figure(
        f"{after:.0f} ms after pygls's import (medians: `initialize` {initialize:.0f} ms,"
        f" pygls {pygls:.0f} ms)",
        after <= 30,
    )


def _symbols(limit: float) -> Callable[[Any], Figure]:
    def figure(data: Any) -> Figure:
        kinds = [k for k, v in data.items() if isinstance(v, dict) and "p95" in v]
        worst = max(kinds, key=lambda k: data[k]["p95"])
        text = ", ".join(f"{k} {data[k]['p95']:.1f} ms" for k in kinds if "floor" not in k)
        return Figure(text, data[worst]["p95"] <= limit)

    return figure


def _search(data: Any) -> Figure:
    return ms_p95(data["codex.search, 1-2 words"]["p95"], 100)


def _search_quality(data: Any) -> Figure:
    worst_first = min(
        min(c["search"]["first"], c["completion"]["first"])
        / max(1, min(c["search"]["checked"], c["completion"]["checked"]))
        for c in data["corpora"]
    )
    worst_top3 = min(
        min(c["search"]["top3"], c["completion"]["top3"])
        / max(1, min(c["search"]["checked"], c["completion"]["checked"]))
        for c in data["corpora"]
    )
    return Figure(
        f"worst corpus: {worst_first:.0%} first, {worst_top3:.0%} top 3",
        worst_first >= 0.97 and worst_top3 >= 0.99,
    )


def _search_latency(data: Any) -> Figure:
    return ms_p95(data["latency"]["p95_ms"], 30)


def _diagnostics(text: str) -> Figure:
    """The pull p95 of every phase (quiet, writing) the benchmark printed, each against the
    budget: the budget holds only when every phase is within it."""
    phases = []
    for line in text.splitlines():
        fields = line.split()
        if fields[:1] == ["pull"] and len(fields) > 3:
            phases.append((fields[1], float(fields[3])))
    if not phases:
        raise KeyError("pull")
    shown = ", ".join(f"{phase} {p95:.1f} ms" for phase, p95 in phases)
    return Figure(shown, all(p95 <= 10 for _, p95 in phases))


def _view(name: str, limit: float) -> Callable[[Any], Figure]:
    return lambda data: ms_p95(data["views"][name]["p95_ms"], limit)


def _mentions(data: Any) -> Figure:
    return ms_p95(data["mentions_of"]["p95_ms"], 50)


def _schema(data: Any) -> Figure:
    samples = data["validate_all"]
    median = sorted(samples)[len(samples) // 2] if isinstance(samples, list) else samples["median"]
    return Figure(f"{median:.2f} s (median)", median <= 1.0)


def _git(data: Any) -> Figure:
    worst = max(
        v["median"] for k, v in data["history"].items() if k.startswith("history") and "median" in v
    )
    return Figure(f"{worst * 1000:.0f} ms (slowest history, median)", worst <= 0.3)


BUDGETS = (
    Budget("cold index, 10,000 notes with schema and git history", "<= 3 s", "index", _index_cold),
    Budget("cold index / floor, same run", "<= 5x", "index", _index_floor),
    Budget("no-op index run, 10,000 notes", "<= 0.1 s", "index", _index_noop),
    Budget("one note changed (`update_paths`)", "<= 20 ms", "index", _index_one),
    Budget("peak RSS of a cold index (10,000)", "<= 150 MB", "index", _index_rss),
    Budget("`initialize` answered after spawning", "pygls + <= 30 ms", "startup", _startup),
    Budget("cold start, 13,000 notes: first useful completion", "<= 0.3 s", "cold", _cold_first),
    Budget(
        "cold start: completion during the index, marked incomplete",
        "<= 50 ms, all",
        "cold",
        _cold_completion,
    ),
    Budget("cold start: definition of a valid link", "right at any time", "cold", _cold_definition),
    Budget("cold start: references, workspace symbols say partial", "all", "cold", _cold_partial),
    Budget("warm start: first completion and definition useful", "every start", "cold", _cold_warm),
    Budget("warm start, 10,000: first completion and definition", "<= 0.5 s", "lsp", _lsp_warm),
    Budget("completion after `[[` p95, 10,000 (idle, typing)", "<= 15 ms", "lsp", _lsp_completion),
    Budget("`workspace/symbol` p95, real notes", "<= 10 ms", "symbols-real", _symbols(10)),
    Budget("`workspace/symbol` p95, 40,000 generated", "<= 25 ms", "symbols", _symbols(25)),
    Budget("`codex.search` p95, 40,000 generated", "<= 100 ms", "search", _search),
    Budget("`codex.search` p95, 10,000, 20 queries", "<= 30 ms", "search-quality", _search_latency),
    Budget(
        "search and `[[` put a note first by name",
        ">= 97% / 99% top 3",
        "search-quality",
        _search_quality,
    ),
    Budget("edit -> diagnostics (pull) p95, 10,000", "<= 10 ms", "diagnostics", _diagnostics),
    Budget("typical view p95, 10,000", "<= 20 ms", "views", _view("typical", 20)),
    Budget("grouped view with summaries p95, 10,000", "<= 100 ms", "views", _view("grouped", 100)),
    Budget("a view after one note changed p95", "<= 20 ms", "views", _view("after one change", 20)),
    Budget("unlinked mentions p95, 10,000", "<= 50 ms", "mentions", _mentions),
    Budget("schema validation of 10,000 notes", "<= 1 s", "schema", _schema),
    Budget("history of a note, 10,000 commits", "<= 300 ms", "git", _git),
)


def scale_budgets(rows: list[dict[str, Any]]) -> list[tuple[str, str, Figure, str]]:
    """The 100k budgets (or those of the largest size measured) from bench_scale's JSON."""
    row = max(rows, key=lambda r: r["notes"])
    notes = f"{row['notes']:,}"
    load = f"{row.get('load_before', 0):.1f}-{row.get('load_after', 0):.1f}"
    found = [
        (
            f"cold index, {notes}",
            "<= 40 s",
            Figure(
                f"{row['cold_s']:.1f} s wall, {row['cold_cpu_s']:.1f} s CPU", row["cold_s"] <= 40
            ),
        ),
        (
            f"peak RSS of a cold index, {notes}",
            "<= 150 MB",
            Figure(f"{row['cold_peak_rss'] / MB:.0f} MB", row["cold_peak_rss"] <= 150 * MB),
        ),
    ]
    if "server_peak_rss" in row:
        rss = row["server_peak_rss"]
        found.append(
            (
                f"server holding {notes}, peak RSS",
                "<= 300 MB",
                Figure(f"{rss / MB:.0f} MB", rss <= 300 * MB),
            )
        )
        found.append(
            (
                f"warm start to first answer, {notes}",
                "<= 1 s",
                Figure(f"{row['warm_start_ms']:.0f} ms", row["warm_start_ms"] <= 1000),
            )
        )
        requests = ("completion_p95_ms", "symbols_p95_ms", "references_p95_ms")
        worst = max(row[key] for key in requests)
        found.append(
            (
                f"request p95, {notes} (completion, symbols, references)",
                "<= 25 ms",
                Figure(", ".join(f"{row[key]:.1f}" for key in requests) + " ms", worst <= 25),
            )
        )
        found.append(
            (f"`codex.search` p95, {notes}", "<= 100 ms", ms_p95(row["search_p95_ms"], 100))
        )
    small = [r for r in rows if r["notes"] >= 10_000]
    if len(small) >= 2:
        per_note = [
            r["cold_cpu_s"] / r["notes"] * 1000 for r in sorted(small, key=lambda r: r["notes"])
        ]
        growth = per_note[-1] / per_note[0] - 1
        found.append(
            (
                "CPU per note of a cold index, flat from 10k",
                "flat",
                Figure(
                    " / ".join(f"{v:.2f}" for v in per_note) + f" ms ({growth:+.0%})", growth <= 0.1
                ),
            )
        )
    return [(name, limit, figure, load) for name, limit, figure in found]


def run_one(run: Run, out: Path) -> dict[str, Any]:
    """Run a benchmark; its output, the load average around it and how long it took."""
    target = out / f"{run.name}.json"
    log = out / f"{run.name}.log"
    command = [sys.executable, str(BENCH / run.script), *run.args]
    if run.writes_json:
        command += ["--json", str(target)]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with open(log, "w", encoding="utf-8") as errors:
        done = subprocess.run(
            command, cwd=BENCH.parent, stdout=subprocess.PIPE, stderr=errors, text=True
        )
    summary = {
        "seconds": time.perf_counter() - started,
        "load": [load_before, os.getloadavg()[0]],
        "returncode": done.returncode,
        "stdout": done.stdout,
    }
    (out / f"{run.name}.run.json").write_text(json.dumps(summary), encoding="utf-8")
    return summary


def output_of(run: Run, out: Path) -> Any:
    """What the benchmark left: its JSON, or its printed text when it writes none."""
    if not run.writes_json:
        return json.loads((out / f"{run.name}.run.json").read_text(encoding="utf-8"))["stdout"]
    return json.loads((out / f"{run.name}.json").read_text(encoding="utf-8"))


def verdict_of(limit: str, figure: Figure) -> str:
    """PASS; OVER for a limit that is a number, FAIL for a rule (right, all, every)."""
    if figure.within:
        return "PASS"
    return "**OVER**" if limit[:2] in ("<=", ">=", "fl", "py") else "**FAIL**"


def render(out: Path, names: list[str], scale: list[dict[str, Any]] | None) -> str:
    """The budget table of the runs ``names`` whose output is in ``out``."""
    runs = {run.name: run for run in RUNS}
    lines = [
        "| budget | limit | figure | verdict | load | command |",
        "|---|---|---|---|---|---|",
    ]
    for budget in BUDGETS:
        if budget.run not in names:
            continue
        run = runs[budget.run]
        load = "-"
        try:
            summary = json.loads((out / f"{run.name}.run.json").read_text(encoding="utf-8"))
            load = "{:.1f}-{:.1f}".format(*summary["load"])
            figure = budget.figure(output_of(run, out))
            text, verdict = figure.text, verdict_of(budget.limit, figure)
        except (OSError, KeyError, ValueError, TypeError, IndexError) as error:
            text, verdict = f"no figure ({type(error).__name__}: {error}; see {out})", "?"
        lines.append(
            f"| {budget.name} | {budget.limit} | {text} | {verdict} | {load} | `{run.command()}` |"
        )
    if scale:
        command = "`python bench/bench_scale.py --sizes 100000`"
        for name, limit, figure, load in scale_budgets(scale):
            verdict = verdict_of(limit, figure)
            lines.append(f"| {name} | {limit} | {figure.text} | {verdict} | {load} | {command} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    every = [run.name for run in RUNS]
    parser.add_argument("--only", help=f"comma-separated, among {','.join(every)}")
    parser.add_argument("--skip", default="", help="comma-separated names not to run")
    parser.add_argument("--out", type=Path, default=Path("/tmp/codex-bench-report"))
    parser.add_argument("--reuse", action="store_true", help="print from the files in --out")
    parser.add_argument("--scale", type=Path, help="bench_scale.py's --json, for 100k budgets")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else every
    names = [name for name in names if name not in args.skip.split(",")]
    unknown = set(names) - set(every)
    if unknown:
        parser.error(f"unknown benchmarks: {', '.join(sorted(unknown))}")
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if not args.reuse:
        if {"symbols", "search"} & set(names):
            sys.path.insert(0, str(BENCH))
            from bench_scale import ensure_notebook

            ensure_notebook(NOTEBOOK_40K, 40_000)
        for run in RUNS:
            if run.name in names:
                print(f"{run.name}: {run.command()} ...", file=sys.stderr, flush=True)
                summary = run_one(run, args.out)
                print(
                    f"  {summary['seconds']:.0f} s, exit {summary['returncode']}",
                    file=sys.stderr,
                    flush=True,
                )
    scale = json.loads(args.scale.read_text(encoding="utf-8")) if args.scale else None
    print(render(args.out, names, scale))
    print(f"\n{time.perf_counter() - started:.0f} s in all", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
