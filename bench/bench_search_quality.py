"""Can a note be found by its own name? Search and ``[[`` completion, on real and generated notes.

Usage::

    python bench/bench_search_quality.py [--corpora ../shared/corpora] [--notes 10000]
                                         [--out DIR] [--seed 1] [--rounds 5] [--json FILE]

For every folder of ``--corpora`` (indexed as an implicit notebook, its database in a
temporary ``XDG_CACHE_HOME``: nothing is written into the corpora) and for a generated
notebook of ``--notes`` notes (``bench/generate.py``, cached in ``--out``, default
``/tmp/codex-bench-search-N``), every note whose name (file stem) no other note has, compared
case-insensitively, is looked for by that name, typed as is:

* **search**: ``storage.queries.search`` (what ``codex.search`` and ``codex-lsp search`` run):
  is the note the first hit, is it among the first three?
* **completion**: the server's ``[[`` completion for that typed text (the names of
  ``core.completion_names.NameTable`` with its ``core.fuzzy.FuzzyIndex``, searched as a completion
  request does): is one of the note's items first, among the first three?

Budget for every corpus and the generated notebook, search and completion alike: first for
at least 97% of the notes, top 3 for at least 99%. The misses are listed (up to ``--show``
per corpus) with what came first instead.

Then **latency**: a real server (``python -m codex_lsp serve``, driven over stdio by
pytest-lsp's client as in ``bench/bench_lsp.py``) on the generated notebook answers
``codex.search`` for 20 realistic queries (whole and partial note names, one and two body
words, a phrase, an exclusion, a tag filter, a folder filter), each ``--rounds`` times,
back to back on an idle index; every time is a client-side round trip. Budget: p95 <= 30 ms
at 10,000 notes. The server's CPU time per query (its ``/proc/<pid>/stat``) is printed
beside it: on a shared machine the round trips grow with the load, the CPU does not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import posixpath
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

try:  # run as a script: bench/ is sys.path[0]
    from bench_lsp import Session, percentile
    from generate import generate_notebook
except ImportError:  # imported as bench.bench_search_quality from the repository root
    from bench.bench_lsp import Session, percentile
    from bench.generate import generate_notebook

from codex_lsp.core.completion_names import NameTable
from codex_lsp.core.resolve import strip_note_suffix
from codex_lsp.lsp.settings import Settings
from codex_lsp.storage import lookups, queries
from codex_lsp.storage.indexer import Indexer
from codex_lsp.storage.notebooks import Notebook

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPORA = REPO_ROOT.parent / "shared" / "corpora"
FIRST_BUDGET = 0.97
TOP3_BUDGET = 0.99
LATENCY_BUDGET_MS = 30.0


@dataclass
class Share:
    """How often the wanted note came first and in the first three."""

    checked: int = 0
    first: int = 0
    top3: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)

    def add(self, name: str, wanted: str, ranked: Sequence[str]) -> None:
        """Count one look-up: ``ranked`` are the paths offered, best first."""
        self.checked += 1
        if ranked[:1] == [wanted]:
            self.first += 1
        if wanted in ranked[:3]:
            self.top3 += 1
        if ranked[:1] != [wanted]:
            self.misses.append({"name": name, "wanted": wanted, "got": list(ranked[:3])})

    def shares(self) -> tuple[float, float]:
        """(first, top 3) as fractions."""
        if not self.checked:
            return 1.0, 1.0
        return self.first / self.checked, self.top3 / self.checked

    def passes(self) -> bool:
        """Whether both budgets hold."""
        first, top3 = self.shares()
        return first >= FIRST_BUDGET and top3 >= TOP3_BUDGET


@dataclass
class CorpusResult:
    """The search and completion shares of one notebook."""

    corpus: str
    notes: int
    unique_names: int
    search: Share
    completion: Share
    seconds: float


def unique_notes(indexer: Indexer) -> list[tuple[str, str]]:
    """(name, path) of every live note whose name no other note has (case-insensitive)."""
    paths = [
        row[0]
        for row in indexer.conn.execute(
            "SELECT path FROM file_metadata WHERE is_note AND deleted_at IS NULL ORDER BY path"
        )
    ]
    names = [(strip_note_suffix(posixpath.basename(path)), path) for path in paths]
    counts = Counter(name.lower() for name, _ in names)
    return [(name, path) for name, path in names if counts[name.lower()] == 1 and name.strip()]


def measure(name: str, root: Path, explicit: bool) -> CorpusResult:
    """Index ``root`` and look every uniquely named note up by its name."""
    start = time.perf_counter()
    indexer = Indexer(Notebook(root, explicit=explicit))
    try:
        indexer.index()
        wanted = unique_notes(indexer)
        table = NameTable(lookups.note_name_rows(indexer.conn))
        limit = Settings().completion_max_items
        search, completion = Share(), Share()
        for note_name, path in wanted:
            hits = queries.search(indexer.conn, note_name, limit=3)
            search.add(note_name, path, [hit.path for hit in hits])
            chosen, _ = table.index.search(note_name, limit)
            found = [table.paths[table.entry_owner[n]] for n in chosen[:3]]
            completion.add(note_name, path, found)
        notes = indexer.conn.execute(
            "SELECT count(*) FROM file_metadata WHERE is_note AND deleted_at IS NULL"
        ).fetchone()[0]
    finally:
        indexer.close()
    return CorpusResult(name, notes, len(wanted), search, completion, time.perf_counter() - start)


def realistic_queries(root: Path, seed: int) -> list[str]:
    """20 queries as people type them into a search box, drawn from the notebook itself."""
    rng = random.Random(seed)
    notes = sorted(root.rglob("*.md"))
    stems = [strip_note_suffix(p.name) for p in notes]
    words = sorted({w.lower() for s in stems for w in s.split() if len(w) > 3 and w.isalpha()})
    folders = sorted({p.parent.relative_to(root).as_posix() for p in notes} - {"."})
    queries_: list[str] = []
    queries_ += rng.sample(stems, 6)  # whole names
    for stem in rng.sample(stems, 4):  # a name being typed
        parts = stem.split()
        queries_.append(" ".join([*parts[:-1], parts[-1][:2]]) if len(parts) > 1 else stem[:3])
    queries_ += rng.sample(words, 3)  # one word
    queries_ += [" ".join(rng.sample(words, 2)) for _ in range(2)]  # two words
    first, second = rng.sample(words, 2)
    queries_.append(f'"{stems[0].split()[0]}"')  # a phrase
    queries_.append(f"{first} -{second}")  # an exclusion
    queries_.append(f"{rng.choice(words)} tag:experiment")
    queries_.append(f"{rng.choice(words)} path:{rng.choice(folders)}/")
    queries_.append(rng.choice(words)[:3])  # a word being typed
    return queries_


def server_cpu_ms(session: Session) -> float:
    """The server process's CPU time so far (user and system, from ``/proc``): on a shared
    machine the round trips grow with the load, the CPU a query costs does not."""
    server = session.lsp._server  # pygls keeps the process it started there
    assert server is not None
    fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


async def latency(root: Path, rounds: int, seed: int) -> dict[str, Any]:
    """p50/p95/max of ``codex.search`` round trips through a real server."""
    session = Session(root)
    await session.start()
    session.initialized()
    try:
        await session.wait_ready(timeout=600)
        asked = realistic_queries(root, seed)
        for query in asked:  # warm the reader connection and SQLite's page cache once
            await session.command("codex.search", {"query": query})
        times: list[float] = []
        counts: dict[str, int] = {}
        cpu_before = server_cpu_ms(session)
        for _ in range(rounds):
            for query in asked:
                start = time.perf_counter()
                hits = await session.command("codex.search", {"query": query})
                times.append((time.perf_counter() - start) * 1000)
                counts[query] = len(hits)
        cpu_ms = (server_cpu_ms(session) - cpu_before) / len(times)
    finally:
        await session.stop()
    return {
        "queries": counts,
        "samples": len(times),
        "server_cpu_ms_per_query": cpu_ms,
        "p50_ms": percentile(times, 0.5),
        "p95_ms": percentile(times, 0.95),
        "max_ms": max(times),
    }


def render(results: list[CorpusResult], show: int) -> str:
    """The per-corpus table and the misses."""
    lines = [
        f"{'corpus':<18} {'notes':>6} {'unique':>6}  {'search 1st':>10} {'top 3':>7}"
        f"  {'compl. 1st':>10} {'top 3':>7}  verdict",
    ]
    for r in results:
        s1, s3 = r.search.shares()
        c1, c3 = r.completion.shares()
        verdict = "PASS" if r.search.passes() and r.completion.passes() else "OVER"
        lines.append(
            f"{r.corpus:<18} {r.notes:>6} {r.unique_names:>6}  {s1:>10.1%} {s3:>7.1%}"
            f"  {c1:>10.1%} {c3:>7.1%}  {verdict}"
        )
    for r in results:
        for kind, share in (("search", r.search), ("completion", r.completion)):
            for miss in share.misses[:show]:
                lines.append(
                    f"  {r.corpus} {kind} miss: {miss['name']!r} -> {miss['got']}"
                    f" (wanted {miss['wanted']})"
                )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit status 1 if a budget is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--notes", type=int, default=10_000, help="generated notes (0: none)")
    parser.add_argument("--out", type=Path, help="generated notebook (/tmp/codex-bench-search-N)")
    parser.add_argument("--seed", type=int, default=1, help="generator and query seed")
    parser.add_argument("--rounds", type=int, default=5, help="repetitions of the 20 queries")
    parser.add_argument("--show", type=int, default=5, help="misses listed per corpus")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    results: list[CorpusResult] = []
    with tempfile.TemporaryDirectory(prefix="codex-bench-cache-") as cache:
        os.environ["XDG_CACHE_HOME"] = cache  # implicit notebooks keep their database here
        corpora = sorted(p for p in args.corpora.iterdir() if p.is_dir())
        for folder in corpora:
            print(f"corpus {folder.name} ...", file=sys.stderr)
            results.append(measure(folder.name, folder, explicit=False))
    timing: dict[str, Any] | None = None
    if args.notes:
        out = args.out or Path(f"/tmp/codex-bench-search-{args.notes}")
        if not (out / ".codex").is_dir():
            print(f"generating {args.notes} notes in {out} ...", file=sys.stderr)
            generate_notebook(out, args.notes, args.seed)
        print(f"generated {args.notes} ...", file=sys.stderr)
        results.append(measure(f"generated-{args.notes}", out, explicit=True))
        print("latency ...", file=sys.stderr)
        timing = asyncio.run(latency(out, args.rounds, args.seed))
    print(render(results, args.show))
    ok = all(r.search.passes() and r.completion.passes() for r in results)
    if timing is not None:
        verdict = "PASS" if timing["p95_ms"] <= LATENCY_BUDGET_MS else "OVER"
        ok = ok and verdict == "PASS"
        print(
            f"\ncodex.search, 20 queries x {args.rounds} at {args.notes} notes:"
            f" p50 {timing['p50_ms']:.1f} ms, p95 {timing['p95_ms']:.1f} ms,"
            f" max {timing['max_ms']:.1f} ms (budget p95 <= {LATENCY_BUDGET_MS:.0f} ms) {verdict};"
            f" server CPU {timing['server_cpu_ms_per_query']:.1f} ms per query"
        )
        for query, count in timing["queries"].items():
            print(f"  {count:>3} hits  {query}")
    if args.json:
        data = {"corpora": [asdict(r) for r in results], "latency": timing}
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
