"""Fill ``file_metadata.git_tracked`` and ``git_commit_hash`` in one pass per notebook.

One pass is ``git ls-files`` (tracked files and submodules), ``git ls-tree`` (files HEAD has)
and one ``git log --name-only`` walk from HEAD that stops as soon as every file HEAD has was
seen. The state it was computed for (HEAD and the git index's stat of each repository) is kept
in the ``meta`` table: nothing runs when that state is unchanged, and when the new HEAD
descends from the old one only the new commits are read. Files inside an initialized
submodule are looked up in the submodule. Without git, or outside a repository, both columns
are cleared.

The indexer starts a :class:`GitColumns` before its run and finishes it after: when a full
walk is needed (first run), git walks the history in the background meanwhile.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .database import get_meta, set_meta, transaction
from .git import GitError, GitUnavailable, NamesWalk, Repository, find_repository_or_none

log = logging.getLogger(__name__)

META_KEY = "git_state"


@dataclass(frozen=True, slots=True)
class _Base:
    """How notebook paths map to a repository's paths: ``nb + rest`` is ``repo + rest``."""

    nb: str
    repo: str

    def to_repo(self, path: str) -> str | None:
        return self.repo + path[len(self.nb) :] if path.startswith(self.nb) else None

    def to_nb(self, path: str) -> str | None:
        return self.nb + path[len(self.repo) :] if path.startswith(self.repo) else None

    @property
    def pathspec(self) -> str:
        return self.repo.rstrip("/") or "."


class GitColumns:
    """The git pass of one notebook, started before an index run and finished after it."""

    def __init__(self, conn: sqlite3.Connection, root: Path) -> None:
        self.root = root
        self.repo = find_repository_or_none(root)
        self.stored = _stored(conn)
        self.walk: NamesWalk | None = None
        self.failed = False  # set by a caller whose part of the pass failed: the rest is skipped
        if self.repo is None:
            return
        base = _base_for(self.repo, root)
        first_run = self.stored.get("heads", {}).get(str(self.repo.root)) is None
        if base is not None and first_run:
            try:
                self.walk = self.repo.start_names_walk(base.pathspec)
            except (GitError, GitUnavailable, OSError) as exc:
                log.debug("background git walk not started: %s", exc)

    def finish(self, conn: sqlite3.Connection, *, force: bool = False) -> int:
        """Bring the columns up to date; returns rows changed. ``force`` recomputes even when
        HEAD and the git index are unchanged (the caller added or moved files)."""
        plan = self.read(conn, force=force)
        if plan is not None:
            self.compute(plan)
        return self.write(conn, plan)

    def read(self, conn: sqlite3.Connection, *, force: bool = False) -> GitPlan | None:
        """The first part of :meth:`finish`: what the pass compares, read from ``conn``; None
        when nothing is to be done (``force``: see :meth:`finish`)."""
        repo = self.repo
        base = _base_for(repo, self.root) if repo is not None else None
        if repo is None or base is None:
            return GitPlan(clear=True)
        stored = self.stored
        submodule_roots = [Path(p) for p in stored.get("submodules", [])]
        if not force and stored.get("key") == _key(repo, submodule_roots):
            return None
        # Held for every file: its path once. Old columns only where they are not the
        # default (none on a first run), new ones as the sets of tracked paths and hashes.
        plan = GitPlan()
        for path, tracked, digest in conn.execute(
            "SELECT path, git_tracked, git_commit_hash FROM file_metadata WHERE deleted_at IS NULL"
        ):
            plan.live.add(path)
            if tracked or digest is not None:
                plan.old[path] = (tracked, digest)
        return plan

    def compute(self, plan: GitPlan) -> None:
        """The second part: ask git (no database is used: it may run beside other work)."""
        repo = self.repo
        base = _base_for(repo, self.root) if repo is not None else None
        if plan.clear or repo is None or base is None:
            return
        walk = _Walks(self.walk)
        heads, submodules, found = plan.heads, plan.submodules, plan.found
        old_heads = self.stored.get("heads", {})
        _pass(repo, base, plan.live, plan.old, old_heads, heads, submodules, found, walk)
        plan.computed = True

    def write(self, conn: sqlite3.Connection, plan: GitPlan | None) -> int:
        """The last part: store what :meth:`compute` found; returns rows changed."""
        if plan is None:
            return 0
        if plan.clear or self.repo is None:
            return _clear(conn)
        if not plan.computed:
            raise RuntimeError("git columns written before they were computed")
        started = time.perf_counter()
        live, old, found = plan.live, plan.old, plan.found
        changed = 0

        def updates() -> Iterator[tuple[int, str | None, str]]:
            nonlocal changed
            # In path order: the path index's order, and mostly the rows' (files are written
            # in the scan's order); a set's order would land each update on another page.
            for path in sorted(live):
                new = found.columns(path)
                if old.get(path, _UNTRACKED) != new:
                    changed += 1
                    yield (*new, path)

        with transaction(conn):
            conn.executemany(
                "UPDATE file_metadata SET git_tracked = ?, git_commit_hash = ? WHERE path = ?",
                updates(),
            )
            state = {
                "key": _key(self.repo, [Path(s) for s in plan.submodules]),
                "heads": plan.heads,
                "submodules": plan.submodules,
            }
            set_meta(conn, META_KEY, json.dumps(state))
        log.debug(
            "git columns of %s: %d rows changed in %.3f s",
            self.root,
            changed,
            time.perf_counter() - started,
        )
        return changed

    def close(self) -> None:
        """Stop the background walk (if any) and remove its file."""
        if self.walk is not None:
            self.walk.close()


def start_git_columns(conn: sqlite3.Connection, root: Path) -> GitColumns | None:
    """Start the git pass of the notebook at ``root``; None if that fails (logged)."""
    try:
        return GitColumns(conn, root)
    except Exception as exc:
        log.warning("git status of %s not recorded: %s", root, exc)
        return None


_UNTRACKED: tuple[int, str | None] = (0, None)


class _Found:
    """The tracked paths of a pass (of every repository involved) and their last commits."""

    def __init__(self) -> None:
        self.tracked: set[str] = set()
        self.hashes: dict[str, str] = {}

    def columns(self, path: str) -> tuple[int, str | None]:
        """``(git_tracked, git_commit_hash)`` of the notebook file at ``path``."""
        return (1, self.hashes.get(path)) if path in self.tracked else _UNTRACKED


@dataclass(slots=True)
class GitPlan:
    """One pass of :class:`GitColumns` between its parts: the live files and their old
    columns where set (read), what git says of them (computed), or only ``clear`` (no
    repository: both columns go back to their defaults)."""

    clear: bool = False
    live: set[str] = field(default_factory=set)
    old: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    found: _Found = field(default_factory=_Found)
    heads: dict[str, str | None] = field(default_factory=dict)
    submodules: list[str] = field(default_factory=list)
    computed: bool = False


class _Walks:
    """Hands out the background walk to the repository pass it was started for."""

    def __init__(self, walk: NamesWalk | None) -> None:
        self.walk = walk

    def take(self, repo: Repository, head: str, pathspec: str) -> NamesWalk | None:
        """The walk, if it was started for this repository, HEAD and pathspec."""
        walk = self.walk
        if walk is not None and (walk.root, walk.head, walk.prefix) == (repo.root, head, pathspec):
            self.walk = None
            return walk
        return None


def record_commit(conn: sqlite3.Connection, paths: list[str], commit: str) -> None:
    """Mark notebook-relative ``paths`` as tracked with last commit ``commit`` (after an
    auto-commit), without a full pass."""
    with transaction(conn):
        conn.executemany(
            "UPDATE file_metadata SET git_tracked = 1, git_commit_hash = ? WHERE path = ?",
            [(commit, path) for path in paths],
        )


def _clear(conn: sqlite3.Connection) -> int:
    with transaction(conn):
        cursor = conn.execute(
            "UPDATE file_metadata SET git_tracked = 0, git_commit_hash = NULL"
            " WHERE git_tracked != 0 OR git_commit_hash IS NOT NULL"
        )
        conn.execute("DELETE FROM meta WHERE key = ?", (META_KEY,))
    return cursor.rowcount


def _stored(conn: sqlite3.Connection) -> dict[str, Any]:
    try:
        value = json.loads(get_meta(conn, META_KEY) or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _base_for(repo: Repository, root: Path) -> _Base | None:
    try:
        prefix = root.resolve().relative_to(repo.root).as_posix()
    except ValueError:
        return None
    return _Base("", "" if prefix == "." else prefix + "/")


def _key(repo: Repository, submodules: list[Path]) -> list[Any]:
    """What the columns depend on: HEAD and the git index of every repository involved."""
    parts: list[Any] = []
    for item in [repo, *(find_repository_or_none(s) for s in submodules)]:
        if item is None:
            parts.append(None)
            continue
        try:
            info = (item.git_dir / "index").stat()
            index = [info.st_mtime_ns, info.st_size]
        except OSError:
            index = None
        parts.append([str(item.root), item.head(), index])
    return parts


def _pass(
    repo: Repository,
    base: _Base,
    live: set[str],
    old: dict[str, tuple[int, str | None]],
    old_heads: dict[str, Any],
    heads: dict[str, str | None],
    submodules: list[str],
    found: _Found,
    walks: _Walks,
) -> None:
    """Find the tracked files under ``base`` of the live ones and their last commits in
    ``repo`` (then its submodules); ``old``: the stored columns that are not the default."""
    head = repo.head()
    heads[str(repo.root)] = head
    wanted = live if not base.nb else {path for path in live if path.startswith(base.nb)}
    tracked_repo, gitlinks = repo.tracked(base.pathspec)
    if base.nb or base.repo:
        tracked_repo = {nb for nb in map(base.to_nb, tracked_repo) if nb is not None}
    # Made of the live paths' strings, not git's: each path is held once, not twice.
    tracked = {path for path in wanted if path in tracked_repo}
    del tracked_repo
    hashes = found.hashes
    if head is not None and tracked:
        stored = old_heads.get(str(repo.root))
        reuse = isinstance(stored, str) and (stored == head or _is_ancestor(repo, stored, head))
        if reuse:
            for path in tracked:
                tracked_before, digest = old.get(path, _UNTRACKED)
                if tracked_before and digest:
                    hashes[path] = digest
            if stored != head:
                for path, commit in repo.last_commits(set(), base.pathspec, since=stored).items():
                    nb = base.to_nb(path)
                    if nb in tracked:
                        hashes[nb] = commit
        # A first run knows no hash: what is missing is every tracked file, not a copy of it.
        missing = {path for path in tracked if path not in hashes} if hashes else tracked
        walk = walks.take(repo, head, base.pathspec) if missing else None
        if missing and walk is None:
            # Only files HEAD has can be found (not those staged but never committed).
            _, out, _ = repo.run("ls-tree", "-r", "-z", "--name-only", "HEAD", "--", base.pathspec)
            in_head = {base.to_nb(p.decode("utf-8", "surrogateescape")) for p in out.split(b"\0")}
            missing = missing & {p for p in in_head if p is not None}
        if missing:
            wanted_repo = (
                missing
                if not base.nb and not base.repo  # the same paths: not a copy of every one
                else {r for r in map(base.to_repo, missing) if r is not None}
            )
            commits = walk.last_commits(wanted_repo) if walk is not None else None
            if commits is None:
                commits = repo.last_commits(wanted_repo, base.pathspec)
            del wanted_repo
            if not hashes and not base.nb and not base.repo:  # kept as they are, not copied
                for path in [path for path in commits if path not in missing]:
                    del commits[path]
                found.hashes = hashes = commits
            else:
                for path, commit in commits.items():
                    nb = base.to_nb(path)
                    if nb in missing:
                        hashes[nb] = commit
    if found.tracked:
        found.tracked |= tracked
    else:
        found.tracked = tracked
    for link in gitlinks:
        nb_link = base.to_nb(link)
        sub_root = repo.root / link
        if nb_link is None or not (sub_root / ".git").exists():
            continue
        sub = find_repository_or_none(sub_root)
        if sub is None or sub.root != sub_root.resolve():
            continue
        submodules.append(str(sub.root))
        try:
            _pass(
                sub, _Base(nb_link + "/", ""), live, old, old_heads, heads, submodules, found, walks
            )
        except (GitError, GitUnavailable) as exc:
            log.warning("git columns of submodule %s: %s", sub.root, exc)


def _is_ancestor(repo: Repository, old: str, new: str) -> bool:
    status, _, _ = repo.run("merge-base", "--is-ancestor", old, new, check=False)
    return status == 0
