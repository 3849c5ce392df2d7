"""Auto-commit: only the note and its sidecars, never in a dangerous state, never loses text."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from codex_lsp.storage.git import AUTO_COMMIT_PREFIX, Repository, find_repository
from gitrepo import commit, git, head, init_repo, isolate_git, requires_git, subjects, write

pytestmark = requires_git

NOTE = "nb/ünï note.md"
SIDECAR = "nb/.ünï note.md.json"
MAX = 1 << 20


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(monkeypatch)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "repo")
    write(root / NOTE, "# Note\n")
    write(root / SIDECAR, '{"status": "draft"}\n')
    write(root / "nb/other.md", "# Other\n")
    commit(root, "first")
    return root


def repo_of(root: Path) -> Repository:
    return find_repository(root / NOTE)


def committed_files(root: Path) -> set[str]:
    return set(git(root, "show", "--name-only", "-z", "--format=", "HEAD").strip("\0").split("\0"))


def test_commits_the_note_and_its_sidecars_only(root: Path) -> None:
    write(root / NOTE, "# Note\n\nedited\n")
    write(root / SIDECAR, '{"status": "done"}\n')
    write(root / "nb/other.md", "# Other\n\nunrelated edit\n")
    result = repo_of(root).auto_commit([NOTE, SIDECAR], AUTO_COMMIT_PREFIX + NOTE, MAX)
    assert result.committed and result.reason is None
    assert result.commit == head(root)
    assert subjects(root)[0] == f"Auto-commit: {NOTE}"
    assert committed_files(root) == {NOTE, SIDECAR}
    assert "nb/other.md" in git(root, "status", "--porcelain")  # left alone
    assert git(root, "diff", "--cached", "--name-only") == ""


def test_nothing_to_commit(root: Path) -> None:
    before = head(root)
    result = repo_of(root).auto_commit([NOTE], "x", MAX)
    assert not result.committed and result.reason is None
    assert head(root) == before


def test_new_untracked_note_and_first_commit(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "fresh")
    write(root / "new.md", "# New\n")
    result = find_repository(root / "new.md").auto_commit(["new.md"], "Auto-commit: new.md", MAX)
    assert result.committed
    assert subjects(root) == ["Auto-commit: new.md"]


def test_binary_large_and_ignored_files_are_left_out(root: Path) -> None:
    write(root / "nb/.gitignore", "ignored.md\n")
    commit(root, "ignore")
    (root / "nb/.ünï note.md.xml").write_bytes(b"<a>\x00binary</a>")
    write(root / "nb/.ünï note.md.md", "x" * 5000)
    write(root / "nb/ignored.md", "# Ignored\n")
    write(root / NOTE, "# Note\n\nedited\n")
    files = [NOTE, "nb/.ünï note.md.xml", "nb/.ünï note.md.md", "nb/ignored.md"]
    result = repo_of(root).auto_commit(files, "Auto-commit", 4096)
    assert result.committed
    assert committed_files(root) == {NOTE}
    reasons = dict(result.skipped)
    assert reasons["nb/.ünï note.md.xml"] == "binary"
    assert reasons["nb/.ünï note.md.md"].startswith("larger than")
    assert reasons["nb/ignored.md"] == "ignored by git"


def _merge_conflict(root: Path) -> None:
    git(root, "checkout", "-q", "-b", "side")
    write(root / "nb/other.md", "# Other\n\nside\n")
    commit(root, "side")
    git(root, "checkout", "-q", "main")
    write(root / "nb/other.md", "# Other\n\nmain\n")
    commit(root, "main")
    with pytest.raises(AssertionError):
        git(root, "merge", "side")  # conflicts: MERGE_HEAD and unmerged entries


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("merge", "merge is in progress"),
        ("rebase", "rebase is in progress"),
        ("cherry-pick", "cherry-pick is in progress"),
        ("conflicts", "unresolved conflicts"),
        ("detached", "HEAD is detached"),
        ("staged", "other changes are staged"),
    ],
)
def test_refuses_in_unsafe_states(root: Path, state: str, expected: str) -> None:
    if state == "merge":
        _merge_conflict(root)
    elif state == "rebase":
        (root / ".git/rebase-merge").mkdir()
    elif state == "cherry-pick":
        (root / ".git/CHERRY_PICK_HEAD").write_text(head(root) + "\n")
    elif state == "conflicts":
        _merge_conflict(root)
        (root / ".git/MERGE_HEAD").unlink()  # conflicts left without the merge state
    elif state == "detached":
        git(root, "checkout", "-q", "--detach")
    elif state == "staged":
        write(root / "nb/other.md", "# Other\n\nstaged by the user\n")
        git(root, "add", "nb/other.md")
    text = "# Note\n\nprecious unsaved work\n"
    write(root / NOTE, text)
    before = head(root)
    index_before = git(root, "diff", "--cached", "--name-only")
    result = repo_of(root).auto_commit([NOTE, SIDECAR], "Auto-commit", MAX)
    assert not result.committed
    assert result.reason is not None and expected in result.reason
    assert head(root) == before
    assert (root / NOTE).read_text(encoding="utf-8") == text
    assert git(root, "diff", "--cached", "--name-only") == index_before


def test_a_failed_commit_keeps_the_text_and_the_index(root: Path) -> None:
    hook = root / ".git/hooks/pre-commit"
    hook.write_text("#!/bin/sh\necho 'refused by hook' >&2\nexit 1\n")
    hook.chmod(0o755)
    text = "# Note\n\nwork in progress\n"
    write(root / NOTE, text)
    before = head(root)
    result = repo_of(root).auto_commit([NOTE], "Auto-commit", MAX)
    assert not result.committed
    assert result.reason is not None and "git commit failed" in result.reason
    assert "refused by hook" in result.reason
    assert head(root) == before
    assert (root / NOTE).read_text(encoding="utf-8") == text
    assert git(root, "diff", "--cached", "--name-only") == ""  # unstaged again
    hook.unlink()
    assert repo_of(root).auto_commit([NOTE], "Auto-commit", MAX).committed


def test_concurrent_saves_are_serialized(root: Path) -> None:
    notes = [f"nb/note {i}.md" for i in range(8)]
    for rel in notes:
        write(root / rel, f"# {rel}\n")
    results = []
    errors: list[BaseException] = []

    def save(rel: str) -> None:
        try:
            # A fresh Repository each time, as the server does: the lock is per repository.
            results.append(find_repository(root / rel).auto_commit([rel], f"Auto: {rel}", MAX))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(rel,)) for rel in notes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(r.committed for r in results), [r.reason for r in results]
    assert len(subjects(root)) == 1 + len(notes)
    assert git(root, "status", "--porcelain", "--", "nb") == ""


def test_names_with_glob_characters(root: Path) -> None:
    rel = "nb/[draft] * ü?.md"
    write(root / rel, "# Draft\n")
    write(root / "nb/[draft] x ü?.md", "# Not this one\n")
    result = repo_of(root).auto_commit([rel], f"Auto-commit: {rel}", MAX)
    assert result.committed, result.reason
    assert committed_files(root) == {rel}
