"""Benchmark the codex-lsp indexer against its budgets.

Usage::

    python bench/bench_index.py [--notes 10000] [--repeat 3] [--out DIR] [--plain]
                                [--corpora ../shared/corpora] [--json FILE]

What it measures, each ``--repeat`` times (minimum and median reported):

1. **cold index**: ``notebook.db*`` deleted, then a fresh Python process runs
   ``discover`` + ``Indexer(...).index()``. The time reported is measured inside that process
   (opening/creating the database included, interpreter start-up and imports excluded; the
   whole process wall time is reported too). The child also reports its own peak RSS
   (``VmHWM``) and the largest peak RSS of its worker processes (``RUSAGE_CHILDREN``:
   runs of >= 400 files are parsed in a ``ProcessPoolExecutor``). One more cold run, not
   timed, is sampled by this process through ``/proc`` for the peak PSS/RSS summed over the
   whole process tree: reading every process's ``smaps_rollup`` competes with the index for
   the processors (about a tenth of a cold index on two CPUs), so the timed runs are not
   sampled.
2. **nothing changed**: ``Indexer.index()`` in this process on the warm database.
3. **one note changed**: ``touch_one`` (untimed) then ``Indexer.update_paths([path])`` (what
   the editor does on save), and separately a full ``Indexer.index()`` after one change.
4. **notes/second** of the cold index.
5. **the floor** (``bench/floor.py``: walk, read, decode, parse frontmatter) in the same run,
   and the ratio cold / floor.

The notebook is made by ``bench/generate.py`` with its schema and git history (``--shipped``;
``--plain``: without), so the cold index includes the schema check and the git pass. It is
cached in ``--out`` (default ``/tmp/codex-bench-N-shipped`` or ``-plain``); touched notes
are restored to their generated content at the end. Every folder of ``--corpora`` is then
indexed cold as an implicit notebook with ``XDG_CACHE_HOME`` pointing at a temporary
directory, so nothing is ever written into the corpora.

Budgets (for 10,000 notes): cold <= 3 s and <= 5x the floor, nothing changed <= 0.1 s, one
changed <= 20 ms, peak RSS <= 150 MB. A budget is marked PASS when the *median* is within
it, OVER otherwise. MB means 10^6 bytes throughout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

try:  # run as a script: bench/ is sys.path[0]
    from floor import LOADER_NAME, floor_stats
    from generate import generate_notebook, notes_paths, ship_notebook, touch_one
except ImportError:  # imported as bench.bench_index from the repository root
    from bench.floor import LOADER_NAME, floor_stats
    from bench.generate import generate_notebook, notes_paths, ship_notebook, touch_one

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = REPO_ROOT.parent / "shared" / "corpora"
MARKER = Path(".codex") / "bench-notebook.json"
CHILD_FLAG = "--child-index"
BUDGET_NOTES = 10_000
FLOOR_RATIO = 5.0  # the cold index may take this many times the floor
MB = 1_000_000


@dataclass(frozen=True, slots=True)
class Budget:
    """An upper bound on a measurement (in the measurement's unit)."""

    name: str
    limit: float
    unit: str


BUDGETS = {
    "cold": Budget("cold index", 3.0, "s"),
    "nothing_changed": Budget("nothing changed", 0.1, "s"),
    "one_changed": Budget("one changed (update_paths)", 0.020, "s"),
    "peak_rss": Budget("peak RSS, indexer process", 150 * MB, "B"),
}


# -- helpers ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Series:
    """Repeated samples of one measurement."""

    samples: list[float] = field(default_factory=list)

    @property
    def min(self) -> float:
        """Smallest sample."""
        return min(self.samples)

    @property
    def median(self) -> float:
        """Median sample."""
        return statistics.median(self.samples)

    @property
    def max(self) -> float:
        """Largest sample."""
        return max(self.samples)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "min": self.min,
            "median": self.median,
            "max": self.max,
            "samples": self.samples,
        }


def _fmt_seconds(value: float) -> str:
    if value < 1.0:
        return f"{value * 1000:.1f} ms"
    return f"{value:.2f} s"


def _fmt_bytes(value: float) -> str:
    return f"{value / MB:.1f} MB"


def _verdict(budget: Budget, series: Series, notes: int) -> str:
    """PASS/OVER judged on the median, with how far over; flags a non-10k notebook."""
    median = series.median
    if median <= budget.limit:
        text = "PASS"
    else:
        text = f"OVER x{median / budget.limit:.2f}"
        if series.min <= budget.limit:
            text += " (min passes)"
    if notes != BUDGET_NOTES:
        text += f" [budget is for {BUDGET_NOTES:,} notes]"
    return text


def _delete_db(db_path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)


def machine_info() -> dict[str, Any]:
    """CPU count and model, OS, Python and SQLite versions."""
    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        mem_total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        mem_total = 0
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_bytes": mem_total,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "yaml_loader": LOADER_NAME,
    }


def code_info() -> dict[str, Any]:
    """Which codex_lsp is measured: its location and, if it is in a git work tree, the commit."""
    import codex_lsp

    package = Path(codex_lsp.__file__).resolve().parent
    info: dict[str, Any] = {"package": str(package), "commit": None, "dirty": None}
    try:
        commit = subprocess.run(
            ["git", "-C", str(package), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(package), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return info
    info.update(commit=commit, dirty=bool(status.strip()))
    return info


def _busy_cpu_seconds() -> float | None:
    """CPU seconds all processes on the machine have used since boot (``/proc/stat``)."""
    try:
        with open("/proc/stat", encoding="utf-8") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    busy = sum(fields[:8]) - idle  # guest time is already counted in user
    return busy / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    """CPU seconds used by this process and its waited-for descendants."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Contention:
    """Estimates how much CPU *other* processes used while the benchmark ran."""

    def __init__(self) -> None:
        self.load_before = os.getloadavg()
        self._wall = time.perf_counter()
        self._busy = _busy_cpu_seconds()
        self._own = _own_cpu_seconds()

    def result(self) -> dict[str, Any]:
        """Average number of CPUs busy with other work, and the load averages."""
        wall = time.perf_counter() - self._wall
        busy = _busy_cpu_seconds()
        other = None
        if busy is not None and self._busy is not None and wall > 0:
            ours = _own_cpu_seconds() - self._own
            other = max(0.0, (busy - self._busy - ours) / wall)
        return {
            "other_cpus_busy": other,
            "loadavg_before": self.load_before,
            "loadavg_after": os.getloadavg(),
            "wall_seconds": wall,
        }


# -- the notebook ------------------------------------------------------------------------------


def _notebook_size(root: Path) -> tuple[int, int]:
    """(number of notes, total bytes of notes)."""
    paths = notes_paths(root)
    return len(paths), sum(p.stat().st_size for p in paths)


def ensure_notebook(
    out: Path, notes: int, seed: int, shipped: bool = True
) -> tuple[int, int, bool]:
    """Generate ``notes`` notes into ``out`` unless an identical copy is already there;
    ``shipped``: with its schema and git history (``generate.ship_notebook``).

    Returns (notes, bytes, generated). A cached copy is reused only when its marker names the
    same ``notes``/``seed``/``shipped`` and the note count and total size still match.
    """
    marker = out / MARKER
    if marker.is_file():
        try:
            meta = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        if (meta.get("notes"), meta.get("seed"), meta.get("shipped")) == (notes, seed, shipped):
            count, size = _notebook_size(out)
            if count == notes and size == meta.get("bytes"):
                return count, size, False
    elif out.exists():
        count, _ = _notebook_size(out)
        if count not in (0, notes):
            raise SystemExit(
                f"{out} holds {count} notes that this script did not generate; "
                "pass an empty or new --out directory"
            )
    generate_notebook(out, notes, seed)
    if shipped:
        ship_notebook(out, seed)
    count, size = _notebook_size(out)
    meta = {"notes": notes, "seed": seed, "shipped": shipped, "bytes": size}
    marker.write_text(json.dumps(meta), encoding="utf-8")
    return count, size, True


# -- process-tree memory sampling --------------------------------------------------------------


def _ppid_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="utf-8") as fh:
                stat = fh.read()
        except OSError:
            continue
        # Field 4 (ppid) comes after the command name, which is in parentheses.
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(name))
    return children


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    children = _ppid_map()
    tree, stack = [], [pid]
    while stack:
        current = stack.pop()
        tree.append(current)
        stack.extend(children.get(current, ()))
    return tree


def _memory_of(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in bytes; zeros if it is gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return pss, rss


class TreeSampler(threading.Thread):
    """Polls ``/proc`` for the summed PSS and RSS of a process and all its descendants."""

    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_pss = 0
        self.peak_rss = 0
        self.peak_processes = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        """Sample until :meth:`stop` is called."""
        while not self._stop_event.is_set():
            try:
                tree = process_tree(self.pid)
            except OSError:
                break
            pss = rss = 0
            for pid in tree:
                one_pss, one_rss = _memory_of(pid)
                pss, rss = pss + one_pss, rss + one_rss
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_processes = max(self.peak_processes, len(tree))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self._stop_event.set()
        self.join()


# -- cold index in a child process -------------------------------------------------------------


def _peak_rss_self() -> int:
    """Peak RSS of this process in bytes.

    ``VmHWM`` from ``/proc/self/status`` where available: ``ru_maxrss`` survives ``execve``, so
    a child started with ``vfork`` + ``exec`` (as :mod:`subprocess` does) would report at least
    the *parent's* RSS at that moment.
    """
    try:
        with open("/proc/self/status", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child_main(root: str) -> int:
    """Run in the child process: index ``root`` cold and print one JSON line of results."""
    from codex_lsp.storage.indexer import Indexer
    from codex_lsp.storage.notebooks import discover

    rss_after_import = _peak_rss_self()
    before = os.times()
    cpu_before = before.user + before.system
    start = time.perf_counter()
    notebook = discover(Path(root))[0]
    indexer = Indexer(notebook)
    stats = indexer.index(full=False)
    indexer.close()
    seconds = time.perf_counter() - start
    times = os.times()
    result = {
        "seconds": seconds,
        "index_seconds": stats.seconds,
        "db_path": str(notebook.db_path),
        "explicit": notebook.explicit,
        "stats": stats.as_dict(),
        "rss_after_import": rss_after_import,
        "peak_rss_self": _peak_rss_self(),
        "peak_rss_workers": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
        "cpu_self": times.user + times.system - cpu_before,
        "cpu_workers": times.children_user + times.children_system,
    }
    print(json.dumps(result))
    return 0


@dataclass(slots=True)
class ColdRun:
    """One cold index in a child process."""

    seconds: float
    process_seconds: float
    peak_rss_self: int
    peak_rss_workers: int
    rss_after_import: int
    tree_peak_pss: int
    tree_peak_rss: int
    tree_processes: int
    stats: dict[str, Any]
    db_path: str
    explicit: bool
    cpu_self: float
    cpu_workers: float


def run_cold(root: Path, env: dict[str, str] | None, sample_interval: float) -> ColdRun:
    """Index ``root`` from scratch in a fresh interpreter and collect time and memory."""
    command = [sys.executable, os.path.abspath(__file__), CHILD_FLAG, str(root)]
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    sampler = None
    if sample_interval > 0 and os.path.isdir("/proc"):
        sampler = TreeSampler(proc.pid, sample_interval)
        sampler.start()
    out, err = proc.communicate()
    process_seconds = time.perf_counter() - start
    if sampler is not None:
        sampler.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"cold index of {root} failed ({proc.returncode}):\n{err}")
    data = json.loads(out.strip().splitlines()[-1])
    return ColdRun(
        seconds=data["seconds"],
        process_seconds=process_seconds,
        peak_rss_self=data["peak_rss_self"],
        peak_rss_workers=data["peak_rss_workers"],
        rss_after_import=data["rss_after_import"],
        tree_peak_pss=sampler.peak_pss if sampler else 0,
        tree_peak_rss=sampler.peak_rss if sampler else 0,
        tree_processes=sampler.peak_processes if sampler else 0,
        stats=data["stats"],
        db_path=data["db_path"],
        explicit=data["explicit"],
        cpu_self=data["cpu_self"],
        cpu_workers=data["cpu_workers"],
    )


# -- the benchmark ----------------------------------------------------------------------------


def bench_notebook(
    root: Path, repeat: int, sample_interval: float, log: Callable[[str], None]
) -> dict[str, Any]:
    """All measurements on the generated notebook at ``root``."""
    from codex_lsp.storage.indexer import Indexer
    from codex_lsp.storage.notebooks import discover

    notebook = discover(root)[0]
    if not notebook.explicit:
        raise SystemExit(f"{root} is not an explicit notebook (no .codex/ folder)")
    db_path = notebook.db_path

    log("floor ...")
    floor = Series()
    for _ in range(repeat):
        floor.samples.append(floor_stats(root).seconds)

    cold_runs: list[ColdRun] = []
    for i in range(repeat):
        log(f"cold index {i + 1}/{repeat} ...")
        _delete_db(db_path)
        cold_runs.append(run_cold(root, None, 0.0))
        if Path(cold_runs[-1].db_path) != db_path:
            raise RuntimeError(f"child indexed into {cold_runs[-1].db_path}, not {db_path}")
    sampled = cold_runs[-1]
    if sample_interval > 0:
        log("cold index, sampled for the memory of the process tree ...")
        _delete_db(db_path)
        sampled = run_cold(root, None, sample_interval)

    paths = notes_paths(root)
    originals: dict[Path, bytes] = {}

    def touch(index: int) -> str:
        path = paths[index % len(paths)]
        originals.setdefault(path, path.read_bytes())
        touched = touch_one(root, index)
        return touched.relative_to(root).as_posix()

    nothing = Series()
    nothing_cpu = Series()
    one_update = Series()
    one_full = Series()
    one_update_stats: list[dict[str, Any]] = []
    try:
        indexer = Indexer(notebook)
        try:
            log("nothing changed ...")
            for _ in range(repeat):
                cpu = time.process_time()
                stats = indexer.index()
                nothing_cpu.samples.append(time.process_time() - cpu)
                if stats.added or stats.modified or stats.removed:
                    raise RuntimeError(
                        "a nothing-changed run re-indexed files (did the codex_lsp source change"
                        f" during the benchmark?): {stats}"
                    )
                nothing.samples.append(stats.seconds)
            log("one changed ...")
            stride = max(1, len(paths) // (2 * repeat + 1))
            for i in range(repeat):
                rel = touch((2 * i + 1) * stride)
                start = time.perf_counter()
                stats = indexer.update_paths([rel])
                one_update.samples.append(time.perf_counter() - start)
                one_update_stats.append(stats.as_dict())
                if stats.modified != 1:
                    raise RuntimeError(f"update_paths did not re-index {rel}: {stats}")
                touch((2 * i + 2) * stride)
                stats = indexer.index()
                if stats.modified != 1:
                    raise RuntimeError(f"index() after one change saw {stats}")
                one_full.samples.append(stats.seconds)
        finally:
            indexer.close()
    finally:
        for path, data in originals.items():
            path.write_bytes(data)

    cold = Series([r.seconds for r in cold_runs])
    notes = int(cold_runs[0].stats["notes"])
    return {
        "notes": notes,
        "stats": cold_runs[-1].stats,
        "cold": cold.as_dict(),
        "cold_process": Series([r.process_seconds for r in cold_runs]).as_dict(),
        "cold_cpu_self": Series([r.cpu_self for r in cold_runs]).as_dict(),
        "cold_cpu_workers": Series([r.cpu_workers for r in cold_runs]).as_dict(),
        "notes_per_second": {
            "best": notes / cold.min,
            "median": notes / cold.median,
        },
        "peak_rss_self": Series([float(r.peak_rss_self) for r in cold_runs]).as_dict(),
        "peak_rss_workers": Series([float(r.peak_rss_workers) for r in cold_runs]).as_dict(),
        "rss_after_import": Series([float(r.rss_after_import) for r in cold_runs]).as_dict(),
        "tree_peak_pss": Series([float(sampled.tree_peak_pss)]).as_dict(),
        "tree_peak_rss": Series([float(sampled.tree_peak_rss)]).as_dict(),
        "tree_processes": sampled.tree_processes,
        "nothing_changed": nothing.as_dict(),
        "nothing_changed_cpu": nothing_cpu.as_dict(),
        "one_changed_update_paths": one_update.as_dict(),
        "one_changed_update_paths_stats": one_update_stats,
        "one_changed_full_index": one_full.as_dict(),
        "floor": floor.as_dict(),
        "cold_over_floor": {
            "best": cold.min / floor.min,
            "median": cold.median / floor.median,
        },
    }


def bench_corpora(
    corpora: Path, repeat: int, sample_interval: float, log: Callable[[str], None]
) -> list[dict[str, Any]]:
    """Cold-index every folder of ``corpora`` as an implicit notebook (DB in a temp dir)."""
    results: list[dict[str, Any]] = []
    for folder in sorted(p for p in corpora.iterdir() if p.is_dir()):
        log(f"corpus {folder.name} ...")
        runs: list[ColdRun] = []
        with tempfile.TemporaryDirectory(prefix="codex-bench-cache-") as cache:
            env = dict(os.environ, XDG_CACHE_HOME=cache)
            for _ in range(repeat):
                shutil.rmtree(Path(cache) / "codex-lsp", ignore_errors=True)
                run = run_cold(folder, env, sample_interval)
                if run.explicit or not Path(run.db_path).is_relative_to(cache):
                    raise RuntimeError(
                        f"{folder} was indexed into {run.db_path}, outside the temporary cache"
                    )
                runs.append(run)
        stats = runs[-1].stats
        seconds = Series([r.seconds for r in runs])
        results.append(
            {
                "corpus": folder.name,
                "notes": stats["notes"],
                "attachments": stats["attachments"],
                "links": stats["links"],
                "broken": stats["broken_links"],
                "ambiguous": stats["ambiguous_links"],
                "tags": stats["tags"],
                "problems": stats["problems"],
                "seconds": seconds.as_dict(),
                "peak_rss_self": max(r.peak_rss_self for r in runs),
            }
        )
    return results


# -- report -----------------------------------------------------------------------------------


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def verdicts(result: dict[str, Any]) -> dict[str, str]:
    """PASS/OVER for every budget, judged on the median."""
    bench = result["notebook"]
    notes = bench["notes"]
    series = {
        "cold": bench["cold"],
        "nothing_changed": bench["nothing_changed"],
        "one_changed": bench["one_changed_update_paths"],
        "peak_rss": bench["peak_rss_self"],
    }
    return {
        key: _verdict(BUDGETS[key], Series(list(series[key]["samples"])), notes) for key in BUDGETS
    }


def render(result: dict[str, Any]) -> str:
    """The human-readable report."""
    machine = result["machine"]
    bench = result["notebook"]
    verdict = result["verdicts"]
    out = [
        f"codex-lsp index benchmark: {bench['notes']:,} notes "
        f"({result['notebook_bytes'] / MB:.1f} MB) in {result['out']}, "
        f"repeat {result['repeat']}",
        f"machine: {machine['nproc']} CPUs ({machine['cpu_model']}), "
        f"Python {machine['python']}, SQLite {machine['sqlite']}, {machine['platform']}",
        "code: {package}{at}".format(
            package=result["code"]["package"],
            at=(
                f" @ {result['code']['commit'][:10]}"
                + (" + uncommitted changes" if result["code"]["dirty"] else "")
                if result["code"]["commit"]
                else " (not in a git work tree)"
            ),
        ),
        f"index: {bench['stats']['links']:,} links ({bench['stats']['broken_links']:,} broken, "
        f"{bench['stats']['ambiguous_links']:,} ambiguous), {bench['stats']['tags']} tags",
        "",
    ]

    def sec(key: str) -> tuple[str, str]:
        return _fmt_seconds(bench[key]["min"]), _fmt_seconds(bench[key]["median"])

    def mem(key: str) -> tuple[str, str]:
        return _fmt_bytes(bench[key]["min"]), _fmt_bytes(bench[key]["median"])

    rows = [
        ["cold index", *sec("cold"), "<= 3 s", verdict["cold"]],
        ["  whole process (start-up, imports)", *sec("cold_process"), "", ""],
        ["  CPU time, indexer process", *sec("cold_cpu_self"), "", ""],
        ["  CPU time, all workers", *sec("cold_cpu_workers"), "", ""],
        [
            "  notes/second",
            f"{bench['notes_per_second']['best']:,.0f}",
            f"{bench['notes_per_second']['median']:,.0f}",
            "",
            "",
        ],
        [
            "nothing changed: index()",
            *sec("nothing_changed"),
            "<= 0.1 s",
            verdict["nothing_changed"],
        ],
        ["  CPU time", *sec("nothing_changed_cpu"), "", ""],
        [
            "one changed: update_paths()",
            *sec("one_changed_update_paths"),
            "<= 20 ms",
            verdict["one_changed"],
        ],
        ["one changed: index()", *sec("one_changed_full_index"), "", ""],
        ["peak RSS, indexer process", *mem("peak_rss_self"), "<= 150 MB", verdict["peak_rss"]],
        ["  of which after imports", *mem("rss_after_import"), "", ""],
        ["peak RSS, largest worker", *mem("peak_rss_workers"), "", ""],
        [
            f"peak PSS, whole tree ({bench['tree_processes']} processes, sampled)",
            *mem("tree_peak_pss"),
            "",
            "",
        ],
        ["peak RSS sum, whole tree (sampled)", *mem("tree_peak_rss"), "", ""],
        ["floor (read + YAML frontmatter)", *sec("floor"), "", ""],
        [
            "cold / floor",
            f"{bench['cold_over_floor']['best']:.1f}x",
            f"{bench['cold_over_floor']['median']:.1f}x",
            f"<= {FLOOR_RATIO:.0f}x",
            "PASS" if bench["cold_over_floor"]["median"] <= FLOOR_RATIO else "OVER",
        ],
    ]
    out.append(_table(["measurement", "min", "median", "budget", "verdict"], rows))
    other = result["contention_notebook"]["other_cpus_busy"]
    if other is not None:
        out.append(
            f"other processes kept {other:.2f} of {machine['nproc']} CPUs busy on average "
            "during these measurements"
            + (" -- results are disturbed, rerun on a quiet machine" if other > 0.1 else "")
        )
    if result["corpora"]:
        out += ["", f"corpora ({result['corpora_dir']}), cold index, repeat {result['repeat']}:"]
        corpus_rows = [
            [
                c["corpus"],
                str(c["notes"]),
                str(c["links"]),
                str(c["broken"]),
                str(c["ambiguous"]),
                _fmt_seconds(c["seconds"]["min"]),
                _fmt_seconds(c["seconds"]["median"]),
                f"{c['notes'] / c['seconds']['median']:,.0f}",
                _fmt_bytes(c["peak_rss_self"]),
            ]
            for c in result["corpora"]
        ]
        out.append(
            _table(
                ["corpus", "notes", "links", "broken", "ambig.", "min", "median", "notes/s", "RSS"],
                corpus_rows,
            )
        )
        other = result["contention_total"]["other_cpus_busy"]
        if other is not None:
            out.append(f"other processes kept {other:.2f} CPUs busy on average over the whole run")
    elif result["corpora_dir"]:
        out += ["", f"corpora: {result['corpora_dir']} not found, skipped"]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [CHILD_FLAG]:
        return child_main(argv[1])
    parser = argparse.ArgumentParser(description="Benchmark the codex-lsp indexer.")
    parser.add_argument("--notes", type=int, default=BUDGET_NOTES, help="notes to generate")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each measurement")
    parser.add_argument("--out", type=Path, help="notebook directory (/tmp/codex-bench-N)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (1)")
    parser.add_argument(
        "--corpora", type=Path, default=DEFAULT_CORPORA, help="folder of real corpora"
    )
    parser.add_argument("--no-corpora", action="store_true", help="skip the corpora")
    parser.add_argument(
        "--plain", action="store_true", help="a notebook without schema and git history"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--sample-interval",
        type=float,
        default=0.05,
        help="seconds between /proc memory samples of the cold index (0 disables)",
    )
    args = parser.parse_args(argv)
    if args.notes < 1 or args.repeat < 1:
        parser.error("--notes and --repeat must be >= 1")
    default_out = f"/tmp/codex-bench-{args.notes}{'-plain' if args.plain else '-shipped'}"
    out: Path = (args.out or Path(default_out)).resolve()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log(f"notebook {out} ...")
    count, size, generated = ensure_notebook(out, args.notes, args.seed, not args.plain)
    log(f"{'generated' if generated else 'reusing'} {count} notes, {size / MB:.1f} MB")

    result: dict[str, Any] = {
        "command": " ".join(["python", "bench/bench_index.py", *argv]),
        "machine": machine_info(),
        "code": code_info(),
        "out": str(out),
        "notebook_bytes": size,
        "repeat": args.repeat,
        "budgets": {k: asdict(b) for k, b in BUDGETS.items()},
        "verdict_rule": "PASS when the median is within the budget",
    }
    contention = Contention()
    result["notebook"] = bench_notebook(out, args.repeat, args.sample_interval, log)
    result["contention_notebook"] = contention.result()
    corpora: Path | None = None if args.no_corpora else args.corpora.resolve()
    result["corpora_dir"] = str(corpora) if corpora else None
    result["corpora"] = (
        bench_corpora(corpora, args.repeat, args.sample_interval, log)
        if corpora and corpora.is_dir()
        else []
    )
    result["contention_total"] = contention.result()
    result["verdicts"] = verdicts(result)
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
