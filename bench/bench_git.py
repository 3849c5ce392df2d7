"""Benchmark git history against its budget, and the index's git pass.

Usage::

    python bench/bench_git.py [--commits 10000] [--notes 1000] [--repeat 5]
                              [--index-notes 10000] [--out DIR] [--no-lsp] [--no-index]
                              [--json FILE]

1. **History** (budget: a note's history in a repository of 10,000 commits <= 300 ms).
   A repository is built with ``git fast-import`` (seconds, cached in ``--out``): ``--notes``
   notes in ``notebook/``, ``--commits`` commits by four authors each changing 1-3 notes,
   a merge of a side branch every 500 commits, a note deleted every 400 commits, a "hot" note
   changed every 50 commits, and a note changed every 100 commits and renamed three times.
   Measured in this process, after one warm-up call, ``--repeat`` times (min/median/max):
   ``Repository.history`` as ``codex.history`` runs it (limit 100) and in full, for the hot
   note, the renamed note (three renames followed) and a note committed once at the start
   (the walk goes down to the root commit); the code lens summary (uncached); ``show`` and
   ``diff`` across the renames; ``deleted`` (a whole-history walk). Unless ``--no-lsp``, also
   ``codex.history`` through a real ``codex-lsp serve`` (round trip over stdio).
2. **Index git pass** (``--index-notes``, default the 10,000-note notebook of
   ``bench/generate.py``) committed into a repository (one commit of everything, then 100
   commits changing 10 notes each, then ``git gc``). A fresh process runs the cold index
   ``--repeat`` times with the repository and, interleaved, with ``.git`` moved aside
   (``.git-aside``, which the scanner skips as a hidden folder); reported: the cold index
   time in both cases and their paired difference, the time the git pass adds to the run's
   own thread (``start_git_columns`` before it + ``GitColumns.finish`` after it; the history
   walk runs in a background git process meanwhile), and the git pass of a second run with
   nothing changed.

The repositories are cached under ``--out`` (default ``/tmp/codex-bench-git``). Git identity
and configuration come from the environment set here, not from the user's files.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:  # run as a script: bench/ is sys.path[0]
    from generate import generate_notebook
except ImportError:  # imported as bench.bench_git from the repository root
    from bench.generate import generate_notebook

BUDGET_S = 0.300
CHILD_FLAG = "--child-index"
AUTHORS = ("Ada Lovelace", "Grace Hopper", "Rosalind Franklin", "Barbara McClintock")
GIT_ENV = {
    "GIT_AUTHOR_NAME": AUTHORS[0],
    "GIT_AUTHOR_EMAIL": "ada@example.org",
    "GIT_COMMITTER_NAME": AUTHORS[0],
    "GIT_COMMITTER_EMAIL": "ada@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}
HOT = "notebook/protocols/hot protocol.md"
COLD = "notebook/archive/first note.md"
RENAMES = (
    "notebook/projects/renamed v0.md",
    "notebook/projects/renamed v1.md",
    "notebook/experiments/renamed v2.md",
    "notebook/experiments/Renamed ünï v3.md",
)


@dataclass(slots=True)
class Series:
    """Repeated samples of one measurement (seconds), with the CPU time they used (this
    process and its git children), which contention on a busy machine inflates less."""

    samples: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, float]:
        found = {
            "min": min(self.samples),
            "median": statistics.median(self.samples),
            "max": max(self.samples),
        }
        if self.cpu:
            found["cpu_median"] = statistics.median(self.cpu)
        return found


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _ms(value: float) -> str:
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        input=stdin,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode("utf-8", "replace")


# -- the 10,000-commit repository --------------------------------------------------------------


def _note_text(title: str, lines: list[str]) -> bytes:
    return (f"---\ntitle: {title}\n---\n# {title}\n\n" + "".join(lines)).encode("utf-8")


def build_history_repo(root: Path, commits: int, notes: int, seed: int = 1) -> dict[str, Any]:
    """Write the benchmark repository with ``git fast-import``; returns what it holds."""
    rng = random.Random(seed)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    _git(root, "init", "-q")
    folders = ["inbox", "daily", "protocols", "projects", "experiments", "literature", "archive"]
    paths = [f"notebook/{folders[i % len(folders)]}/note {i:04d}.md" for i in range(notes)]
    live: dict[str, list[str]] = {p: [f"created {i}\n"] for i, p in enumerate(paths)}
    live[HOT] = ["hot\n"]
    live[COLD] = ["written once\n"]
    live[RENAMES[0]] = ["renamed note\n"]
    renamed_at = {commits * k // 4 + 1: k for k in (1, 2, 3)}  # never a merge number
    current_rename = RENAMES[0]
    stream: list[bytes] = []
    mark = 0
    main_mark = 0
    stamp = 1_577_836_800  # 2020-01-01
    counts = {"commits": 0, "merges": 0, "deleted": 0, "renames": 0}

    def header(ref: str, message: str, author: str, parents: list[int]) -> None:
        nonlocal mark, stamp
        mark += 1
        stamp += 3600
        email = author.split()[0].lower() + "@example.org"
        data = message.encode("utf-8")
        stream.append(
            f"commit {ref}\nmark :{mark}\n"
            f"author {author} <{email}> {stamp} +0000\n"
            f"committer {author} <{email}> {stamp} +0000\n"
            f"data {len(data)}\n".encode()
            + data
            + b"\n"
        )
        if parents:
            stream.append(f"from :{parents[0]}\n".encode())
        for other in parents[1:]:
            stream.append(f"merge :{other}\n".encode())

    def modify(path: str, number: int) -> None:
        lines = live[path]
        lines.append(f"- change {number}: {rng.random():.6f}\n")
        if len(lines) > 40:
            del lines[1:-30]
        body = _note_text(Path(path).stem, lines)
        stream.append(f"M 100644 inline {path}\ndata {len(body)}\n".encode() + body + b"\n")

    number = 0
    while counts["commits"] < commits:
        number += 1
        author = AUTHORS[number % len(AUTHORS)]
        if number == 1:
            header("refs/heads/main", "Import the notebook", author, [])
            stream.append(b"M 100644 inline notebook/.codex/config.yaml\ndata 0\n\n")
            for path in list(live):
                modify(path, number)
        elif number % 500 == 0 and counts["commits"] + 2 <= commits:
            header("refs/heads/side", f"Side work {number}", author, [main_mark])
            modify(rng.choice([p for p in paths[: notes // 2] if p in live]), number)
            side = mark
            counts["commits"] += 1
            header("refs/heads/main", f"Merge side work {number}", author, [main_mark, side])
            modify(rng.choice([p for p in paths[notes // 2 :] if p in live]), number)
            counts["merges"] += 1
        else:
            header("refs/heads/main", f"Notes, change {number}", author, [main_mark])
            if number in renamed_at:
                new = RENAMES[renamed_at[number]]
                stream.append(f'R "{current_rename}" "{new}"\n'.encode())
                live[new] = live.pop(current_rename)
                current_rename = new
                counts["renames"] += 1
            elif number % 400 == 0:
                victim = rng.choice([p for p in paths if p in live])
                stream.append(f'D "{victim}"\n'.encode())
                del live[victim]
                counts["deleted"] += 1
            else:
                if number % 50 == 0:
                    modify(HOT, number)
                if number % 100 == 0:
                    modify(current_rename, number)
                candidates = [p for p in paths if p in live]
                for path in rng.sample(candidates, rng.randint(1, 3)):
                    modify(path, number)
        main_mark = mark
        counts["commits"] += 1
    stream.append(b"done\n")
    subprocess.run(
        ["git", "fast-import", "--quiet", "--done"],
        cwd=root,
        input=b"".join(stream),
        check=True,
        env={**os.environ, **GIT_ENV},
    )
    _git(root, "checkout", "-q", "-f", "main")
    counts["commits"] = int(_git(root, "rev-list", "--count", "HEAD").strip())
    counts["files"] = len(live) + 1
    return {**counts, "renamed_note": current_rename}


def ensure_history_repo(root: Path, commits: int, notes: int) -> dict[str, Any]:
    """The cached repository when it matches the parameters, else a new one."""
    marker = root / ".git" / "codex-bench.json"
    wanted = {"commits_asked": commits, "notes": notes}
    if marker.is_file():
        info = json.loads(marker.read_text(encoding="utf-8"))
        if {k: info.get(k) for k in wanted} == wanted:
            return info
    started = time.perf_counter()
    info = {**wanted, **build_history_repo(root, commits, notes)}
    info["build_seconds"] = round(time.perf_counter() - started, 2)
    marker.write_text(json.dumps(info), encoding="utf-8")
    return info


def measure(work: Callable[[], Any], repeat: int) -> tuple[Series, Any]:
    """One warm-up call, then ``repeat`` timed calls."""
    result = work()
    series = Series()
    for _ in range(repeat):
        cpu = _cpu()
        started = time.perf_counter()
        result = work()
        series.samples.append(time.perf_counter() - started)
        series.cpu.append(_cpu() - cpu)
    return series, result


def bench_history(root: Path, info: dict[str, Any], repeat: int) -> dict[str, Any]:
    from codex_lsp.storage.git import find_repository

    started = time.perf_counter()
    repo = find_repository(root / HOT)
    first_call = time.perf_counter() - started
    renamed = info["renamed_note"]
    results: dict[str, Any] = {"first find_repository (imports GitPython)": first_call}
    oldest_renamed = repo.history(renamed)[-1].commit
    assert oldest_renamed is not None
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("history hot note, limit 100 (codex.history)", lambda: repo.history(HOT, 100)),
        ("history hot note, all", lambda: repo.history(HOT)),
        ("history renamed note (3 renames), all", lambda: repo.history(renamed)),
        ("history note committed once, all", lambda: repo.history(COLD)),
        ("lens summary hot note (uncached)", lambda: repo.summary(HOT)),
        ("show renamed note at its first commit", lambda: repo.show(renamed, oldest_renamed)),
        ("diff renamed note first..HEAD", lambda: repo.diff(renamed, oldest_renamed, "HEAD")),
        ("deleted notes (whole history)", lambda: repo.deleted("notebook")),
    ]
    for name, work in cases:
        series, result = measure(work, repeat)
        entry: dict[str, Any] = series.as_dict()
        if isinstance(result, list):
            entry["entries"] = len(result)
        results[name] = entry
    return results


async def _lsp_history(root: Path, repeat: int) -> dict[str, Any]:
    from lsprotocol import types
    from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

    config = ClientServerConfig(server_command=[sys.executable, "-m", "codex_lsp", "serve"])
    client = await config.start()
    assert isinstance(client, LanguageClient)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        return None

    notebook = root / "notebook"
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=notebook.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=notebook.as_uri(), name="notebook")],
        )
    )
    uri = (root / HOT).as_uri()

    async def call() -> Any:
        return await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="codex.history", arguments=[{"uri": uri}])
        )

    await call()
    series = Series()
    for _ in range(repeat):
        started = time.perf_counter()
        entries = await call()
        series.samples.append(time.perf_counter() - started)
    await client.shutdown_session()
    await client.stop()
    return {**series.as_dict(), "entries": len(entries)}


# -- the index git pass -------------------------------------------------------------------------


def ensure_index_repo(root: Path, notes: int) -> dict[str, Any]:
    """bench/generate.py's notebook committed into a repository (cached)."""
    marker = root / ".git" / "codex-bench.json"
    if marker.is_file():
        info = json.loads(marker.read_text(encoding="utf-8"))
        if info.get("notes") == notes and info.get("packed"):
            return info
    if root.exists():
        shutil.rmtree(root)
    started = time.perf_counter()
    generate_notebook(root, notes, 1)
    (root / ".codex" / ".gitignore").write_text("notebook.db*\n", encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Import")
    notes_list = sorted(p for p in _git(root, "ls-files").splitlines() if p.endswith(".md"))
    rng = random.Random(2)
    for number in range(100):
        changed = rng.sample(notes_list, 10)
        for rel in changed:
            with open(root / rel, "a", encoding="utf-8") as handle:
                handle.write(f"\nchange {number}\n")
        _git(root, "add", "--", *changed)
        _git(root, "commit", "-q", "-m", f"Change {number}")
    # Packed, as git's automatic gc leaves a real repository (loose objects make the history
    # walk about 6 times slower).
    _git(root, "gc", "-q")
    info = {
        "packed": True,
        "notes": notes,
        "commits": int(_git(root, "rev-list", "--count", "HEAD").strip()),
        "build_seconds": round(time.perf_counter() - started, 2),
    }
    marker.write_text(json.dumps(info), encoding="utf-8")
    return info


def child_index(root: Path) -> None:
    """In a fresh process: cold index, then a run with nothing changed; prints JSON."""
    from codex_lsp.storage import git_index
    from codex_lsp.storage.indexer import Indexer
    from codex_lsp.storage.notebooks import Notebook

    notebook = Notebook(root, explicit=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(notebook.db_path) + suffix).unlink(missing_ok=True)
    passes: list[float] = []  # time the git pass adds to a run: its start and its finish
    original_start, original_finish = git_index.start_git_columns, git_index.GitColumns.finish

    def timed_start(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original_start(*args, **kwargs)
        finally:
            passes.append(time.perf_counter() - started)

    def timed_finish(*args: Any, **kwargs: Any) -> int:
        started = time.perf_counter()
        try:
            return original_finish(*args, **kwargs)
        finally:
            passes[-1] += time.perf_counter() - started

    git_index.start_git_columns = timed_start  # type: ignore[assignment]
    git_index.GitColumns.finish = timed_finish  # type: ignore[method-assign]
    started = time.perf_counter()
    indexer = Indexer(notebook)
    indexer.index()
    cold = time.perf_counter() - started
    started = time.perf_counter()
    indexer.index()
    again = time.perf_counter() - started
    tracked, hashed = indexer.conn.execute(
        "SELECT sum(git_tracked), count(git_commit_hash) FROM file_metadata"
    ).fetchone()
    indexer.close()
    print(
        json.dumps(
            {
                "cold": cold,
                "git_pass": passes[0],
                "nothing_changed": again,
                "git_pass_nothing_changed": passes[1],
                "tracked": tracked,
                "with_hash": hashed,
            }
        )
    )


def bench_index(root: Path, repeat: int) -> dict[str, Any]:
    def run() -> dict[str, float]:
        done = subprocess.run(
            [sys.executable, __file__, CHILD_FLAG, str(root)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, **GIT_ENV},
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    # Interleaved (with, without, with, ...) so that a change in the machine's load hits
    # both alike; the paired differences are reported too.
    with_git: list[dict[str, float]] = []
    without: list[dict[str, float]] = []
    aside = root / ".git-aside"
    for _ in range(repeat):
        with_git.append(run())
        (root / ".git").rename(aside)
        try:
            without.append(run())
        finally:
            aside.rename(root / ".git")
    differences = [a["cold"] - b["cold"] for a, b in zip(with_git, without, strict=True)]

    def series(rows: list[dict[str, float]], key: str) -> dict[str, float]:
        return Series([row[key] for row in rows]).as_dict()

    return {
        "cold index, in a repository": series(with_git, "cold"),
        "cold index, .git moved aside": series(without, "cold"),
        "difference of paired runs (with - without)": Series(differences).as_dict(),
        "git pass of the cold index (start + finish)": series(with_git, "git_pass"),
        "git pass, nothing changed": series(with_git, "git_pass_nothing_changed"),
        "git pass without a repository": series(without, "git_pass"),
        "tracked rows": with_git[0]["tracked"],
        "rows with a commit hash": with_git[0]["with_hash"],
    }


# -- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == [CHILD_FLAG]:
        child_index(Path(args[1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--index-notes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("/tmp/codex-bench-git"))
    parser.add_argument("--no-lsp", action="store_true", help="skip the server round trip")
    parser.add_argument("--no-index", action="store_true", help="skip the index git pass")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    options = parser.parse_args(args)
    os.environ.update(GIT_ENV)
    report: dict[str, Any] = {
        "git": _git(Path.cwd(), "--version").strip(),
        "cpus": os.cpu_count(),
        "loadavg_before": os.getloadavg(),
    }
    print(f"{report['git']}, {report['cpus']} CPUs, load average {report['loadavg_before'][0]:.1f}")

    history_root = options.out / f"history-{options.commits}"
    info = ensure_history_repo(history_root, options.commits, options.notes)
    report["history repository"] = {"path": str(history_root), **info}
    print(
        f"history repository: {info['commits']} commits ({info['merges']} merges, "
        f"{info['renames']} renames, {info['deleted']} deletions), {info['files']} files"
    )
    results = bench_history(history_root, info, options.repeat)
    if not options.no_lsp:
        try:
            results["codex.history through codex-lsp serve (limit 100)"] = asyncio.run(
                _lsp_history(history_root, options.repeat)
            )
        except ImportError:
            print("pytest-lsp not installed: server round trip skipped")
    report["history"] = results
    for name, value in results.items():
        if isinstance(value, dict):
            verdict = ""
            if name.startswith(("history", "codex.history")):
                verdict = "  PASS" if value["median"] <= BUDGET_S else "  OVER"
            entries = f"  ({value['entries']} entries)" if "entries" in value else ""
            cpu = f"  cpu {_ms(value['cpu_median']):>9}" if "cpu_median" in value else ""
            print(
                f"  {name:<50} median {_ms(value['median']):>9}  min {_ms(value['min']):>9}"
                f"{cpu}{entries}{verdict}"
            )
        else:
            print(f"  {name:<52} {_ms(value):>16}")

    if not options.no_index:
        index_root = options.out / f"index-{options.index_notes}"
        index_info = ensure_index_repo(index_root, options.index_notes)
        report["index repository"] = {"path": str(index_root), **index_info}
        print(
            f"index notebook: {index_info['notes']} notes in a repository of "
            f"{index_info['commits']} commits"
        )
        index_results = bench_index(index_root, options.repeat)
        report["index"] = index_results
        for name, value in index_results.items():
            if isinstance(value, dict):
                print(f"  {name:<52} median {_ms(value['median']):>9}  min {_ms(value['min']):>9}")
            else:
                print(f"  {name:<52} {value:>16}")
    report["loadavg_after"] = os.getloadavg()
    print(f"load average after: {report['loadavg_after'][0]:.1f}")
    if options.json:
        options.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
