"""Git history of notes: find the repository, log (following renames), show, diff, deleted
notes and auto-commit.

GitPython finds repositories and reads HEAD (pure Python); everything else runs the git
command through GitPython's command wrapper. Every call blocks: run it on a worker thread
(the language server uses its own executor), never on an event loop. Paths handed to git are
repository-relative POSIX strings and are always literal (``--literal-pathspecs``); output is
read with ``-z`` so names with spaces, quotes or non-ASCII characters need no unquoting.

Errors: :class:`GitUnavailable` when there is no git command or the path is not inside a
work tree (callers show it and carry on); :class:`GitError` when a git command fails.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import logging
import os
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from ..core.history import unified_diff
from ..core.lfs import lfs_pointer, pointer_text

log = logging.getLogger(__name__)

WORKING_TREE_SUBJECT = "Uncommitted changes"
AUTO_COMMIT_PREFIX = "Auto-commit: "
BINARY_SNIFF_BYTES = 8000
COMMAND_TIMEOUT_S = 120.0

# One record per commit: RS, then unit-separated fields, then the -z name list.
_RS, _US = "\x1e", "\x1f"
_RS_BYTES = _RS.encode()
_LOG_FORMAT = "--format=%x1e%H%x1f%h%x1f%an%x1f%ae%x1f%aI%x1f%P%x1f%s"
_DELETED_FORMAT = "--format=%x1e%H%x1f%P%x1f%aI%x1f%an%x1f%s"

# Options given to every git command: never page, never colour, literal pathspecs, no user
# configuration that would change the machine-read output, and no program named by the
# repository's own configuration (a work tree unpacked from an archive can carry a planted
# ``.git/config``): no file-system monitor, no external diff.
_GLOBAL = (
    "--no-pager",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "diff.external=",
    "-c",
    "core.quotePath=false",
    "-c",
    "color.ui=false",
    "-c",
    "log.showSignature=false",
    "-c",
    "diff.noprefix=false",
)
_ENV = {"GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat"}
# Logs read as they are written: git flushes after each commit, so a reader can stop it early.
_STREAM_ENV = {**_ENV, "GIT_FLUSH": "1"}


class GitUnavailable(Exception):
    """Git history cannot be used for this path (no git command, or not in a repository)."""


class GitError(Exception):
    """A git command failed (or named something that does not exist)."""


# -- GitPython and the git command -------------------------------------------------------

_module: ModuleType | None = None
_unavailable: str | None = None
_module_lock = threading.Lock()


def _gitpython() -> ModuleType:
    """The ``git`` module (GitPython), imported on first use with a checked git command.

    GitPython refuses to import when it cannot run git, unless ``GIT_PYTHON_REFRESH`` says to
    be quiet; we import it quietly and check the command ourselves so that a missing git only
    disables history. ``GIT_PYTHON_GIT_EXECUTABLE``, when set, must name a working git.
    """
    global _module, _unavailable
    with _module_lock:
        if _module is not None:
            return _module
        if _unavailable is not None:
            raise GitUnavailable(_unavailable)
        os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
        try:
            module = importlib.import_module("git")
            configured = os.environ.get("GIT_PYTHON_GIT_EXECUTABLE")
            if configured:
                module.refresh(configured)  # raises when it is not a working git
            module.Git().version()
        except Exception as exc:  # ImportError, GitCommandNotFound, PermissionError, ...
            where = os.environ.get("GIT_PYTHON_GIT_EXECUTABLE") or "git on PATH"
            _unavailable = (
                f"git history is unavailable: the git command ({where}) cannot be run "
                f"({type(exc).__name__}); install git or set GIT_PYTHON_GIT_EXECUTABLE"
            )
            log.info("%s", _unavailable)
            raise GitUnavailable(_unavailable) from None
        _module = module
        return module


# -- data --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Revision:
    """One entry of a file's history; ``commit`` is None for uncommitted changes."""

    commit: str | None
    short_commit: str | None
    author: str | None
    email: str | None
    date: str | None
    subject: str
    path: str

    @property
    def working_tree(self) -> bool:
        """True for the "uncommitted changes" entry."""
        return self.commit is None

    def as_dict(self) -> dict[str, Any]:
        """JSON form (docs/protocol.md, "Git history commands")."""
        return {
            "commit": self.commit,
            "shortCommit": self.short_commit,
            "author": self.author,
            "email": self.email,
            "date": self.date,
            "subject": self.subject,
            "path": self.path,
            "workingTree": self.working_tree,
        }


@dataclass(frozen=True, slots=True)
class DeletedFile:
    """A file that history has and the work tree does not."""

    path: str
    commit: str  # the last commit that still has the file (parent of the deleting commit)
    deleted_in: str
    date: str  # when it was deleted (author date of the deleting commit)
    author: str
    subject: str


@dataclass(frozen=True, slots=True)
class HistorySummary:
    """What the history code lens shows."""

    count: int
    author: str | None
    date: str | None


@dataclass(slots=True)
class AutoCommitResult:
    """Outcome of one auto-commit attempt.

    ``committed`` with ``commit`` set on success; otherwise ``reason`` says why nothing was
    committed (None when there was simply nothing to commit). ``skipped`` lists files left out
    (binary, too large, ignored) with the reason.
    """

    committed: bool = False
    commit: str | None = None
    reason: str | None = None
    paths: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


# -- repositories ------------------------------------------------------------------------

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def repository_lock(git_dir: Path) -> threading.Lock:
    """The lock that serializes writes (auto-commits) to one repository in this process."""
    key = str(git_dir.resolve())
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def find_repository(path: Path) -> Repository:
    """The repository whose work tree holds ``path`` (a file, folder, or a deleted file).

    The nearest one wins, so a note inside a submodule belongs to the submodule.
    """
    folder = path.resolve()
    while not folder.is_dir():
        if folder.parent == folder:
            break
        folder = folder.parent
    if not any((f / ".git").exists() for f in (folder, *folder.parents)):
        # Checked before importing GitPython: notebooks outside git pay nothing.
        raise GitUnavailable(f"{path} is not inside a git repository")
    module = _gitpython()
    try:
        repo = module.Repo(folder, search_parent_directories=True)
    except (module.InvalidGitRepositoryError, module.NoSuchPathError):
        raise GitUnavailable(f"{path} is not inside a git repository") from None
    if repo.bare or repo.working_tree_dir is None:
        raise GitUnavailable(f"{path} is inside a bare git repository")
    return Repository(repo)


def find_repository_or_none(path: Path) -> Repository | None:
    """Like :func:`find_repository`, but None instead of :class:`GitUnavailable`."""
    try:
        return find_repository(path)
    except GitUnavailable:
        return None


def _decode(data: bytes) -> str:
    """Text from git: UTF-8, with undecodable bytes replaced (never an exception)."""
    return data.decode("utf-8", "replace")


def _path(data: bytes) -> str:
    """A path from git's -z output, as the file system spells it."""
    return os.fsdecode(data)


def _decode_paths(out: bytes) -> list[str]:
    """Paths printed one a line (core.quotePath off; C-quoted only when they hold a quote,
    a backslash or a control character)."""
    paths = []
    for line in out.split(b"\n"):
        if line.startswith(b'"') and line.endswith(b'"'):
            line = line[1:-1].decode("unicode_escape").encode("latin-1")
        if line:
            paths.append(_path(line))
    return paths


def _message(stderr: str) -> str:
    """The line of git's error output that says what went wrong (not the hints)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for prefix in ("fatal:", "error:"):
        for line in lines:
            if line.startswith(prefix):
                return line
    useful = [line for line in lines if not line.startswith("hint:")]
    return (useful or lines or [""])[-1]


class Repository:
    """A git work tree. Cheap to create; safe to use from several threads for reads."""

    def __init__(self, repo: Any) -> None:
        self._repo = repo
        self.root = Path(repo.working_tree_dir).resolve()
        self.git_dir = Path(repo.git_dir).resolve()
        self.lock = repository_lock(self.git_dir)

    def __repr__(self) -> str:
        return f"Repository({str(self.root)!r})"

    # -- running git -------------------------------------------------------------------

    def run(
        self, *args: str, check: bool = True, literal: bool = True, timeout: float | None = None
    ) -> tuple[int, bytes, str]:
        """Run ``git ARGS`` in the work tree; returns (status, stdout bytes, stderr text).

        With ``check`` a non-zero status raises :class:`GitError` carrying git's message.
        ``literal`` pathspecs (the default) match names exactly, even with ``*`` or ``[``.
        ``timeout`` kills git after that many seconds (for commands that run user hooks or
        filters; GitPython watches them with a thread).
        """
        module = _gitpython()
        command = [module.Git.GIT_PYTHON_GIT_EXECUTABLE, *_GLOBAL, *args]
        if literal:
            command.insert(1 + len(_GLOBAL), "--literal-pathspecs")
        try:
            status, out, err = self._repo.git.execute(
                command,
                with_extended_output=True,
                stdout_as_string=False,
                with_exceptions=False,
                strip_newline_in_stdout=False,
                kill_after_timeout=timeout,
                env=_ENV,
            )
        except module.GitCommandNotFound as exc:
            raise GitUnavailable(f"git cannot be run: {exc}") from None
        error = err if isinstance(err, str) else _decode(err)
        if check and status != 0:
            raise GitError(_message(error) or f"git {args[0]} failed with status {status}")
        return status, out, error

    def _lines(self, *args: str) -> list[str]:
        """Paths from a ``-z`` command."""
        _, out, _ = self.run(*args)
        return [_path(part) for part in out.split(b"\0") if part]

    # -- paths and refs ----------------------------------------------------------------

    def relpath(self, path: Path) -> str:
        """``path`` relative to the work tree (POSIX); raises GitUnavailable if outside."""
        absolute = path if path.is_absolute() else Path.cwd() / path
        folder, tail = absolute, []
        while not folder.exists() and folder.parent != folder:
            tail.append(folder.name)
            folder = folder.parent
        resolved = folder.resolve().joinpath(*reversed(tail))
        try:
            return resolved.relative_to(self.root).as_posix()
        except ValueError:
            raise GitUnavailable(f"{path} is not inside {self.root}") from None

    def head(self) -> str | None:
        """The commit HEAD points at; None in a repository without commits (read from the
        refs files, no subprocess)."""
        module = _gitpython()
        try:
            return str(module.SymbolicReference.dereference_recursive(self._repo, "HEAD"))
        except (ValueError, OSError, TypeError):
            return None

    def is_detached(self) -> bool:
        """True when HEAD is not on a branch."""
        try:
            return bool(self._repo.head.is_detached)
        except (TypeError, ValueError, OSError):
            return True

    def resolve(self, rev: str) -> str:
        """The full hash of the commit ``rev`` names; GitError when it names none."""
        if not rev or rev.startswith("-") or any(c in rev for c in "\0\n"):
            raise GitError(f"{rev!r} is not a commit")
        status, out, _ = self.run(
            "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False
        )
        if status != 0:
            raise GitError(f"{rev!r} is not a commit of {self.root.name}")
        return _decode(out).strip()

    def exists_at(self, commit: str, rel: str) -> bool:
        """True when ``rel`` is a file in ``commit``."""
        status, out, _ = self.run("cat-file", "-t", f"{commit}:{rel}", check=False)
        return status == 0 and out.strip() == b"blob"

    # -- history -----------------------------------------------------------------------

    def history(
        self, rel: str, limit: int | None = None, *, buffer: str | None = None
    ) -> list[Revision]:
        """Commits that touched ``rel``, newest first, following renames; each entry carries
        the file's path at that commit. Uncommitted changes (on disk, or ``buffer`` differing
        from the disk) come first as a working-tree entry. ``limit`` caps the whole list."""
        entries: list[Revision] = []
        working = self._working_tree_entry(rel, buffer)
        if working is not None:
            entries.append(working)
        if limit is not None and len(entries) >= limit:
            return entries[:limit]
        entries.extend(self._follow(rel, None if limit is None else limit - len(entries)))
        return entries

    def _follow(self, rel: str, limit: int | None) -> list[Revision]:
        """Commits that touched ``rel``, then, when the oldest one added it by a rename, those
        of the old name before that commit, and so on.

        Unlike ``git log --follow`` this keeps merge commits that changed the file (a merge
        that combined edits of both branches) and follows a rename whatever the path. Each
        name's log is read as git writes it and git is stopped at the commit that created the
        name by a rename (older commits of that name are another file's), so following any
        number of renames costs about one walk of the history.
        """
        found: list[Revision] = []
        path, start = rel, self.head()
        while start is not None and (limit is None or len(found) < limit):
            args = ["log", "--name-status", "-z", "--no-renames", "--encoding=UTF-8", _LOG_FORMAT]
            if limit is not None:
                args.append(f"--max-count={limit - len(found)}")
            renamed: tuple[str, str] | None = None
            for record in self._stream_records([*args, start, "--", path], fields=3):
                parsed = _parse_record(record, path)
                if parsed is None:
                    continue
                revision, status, parent = parsed
                found.append(revision)
                if status == "A" and parent is not None and revision.commit is not None:
                    source = self._renamed_from(revision.commit, parent, path)
                    if source is not None:
                        renamed = (source, parent)
                        break  # stops git: older commits of this name are another file's
            if renamed is None:
                break
            path, start = renamed
        return found

    def _renamed_from(self, commit: str, parent: str, path: str) -> str | None:
        """The old name of ``path`` when ``commit`` renamed it (rename detection on)."""
        _, out, _ = self.run(
            "diff-tree", "-r", "-z", "-M", "--name-status", "--diff-filter=R", parent, commit
        )
        tokens = [_path(t) for t in out.split(b"\0") if t]
        for i in range(0, len(tokens) - 2, 3):
            if tokens[i].startswith("R") and tokens[i + 2] == path:
                return tokens[i + 1]
        return None

    def summary(self, rel: str) -> HistorySummary:
        """Number of commits that touched ``rel`` (following renames) and the newest one."""
        revisions = self._follow(rel, None)
        if not revisions:
            return HistorySummary(0, None, None)
        return HistorySummary(len(revisions), revisions[0].author, revisions[0].date)

    def _working_tree_entry(self, rel: str, buffer: str | None) -> Revision | None:
        _, out, _ = self.run("status", "--porcelain=v1", "-z", "--untracked-files=all", "--", rel)
        absolute = self.root / rel
        dirty = bool(out.strip(b"\0"))
        if not dirty and buffer is not None:
            try:
                dirty = absolute.read_bytes() != buffer.encode("utf-8")
            except OSError:
                dirty = True
        if not dirty:
            return None
        try:
            stamp = absolute.stat().st_mtime
        except OSError:
            stamp = time.time()
        date = _dt.datetime.fromtimestamp(stamp, _dt.timezone.utc).astimezone()
        return Revision(
            None, None, None, None, date.isoformat(timespec="seconds"), WORKING_TREE_SUBJECT, rel
        )

    def path_at(self, rel: str, commit: str) -> str:
        """Where the file now at ``rel`` lived in ``commit`` (renames followed)."""
        if self.exists_at(commit, rel):
            return rel
        entries = [e for e in self.history(rel) if e.commit is not None]
        for entry in entries:
            if entry.commit == commit:
                return entry.path
        _, out, _ = self.run("rev-list", commit)
        ancestors = set(_decode(out).split())
        for entry in entries:
            if entry.commit in ancestors and self.exists_at(commit, entry.path):
                return entry.path
        raise GitError(f"{rel} does not exist in commit {commit[:12]}")

    def text_at(self, commit: str, path: str) -> str:
        """The content of ``path`` in ``commit`` as it would be checked out (filters applied);
        for a version stored in Git LFS, what its pointer says (never the content)."""
        _, stored, _ = self.run("cat-file", "blob", f"{commit}:{path}")
        pointer = lfs_pointer(stored)
        if pointer is not None:
            return pointer_text(pointer, path)
        status, out, _ = self.run("cat-file", "--filters", f"{commit}:{path}", check=False)
        return _decode(out if status == 0 else stored)

    def show(self, rel: str, rev: str) -> tuple[str, str, str]:
        """(commit, path then, text) of the file now at ``rel`` in commit ``rev``."""
        commit = self.resolve(rev)
        path = self.path_at(rel, commit)
        return commit, path, self.text_at(commit, path)

    def diff(
        self, rel: str, rev_from: str, rev_to: str | None = None, *, text: str | None = None
    ) -> tuple[str, str | None, str]:
        """(from commit, to commit or None, unified diff) of ``rel`` between two commits, or a
        commit and ``text`` (the editor's buffer; the file on disk when None)."""
        old_commit, old_path, old_text = self.show(rel, rev_from)
        if rev_to is not None:
            new_commit, new_path, new_text = self.show(rel, rev_to)
            new: tuple[str | None, str, str] = (new_commit, new_path, new_text)
        else:
            if text is None:
                try:
                    text = (self.root / rel).read_bytes().decode("utf-8", "replace")
                except OSError:
                    text = ""
            new = (None, rel, text)
        patch = unified_diff(old_text, new[2], f"a/{old_path}", f"b/{new[1]}")
        return old_commit, new[0], patch

    # -- deleted files -----------------------------------------------------------------

    def deleted(self, prefix: str = "") -> list[DeletedFile]:
        """Files under ``prefix`` deleted in history and absent from the work tree, most
        recently deleted first. Renamed files are not deleted."""
        if self.head() is None:
            return []
        spec = prefix or "."
        _, out, _ = self.run(
            "log",
            "--diff-filter=D",
            "-M",
            "--name-status",
            "-z",
            "--encoding=UTF-8",
            _DELETED_FORMAT,
            "HEAD",
            "--",
            spec,
        )
        found: list[DeletedFile] = []
        seen: set[str] = set()
        for fields, changes in _records(out):
            if len(fields) < 5:
                continue
            commit, parents, date, author, subject = fields[:5]
            parent = parents.split()[0] if parents.split() else None
            for status, paths in changes:
                if status != "D" or not paths:
                    continue
                path = paths[0]
                if path in seen:
                    continue
                seen.add(path)
                if parent is None or (self.root / path).exists():
                    continue
                found.append(DeletedFile(path, parent, commit, date, author, subject))
        return found

    # -- tracked files (for the index) -------------------------------------------------

    def tracked(self, prefix: str = "") -> Iterator[tuple[str, bool]]:
        """``(path, is a submodule)`` of each file git tracks under ``prefix``
        (repository-relative), read as git lists them: none is held after it was given."""
        for entry in self._stream_records(["ls-files", "-z", "-s", "--", prefix or "."], sep=b"\0"):
            mode, tab, path = entry.partition(b"\t")
            if tab:
                yield _path(path), mode.startswith(b"160000")

    def head_files(self, prefix: str = "") -> Iterator[str]:
        """The files HEAD has under ``prefix`` (repository-relative), read as git lists them."""
        args = ["ls-tree", "-r", "-z", "--name-only", "HEAD", "--", prefix or "."]
        for name in self._stream_records(args, sep=b"\0"):
            yield _path(name)

    def last_commits(self, sink: CommitSink, prefix: str = "", since: str | None = None) -> None:
        """Give ``sink`` each commit from HEAD back, with the paths it touched (renames not
        followed), until the sink is done or history ends; with ``since``, only the commits
        after it (``since..HEAD``)."""
        if self.head() is None:
            return
        rev = f"{since}..HEAD" if since else "HEAD"
        args = ["log", "--name-only", "-z", "--no-renames", "--format=%x1e%H", rev]
        names = _NamesParser(sink)
        for chunk in self._stream_output([*args, "--", prefix or "."]):
            names.feed(chunk)
            if sink.done:
                return
        names.end()

    def start_names_walk(self, prefix: str = "") -> NamesWalk | None:
        """Start the walk of :meth:`last_commits` (from HEAD) in the background.

        git writes to a temporary file (``--output``), so it never waits for a reader and no
        thread is needed: a caller may still fork afterwards. None without commits.
        """
        head = self.head()
        if head is None:
            return None
        module = _gitpython()
        handle_fd, name = tempfile.mkstemp(prefix="codex-git-", suffix=".log")
        os.close(handle_fd)
        output = Path(name)
        command = [
            module.Git.GIT_PYTHON_GIT_EXECUTABLE,
            *_GLOBAL,
            "--literal-pathspecs",
            "log",
            "--name-only",
            "-z",
            "--no-renames",
            "--format=%x1e%H",
            f"--output={output}",
            head,
            "--",
            prefix or ".",
        ]
        try:
            handle = self._repo.git.execute(command, as_process=True, env=_STREAM_ENV)
        except Exception:
            output.unlink(missing_ok=True)
            raise
        return NamesWalk(self.root, head, prefix, handle, output)

    def _stream_records(
        self, args: list[str], fields: int | None = None, sep: bytes = _RS_BYTES
    ) -> Iterator[bytes]:
        """The records (``sep``-separated: ``%x1e`` for a log) of git's output, read as git
        writes it; when the caller stops early, git is killed.

        A record is known to be whole when the next one starts, or, with ``fields``, as soon
        as it holds that many NUL-terminated fields (header, status, path for a one-path
        ``--name-status -z`` log): then the caller sees it before git writes anything more.
        """
        pending = b""
        for chunk in self._stream_output(args):
            *complete, pending = (pending + chunk).split(sep)
            for record in complete:
                if record:
                    yield record
            whole = fields is not None and pending.endswith(b"\0")
            if whole and pending.count(b"\0") >= (fields or 0):
                record, pending = pending, b""
                yield record
        if pending:
            yield pending

    def _stream_output(self, args: list[str]) -> Iterator[bytes]:
        """git's output, a chunk at a time as git writes it; when the caller stops early,
        git is killed."""
        module = _gitpython()
        command = [module.Git.GIT_PYTHON_GIT_EXECUTABLE, *_GLOBAL, "--literal-pathspecs", *args]
        try:
            handle = self._repo.git.execute(command, as_process=True, env=_STREAM_ENV)
        except module.GitCommandNotFound as exc:
            raise GitUnavailable(f"git cannot be run: {exc}") from None
        proc = handle.proc
        finished = False
        try:
            while proc.stdout is not None:
                chunk = proc.stdout.read1(1 << 16)
                if not chunk:
                    break
                yield chunk
            finished = True
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            error = proc.stderr.read() if proc.stderr else b""
        if finished and proc.returncode != 0:
            raise GitError(_decode(error).strip() or f"git {args[0]} failed ({proc.returncode})")

    # -- auto-commit -------------------------------------------------------------------

    def blocking_state(self) -> str | None:
        """Why committing now would be wrong (merge, rebase, ...), or None."""
        checks = (
            ("MERGE_HEAD", "a merge is in progress"),
            ("rebase-merge", "a rebase is in progress"),
            ("rebase-apply", "a rebase is in progress"),
            ("CHERRY_PICK_HEAD", "a cherry-pick is in progress"),
            ("REVERT_HEAD", "a revert is in progress"),
            ("BISECT_LOG", "a bisect is in progress"),
        )
        for name, reason in checks:
            if (self.git_dir / name).exists():
                return reason
        if self.is_detached():
            return "HEAD is detached (not on a branch)"
        _, out, _ = self.run("ls-files", "-z", "--unmerged")
        if out.strip(b"\0"):
            return "the repository has unresolved conflicts"
        return None

    def auto_commit(self, rels: Iterable[str], message: str, max_bytes: int) -> AutoCommitResult:
        """Commit the files ``rels`` (if changed) with ``message``; never anything else.

        Refuses (``reason``) during a merge, rebase, cherry-pick, revert or bisect, with
        conflicts, on a detached HEAD, or when other changes are staged. Binary files, files
        over ``max_bytes`` and ignored files are left out. Only the index and the repository
        are written, never the work tree, so a failed commit cannot lose the user's text.
        Serialized per repository.
        """
        result = AutoCommitResult()
        with self.lock:
            result.reason = self.blocking_state()
            if result.reason is not None:
                return result
            candidates = self._committable(list(dict.fromkeys(rels)), max_bytes, result)
            if not candidates:
                return result
            staged = set(self._lines("diff", "--cached", "--name-only", "-z", "--no-renames"))
            others = sorted(staged - set(candidates))
            if others:
                shown = ", ".join(others[:3]) + (" ..." if len(others) > 3 else "")
                result.reason = f"other changes are staged ({shown})"
                return result
            changed = self._lines(
                "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *candidates
            )
            if not changed:
                return result
            before_staged = staged & set(candidates)
            self.run("add", "--", *candidates, timeout=COMMAND_TIMEOUT_S)
            status, _, error = self.run(
                "commit",
                "--quiet",
                "-m",
                message,
                "--only",
                "--",
                *candidates,
                check=False,
                timeout=COMMAND_TIMEOUT_S,
            )
            if status != 0:
                self._unstage([p for p in candidates if p not in before_staged])
                result.reason = f"git commit failed: {_message(error) or f'status {status}'}"
                return result
            result.committed = True
            result.commit = self.head()
            result.paths = candidates
            return result

    def _committable(self, rels: list[str], max_bytes: int, result: AutoCommitResult) -> list[str]:
        keep = []
        for rel in rels:
            absolute = self.root / rel
            try:
                size = absolute.stat().st_size
                if not absolute.is_file():
                    continue
                with absolute.open("rb") as handle:
                    head = handle.read(BINARY_SNIFF_BYTES)
            except OSError:
                continue
            if size > max_bytes:
                result.skipped.append((rel, f"larger than {max_bytes} bytes"))
            elif b"\0" in head:
                result.skipped.append((rel, "binary"))
            else:
                keep.append(rel)
        if keep:
            # check-ignore takes plain names (no pathspec magic, so no --literal-pathspecs).
            status, out, _ = self.run("check-ignore", "--", *keep, check=False, literal=False)
            ignored = set(_decode_paths(out)) if status == 0 else set()
            result.skipped += [(rel, "ignored by git") for rel in keep if rel in ignored]
            keep = [rel for rel in keep if rel not in ignored]
        return keep

    def _unstage(self, rels: list[str]) -> None:
        if not rels:
            return
        try:
            if self.head() is None:
                self.run("rm", "--cached", "--quiet", "--ignore-unmatch", "--", *rels)
            else:
                self.run("reset", "--quiet", "HEAD", "--", *rels)
        except GitError as exc:
            log.warning("could not unstage %s after a failed auto-commit: %s", rels, exc)


class NamesWalk:
    """A ``git log --name-only`` walk running in the background (see
    :meth:`Repository.start_names_walk`); close it when done."""

    def __init__(self, root: Path, head: str, prefix: str, handle: Any, output: Path) -> None:
        self.root, self.head, self.prefix = root, head, prefix
        self._handle, self._output = handle, output
        self._finalizer = weakref.finalize(self, _stop_walk, handle.proc, output)

    def last_commits(self, sink: CommitSink) -> bool:
        """Like :meth:`Repository.last_commits`, reading the file as git writes it and
        stopping git once ``sink`` is done; False when the walk failed."""
        proc = self._handle.proc
        names = _NamesParser(sink)
        deadline = time.monotonic() + COMMAND_TIMEOUT_S
        with self._output.open("rb") as handle:
            while not sink.done:
                chunk = handle.read(1 << 16)
                if chunk:
                    names.feed(chunk)
                elif proc.poll() is not None:  # finished: what is left is whole
                    names.feed(handle.read())
                    names.end()
                    break
                elif time.monotonic() > deadline:
                    return False
                else:
                    time.sleep(0.002)
        if sink.done:
            self.close()
        elif proc.returncode != 0:
            return False
        return True

    def close(self) -> None:
        """Stop git if it still runs and delete the temporary file."""
        self._finalizer()


def _stop_walk(proc: Any, output: Path) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    output.unlink(missing_ok=True)


class CommitSink(Protocol):
    """Where a history walk puts what it reads, newest commit first."""

    @property
    def done(self) -> bool:
        """True once the sink needs no older commit."""

    def add(self, commit: str, paths: Iterable[str]) -> None:
        """Take a commit and the paths it touched."""


class _NamesParser:
    """Reads a ``log --name-only -z --format=%x1e%H`` output given in chunks of any size,
    and hands its sink each commit's paths a chunk at a time (a commit may come in several
    parts): it never holds more than a chunk and one name, even of a commit that adds a
    whole notebook."""

    def __init__(self, sink: CommitSink) -> None:
        self._sink = sink
        self._pending = b""  # the start of a name (or header) that the next chunk ends
        self._commit: str | None = None
        self._first = False  # the next name is the commit's first: it follows a newline

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk of output."""
        *fields, self._pending = (self._pending + chunk).split(b"\0")
        self._give(fields)

    def end(self) -> None:
        """The output is over: what is pending is whole."""
        fields, self._pending = [self._pending], b""
        self._give(fields)

    def _give(self, fields: list[bytes]) -> None:
        paths: list[str] = []
        for token in fields:
            if _RS_BYTES in token:  # one or more commits start here (a commit may name none)
                before, *headers = token.split(_RS_BYTES)
                self._take(before, paths)
                self._hand(paths)
                for header in headers:
                    self._commit = _decode(header).strip()
                    self._first = True
            else:
                self._take(token, paths)
            if self._sink.done:
                return
        self._hand(paths)

    def _take(self, token: bytes, paths: list[str]) -> None:
        if self._first:
            token = token.lstrip(b"\n")
            self._first = False
        if token.strip(b"\n") and self._commit is not None:
            paths.append(_path(token))

    def _hand(self, paths: list[str]) -> None:
        if paths and self._commit is not None and not self._sink.done:
            self._sink.add(self._commit, paths)
        paths.clear()


# -- parsing -----------------------------------------------------------------------------


def _records(out: bytes) -> Iterator[tuple[list[str], list[tuple[str, list[str]]]]]:
    """(header fields, [(status, paths)]) for each commit of a ``-z --name-status`` log."""
    for chunk in out.split(_RS_BYTES):
        if not chunk:
            continue
        header, _, rest = chunk.partition(b"\0")
        fields = _decode(header).rstrip("\n").split(_US)
        tokens = [t for t in rest.lstrip(b"\n").split(b"\0")]
        changes: list[tuple[str, list[str]]] = []
        i = 0
        while i < len(tokens):
            status = _decode(tokens[i]).strip()
            if not status:
                i += 1
                continue
            count = 2 if status[:1] in ("R", "C") else 1
            paths = [_path(t) for t in tokens[i + 1 : i + 1 + count]]
            changes.append((status, paths))
            i += 1 + count
        yield fields, changes


def _parse_record(record: bytes, rel: str) -> tuple[Revision, str, str | None] | None:
    """(revision, status of ``rel`` in it, first parent) of one record of a
    ``--name-status -z`` log limited to ``rel`` (merges have no status: "")."""
    for fields, changes in _records(record):
        if len(fields) < 7:
            return None
        commit, short, author, email, date, parents = fields[:6]
        subject = _US.join(fields[6:])
        status = next((s for s, paths in changes if rel in paths), "")
        revision = Revision(commit, short, author, email, date, subject, rel)
        return revision, status[:1], parents.split()[0] if parents.split() else None
    return None
