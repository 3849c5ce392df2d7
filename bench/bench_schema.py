"""Benchmark frontmatter-schema validation from the index against its budget.

Usage::

    python bench/bench_schema.py [--notes 10000] [--repeat 5] [--out DIR] [--json FILE]

A synthetic notebook (``bench/generate.py``) gets the schema below in ``.codex/schema.yaml``
and is indexed once (untimed). Then, each ``--repeat`` times (minimum and median reported):

1. **compile**: ``load_schema`` of the schema text (YAML, checks, one validator per type);
2. **validate stored metadata only**: every live file's stored ``properties`` JSON through the
   compiled validators (what the budget is about, without link resolution or writes);
3. **validate all from the index** (the budget): ``sync_schema(full=True)`` — every live file's
   stored ``properties`` JSON validated against the compiled schema, the files with problems
   read again to place each problem exactly, and every result written to the database;
4. **index run with no change**: ``sync_schema(paths=[])``, what ``Indexer.index()`` adds when
   nothing changed (schema fingerprint compared); and **compare every file's stamp**:
   ``sync_schema()``, what it adds when something changed (every stamp compared, nothing to
   validate);
5. **one note changed**: ``Indexer.update_paths([path])`` of an invalid note, which includes
   its schema validation;
6. **check**: ``queries.check`` (links, parse problems and schema problems read back).

The schema gives about 10% of the notes a problem (a status the ``run`` type does not allow,
runs without frontmatter, ``x-codex-link`` values), so placing problems is measured too.

Budget (10,000 notes): validate all from the index <= 1 s (median).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:  # run as a script: bench/ is sys.path[0]
    from generate import SCHEMA, generate_notebook, notes_paths
except ImportError:  # imported as bench.bench_schema from the repository root
    from bench.generate import SCHEMA, generate_notebook, notes_paths

from codex_lsp.core.schema.compile import NotebookSchema
from codex_lsp.core.schema.lint import load_schema
from codex_lsp.storage import queries
from codex_lsp.storage.indexer import Indexer
from codex_lsp.storage.notebooks import Notebook
from codex_lsp.storage.schema_store import stored_schema_problems, sync_schema

BUDGET_NOTES = 10_000
BUDGET_SECONDS = 1.0


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def _fmt(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


CPU: dict[str, list[float]] = {}


def _time(run: Callable[[], object], repeat: int, name: str = "") -> list[float]:
    """Wall-clock samples; CPU time (this process) is kept in ``CPU[name]``."""
    samples = []
    cpu = CPU.setdefault(name, [])
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return samples


def validate_stored(conn: sqlite3.Connection, schema: NotebookSchema) -> int:
    """Validate every stored ``properties`` JSON (no link resolution, no writes); invalid count."""
    invalid = 0
    rows = conn.execute(
        "SELECT path, coalesce(properties, '{}'), body_line, is_note FROM file_metadata"
        " WHERE deleted_at IS NULL"
    )
    for path, properties, body_line, is_note in rows:
        data = json.loads(properties)
        has_metadata = bool(is_note and body_line) or bool(data)
        verdict = schema.evaluate(path, data, has_metadata=has_metadata, fast=True)
        invalid += bool(verdict.errors)
    return invalid


def ensure_notebook(out: Path, notes: int, seed: int) -> None:
    """Generate the notebook (once) and write the benchmark schema into it."""
    marker = out / ".codex" / "bench-schema.json"
    wanted = {"notes": notes, "seed": seed}
    if not (marker.exists() and json.loads(marker.read_text()) == wanted):
        out.mkdir(parents=True, exist_ok=True)
        generate_notebook(out, notes, seed)
        marker.write_text(json.dumps(wanted))
    (out / ".codex" / "schema.yaml").write_text(SCHEMA, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description="Benchmark schema validation from the index.")
    parser.add_argument("--notes", type=int, default=BUDGET_NOTES, help="notes to generate")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of each measurement")
    parser.add_argument("--out", type=Path, help="notebook directory (/tmp/codex-schema-N)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (1)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    if args.notes < 1 or args.repeat < 1:
        parser.error("--notes and --repeat must be >= 1")
    out: Path = (args.out or Path(f"/tmp/codex-schema-{args.notes}")).resolve()
    ensure_notebook(out, args.notes, args.seed)
    notebook = Notebook(out, explicit=True)
    indexer = Indexer(notebook)
    try:
        started = time.perf_counter()
        indexer.index()
        index_seconds = time.perf_counter() - started
        conn = indexer.conn

        compile_samples = _time(lambda: load_schema(SCHEMA), args.repeat, "compile")
        compiled = load_schema(SCHEMA).schema
        assert compiled is not None
        stored_samples = _time(lambda: validate_stored(conn, compiled), args.repeat, "stored")
        full_samples = _time(
            lambda: sync_schema(conn, notebook, full=True), args.repeat, "validate_all"
        )
        stats = sync_schema(conn, notebook, full=True)
        problems = stored_schema_problems(conn)
        unchanged_samples = _time(lambda: sync_schema(conn, notebook, []), args.repeat, "unchanged")
        stamps_samples = _time(lambda: sync_schema(conn, notebook), args.repeat, "stamps")

        bad_files = sorted({p.path for p in problems if p.path.endswith(".md")})
        target = bad_files[0] if bad_files else notes_paths(out)[0].relative_to(out).as_posix()
        text = (out / target).read_text(encoding="utf-8")
        buffers = [{target: text + f"\n\nedit {i}\n"} for i in range(args.repeat)]
        one_samples = []
        for buffer in buffers:
            started = time.perf_counter()
            indexer.update_paths([target], buffer)
            one_samples.append(time.perf_counter() - started)
        indexer.update_paths([target])  # the disk is the truth again
        check_samples = _time(lambda: queries.check(conn), args.repeat, "check")
        issues = queries.check(conn)
    finally:
        indexer.close()

    schema_issues = [i for i in issues if i.code.startswith("schema-")]
    by_code: dict[str, int] = {}
    for issue in schema_issues:
        by_code[issue.code] = by_code.get(issue.code, 0) + 1
    result: dict[str, Any] = {
        "command": " ".join(["python", "bench/bench_schema.py", *argv]),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "notes": args.notes,
        "files_validated": stats.validated,
        "files_with_problems": len({p.path for p in problems}),
        "problems_by_code": by_code,
        "index_seconds_untimed_setup": round(index_seconds, 3),
        "compile": compile_samples,
        "validate_stored_only": stored_samples,
        "validate_all": full_samples,
        "nothing_changed": unchanged_samples,
        "compare_stamps": stamps_samples,
        "one_changed_update_paths": one_samples,
        "check_query": check_samples,
        "cpu_seconds": CPU,
        "load_average": os.getloadavg(),
        "budget_seconds": BUDGET_SECONDS,
    }
    median = _median(full_samples)
    verdict = "PASS" if median <= BUDGET_SECONDS else f"OVER x{median / BUDGET_SECONDS:.2f}"
    if args.notes != BUDGET_NOTES:
        verdict += f" [budget is for {BUDGET_NOTES:,} notes]"
    print(f"notebook: {out} ({args.notes:,} notes, {stats.validated:,} files validated)")
    print(f"problems: {len(schema_issues)} in {result['files_with_problems']} files {by_code}")
    rows = [
        ("compile schema", compile_samples),
        ("validate stored metadata only", stored_samples),
        ("validate all from the index", full_samples),
        ("index run with no change", unchanged_samples),
        ("compare every file's stamp", stamps_samples),
        ("one note changed (update_paths)", one_samples),
        ("check query", check_samples),
    ]
    cpu_of = {
        "compile schema": "compile",
        "validate stored metadata only": "stored",
        "validate all from the index": "validate_all",
        "index run with no change": "unchanged",
        "compare every file's stamp": "stamps",
        "check query": "check",
    }
    for name, samples in rows:
        cpu = CPU.get(cpu_of.get(name, ""), [])
        cpu_text = f"  (CPU median {_fmt(_median(cpu))})" if cpu else ""
        print(
            f"  {name:<34} min {_fmt(min(samples)):>9}  median {_fmt(_median(samples)):>9}"
            + cpu_text
        )
    print(f"load average during the run: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"budget: validate all <= {BUDGET_SECONDS:.0f} s: {verdict}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
