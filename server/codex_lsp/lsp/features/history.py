"""Git history of notes: ``codex.history``, ``codex.show``, ``codex.diff``, ``codex.restore``,
``codex.deletedNotes``, the history code lens, and auto-commit after save.

Shapes are documented in docs/protocol.md ("Git history commands"). All git work runs on this
module's own thread pool (never on the event loop, never on a notebook's reader thread, so a
long ``git log`` cannot delay index queries). A note outside a repository, or a machine
without git, only makes these commands fail with a clear message; every other feature works.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types

from ...core.history import history_lens_title, parse_iso
from ...core.syntax import is_note_name
from ...core.textpos import LineIndex
from ...storage.git import (
    AUTO_COMMIT_PREFIX,
    AutoCommitResult,
    GitError,
    GitUnavailable,
    HistorySummary,
    Repository,
    find_repository,
    find_repository_or_none,
)
from ...storage.git_index import record_commit
from ...storage.scanner import sidecar_names
from ..convert import path_to_uri
from ..requests import InvalidParams, RequestFailed, command_argument, required_field
from ..server import CodexServer, Document, NotePath
from .link_notes import create_file_edit

log = logging.getLogger(__name__)
T = TypeVar("T")

SHOW_HISTORY = "codex.showHistory"  # client-side command the history lens invokes
DEFAULT_HISTORY_LIMIT = 100
MAX_HISTORY_LIMIT = 10_000
GIT_WORKERS = 4
SUMMARY_CACHE = 1024
REPO_CACHE = 256

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_repos: OrderedDict[Path, Repository] = OrderedDict()
_summaries: OrderedDict[tuple[str, str, str], HistorySummary] = OrderedDict()
_cache_lock = threading.Lock()


# -- running git off the event loop ------------------------------------------------------


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(GIT_WORKERS, thread_name_prefix="codex-git")
        return _executor


async def run_git(work: Callable[[], T]) -> T:
    """Run blocking git work on the git thread pool; git failures become RequestFailed."""
    try:
        return await asyncio.wrap_future(_pool().submit(work))
    except (GitUnavailable, GitError) as exc:
        raise RequestFailed(str(exc)) from None


def locate(path: Path) -> tuple[Repository, str]:
    """(repository, repository-relative path) of a note; blocking, repositories cached."""
    folder = path.parent
    with _cache_lock:
        repo = _repos.get(folder)
        if repo is not None:
            _repos.move_to_end(folder)
    if repo is None or not (repo.root / ".git").exists():
        repo = find_repository(path)
        with _cache_lock:
            _repos[folder] = repo
            while len(_repos) > REPO_CACHE:
                _repos.popitem(last=False)
    return repo, repo.relpath(path)


def summary(path: Path) -> HistorySummary | None:
    """Revision count and newest commit of a note (cached per HEAD); None outside git."""
    try:
        repo, rel = locate(path)
    except GitUnavailable:
        return None
    head = repo.head()
    if head is None:
        return HistorySummary(0, None, None)
    key = (str(repo.root), head, rel)
    with _cache_lock:
        cached = _summaries.get(key)
    if cached is not None:
        return cached
    found = repo.summary(rel)
    with _cache_lock:
        _summaries[key] = found
        while len(_summaries) > SUMMARY_CACHE:
            _summaries.popitem(last=False)
    return found


# -- arguments ---------------------------------------------------------------------------


async def _note_path(ls: CodexServer, arg: dict[str, Any]) -> tuple[str, NotePath]:
    """The ``uri`` argument and the note it names, which must lie inside an open notebook:
    git can read any repository, so the notebook is what bounds these commands."""
    uri = required_field(arg, "uri", str, "a string")
    return uri, await ls.confine(uri)


def _commit(arg: dict[str, Any], name: str = "commit") -> str:
    value = required_field(arg, name, str, "a commit (hash or revision)")
    if not value.strip():
        raise InvalidParams(f"{name} must be a commit (hash or revision)")
    return value.strip()


def _history_limit(value: Any) -> int:
    if value is None:
        return DEFAULT_HISTORY_LIMIT
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidParams("limit must be a positive integer")
    return min(value, MAX_HISTORY_LIMIT)


def _buffer(ls: CodexServer, uri: str) -> tuple[str, int] | None:
    doc = ls.open_document(uri)
    return (doc.source, doc.version or 0) if doc is not None else None


# -- the code lens -----------------------------------------------------------------------


async def history_lens(ls: CodexServer, doc: Document) -> types.CodeLens | None:
    """ "N revisions · changed 3 days ago by Ada" on the first line of a tracked note."""
    if not ls.settings.code_lens_history:
        return None
    try:
        found = await asyncio.wrap_future(_pool().submit(summary, doc.path))
    except (GitUnavailable, GitError, OSError) as exc:
        log.debug("no history lens for %s: %s", doc.uri, exc)
        return None
    if found is None or found.count == 0:
        return None
    now = _dt.datetime.now(_dt.timezone.utc)
    return types.CodeLens(
        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
        command=types.Command(
            title=history_lens_title(found.count, found.author, found.date, now),
            command=SHOW_HISTORY,
            arguments=[{"uri": doc.uri}],
        ),
    )


# -- edits -------------------------------------------------------------------------------


def _replace_edit(
    ls: CodexServer, uri: str, current: str, version: int | None, text: str
) -> types.WorkspaceEdit:
    """Replace the whole of ``current`` by ``text`` (undoable in the editor)."""
    index = LineIndex(current)
    end = index.position(len(current))
    edit = types.TextEdit(
        types.Range(types.Position(0, 0), types.Position(end.line, end.character)), text
    )
    caps = ls.client_capabilities.workspace
    if caps and caps.workspace_edit and caps.workspace_edit.document_changes:
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    types.OptionalVersionedTextDocumentIdentifier(uri, version), [edit]
                )
            ]
        )
    return types.WorkspaceEdit(changes={uri: [edit]})


def _can_create(ls: CodexServer) -> bool:
    caps = ls.client_capabilities.workspace
    operations = caps.workspace_edit.resource_operations if caps and caps.workspace_edit else None
    return bool(operations and types.ResourceOperationKind.Create in operations)


def _read_disk(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return None


def _write_new(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="") as handle:
        handle.write(text)


# -- auto-commit -------------------------------------------------------------------------


class AutoCommitter:
    """Commits saved notes after a quiet period (setting ``codex.git.autoCommit``)."""

    def __init__(self, server: CodexServer) -> None:
        self.server = server
        self._pending: dict[str, asyncio.TimerHandle] = {}
        self._reported: set[tuple[str, str]] = set()
        self._tasks: set[asyncio.Future[Any]] = set()

    def saved(self, uri: str) -> None:
        """A note was saved: (re)start its quiet period."""
        settings = self.server.settings
        if not settings.git_auto_commit:
            return
        where = self.server.locate(uri)  # only notes of the open notebooks are committed
        if where is None or not is_note_name(where.rel):
            return
        path = where.path
        handle = self._pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        delay = settings.git_auto_commit_delay_ms / 1000
        self._pending[uri] = asyncio.get_running_loop().call_later(delay, self._fire, uri, path)

    def _fire(self, uri: str, path: Path) -> None:
        self._pending.pop(uri, None)
        task = asyncio.ensure_future(self.commit(path))
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("auto-commit failed: %s", task.exception())

    async def commit(self, path: Path) -> AutoCommitResult | None:
        """Commit one note and its sidecars now (serialized per repository)."""
        max_bytes = self.server.settings.git_auto_commit_max_kb * 1024

        def work() -> tuple[Repository, str, AutoCommitResult]:
            repo, rel = locate(path)
            folder = rel.rpartition("/")[0]
            files = [rel] + [
                f"{folder}/{name}" if folder else name
                for name in sidecar_names(path.name)
                if (path.parent / name).is_file()
            ]
            return repo, rel, repo.auto_commit(files, AUTO_COMMIT_PREFIX + rel, max_bytes)

        try:
            repo, rel, result = await asyncio.wrap_future(_pool().submit(work))
        except GitUnavailable as exc:
            self._report("", "unavailable", f"codex-lsp auto-commit is on, but {exc}")
            return None
        except GitError as exc:
            self._report("", str(exc), f"codex-lsp auto-commit of {path.name} failed: {exc}")
            return None
        where = str(repo.root)
        if result.reason is not None:
            kind = result.reason.split(" (")[0].split(":")[0]
            self._report(where, kind, f"codex-lsp did not auto-commit {rel}: {result.reason}")
        for skipped, why in result.skipped:
            log.info("auto-commit left out %s (%s)", skipped, why)
            message = f"codex-lsp auto-commit left out {skipped} ({why})"
            self._report(where, f"skip {skipped} {why}", message)
        if result.committed and result.commit:
            self._reported = {r for r in self._reported if r[0] != where}
            await self._after_commit(repo, result)
        return result

    def _report(self, where: str, kind: str, message: str) -> None:
        """Show a problem once (again only after a successful commit in that repository)."""
        if (where, kind) in self._reported:
            return
        self._reported.add((where, kind))
        log.warning("%s", message)
        self.server.window_show_message(types.ShowMessageParams(types.MessageType.Warning, message))

    async def _after_commit(self, repo: Repository, result: AutoCommitResult) -> None:
        commit = result.commit
        assert commit is not None
        for service in list(self.server.services.values()):
            root = service.notebook.root
            paths = []
            for rel in result.paths:
                absolute = repo.root / rel
                if absolute == root or root in absolute.parents:
                    paths.append(absolute.relative_to(root).as_posix())
            if paths:
                try:
                    await asyncio.wrap_future(
                        service.write(partial(record_commit, paths=paths, commit=commit))
                    )
                except Exception as exc:
                    log.warning("could not record the auto-commit in the index: %s", exc)
        workspace = self.server.client_capabilities.workspace
        if workspace and workspace.code_lens and workspace.code_lens.refresh_support:
            try:
                await self.server.workspace_code_lens_refresh_async(None)
            except Exception as exc:  # the client failed to refresh: the lens is just stale
                log.debug("codeLens/refresh failed: %s", exc)


# -- commands ----------------------------------------------------------------------------


def register(server: CodexServer) -> None:
    """Register the git history commands and the auto-commit save listener."""
    committer = AutoCommitter(server)
    server.on_document_saved.append(committer.saved)

    @server.command("codex.history")
    async def history(ls: CodexServer, *args: Any) -> list[dict[str, Any]]:
        arg = command_argument(args)
        uri, where = await _note_path(ls, arg)
        path = where.path
        limit = _history_limit(arg.get("limit"))
        buffer = _buffer(ls, uri)
        text = buffer[0] if buffer else None

        def work() -> list[dict[str, Any]]:
            repo, rel = locate(path)
            return [e.as_dict() for e in repo.history(rel, limit, buffer=text)]

        return await run_git(work)

    @server.command("codex.show")
    async def show(ls: CodexServer, *args: Any) -> dict[str, Any]:
        arg = command_argument(args)
        uri, where = await _note_path(ls, arg)
        path = where.path
        rev = _commit(arg)

        def work() -> dict[str, Any]:
            repo, rel = locate(path)
            commit, then, text = repo.show(rel, rev)
            return {"uri": uri, "commit": commit, "path": then, "text": text}

        return await run_git(work)

    @server.command("codex.diff")
    async def diff(ls: CodexServer, *args: Any) -> dict[str, Any]:
        arg = command_argument(args)
        uri, where = await _note_path(ls, arg)
        path = where.path
        rev_from = _commit(arg, "from")
        rev_to = _commit(arg, "to") if arg.get("to") is not None else None
        buffer = _buffer(ls, uri)
        text = buffer[0] if buffer else None

        def work() -> dict[str, Any]:
            repo, rel = locate(path)
            old, new, patch = repo.diff(rel, rev_from, rev_to, text=text)
            return {"uri": uri, "from": old, "to": new, "diff": patch}

        return await run_git(work)

    @server.command("codex.restore")
    async def restore(ls: CodexServer, *args: Any) -> dict[str, Any]:
        arg = command_argument(args)
        uri, where = await _note_path(ls, arg)
        path = where.path
        rev = _commit(arg)

        def work() -> tuple[str, str, str, str | None]:
            repo, rel = locate(path)
            commit, then, text = repo.show(rel, rev)
            return commit, then, text, _read_disk(path)

        commit, then, text, disk = await run_git(work)
        result: dict[str, Any] = {"uri": uri, "commit": commit, "path": then, "created": False}
        buffer = _buffer(ls, uri)
        label = f"Restore {path.name} from {commit[:7]}"
        if buffer is not None or disk is not None:
            current, version = buffer if buffer is not None else (disk or "", None)
            if current == text:
                return {**result, "applied": True, "changed": False}
            edit = _replace_edit(ls, uri, current, version, text)
        elif _can_create(ls):
            edit = create_file_edit(path_to_uri(path), text)
            result["created"] = True
        else:  # the editor cannot create files: write it ourselves (never over a file)
            await run_git(lambda: _write_new(path, text))
            await ls.update_notebook(where.service, [where.rel])
            return {**result, "created": True, "applied": True, "changed": True}
        applied = await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=label)
        )
        if not applied.applied:
            reason = applied.failure_reason or "no reason given"
            raise RequestFailed(f"the editor did not restore {path.name}: {reason}")
        if result["created"]:
            await ls.update_notebook(where.service, [where.rel])
        return {**result, "applied": True, "changed": True}

    @server.command("codex.deletedNotes")
    async def deleted_notes(ls: CodexServer, *args: Any) -> list[dict[str, Any]]:
        command_argument(args)
        roots = sorted(
            (service.notebook.root for service in list(ls.services.values())),
            key=lambda r: -len(r.parts),
        )

        def work() -> list[dict[str, Any]]:
            found: dict[str, dict[str, Any]] = {}
            for root in roots:
                repo = find_repository_or_none(root)
                if repo is None:
                    continue
                prefix = repo.relpath(root)
                for item in repo.deleted("" if prefix == "." else prefix):
                    absolute = repo.root / item.path
                    if not is_note_name(item.path):
                        continue
                    owner = next(r for r in roots if r == absolute.parent or r in absolute.parents)
                    rel = absolute.relative_to(owner).as_posix()
                    if rel.startswith(".codex/"):
                        continue
                    uri = path_to_uri(absolute)
                    found.setdefault(
                        uri,
                        {
                            "uri": uri,
                            "path": rel,
                            "notebook": str(owner),
                            "commit": item.commit,
                            "deletedIn": item.deleted_in,
                            "date": item.date,
                            "author": item.author,
                            "subject": item.subject,
                        },
                    )
            return sorted(found.values(), key=_deleted_order, reverse=True)

        return await run_git(work)


def _deleted_order(entry: dict[str, Any]) -> float:
    when = parse_iso(entry["date"])
    return when.timestamp() if when else 0.0
