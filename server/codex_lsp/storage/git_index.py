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
import weakref
from collections.abc import Iterable, Iterator
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

    def paths_to_nb(self, paths: Iterable[str]) -> Iterator[str]:
        """The notebook paths of the repository ``paths`` that are under the notebook."""
        for path in paths:
            nb = self.to_nb(path)
            if nb is not None:
                yield nb

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
        """The first part of :meth:`finish`: the live files and their stored columns, copied
        from ``conn`` to the pass's own database; None when nothing is to be done (``force``:
        see :meth:`finish`)."""
        repo = self.repo
        base = _base_for(repo, self.root) if repo is not None else None
        if repo is None or base is None:
            return GitPlan(clear=True)
        stored = self.stored
        submodule_roots = [Path(p) for p in stored.get("submodules", [])]
        if not force and stored.get("key") == _key(repo, submodule_roots):
            return None
        files = _PassFiles()
        files.copy_from(conn)
        return GitPlan(files=files)

    def compute(self, plan: GitPlan) -> None:
        """The second part: ask git (the notebook's database is not used: this may run
        beside other work on it)."""
        repo = self.repo
        base = _base_for(repo, self.root) if repo is not None else None
        if plan.clear or plan.files is None or repo is None or base is None:
            return
        walk = _Walks(self.walk)
        old_heads = self.stored.get("heads", {})
        _pass(repo, base, plan.files, old_heads, plan.heads, plan.submodules, walk)
        plan.computed = True

    def write(self, conn: sqlite3.Connection, plan: GitPlan | None) -> int:
        """The last part: store what :meth:`compute` found; returns rows changed."""
        if plan is None:
            return 0
        try:
            if plan.clear or plan.files is None or self.repo is None:
                return _clear(conn)
            if not plan.computed:
                raise RuntimeError("git columns written before they were computed")
            started = time.perf_counter()
            with transaction(conn):
                changed = plan.files.write_changes(conn)
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
        finally:
            plan.close()

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


SCRATCH_CACHE_KIB = 1024
"""The page cache of a pass's own database: what it holds in memory, whatever the notebook's
size (the rest spills to its temporary file)."""

# One row per live file: its stored columns (``old_``), then what the pass finds. ``repo`` is
# the number of the repository pass that found it tracked (0: untracked), ``wanted`` marks
# the files the history walk still looks for, ``since`` those a walk of new commits gave a
# commit already (the newest one wins).
_SCRATCH_SCHEMA = (
    "CREATE TABLE live (path TEXT PRIMARY KEY, old_tracked INTEGER NOT NULL, old_hash TEXT,"
    " repo INTEGER NOT NULL DEFAULT 0, hash TEXT, wanted INTEGER NOT NULL DEFAULT 0,"
    " since INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID"
)


class _PassFiles:
    """The live files of one pass and what git says of them, in a private temporary SQLite
    database: the pass holds nothing per file in memory, however large the notebook.

    Paths are the notebook's; each method that marks files takes the repository pass's
    number, so that a submodule's pass leaves the files of its parent alone.
    """

    def __init__(self) -> None:
        # "": a database of its own in a temporary file that SQLite deletes when closed.
        db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._finalizer = weakref.finalize(self, db.close)
        for pragma in (
            f"cache_size = -{SCRATCH_CACHE_KIB}",
            "journal_mode = OFF",
            "synchronous = OFF",
        ):
            db.execute(f"PRAGMA {pragma}")
        db.execute(_SCRATCH_SCHEMA)
        self._db = db

    def copy_from(self, conn: sqlite3.Connection) -> None:
        """Copy the live files of the notebook's database ``conn`` and their columns."""
        with transaction(self._db):
            self._db.executemany(
                "INSERT INTO live (path, old_tracked, old_hash) VALUES (?, ?, ?)",
                conn.execute(
                    "SELECT path, git_tracked, git_commit_hash FROM file_metadata"
                    " WHERE deleted_at IS NULL"
                ),
            )

    def mark_tracked(self, repo: int, paths: Iterable[str]) -> None:
        """Mark the live files at ``paths`` as tracked by the repository pass ``repo``."""
        with transaction(self._db):
            self._db.executemany(
                "UPDATE live SET repo = ?1 WHERE path = ?2", ((repo, path) for path in paths)
            )

    def any_tracked(self, repo: int) -> bool:
        """True if the repository pass ``repo`` found any live file tracked."""
        row = self._db.execute("SELECT 1 FROM live WHERE repo = ? LIMIT 1", (repo,)).fetchone()
        return row is not None

    def reuse_hashes(self, repo: int) -> None:
        """Give the files tracked in ``repo`` their stored commit, where they have one."""
        self._db.execute(
            "UPDATE live SET hash = old_hash"
            " WHERE repo = ? AND old_tracked AND old_hash IS NOT NULL",
            (repo,),
        )

    def take_newer(self, repo: int, commit: str, paths: Iterable[str]) -> None:
        """Give the files of ``repo`` at ``paths`` the newer ``commit`` (of a walk of new
        commits, newest first: a file keeps the first one given)."""
        with transaction(self._db):
            self._db.executemany(
                "UPDATE live SET hash = ?1, since = 1 WHERE path = ?2 AND repo = ?3 AND NOT since",
                ((commit, path, repo) for path in paths),
            )

    def want_missing(self, repo: int) -> int:
        """Mark the files of ``repo`` without a commit as wanted by the history walk; how
        many."""
        return self._db.execute(
            "UPDATE live SET wanted = 1 WHERE repo = ? AND hash IS NULL", (repo,)
        ).rowcount

    def keep_wanted(self, paths: Iterable[str]) -> int:
        """Keep only the wanted files at ``paths`` wanted; how many are."""
        with transaction(self._db):
            kept = self._db.executemany(
                "UPDATE live SET wanted = 2 WHERE path = ? AND wanted = 1",
                ((path,) for path in paths),
            ).rowcount
            self._db.execute("UPDATE live SET wanted = (wanted = 2) WHERE wanted")
        return kept

    def take_found(self, commit: str, paths: Iterable[str]) -> int:
        """Give the wanted files at ``paths`` their last ``commit``; how many were."""
        with transaction(self._db):
            return self._db.executemany(
                "UPDATE live SET hash = ?1, wanted = 0 WHERE path = ?2 AND wanted",
                ((commit, path) for path in paths),
            ).rowcount

    def forget_wanted(self) -> None:
        """End a history walk: the files it did not find stay without a commit."""
        self._db.execute("UPDATE live SET wanted = 0 WHERE wanted")

    def write_changes(self, conn: sqlite3.Connection) -> int:
        """Write the columns that changed to the notebook's database ``conn`` (in a
        transaction); the number of rows changed."""
        # In path order: the path index's order, and mostly the rows' (files are written in
        # the scan's order); another order would land each update on another page.
        changes = self._db.execute(
            "SELECT repo > 0, CASE WHEN repo > 0 THEN hash END, path FROM live"
            " WHERE old_tracked != (repo > 0) OR old_hash IS NOT (CASE WHEN repo > 0 THEN hash END)"
            " ORDER BY path"
        )
        return conn.executemany(
            "UPDATE file_metadata SET git_tracked = ?, git_commit_hash = ? WHERE path = ?",
            changes,
        ).rowcount

    def close(self) -> None:
        """Drop the pass's database (its temporary file goes with it)."""
        self._finalizer()


@dataclass(slots=True)
class GitPlan:
    """One pass of :class:`GitColumns` between its parts: the live files with their stored
    columns (read) and what git says of them (computed), or only ``clear`` (no repository:
    both columns go back to their defaults)."""

    clear: bool = False
    files: _PassFiles | None = None
    heads: dict[str, str | None] = field(default_factory=dict)
    submodules: list[str] = field(default_factory=list)
    computed: bool = False

    def close(self) -> None:
        """Let go of the live files (their database)."""
        if self.files is not None:
            self.files.close()
            self.files = None


class _Wanted:
    """A history walk's sink (:class:`~codex_lsp.storage.git.CommitSink`): the wanted files
    of the pass get the newest commit that touched them; done once every one has."""

    def __init__(self, files: _PassFiles, base: _Base, count: int) -> None:
        self._files, self._base, self._remaining = files, base, count

    @property
    def done(self) -> bool:
        return self._remaining <= 0

    def add(self, commit: str, paths: Iterable[str]) -> None:
        self._remaining -= self._files.take_found(commit, self._base.paths_to_nb(paths))


class _Newer:
    """A walk of new commits' sink: every file of the pass it touches gets its newest one."""

    done = False

    def __init__(self, files: _PassFiles, base: _Base, repo: int) -> None:
        self._files, self._base, self._repo = files, base, repo

    def add(self, commit: str, paths: Iterable[str]) -> None:
        self._files.take_newer(self._repo, commit, self._base.paths_to_nb(paths))


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
    files: _PassFiles,
    old_heads: dict[str, Any],
    heads: dict[str, str | None],
    submodules: list[str],
    walks: _Walks,
) -> None:
    """Find which live files under ``base`` ``repo`` tracks and their last commits (then
    those of its submodules), in ``files``."""
    number = len(heads) + 1
    head = repo.head()
    heads[str(repo.root)] = head
    gitlinks: list[str] = []

    def tracked_files() -> Iterator[str]:
        for path, is_submodule in repo.tracked(base.pathspec):
            if is_submodule:
                gitlinks.append(path)
            elif (nb := base.to_nb(path)) is not None:
                yield nb

    files.mark_tracked(number, tracked_files())
    if head is not None and files.any_tracked(number):
        stored = old_heads.get(str(repo.root))
        reuse = isinstance(stored, str) and (stored == head or _is_ancestor(repo, stored, head))
        if reuse:
            files.reuse_hashes(number)
            if stored != head:
                repo.last_commits(_Newer(files, base, number), base.pathspec, since=stored)
        wanted = files.want_missing(number)
        walk = walks.take(repo, head, base.pathspec) if wanted else None
        if wanted and walk is None:
            # Only files HEAD has can be found (not those staged but never committed).
            wanted = files.keep_wanted(base.paths_to_nb(repo.head_files(base.pathspec)))
        if wanted:
            sink = _Wanted(files, base, wanted)
            if walk is None or not walk.last_commits(sink):
                repo.last_commits(sink, base.pathspec)
            files.forget_wanted()
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
            _pass(sub, _Base(nb_link + "/", ""), files, old_heads, heads, submodules, walks)
        except (GitError, GitUnavailable) as exc:
            log.warning("git columns of submodule %s: %s", sub.root, exc)


def _is_ancestor(repo: Repository, old: str, new: str) -> bool:
    status, _, _ = repo.run("merge-base", "--is-ancestor", old, new, check=False)
    return status == 0
