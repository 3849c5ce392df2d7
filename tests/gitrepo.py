"""Build real git repositories in temporary folders for the git history tests.

Independent of the code under test: everything goes through the git command. Identities and
dates are fixed through the environment and ``-c`` options, so the tests pass on a machine
without any git configuration (and ignore the user's own).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

AUTHOR = "Ada Lovelace"
EMAIL = "ada@example.org"
IDENTITY = {
    "GIT_AUTHOR_NAME": AUTHOR,
    "GIT_AUTHOR_EMAIL": EMAIL,
    "GIT_COMMITTER_NAME": AUTHOR,
    "GIT_COMMITTER_EMAIL": EMAIL,
}
ISOLATION = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
CONFIG = (
    "-c",
    f"user.name={AUTHOR}",
    "-c",
    f"user.email={EMAIL}",
    "-c",
    "init.defaultBranch=main",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "protocol.file.allow=always",
)

requires_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def isolate_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fixed identity, no global/system git configuration (also for servers started now)."""
    for key, value in {**IDENTITY, **ISOLATION}.items():
        monkeypatch.setenv(key, value)


def git(cwd: Path, *args: str, date: dt.datetime | None = None, stdin: bytes | None = None) -> str:
    """Run git in ``cwd`` and return its output (fails the test on an error)."""
    env = {**os.environ, **IDENTITY, **ISOLATION}
    if date is not None:
        stamp = date.isoformat()
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = stamp
    done = subprocess.run(
        ["git", *CONFIG, *args], cwd=cwd, env=env, input=stdin, capture_output=True, check=False
    )
    if done.returncode != 0:
        raise AssertionError(
            f"git {' '.join(map(str, args))} failed: {done.stderr.decode(errors='replace')}"
        )
    return done.stdout.decode("utf-8", "replace")


def init_repo(path: Path) -> Path:
    """A new repository at ``path`` with a local identity (what auto-commit uses)."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    git(path, "config", "user.name", AUTHOR)
    git(path, "config", "user.email", EMAIL)
    git(path, "config", "commit.gpgsign", "false")
    return path


def write(path: Path, text: str) -> Path:
    """Write a file (creating folders), UTF-8, exactly ``text``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def commit(repo: Path, message: str, *paths: str, date: dt.datetime | None = None) -> str:
    """Stage ``paths`` (everything when none) and commit; returns the new commit hash."""
    git(repo, "add", "-A", "--", *(paths or (".",)))
    git(repo, "commit", "-q", "-m", message, date=date)
    return head(repo)


def head(repo: Path) -> str:
    """The commit HEAD points at."""
    return git(repo, "rev-parse", "HEAD").strip()


def days_ago(days: float) -> dt.datetime:
    """A timezone-aware date ``days`` before now."""
    return dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)


def subjects(repo: Path) -> list[str]:
    """Subjects of the commits reachable from HEAD, newest first."""
    return git(repo, "log", "--format=%s").splitlines()
