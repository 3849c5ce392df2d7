"""``file_metadata.git_tracked`` / ``git_commit_hash``: filled in one pass after index runs."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from codex_lsp.storage import git_index
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
    indexer = Indexer(Notebook(repo / "nb", explicit=True))
    try:
        indexer.index()
        found = columns(indexer)
    finally:
        indexer.close()
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
