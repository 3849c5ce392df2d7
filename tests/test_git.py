"""Git history on real repositories: discovery, log (renames, merges), show, diff, deleted
notes, and the edge cases of issue 5 (no repository, no git, subfolder, no commits, shallow
clone, unusual names, non-UTF-8 messages, submodules)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from codex_lsp.core.history import parse_iso
from codex_lsp.storage.git import (
    GitError,
    GitUnavailable,
    Repository,
    find_repository,
    find_repository_or_none,
)
from gitrepo import (
    AUTHOR,
    EMAIL,
    commit,
    days_ago,
    git,
    head,
    init_repo,
    isolate_git,
    requires_git,
    write,
)

pytestmark = requires_git

PCR = "nb/protocols/pcr.md"
OLD = "nb/old name.md"
NEW = "nb/Ünïcode notes/new name.md"
GONE = "nb/gone.md"
ODD = "nb/[draft] ünï *.md"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(monkeypatch)


@dataclass
class Lab:
    """A repository whose notebook ``nb/`` is a subfolder, with a known history."""

    root: Path
    commits: dict[str, str]

    @property
    def notebook(self) -> Path:
        return self.root / "nb"

    def repo(self) -> Repository:
        return find_repository(self.notebook)


@pytest.fixture
def lab(tmp_path: Path) -> Lab:
    root = init_repo(tmp_path / "repo")
    write(root / "README.md", "outside the notebook\n")
    write(root / "nb/.codex/config.yaml", "")
    write(root / PCR, "# PCR\n\nv1\n")
    write(root / OLD, "# Old\n\nfirst\n")
    write(root / GONE, "# Gone\n\nsoon deleted\n")
    write(root / ODD, "# Odd\n")
    commits = {"c1": commit(root, "Add notes", date=days_ago(10))}
    write(root / PCR, "# PCR\n\nv2\n")
    commits["c2"] = commit(root, "Edit PCR", date=days_ago(8))
    (root / NEW).parent.mkdir(parents=True)
    git(root, "mv", OLD, NEW)
    commits["c3"] = commit(root, "Rename old name", date=days_ago(6))
    write(root / NEW, "# Old\n\nfirst\nsecond\n")
    commits["c4"] = commit(root, "Edit renamed note", date=days_ago(5))
    git(root, "rm", "-q", GONE)
    commits["c5"] = commit(root, "Delete gone", date=days_ago(4))
    write(root / PCR, "# PCR\n\nv3\n")
    commits["c6"] = commit(root, "PCR v3", date=days_ago(3))
    return Lab(root, commits)


# -- discovery -----------------------------------------------------------------------------


def test_notebook_outside_any_repository(tmp_path: Path) -> None:
    write(tmp_path / "plain/note.md", "# Note\n")
    with pytest.raises(GitUnavailable, match="not inside a git repository"):
        find_repository(tmp_path / "plain/note.md")
    assert find_repository_or_none(tmp_path / "plain") is None


def test_notebook_in_a_subfolder_of_a_repository(lab: Lab) -> None:
    repo = lab.repo()
    assert repo.root == lab.root.resolve()
    assert repo.relpath(lab.root / PCR) == PCR
    assert repo.relpath(lab.root / GONE) == GONE  # deleted files still have a path
    with pytest.raises(GitUnavailable):
        repo.relpath(lab.root.parent / "elsewhere.md")


# -- history ---------------------------------------------------------------------------------


def test_history_newest_first_with_every_field(lab: Lab) -> None:
    entries = lab.repo().history(PCR)
    assert [e.subject for e in entries] == ["PCR v3", "Edit PCR", "Add notes"]
    newest = entries[0]
    assert newest.commit == lab.commits["c6"]
    assert newest.short_commit and newest.commit.startswith(newest.short_commit)
    assert (newest.author, newest.email, newest.path) == (AUTHOR, EMAIL, PCR)
    when = parse_iso(newest.date or "")
    assert when is not None and abs((when - days_ago(3)).total_seconds()) < 60
    assert newest.as_dict()["workingTree"] is False
    assert set(newest.as_dict()) == {
        "commit",
        "shortCommit",
        "author",
        "email",
        "date",
        "subject",
        "path",
        "workingTree",
    }


def test_history_follows_renames_with_the_path_at_each_commit(lab: Lab) -> None:
    entries = lab.repo().history(NEW)
    assert [(e.subject, e.path) for e in entries] == [
        ("Edit renamed note", NEW),
        ("Rename old name", NEW),
        ("Add notes", OLD),
    ]
    summary = lab.repo().summary(NEW)
    assert (summary.count, summary.author) == (3, AUTHOR)


def test_history_limit(lab: Lab) -> None:
    assert [e.subject for e in lab.repo().history(NEW, 2)] == [
        "Edit renamed note",
        "Rename old name",
    ]


def test_uncommitted_changes_come_first(lab: Lab) -> None:
    repo = lab.repo()
    assert repo.history(PCR)[0].commit is not None
    # An editor buffer that differs from the (clean) file counts.
    assert repo.history(PCR, buffer="# PCR\n\nunsaved\n")[0].working_tree
    assert not repo.history(PCR, buffer="# PCR\n\nv3\n")[0].working_tree
    write(lab.root / PCR, "# PCR\n\nv4 on disk\n")
    entries = repo.history(PCR)
    assert entries[0].working_tree and entries[0].commit is None
    assert entries[0].as_dict()["workingTree"] is True
    assert entries[0].path == PCR and entries[0].date
    assert len(entries) == 4
    assert len(repo.history(PCR, 1)) == 1


def test_history_of_an_untracked_note(lab: Lab) -> None:
    write(lab.root / "nb/new.md", "# New\n")
    entries = lab.repo().history("nb/new.md")
    assert len(entries) == 1 and entries[0].working_tree
    assert lab.repo().summary("nb/new.md").count == 0


# -- show and diff -------------------------------------------------------------------------


def test_show_at_a_commit_uses_the_path_then(lab: Lab) -> None:
    repo = lab.repo()
    commit_hash, path, text = repo.show(NEW, lab.commits["c1"])
    assert (commit_hash, path, text) == (lab.commits["c1"], OLD, "# Old\n\nfirst\n")
    # c2 did not touch the note, which was still at its old name.
    assert repo.show(NEW, lab.commits["c2"])[1:] == (OLD, "# Old\n\nfirst\n")
    # Short hashes and revision expressions work too.
    assert repo.show(PCR, lab.commits["c2"][:8])[2] == "# PCR\n\nv2\n"
    assert repo.show(PCR, "HEAD~5")[2] == "# PCR\n\nv1\n"


def test_show_errors(lab: Lab) -> None:
    repo = lab.repo()
    with pytest.raises(GitError, match="not a commit"):
        repo.show(PCR, "0" * 40)
    with pytest.raises(GitError, match="not a commit"):
        repo.show(PCR, "--output=/tmp/x")
    with pytest.raises(GitError, match="does not exist"):
        repo.show("nb/never.md", "HEAD")


def test_diff_between_commits_across_a_rename(lab: Lab) -> None:
    old, new, patch = lab.repo().diff(NEW, lab.commits["c1"], lab.commits["c4"])
    assert (old, new) == (lab.commits["c1"], lab.commits["c4"])
    assert patch.startswith(f"--- a/{OLD}\n+++ b/{NEW}\n@@")
    assert "+second\n" in patch and "-first" not in patch


def test_diff_against_text_and_disk(lab: Lab, tmp_path: Path) -> None:
    repo = lab.repo()
    _, new, patch = repo.diff(PCR, "HEAD~5", text="# PCR\n\nedited")
    assert new is None
    assert "-v1\n+edited\n\\ No newline at end of file\n" in patch
    # The patch is a real one: git applies it to the old text.
    scratch = init_repo(tmp_path / "scratch")
    write(scratch / PCR, "# PCR\n\nv1\n")
    write(scratch / "change.patch", patch)
    git(scratch, "apply", "change.patch")
    assert (scratch / PCR).read_text(encoding="utf-8") == "# PCR\n\nedited"
    # Without text: the file on disk; no difference gives an empty diff.
    assert repo.diff(PCR, "HEAD")[2] == ""


# -- deleted notes ---------------------------------------------------------------------------


def test_deleted_notes(lab: Lab) -> None:
    repo = lab.repo()
    (found,) = repo.deleted("nb")
    assert found.path == GONE  # the renamed note is not "deleted"
    assert found.commit == lab.commits["c4"]  # last commit that has it
    assert found.deleted_in == lab.commits["c5"]
    assert found.subject == "Delete gone" and found.author == AUTHOR
    assert repo.show(GONE, found.commit)[2] == "# Gone\n\nsoon deleted\n"
    assert [e.subject for e in repo.history(GONE)] == ["Delete gone", "Add notes"]
    # Recreated: no longer deleted.
    write(lab.root / GONE, "# Back\n")
    assert repo.deleted("nb") == []
    assert repo.deleted("elsewhere") == []


# -- merges --------------------------------------------------------------------------------


def test_history_with_a_merge_commit(lab: Lab) -> None:
    root = lab.root
    write(root / PCR, "# PCR\n\nv3\n\nmiddle\n\nend\n")
    commit(root, "Grow PCR", date=days_ago(2.5))
    git(root, "checkout", "-q", "-b", "feature")
    write(root / PCR, "# PCR (feature)\n\nv3\n\nmiddle\n\nend\n")
    commit(root, "Feature title", date=days_ago(2))
    git(root, "checkout", "-q", "main")
    write(root / PCR, "# PCR\n\nv3\n\nmiddle\n\nend (main)\n")
    commit(root, "Main ending", date=days_ago(1.5))
    git(root, "merge", "-q", "--no-ff", "feature", "-m", "Merge feature", date=days_ago(1))
    merge = head(root)
    entries = lab.repo().history(PCR)
    subjects = [e.subject for e in entries]
    assert subjects[0] == "Merge feature"  # the merge combined both edits: it is listed
    assert {"Feature title", "Main ending", "Grow PCR", "Add notes"} <= set(subjects)
    assert entries[0].commit == merge and entries[0].path == PCR
    merged = "# PCR (feature)\n\nv3\n\nmiddle\n\nend (main)\n"
    assert lab.repo().show(PCR, merge)[2] == merged
    assert "+end (main)" in lab.repo().diff(PCR, "HEAD^2", merge)[2]


# -- edge cases ----------------------------------------------------------------------------


def test_repository_without_commits(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "empty")
    write(root / "note.md", "# Note\n")
    repo = find_repository(root / "note.md")
    assert repo.head() is None
    entries = repo.history("note.md")
    assert len(entries) == 1 and entries[0].working_tree
    assert repo.summary("note.md").count == 0
    assert repo.deleted() == []
    with pytest.raises(GitError):
        repo.show("note.md", "HEAD")
    sink = _Sink()
    repo.last_commits(sink)
    assert sink.commits == []


class _Sink:
    """A history walk's sink that records every commit it is given."""

    done = False

    def __init__(self) -> None:
        self.commits: list[tuple[str, list[str]]] = []

    def add(self, commit: str, paths: Iterable[str]) -> None:
        self.commits.append((commit, list(paths)))


def test_shallow_clone(lab: Lab, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", lab.root.resolve().as_uri(), str(clone))
    repo = find_repository(clone / NEW)
    entries = repo.history(NEW)
    assert [e.commit for e in entries] == [lab.commits["c6"]]  # history stops at the graft
    assert repo.show(NEW, "HEAD")[2] == "# Old\n\nfirst\nsecond\n"
    assert repo.summary(PCR).count == 1
    assert repo.deleted("nb") == []


def test_names_with_spaces_glob_characters_and_non_ascii(lab: Lab) -> None:
    repo = lab.repo()
    assert [e.path for e in repo.history(ODD)] == [ODD]
    assert repo.show(ODD, "HEAD")[1:] == (ODD, "# Odd\n")
    # A literal pathspec: "*" must not match other notes.
    write(lab.root / "nb/[draft] ünï x.md", "# Other\n")
    commit(lab.root, "Other odd name")
    assert len(repo.history(ODD)) == 1
    tracked = {path for path, is_submodule in repo.tracked("nb") if not is_submodule}
    assert {ODD, NEW, PCR, "nb/[draft] ünï x.md"} <= tracked


def test_non_utf8_commit_messages(lab: Lab) -> None:
    root = lab.root
    message = root.parent / "message.txt"
    message.write_bytes("Caf\u00e9 r\u00e9sum\u00e9\n".encode("latin-1"))
    write(root / PCR, "# PCR\n\nlatin-1\n")
    git(root, "add", PCR)
    git(root, "-c", "i18n.commitEncoding=latin1", "commit", "-q", "-F", str(message))
    # Bytes that are not UTF-8 although no encoding is declared (git commit would repair
    # them, so the commit object is written by hand).
    write(root / PCR, "# PCR\n\nbroken\n")
    git(root, "add", PCR)
    tree = git(root, "write-tree").strip()
    raw = (
        f"tree {tree}\nparent {head(root)}\n"
        f"author {AUTHOR} <{EMAIL}> 1700000000 +0000\n"
        f"committer {AUTHOR} <{EMAIL}> 1700000000 +0000\n\n"
    ).encode() + b"Broken \xff\xfe bytes\n"
    broken = git(root, "hash-object", "-t", "commit", "-w", "--stdin", stdin=raw).strip()
    git(root, "reset", "-q", "--soft", broken)
    entries = lab.repo().history(PCR)
    assert entries[1].subject == "Café résumé"  # re-encoded by git from latin-1
    assert entries[0].subject.startswith("Broken ") and "\ufffd" in entries[0].subject
    assert lab.repo().summary(PCR).count == 5


def test_note_inside_a_submodule(tmp_path: Path) -> None:
    library = init_repo(tmp_path / "library")
    write(library / "inside.md", "# Inside\n")
    first = commit(library, "Library note")
    write(library / "inside.md", "# Inside\n\nmore\n")
    second = commit(library, "Library edit")
    outer = init_repo(tmp_path / "outer")
    write(outer / "nb/top.md", "# Top\n")
    commit(outer, "Top note")
    git(outer, "submodule", "add", "-q", library.resolve().as_uri(), "nb/lib")
    commit(outer, "Add submodule")
    note = outer / "nb/lib/inside.md"
    repo = find_repository(note)
    assert repo.root == (outer / "nb/lib").resolve()  # the nearest repository wins
    assert repo.relpath(note) == "inside.md"
    assert [e.commit for e in repo.history("inside.md")] == [second, first]
    assert repo.show("inside.md", first)[2] == "# Inside\n"
    assert find_repository(outer / "nb/top.md").root == outer.resolve()


# -- git not installed -------------------------------------------------------------------------


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codex_lsp", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("how", ["no git on PATH", "GIT_PYTHON_GIT_EXECUTABLE nowhere"])
def test_git_not_installed(lab: Lab, tmp_path: Path, how: str) -> None:
    env = dict(os.environ)
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    if how == "no git on PATH":
        empty = tmp_path / "empty-bin"
        empty.mkdir()
        env["PATH"] = str(empty)
        env.pop("GIT_PYTHON_GIT_EXECUTABLE", None)
    else:
        env["GIT_PYTHON_GIT_EXECUTABLE"] = str(tmp_path / "nowhere" / "git")
    history = _cli("history", str(lab.root / PCR), env=env, cwd=tmp_path)
    assert history.returncode == 2
    assert "git history is unavailable" in history.stderr
    assert "Traceback" not in history.stderr
    # Everything else works: the index is built, with empty git columns.
    index = _cli("index", str(lab.notebook), "--json", env=env, cwd=tmp_path)
    assert index.returncode == 0, index.stderr
    assert "Traceback" not in index.stderr
    with sqlite3.connect(lab.notebook / ".codex/notebook.db") as conn:
        rows = conn.execute("SELECT sum(git_tracked), count(*) FROM file_metadata").fetchone()
    assert rows[0] == 0 and rows[1] >= 3


def test_renamed_into_a_name_used_before_keeps_its_own_lineage(lab: Lab) -> None:
    root = lab.root
    # GONE was deleted in c5; now another note is renamed to that name.
    git(root, "mv", PCR, GONE)
    commit(root, "PCR takes the old name", date=days_ago(1))
    entries = lab.repo().history(GONE)
    assert [(e.subject, e.path) for e in entries] == [
        ("PCR takes the old name", GONE),
        ("PCR v3", PCR),
        ("Edit PCR", PCR),
        ("Add notes", PCR),
    ]  # not "Delete gone": the earlier file of that name is another note
    # A name simply re-created (no rename) keeps its older history, as git log --follow.
    write(root / "nb/again.md", "# Again\n")
    commit(root, "Create again", date=days_ago(0.5))
    git(root, "rm", "-q", "nb/again.md")
    commit(root, "Remove again", date=days_ago(0.4))
    write(root / "nb/again.md", "# Again, back\n")
    commit(root, "Recreate again", date=days_ago(0.3))
    assert [e.subject for e in lab.repo().history("nb/again.md")] == [
        "Recreate again",
        "Remove again",
        "Create again",
    ]


# -- a repository's own configuration runs no program ------------------------------------------


def test_planted_git_config_runs_no_program(lab: Lab, tmp_path: Path) -> None:
    """A work tree unpacked from an archive can carry a ``.git/config`` that names programs
    (``core.fsmonitor``, an external diff, a pager): reading history must run none of them."""
    marker = tmp_path / "ran"
    command = f"touch {marker}; false"
    for key in ("core.fsmonitor", "diff.external", "core.pager", "pager.log", "pager.show"):
        git(lab.root, "config", key, command)
    write(lab.root / PCR, "# PCR\n\nv4, not committed\n")
    repo = lab.repo()
    repo.history(PCR)
    repo.summary(PCR)
    repo.show(PCR, lab.commits["c2"])
    repo.diff(PCR, lab.commits["c2"])
    repo.deleted("nb/")
    repo.tracked("nb/")
    repo.auto_commit([PCR], "Auto-commit: pcr", 1 << 20)
    assert not marker.exists()
