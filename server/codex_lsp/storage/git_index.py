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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .database import get_meta, set_meta, transaction
from .git import GitError, GitUnavailable, NamesWalk, Repository, find_repository_or_none

log = logging.getLogger(__name__)

META_KEY = "git_state"
SQL_BATCH = 500


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
        started = time.perf_counter()
        repo = self.repo
        base = _base_for(repo, self.root) if repo is not None else None
        if repo is None or base is None:
            return _clear(conn)
        stored = self.stored
        submodule_roots = [Path(p) for p in stored.get("submodules", [])]
        if not force and stored.get("key") == _key(repo, submodule_roots):
            return 0
        rows = {
            path: (tracked, digest)
            for path, tracked, digest in conn.execute(
                "SELECT path, git_tracked, git_commit_hash FROM file_metadata"
                " WHERE deleted_at IS NULL"
            )
        }
        values: dict[str, tuple[int, str | None]] = {}
        heads: dict[str, str | None] = {}
        submodules: list[str] = []
        walk = _Walks(self.walk)
        _pass(repo, base, rows, stored.get("heads", {}), heads, submodules, values, walk)
        changed = [
            (tracked, digest, path)
            for path, (tracked, digest) in values.items()
            if rows.get(path) != (tracked, digest)
        ]
        with transaction(conn):
            for i in range(0, len(changed), SQL_BATCH):
                conn.executemany(
                    "UPDATE file_metadata SET git_tracked = ?, git_commit_hash = ? WHERE path = ?",
                    changed[i : i + SQL_BATCH],
                )
            state = {
                "key": _key(repo, [Path(s) for s in submodules]),
                "heads": heads,
                "submodules": submodules,
            }
            set_meta(conn, META_KEY, json.dumps(state))
        log.debug(
            "git columns of %s: %d rows changed in %.3f s",
            self.root,
            len(changed),
            time.perf_counter() - started,
        )
        return len(changed)

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
    rows: dict[str, tuple[int, str | None]],
    old_heads: dict[str, Any],
    heads: dict[str, str | None],
    submodules: list[str],
    values: dict[str, tuple[int, str | None]],
    walks: _Walks,
) -> None:
    """Compute the columns of the rows under ``base`` from ``repo`` (then its submodules)."""
    head = repo.head()
    heads[str(repo.root)] = head
    wanted = {path for path in rows if path.startswith(base.nb)}
    tracked_repo, gitlinks = repo.tracked(base.pathspec)
    tracked = {nb for nb in map(base.to_nb, tracked_repo) if nb is not None} & wanted
    hashes: dict[str, str] = {}
    if head is not None and tracked:
        old = old_heads.get(str(repo.root))
        reuse = isinstance(old, str) and (old == head or _is_ancestor(repo, old, head))
        if reuse:
            hashes = {p: d for p in tracked if (d := rows[p][1]) and rows[p][0]}
            if old != head:
                for path, commit in repo.last_commits(set(), base.pathspec, since=old).items():
                    nb = base.to_nb(path)
                    if nb in tracked:
                        hashes[nb] = commit
        missing = tracked - hashes.keys()
        walk = walks.take(repo, head, base.pathspec) if missing else None
        if missing and walk is None:
            # Only files HEAD has can be found (not those staged but never committed).
            _, out, _ = repo.run("ls-tree", "-r", "-z", "--name-only", "HEAD", "--", base.pathspec)
            in_head = {base.to_nb(p.decode("utf-8", "surrogateescape")) for p in out.split(b"\0")}
            missing &= {p for p in in_head if p is not None}
        if missing:
            wanted_repo = {r for r in map(base.to_repo, missing) if r is not None}
            found = walk.last_commits(wanted_repo) if walk is not None else None
            if found is None:
                found = repo.last_commits(wanted_repo, base.pathspec)
            for path, commit in found.items():
                nb = base.to_nb(path)
                if nb in missing:
                    hashes[nb] = commit
    for path in wanted:
        values[path] = (1, hashes.get(path)) if path in tracked else (0, None)
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
            _pass(sub, _Base(nb_link + "/", ""), rows, old_heads, heads, submodules, values, walks)
        except (GitError, GitUnavailable) as exc:
            log.warning("git columns of submodule %s: %s", sub.root, exc)


def _is_ancestor(repo: Repository, old: str, new: str) -> bool:
    status, _, _ = repo.run("merge-base", "--is-ancestor", old, new, check=False)
    return status == 0
