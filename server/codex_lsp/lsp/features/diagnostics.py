"""Diagnostics: the one publisher of every file's problems, by pull or by push.

Producers return plain problems (``core/problems.py``: links and parse problems; the host's
``providers.problems``, such as the schema and view features'); this module owns
document versions, result ids, pull and push, and the conversion to LSP.

- **Pull** (``textDocument/diagnostic``, ``workspace/diagnostic``) for a client that declares
  pull support and ``workspace/diagnostic/refresh``; every report carries a result id, and a
  note whose problems did not change answers ``unchanged``. After an index run, open notes are
  checked again and, if any answer changed, the client is asked to pull again (refresh).
- **Push** (``publishDiagnostics``) for the rest: an edit publishes the edited note once
  (after ``PUSH_DELAY``), and an index run re-publishes only the notes whose problems changed.
- **Lanes**: the note a user has just changed (its version or cursor differs from its last
  answer, or it was never answered) is computed on the notebook's interactive reader lane;
  the checks after an index run on the background lane, so the edited note never waits
  behind them, and they pause between notes while it is computed. Index changes that
  arrive while a notebook's check runs are folded into one more check: each affected note
  is re-published (or refreshed) once, not once per change.
- ``codex.diagnostics.scope: notebook`` adds every other note's problems as the index holds
  them (what ``codex-lsp check`` shows): by ``workspace/diagnostic``, or pushed.
- A broken link with the cursor inside (the end of the last edit) is held back until an
  edit elsewhere or a save (``core.problems.held_back``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from lsprotocol import types

from ...core.model import ParsedNote, Position
from ...core.syntax import is_note_name
from ..convert import core_position
from ..feature import Feature, ProblemProvider
from ..server import CodexServer, Document
from .diagnostics_links import LinkProblems

if TYPE_CHECKING:
    import sqlite3

    from ...core.problems import NoteProblem
    from ...core.resolve import OverlayCatalog
    from ...storage.service import NotebookService
    from ..settings import DiagnosticSettings

log = logging.getLogger(__name__)

PUSH_DELAY = 0.05
Key = tuple[int, int | None, Position | None]


def _note_catalog(conn: sqlite3.Connection, rel: str, note: ParsedNote) -> OverlayCatalog:
    """The notebook's catalog with the open buffer's view of ``rel`` laid over it."""
    from ...core.resolve import OverlayCatalog, target_of_note
    from ...storage.catalog import SqlCatalog

    return OverlayCatalog(
        SqlCatalog(conn),
        target_of_note(rel, note.aliases, note.headings, [b.id for b in note.blocks]),
    )


def file_problems(
    conn: sqlite3.Connection,
    doc: Document,
    providers: list[ProblemProvider],
    links: LinkProblems,
) -> list[NoteProblem]:
    """Every problem of one file's current text: its links (``links`` keeps them) and parse
    problems (notes only), then each provider's (runs on the reader thread)."""
    from ...core.problems import parse_problems

    catalog = _note_catalog(conn, doc.rel, doc.note)
    found: list[NoteProblem] = []
    if is_note_name(doc.rel):
        found += links.of(doc.service, doc.rel, doc.text, doc.note, catalog)
        found += parse_problems(doc.note)
    for provide in providers:
        found += provide(conn, doc.service.notebook, doc.rel, doc.text, catalog)
    return found


@dataclass(frozen=True, slots=True)
class _Answer:
    """A file's diagnostics, for which state of it (``key``), with their fingerprint."""

    doc: Document
    key: Key
    diagnostics: list[types.Diagnostic]
    digest: str


def _diagnose(
    conn: sqlite3.Connection,
    doc: Document,
    key: Key,
    providers: list[ProblemProvider],
    links: LinkProblems,
    settings: DiagnosticSettings,
    uri_of: Callable[[str], str],
) -> _Answer:
    """The answer for one file, all of it computed on a reader thread."""
    from ...core.problems import held_back
    from ..diagnostic_convert import digest, to_diagnostics

    problems = file_problems(conn, doc, providers, links)
    shown = [p for p in problems if not held_back(p, key[2])]
    diagnostics = to_diagnostics(shown, settings, uri_of)
    return _Answer(doc, key, diagnostics, digest(diagnostics))


@dataclass(slots=True)
class _Report:
    """The last answer computed for a file: for which state, under which result id."""

    key: Key
    result_id: str
    digest: str


class Diagnostics(Feature):
    """The publisher: owns what each client has been told, and tells it by pull or push."""

    def __init__(self, server: CodexServer) -> None:
        super().__init__(server)
        self.pull = False
        self.generation = 0
        self.reports: dict[str, _Report] = {}  # by percent-decoded URI
        self.closed: dict[str, tuple[str, str]] = {}  # notebook scope: uri -> (digest, id)
        self.published: dict[str, tuple[int | None, str]] = {}  # push: uri -> (version, digest)
        self.cursors: dict[str, Position] = {}
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.stored: dict[NotebookService, tuple[int, dict[str, list[NoteProblem]]]] = {}
        self._ids = itertools.count(1)
        self.links = LinkProblems()
        # Notebooks whose index changed since their check began (or with no check running).
        self._stale: set[NotebookService] = set()
        self._checking: set[NotebookService] = set()

    # -- computing ---------------------------------------------------------------------------

    def _key(self, doc: Document) -> Key:
        return (self.generation, doc.version, self.cursors.get(unquote(doc.uri)))

    def _edited(self, uri: str) -> bool:
        """Whether the user changed the note (or opened it) since its last answer: its
        answer is then awaited, and computed on the interactive lane."""
        report = self.reports.get(unquote(uri))
        if report is None:
            return True
        doc = self.server.open_document(uri)
        version = doc.version if doc is not None else None
        return report.key[1:] != (version, self.cursors.get(unquote(uri)))

    async def compute(self, uri: str, *, now: bool = False) -> _Answer | None:
        """The diagnostics of a file now (its buffer when open), with the state they are of
        (``now``: on the notebook's interactive lane)."""
        doc = await self.server.note_at(uri)
        if doc is None:
            return None
        return (await self._answers(doc.service, [doc], now=now))[0]

    async def _answers(
        self, service: NotebookService, docs: list[Document], *, now: bool = False
    ) -> list[_Answer]:
        """The answers for some files of one notebook, in one job on one of its lanes."""
        server = self.server
        providers = list(server.providers.problems)
        settings, uri_of, links = server.settings.diagnostics, self._uri_of(service), self.links
        asked = [(doc, self._key(doc)) for doc in docs]

        def answer(conn: sqlite3.Connection) -> list[_Answer]:
            found = []
            for doc, key in asked:
                # Checks of many notes step aside for the edited note's (a no-op on the
                # interactive lane itself).
                service.yield_to_interactive()
                found.append(_diagnose(conn, doc, key, providers, links, settings, uri_of))
            return found

        return await server.read(service, answer, now=now)

    def _uri_of(self, service: NotebookService) -> Callable[[str], str]:
        return lambda rel: self.server.uri_of(service, rel)

    def _remember(self, uri: str, answer: _Answer) -> bool:
        """Record an answer; True when it differs from the last one."""
        report = self.reports.get(unquote(uri))
        if report is not None and report.digest == answer.digest:
            report.key = answer.key
            return False
        self.reports[unquote(uri)] = _Report(answer.key, f"d{next(self._ids)}", answer.digest)
        return True

    # -- pull --------------------------------------------------------------------------------

    async def document_report(
        self, params: types.DocumentDiagnosticParams
    ) -> types.DocumentDiagnosticReport:
        """``textDocument/diagnostic``: ``unchanged`` when nothing it depends on changed."""
        uri = params.text_document.uri
        report = self.reports.get(unquote(uri))
        doc = self.server.open_document(uri)
        if report is not None and params.previous_result_id == report.result_id:
            state = (self.generation, doc.version if doc else None, self.cursors.get(unquote(uri)))
            if report.key == state:
                return types.RelatedUnchangedDocumentDiagnosticReport(result_id=report.result_id)
        answer = await self.compute(uri, now=self._edited(uri))
        if answer is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        self._remember(uri, answer)
        report = self.reports[unquote(uri)]
        if params.previous_result_id == report.result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=report.result_id)
        return types.RelatedFullDocumentDiagnosticReport(
            items=answer.diagnostics, result_id=report.result_id
        )

    async def workspace_report(
        self, params: types.WorkspaceDiagnosticParams
    ) -> types.WorkspaceDiagnosticReport:
        """``workspace/diagnostic``: every note's problems that is not open (scope
        ``notebook``; nothing for ``openNotes``), ``unchanged`` where the client has them."""
        from ..diagnostic_convert import digest

        if self.server.settings.diagnostics_scope != "notebook":
            return types.WorkspaceDiagnosticReport(items=[])
        previous = {unquote(p.uri): p.value for p in params.previous_result_ids}
        items: list[types.WorkspaceDocumentDiagnosticReport] = []
        for uri, diagnostics in (await self._closed_notes()).items():
            fingerprint = digest(diagnostics)
            known = self.closed.get(uri)
            if known is None or known[0] != fingerprint:
                known = self.closed[uri] = (fingerprint, f"w{next(self._ids)}")
            if previous.get(unquote(uri)) == known[1]:
                items.append(
                    types.WorkspaceUnchangedDocumentDiagnosticReport(
                        uri=uri, result_id=known[1], version=None
                    )
                )
            else:
                items.append(
                    types.WorkspaceFullDocumentDiagnosticReport(
                        uri=uri, items=diagnostics, result_id=known[1], version=None
                    )
                )
        return types.WorkspaceDiagnosticReport(items=items)

    async def _closed_notes(self) -> dict[str, list[types.Diagnostic]]:
        """Diagnostics of every file that is not open, by URI, from the index (files that
        had some before and have none now get an empty list)."""
        from ...storage.stored_problems import notebook_problems
        from ..diagnostic_convert import to_diagnostics

        server = self.server
        opened = {unquote(uri) for uri in server.open_documents()}
        found: dict[str, list[types.Diagnostic]] = {uri: [] for uri in self.closed}
        for service in list(server.services.values()):
            cached = self.stored.get(service)
            if cached is None or cached[0] != self.generation:
                cached = (self.generation, await server.read(service, notebook_problems))
                self.stored[service] = cached
            uri_of = self._uri_of(service)
            settings = server.settings.diagnostics
            for rel, problems in cached[1].items():
                found[uri_of(rel)] = to_diagnostics(problems, settings, uri_of)
        return {uri: items for uri, items in found.items() if unquote(uri) not in opened}

    # -- push --------------------------------------------------------------------------------

    async def push(self, uri: str, *, edited: bool = False) -> None:
        """Publish an open file's diagnostics unless the client has them for this version
        (``edited``: after the file's own edit, computed on the interactive lane)."""
        answer = await self.compute(uri, now=edited)
        if answer is not None:
            self._push(uri, answer)

    def _push(self, uri: str, answer: _Answer) -> None:
        """Publish an answer unless the client has it for this version of the file."""
        current = self.server.open_document(uri)
        if current is None or current.version != answer.doc.version:
            return  # the note changed meanwhile; a newer run will publish
        told = (current.version, answer.digest)
        if self.published.get(unquote(uri)) != told:
            self.published[unquote(uri)] = told
            self._publish(current.uri, answer.diagnostics, current.version)

    def _publish(self, uri: str, diagnostics: list[types.Diagnostic], version: int | None) -> None:
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    async def push_closed(self) -> None:
        """Notebook scope, push: publish the problems of closed notes that changed (and
        clear them all when the scope is back to open notes)."""
        from ..diagnostic_convert import digest

        if self.server.settings.diagnostics_scope != "notebook":
            for uri in list(self.closed):
                del self.closed[uri]
                self._publish(uri, [], None)
            return
        for uri, diagnostics in (await self._closed_notes()).items():
            fingerprint = digest(diagnostics)
            known = self.closed.get(uri)
            if known is not None and known[0] == fingerprint:
                continue
            if diagnostics:
                self.closed[uri] = (fingerprint, "")
            else:
                self.closed.pop(uri, None)
            self._publish(uri, diagnostics, None)

    # -- events ------------------------------------------------------------------------------

    def on_initialize(self, params: types.InitializeParams) -> None:
        """Choose pull or push from the client's capabilities, and offer pull if chosen."""
        text = params.capabilities.text_document
        workspace = params.capabilities.workspace
        self.pull = bool(
            text
            and text.diagnostic is not None
            and workspace
            and workspace.diagnostics
            and workspace.diagnostics.refresh_support
        )
        if not self.pull:
            return
        options = types.DiagnosticOptions(
            identifier="codex", inter_file_dependencies=True, workspace_diagnostics=True
        )
        self.server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC, options)(partial(self.document_report))
        self.server.feature(types.WORKSPACE_DIAGNOSTIC)(partial(self.workspace_report))

    def on_open(self, uri: str) -> None:
        """Push clients get a new note's diagnostics at once."""
        self.reports.pop(unquote(uri), None)
        self.published.pop(unquote(uri), None)
        for known in [k for k in self.closed if unquote(k) == unquote(uri)]:
            del self.closed[known]
        if not self.pull:
            self._run(self.push(uri, edited=True), uri)

    def on_change(self, uri: str, cursor: types.Position | None) -> None:
        """Remember where the cursor is (the end of the last edit); push clients: publish
        the edited note once the keystrokes pause."""
        if cursor is None:
            self.cursors.pop(unquote(uri), None)
        else:
            self.cursors[unquote(uri)] = core_position(cursor)
        if self.pull:
            return  # the client pulls after its change
        handle = self.timers.pop(uri, None)
        if handle is not None:
            handle.cancel()

        def fire() -> None:
            self.timers.pop(uri, None)
            self._run(self.push(uri, edited=True), uri)

        self.timers[uri] = asyncio.get_running_loop().call_later(PUSH_DELAY, fire)

    def on_save(self, uri: str) -> None:
        """A save shows a link held back while it was being typed."""
        if self.cursors.pop(unquote(uri), None) is None:
            return
        if self.pull:
            self._refresh()
        else:
            self._run(self.push(uri), uri)

    def on_close(self, uri: str) -> None:
        """Forget a closed note (sync clears its pushed diagnostics)."""
        key = unquote(uri)
        self.reports.pop(key, None)
        self.published.pop(key, None)
        self.cursors.pop(key, None)
        handle = self.timers.pop(uri, None)
        if handle is not None:
            handle.cancel()

    def on_index_changed(self, service: NotebookService) -> None:
        """Check every open file of the notebook again; tell the client what changed."""
        self.generation += 1
        self._stale.add(service)
        if service not in self._checking:
            self._checking.add(service)
            self._run(self._check(service), str(service.notebook.root))

    async def _check(self, service: NotebookService) -> None:
        """Check the notebook's open files until no index change is left unchecked."""
        try:
            while service in self._stale:
                self._stale.discard(service)
                await self._after_index(service)
        except BaseException:
            self._stale.discard(service)  # a closed notebook is not kept here
            raise
        finally:
            self._checking.discard(service)

    async def _after_index(self, service: NotebookService) -> None:
        from ..diagnostic_convert import digest

        server = self.server
        docs: list[Document] = []
        for uri in server.open_documents():
            if uri in self.timers if not self.pull else self._edited(uri):
                # Push: the edit's own push is due. Pull: never pulled, or changed since;
                # the client pulls it itself.
                continue
            doc = await server.note_at(uri)
            if doc is not None and doc.service is service:
                docs.append(doc)
        answers = await self._answers(service, docs) if docs else []
        changed = False
        for answer in answers:
            if self.pull:
                current = server.open_document(answer.doc.uri)
                if current is not None and current.version == answer.doc.version:
                    changed |= self._remember(answer.doc.uri, answer)  # else pulled anew
            else:
                self._push(answer.doc.uri, answer)
        if self.pull:
            if self.server.settings.diagnostics_scope == "notebook":
                closed = await self._closed_notes()
                changed |= any(
                    self.closed.get(uri, ("",))[0] != digest(items) for uri, items in closed.items()
                )
            if changed:
                self._refresh()
        else:
            await self.push_closed()

    def _refresh(self) -> None:
        """Ask a pull client to pull again."""
        self.server.workspace_diagnostic_refresh(None)

    def _run(self, work: Coroutine[Any, Any, None], about: str) -> None:
        self.server.run_task(work, name=f"diagnostics of {about}")
