"""Git history commands end to end: codex.history, codex.show, codex.diff, codex.restore,
codex.deletedNotes, the history code lens, and auto-commit (VS Code and Neovim profiles).

The notebook is a subfolder of a real repository built in a temporary folder.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsp_session import Session, start_session, stop_session
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from codex_lsp.core.history import parse_iso
from gitrepo import (
    AUTHOR,
    commit,
    days_ago,
    git,
    head,
    init_repo,
    isolate_git,
    requires_git,
    subjects,
    write,
)

pytestmark = requires_git

REQUEST_FAILED = -32803
INVALID_PARAMS = -32602
PCR = "protocols/PCR amplification.md"
OLD = "old ünï name.md"
NEW = "notes/new ünï name.md"
GONE = "gone note.md"
ENTRY_KEYS = {"commit", "shortCommit", "author", "email", "date", "subject", "path", "workingTree"}


@dataclass
class GitLab:
    """A repository ``repo/`` whose notebook is ``repo/notebook``."""

    repo: Path
    notebook: Path
    commits: dict[str, str]

    def repo_path(self, rel: str) -> str:
        """Repository-relative path of a notebook-relative one."""
        return f"notebook/{rel}"


@pytest.fixture
def git_lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitLab:
    isolate_git(monkeypatch)
    repo = init_repo(tmp_path / "repo")
    notebook = repo / "notebook"
    write(repo / "README.md", "outside the notebook\n")
    write(notebook / ".codex/config.yaml", "")
    write(notebook / ".codex/.gitignore", "notebook.db*\n")
    write(notebook / PCR, "# PCR amplification\n\nv1\n")
    write(notebook / OLD, "# Renamed note\n\nSee [[PCR amplification]].\n")
    write(notebook / GONE, "# Gone\n\nbye\n")
    commits = {"c1": commit(repo, "Add notes", date=days_ago(10))}
    write(notebook / PCR, "# PCR amplification\n\nv2\n")
    commits["c2"] = commit(repo, "PCR v2", date=days_ago(6))
    (notebook / NEW).parent.mkdir(parents=True)
    git(repo, "mv", f"notebook/{OLD}", f"notebook/{NEW}")
    commits["c3"] = commit(repo, "Move the note", date=days_ago(5))
    git(repo, "rm", "-q", f"notebook/{GONE}")
    commits["c4"] = commit(repo, "Delete gone note", date=days_ago(4))
    write(notebook / PCR, "# PCR amplification\n\nv3\n")
    commits["c5"] = commit(repo, "PCR v3", date=days_ago(3))
    return GitLab(repo, notebook, commits)


@pytest_asyncio.fixture
async def session(git_lab: GitLab, profile: str) -> AsyncIterator[Session]:
    started = await start_session(git_lab.notebook, profile)
    yield started
    await stop_session(started)


async def refused(
    session: Session, name: str, argument: Any, match: str, code: int = REQUEST_FAILED
) -> None:
    with pytest.raises(JsonRpcException) as info:
        await session.command(name, argument)
    assert info.value.code == code, info.value
    assert match in str(info.value), str(info.value)


async def lenses(session: Session, uri: str) -> list[types.CodeLens]:
    result = await session.client.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(uri))
    )
    return list(result or [])


# -- history, show, diff -------------------------------------------------------------------


async def test_history_follows_renames(session: Session, git_lab: GitLab) -> None:
    entries = await session.command("codex.history", {"uri": session.uri(NEW)})
    assert [(e["subject"], e["path"]) for e in entries] == [
        ("Move the note", git_lab.repo_path(NEW)),
        ("Add notes", git_lab.repo_path(OLD)),
    ]
    first = entries[0]
    assert set(first) == ENTRY_KEYS
    assert first["commit"] == git_lab.commits["c3"]
    assert first["commit"].startswith(first["shortCommit"])
    assert first["author"] == AUTHOR and first["workingTree"] is False
    when = parse_iso(first["date"])
    assert when is not None and abs((when - days_ago(5)).total_seconds()) < 120

    limited = await session.command("codex.history", {"uri": session.uri(PCR), "limit": 2})
    assert [e["subject"] for e in limited] == ["PCR v3", "PCR v2"]


async def test_unsaved_buffer_is_a_working_tree_entry(session: Session) -> None:
    uri = session.open(PCR, "# PCR amplification\n\nunsaved edit\n")
    entries = await session.command("codex.history", {"uri": uri})
    assert entries[0]["workingTree"] is True and entries[0]["commit"] is None
    assert [e["subject"] for e in entries[1:]] == ["PCR v3", "PCR v2", "Add notes"]
    # diff without "to": against the buffer, unsaved text included.
    result = await session.command("codex.diff", {"uri": uri, "from": "HEAD"})
    assert result["to"] is None and result["uri"] == uri
    assert "-v3\n+unsaved edit\n" in result["diff"]


async def test_show_and_diff_between_commits(session: Session, git_lab: GitLab) -> None:
    shown = await session.command(
        "codex.show", {"uri": session.uri(NEW), "commit": git_lab.commits["c1"]}
    )
    assert shown == {
        "uri": session.uri(NEW),
        "commit": git_lab.commits["c1"],
        "path": git_lab.repo_path(OLD),
        "text": "# Renamed note\n\nSee [[PCR amplification]].\n",
    }
    short = git_lab.commits["c2"][:7]
    shown = await session.command("codex.show", {"uri": session.uri(PCR), "commit": short})
    assert shown["text"] == "# PCR amplification\n\nv2\n"
    assert shown["commit"] == git_lab.commits["c2"]
    diff = await session.command(
        "codex.diff",
        {"uri": session.uri(PCR), "from": git_lab.commits["c1"], "to": git_lab.commits["c5"]},
    )
    assert diff["from"] == git_lab.commits["c1"] and diff["to"] == git_lab.commits["c5"]
    patch = diff["diff"]
    assert patch.startswith(f"--- a/notebook/{PCR}\n+++ b/notebook/{PCR}\n")
    assert "-v1\n+v3\n" in patch


async def test_bad_arguments_are_refused(session: Session) -> None:
    bad = INVALID_PARAMS
    await refused(session, "codex.history", {}, "uri must be a string", bad)
    await refused(session, "codex.history", {"uri": session.uri(PCR), "limit": 0}, "limit", bad)
    await refused(session, "codex.show", {"uri": session.uri(PCR)}, "commit must be", bad)
    await refused(
        session, "codex.show", {"uri": session.uri(PCR), "commit": "no-such"}, "not a commit"
    )
    await refused(session, "codex.diff", {"uri": session.uri(PCR)}, "from must be", bad)
    await refused(session, "codex.restore", {"uri": session.uri(PCR)}, "commit must be", bad)


# -- restore and deleted notes ---------------------------------------------------------------


async def test_restore_edits_the_buffer_and_never_the_index(
    session: Session, git_lab: GitLab
) -> None:
    uri = session.open(PCR)
    result = await session.command("codex.restore", {"uri": uri, "commit": git_lab.commits["c1"]})
    assert result["applied"] is True and result["changed"] is True and result["created"] is False
    assert result["commit"] == git_lab.commits["c1"]
    # Through workspace/applyEdit: the editor changed (and here saved) the buffer.
    assert session.applied_edits, "no workspace/applyEdit"
    assert session.buffers[uri] == "# PCR amplification\n\nv1\n"
    assert head(git_lab.repo) == git_lab.commits["c5"]
    assert git(git_lab.repo, "diff", "--cached", "--name-only") == ""
    # Restoring a note that is not open edits its file.
    result = await session.command(
        "codex.restore", {"uri": session.uri(NEW), "commit": git_lab.commits["c1"]}
    )
    assert result["path"] == git_lab.repo_path(OLD)
    text = (git_lab.notebook / NEW).read_text(encoding="utf-8")
    assert text == "# Renamed note\n\nSee [[PCR amplification]].\n"
    assert git(git_lab.repo, "diff", "--cached", "--name-only") == ""


async def test_deleted_notes_can_be_restored(session: Session, git_lab: GitLab) -> None:
    (deleted,) = await session.command("codex.deletedNotes", {})
    assert deleted == {
        "uri": session.uri(GONE),
        "path": GONE,
        "notebook": str(git_lab.notebook.resolve()),
        "commit": git_lab.commits["c3"],
        "deletedIn": git_lab.commits["c4"],
        "date": deleted["date"],
        "author": AUTHOR,
        "subject": "Delete gone note",
    }
    history = await session.command("codex.history", {"uri": deleted["uri"]})
    assert [e["subject"] for e in history] == ["Delete gone note", "Add notes"]
    result = await session.command(
        "codex.restore", {"uri": deleted["uri"], "commit": deleted["commit"]}
    )
    assert result["created"] is True and result["applied"] is True
    assert (git_lab.notebook / GONE).read_text(encoding="utf-8") == "# Gone\n\nbye\n"
    assert await session.command("codex.deletedNotes") == []
    assert git(git_lab.repo, "diff", "--cached", "--name-only") == ""


# -- code lens -------------------------------------------------------------------------------


async def test_history_code_lens(session: Session) -> None:
    uri = session.open(PCR)
    found = [lens for lens in await lenses(session, uri) if lens.command]
    history = [
        lens for lens in found if lens.command and lens.command.command == "codex.showHistory"
    ]
    assert len(history) == 1
    lens = history[0]
    assert lens.range.start == types.Position(0, 0)
    assert lens.command is not None
    assert lens.command.title == f"3 revisions · changed 3 days ago by {AUTHOR}"
    assert list(lens.command.arguments or []) == [{"uri": uri}]
    # The backlink lens is still there.
    assert any(lens.command and lens.command.command == "codex.showBacklinks" for lens in found)
    # An untracked note has no history lens.
    new_uri = session.open("untracked.md", "# Untracked\n")
    assert not [
        lens
        for lens in await lenses(session, new_uri)
        if lens.command and lens.command.command == "codex.showHistory"
    ]
    # codex.showHistory is the client's command, not the server's.
    commands = session.capabilities.execute_command_provider
    assert commands is not None
    assert "codex.showHistory" not in commands.commands
    assert {"codex.history", "codex.show", "codex.diff", "codex.restore"} <= set(commands.commands)
    assert "codex.deletedNotes" in commands.commands


async def test_history_lens_setting_off(git_lab: GitLab, profile: str) -> None:
    session = await start_session(git_lab.notebook, profile, {"codeLens": {"history": False}})
    try:
        found = await lenses(session, session.open(PCR))
        assert [lens.command.command for lens in found if lens.command] == ["codex.showBacklinks"]
        assert session.client.messages == []  # a valid setting: no warning
    finally:
        await stop_session(session)


# -- auto-commit -----------------------------------------------------------------------------


async def test_auto_commit_after_save(git_lab: GitLab, profile: str) -> None:
    settings = {"git": {"autoCommit": True, "autoCommitDelayMs": 50}}
    session = await start_session(git_lab.notebook, profile, settings)
    repo = git_lab.repo
    try:
        uri = session.open(PCR)
        write(git_lab.notebook / "protocols/.PCR amplification.md.json", '{"status": "done"}\n')
        session.change(uri, "# PCR amplification\n\nv4 saved\n")
        session.save(uri)
        message = f"Auto-commit: notebook/{PCR}"
        await session.wait_until(lambda: subjects(repo)[0] == message, "the auto-commit")
        files = git(repo, "show", "--name-only", "--format=", "HEAD").split("\n")
        assert set(filter(None, files)) == {
            f"notebook/{PCR}",
            "notebook/protocols/.PCR amplification.md.json",
        }
        assert session.client.messages == []
        # The history and its lens see the new commit.
        entries = await session.command("codex.history", {"uri": uri})
        assert entries[0]["subject"] == message and entries[0]["workingTree"] is False

        # During a merge: nothing is committed, the user is told once, the text is kept.
        (repo / ".git/MERGE_HEAD").write_text(head(repo) + "\n")
        before = head(repo)
        session.change(uri, "# PCR amplification\n\nv5\n")
        session.save(uri)
        await session.wait_until(lambda: session.client.messages, "a message")
        session.change(uri, "# PCR amplification\n\nv6\n")
        session.save(uri)
        await asyncio.sleep(0.5)  # a second attempt, well after the quiet period
        assert head(repo) == before
        texts = [m.message for m in session.client.messages]
        assert len(texts) == 1 and "merge is in progress" in texts[0], texts
        assert session.client.messages[0].type == types.MessageType.Warning
        assert (git_lab.notebook / PCR).read_text(encoding="utf-8").endswith("v6\n")
    finally:
        await stop_session(session)


# -- without a repository, without git -------------------------------------------------------


async def test_notebook_outside_git(lab: Session) -> None:
    await refused(
        lab,
        "codex.history",
        {"uri": lab.uri("protocols/PCR amplification.md")},
        "not inside a git repository",
    )
    assert await lab.command("codex.deletedNotes", {}) == []
    found = await lenses(lab, lab.open("protocols/PCR amplification.md"))
    # The backlinks lens (and the unlinked mentions one beside it), no history lens.
    titles = [lens.command.title for lens in found if lens.command]
    assert [lens.command.command for lens in found if lens.command] == [
        "codex.showBacklinks"
    ] * len(titles)
    assert titles[0].endswith("backlinks") and titles[1:] == ["14 unlinked mentions"]


async def test_git_not_installed(
    git_lab: GitLab, profile: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("GIT_PYTHON_GIT_EXECUTABLE", str(empty / "git"))
    assert shutil.which("git") is None
    session = await start_session(git_lab.notebook, profile)
    try:
        uri = session.open(PCR)
        await refused(session, "codex.history", {"uri": uri}, "git history is unavailable")
        await refused(session, "codex.show", {"uri": uri, "commit": "HEAD"}, "unavailable")
        assert await session.command("codex.deletedNotes", {}) == []
        # Every other feature works.
        found = await lenses(session, uri)
        assert [lens.command.command for lens in found if lens.command] == ["codex.showBacklinks"]
        hits = await session.command("codex.search", {"query": "renamed"})
        assert [hit["path"] for hit in hits] == [NEW]
    finally:
        await stop_session(session)
