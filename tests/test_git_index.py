"""``file_metadata.git_tracked`` / ``git_commit_hash``: filled in one pass after index runs."""

from __future__ import annotations

import gc
import shutil
import sqlite3
import threading
import tracemalloc
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pytest

from codex_lsp.storage import git_index
from codex_lsp.storage import indexer as indexer_module
from codex_lsp.storage.git import Repository
from codex_lsp.storage.indexer import Indexer
from codex_lsp.storage.notebooks import Notebook
from gitrepo import commit, git, head, init_repo, isolate_git, requires_git, write

pytestmark = requires_git


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(monkeypatch)


def columns(indexer: Indexer) -> dict[str, tuple[int, str | None]]:
    rows = indexer.conn.execute(
        "SELECT path, git_tracked, git_commit_hash FROM file_metadata WHERE deleted_at IS NULL"
    )
    return {path: (tracked, digest) for path, tracked, digest in rows}


def indexed_columns(repo: Path) -> dict[str, tuple[int, str | None]]:
    """The git columns of every live file after an index run of the notebook ``repo/nb``."""
    indexer = Indexer(Notebook(repo / "nb", explicit=True))
    try:
        indexer.index()
        return columns(indexer)
    finally:
        indexer.close()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "repo")
    write(root / "outside.md", "# Outside\n")
    write(root / "nb/.codex/config.yaml", "")
    write(root / "nb/a.md", "# A\n")
    write(root / "nb/sub dir/b ü.md", "# B\n")
    write(root / "nb/.gitignore", ".codex/notebook.db*\n")
    return root


def test_columns_of_committed_staged_and_untracked_files(repo: Path) -> None:
    first = commit(repo, "first")
    write(repo / "nb/a.md", "# A\n\nedited\n")
    second = commit(repo, "second", "nb/a.md")
    write(repo / "nb/staged.md", "# Staged\n")
    git(repo, "add", "nb/staged.md")
    write(repo / "nb/untracked.md", "# Untracked\n")
    found = indexed_columns(repo)
    assert found["a.md"] == (1, second)
    assert found["sub dir/b ü.md"] == (1, first)
    assert found["staged.md"] == (1, None)  # tracked, never committed
    assert found["untracked.md"] == (0, None)


def test_incremental_after_new_commits(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commit(repo, "first")
    indexer = Indexer(Notebook(repo / "nb", explicit=True))
    try:
        indexer.index()
        calls: list[str | None] = []
        original = Repository.last_commits

        def spy(self: Repository, wanted: set[str], prefix: str = "", since: str | None = None):
            calls.append(since)
            return original(self, wanted, prefix, since)

        monkeypatch.setattr(Repository, "last_commits", spy)
        # Nothing changed: the stored state matches, git is not even asked.
        before = head(repo)
        indexer.index()
        assert calls == []
        write(repo / "nb/sub dir/b ü.md", "# B\n\nnew\n")
        newer = commit(repo, "touch b")
        indexer.index()
        assert calls == [before]  # only the new commits were read
        assert columns(indexer)["sub dir/b ü.md"] == (1, newer)
        # History rewritten (amend): a full walk.
        git(repo, "commit", "-q", "--amend", "-m", "touch b, amended")
        indexer.index()
        assert calls[-1] is None
        assert columns(indexer)["sub dir/b ü.md"] == (1, head(repo))
        # Untracked again.
        git(repo, "rm", "-q", "--cached", "nb/a.md")
        indexer.index()
        assert columns(indexer)["a.md"] == (0, None)
    finally:
        indexer.close()


def test_cleared_when_the_repository_goes_away(repo: Path) -> None:
    commit(repo, "first")
    indexer = Indexer(Notebook(repo / "nb", explicit=True))
    try:
        indexer.index()
        assert columns(indexer)["a.md"][0] == 1
        shutil.rmtree(repo / ".git")
        indexer.index()
        assert set(columns(indexer).values()) == {(0, None)}
    finally:
        indexer.close()


def test_repository_without_commits_and_the_first_commit(repo: Path) -> None:
    indexer = Indexer(Notebook(repo / "nb", explicit=True))
    try:
        indexer.index()
        assert set(columns(indexer).values()) == {(0, None)}
        git(repo, "add", "nb/a.md")
        indexer.index()
        assert columns(indexer)["a.md"] == (1, None)
        first = commit(repo, "first")
        indexer.index()
        assert columns(indexer)["a.md"] == (1, first)
    finally:
        indexer.close()


def test_files_of_a_submodule_inside_the_notebook(repo: Path, tmp_path: Path) -> None:
    library = init_repo(tmp_path / "library")
    write(library / "inside.md", "# Inside\n")
    inner = commit(library, "library")
    commit(repo, "first")
    git(repo, "submodule", "add", "-q", library.resolve().as_uri(), "nb/lib")
    commit(repo, "add submodule")
    indexer = Indexer(Notebook(repo / "nb", explicit=True))
    try:
        indexer.index()
        assert columns(indexer)["lib/inside.md"] == (1, inner)
        # A new commit inside the submodule is seen by the next run.
        write(repo / "nb/lib/inside.md", "# Inside\n\nchanged\n")
        newer = commit(repo / "nb/lib", "inner change")
        indexer.index()
        assert columns(indexer)["lib/inside.md"] == (1, newer)
    finally:
        indexer.close()


def test_record_commit_marks_paths(repo: Path) -> None:
    commit(repo, "first")
    indexer = Indexer(Notebook(repo / "nb", explicit=True))
    try:
        indexer.index()
        git_index.record_commit(indexer.conn, ["a.md"], "f" * 40)
        assert columns(indexer)["a.md"] == (1, "f" * 40)
    finally:
        indexer.close()


def test_notebook_outside_git(tmp_path: Path) -> None:
    write(tmp_path / "plain/.codex/config.yaml", "")
    write(tmp_path / "plain/a.md", "# A\n")
    indexer = Indexer(Notebook(tmp_path / "plain", explicit=True))
    try:
        indexer.index()
        assert columns(indexer) == {"a.md": (0, None)}
    finally:
        indexer.close()


def test_first_run_walks_history_in_the_background(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = commit(repo, "first")
    calls: list[object] = []
    monkeypatch.setattr(Repository, "last_commits", lambda *args, **kw: calls.append(args) or {})
    indexer = Indexer(Notebook(repo / "nb", explicit=True))
    try:
        threads = threading.active_count()
        job = git_index.GitColumns(indexer.conn, (repo / "nb").resolve())
        # A git process writing to a file: no thread, so the indexer may still fork.
        assert job.walk is not None and threading.active_count() == threads
        indexer.index()  # its own job; this one is finished by hand below
        assert job.finish(indexer.conn, force=True) == 0  # values already right
        job.close()
        assert calls == []  # the background walk answered, no second walk
        assert columns(indexer)["a.md"] == (1, first)
    finally:
        indexer.close()


class _RecordingConnection:
    """A connection that records the rows given to ``executemany`` (then executes them)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.rows: list[tuple[Any, ...]] = []

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        given = list(rows)
        self.rows.extend(given)
        return self._conn.executemany(sql, given)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def test_the_git_columns_are_written_in_path_order(repo: Path) -> None:
    """Rows are updated by path in the order of the path index (and, mostly, of the rows):
    in a set's order each update would land on another page of a large table."""
    for n in range(60):
        write(repo / f"nb/notes/{n:02d} note {n * 7 % 60}.md", f"# {n}\n")
    commit(repo, "first")
    indexer = Indexer(Notebook(repo / "nb", explicit=True))
    try:
        indexer.index()
        job = git_index.GitColumns(indexer.conn, (repo / "nb").resolve())
        indexer.conn.execute("UPDATE file_metadata SET git_tracked = 0, git_commit_hash = NULL")
        recording = _RecordingConnection(indexer.conn)
        assert job.finish(recording, force=True) == 62  # type: ignore[arg-type]
        job.close()
        paths = [row[-1] for row in recording.rows]
        assert paths == sorted(paths)
        assert columns(indexer)["a.md"] == (1, head(repo))
    finally:
        indexer.close()


def test_shallow_clone(repo: Path, tmp_path: Path) -> None:
    commit(repo, "first")
    write(repo / "nb/a.md", "# A\n\nagain\n")
    tip = commit(repo, "second")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", repo.resolve().as_uri(), str(clone))
    indexer = Indexer(Notebook(clone / "nb", explicit=True))
    try:
        indexer.index()
        found = columns(indexer)
    finally:
        indexer.close()
    # History stops at the graft: every file's last commit is the only one there is.
    assert found["a.md"] == (1, tip)
    assert found["sub dir/b ü.md"] == (1, tip)


def _traced_git_pass(root: Path, files: int) -> int:
    """Peak memory traced while the git pass of a first run fills the columns of ``files``
    committed notes (the notes indexed, the pass redone by hand)."""
    nb = root  # a notebook that is its repository's root, as most are
    write(nb / ".codex/config.yaml", "")
    write(nb / ".gitignore", ".codex/notebook.db*\n")
    for n in range(files):
        write(nb / f"folder {n % 7}/a note with a longish name {n}.md", f"# {n}\n")
    init_repo(root)
    commit(root, "first")
    indexer = Indexer(Notebook(nb, explicit=True))
    try:
        indexer.index()
        indexer.conn.execute("DELETE FROM meta WHERE key = ?", (git_index.META_KEY,))
        indexer.conn.execute("UPDATE file_metadata SET git_tracked = 0, git_commit_hash = NULL")
        job = git_index.GitColumns(indexer.conn, nb.resolve())
        tracemalloc.start()
        try:
            assert job.finish(indexer.conn, force=True) == files
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            job.close()
        assert set(columns(indexer).values()) == {(1, head(root))}
        return peak
    finally:
        indexer.close()


def test_the_git_pass_holds_nothing_per_file(tmp_path: Path) -> None:
    """The pass keeps the live files and what git says of them in a database of its own,
    and reads git's output a chunk at a time (even the commit that added every file): its
    memory does not grow with the notebook."""
    small, large = 2_000, 6_000
    small_peak = _traced_git_pass(tmp_path / "small", small)
    large_peak = _traced_git_pass(tmp_path / "large", large)
    per_file = (large_peak - small_peak) / (large - small)
    assert per_file < GIT_PASS_PER_FILE_ALLOWANCE, f"{per_file:.0f} bytes more per file"


GIT_PASS_PER_FILE_ALLOWANCE = 8
"""Bytes one more file may add to the git pass's peak: none is held per file (a few bytes of
slack for the allocator's rounding)."""


def test_git_is_asked_while_the_link_indexes_are_built(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a full run's commit, SQLite builds the link indexes while git is asked about
    the files (its Python waits on git's processes), not one after the other."""
    first = commit(repo, "first")
    asked = threading.Event()
    overlapped: list[bool] = []
    compute = git_index.GitColumns.compute
    build = indexer_module.create_derived_indexes

    def asking(self: git_index.GitColumns, plan: git_index.GitPlan) -> None:
        asked.set()
        compute(self, plan)

    def building(conn: sqlite3.Connection, *, exclude: Collection[str] = ()) -> None:
        if not exclude:  # the link indexes, after the run's commit
            overlapped.append(asked.wait(timeout=20))
        build(conn, exclude=exclude)

    monkeypatch.setattr(git_index.GitColumns, "compute", asking)
    monkeypatch.setattr(indexer_module, "create_derived_indexes", building)
    found = indexed_columns(repo)
    assert overlapped == [True]
    assert found["a.md"] == (1, first)


def test_the_git_pass_lets_go_of_its_paths_before_the_schema_check(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The git pass's sets and maps of every path are freed once its columns are written:
    the schema check after it must not run on top of them (a cold index's peak memory)."""
    commit(repo, "first")
    alive: list[int] = []
    check = indexer_module.safe_sync

    def counting(*args: Any, **kwargs: Any) -> object:
        alive.append(sum(isinstance(o, git_index.GitPlan) for o in gc.get_objects()))
        return check(*args, **kwargs)

    monkeypatch.setattr(indexer_module, "safe_sync", counting)
    indexer = Indexer(Notebook(repo / "nb", explicit=True))
    try:
        indexer.index()
    finally:
        indexer.close()
    assert alive == [0]


def test_a_full_run_writes_the_git_columns_as_a_bulk_write(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full run's git columns are committed before it leaves its bulk write: that commit
    neither waits for the disk nor checkpoints the whole run's pages (indexer._bulk_write)."""
    first = commit(repo, "first")
    modes: list[tuple[int, int]] = []
    write = git_index.GitColumns.write

    def recording(
        self: git_index.GitColumns, conn: sqlite3.Connection, plan: git_index.GitPlan | None
    ) -> int:
        synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
        modes.append((synchronous, conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]))
        return write(self, conn, plan)

    monkeypatch.setattr(git_index.GitColumns, "write", recording)
    indexer = Indexer(Notebook(repo / "nb", explicit=True))
    try:
        indexer.index()
        found = columns(indexer)
        assert indexer.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL again
    finally:
        indexer.close()
    assert modes == [(0, 0)]  # OFF, no automatic checkpoint
    assert found["a.md"] == (1, first)
