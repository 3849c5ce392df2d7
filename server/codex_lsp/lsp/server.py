"""The language server: state shared by every feature, start-up, and the entry point.

Feature handlers live in :mod:`codex_lsp.lsp.features`; they are thin translations between
LSP and the core/storage layers. Disk, SQLite and git work never runs on the event loop: it is
sent to each notebook's writer or reader thread (:class:`NotebookService`).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

import cattrs
from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcServerNotInitialized,
)
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.workspace import TextDocument

from .. import __version__
from ..core.model import ParsedNote
from ..core.paths import lexically_normal, nearest_root
from ..core.syntax import is_note_name
from ..core.textpos import LineIndex
from ..storage.notebooks import (
    Notebook,
    discover,
    notebook_of_note,
    notebook_relative,
    really_inside,
)
from .convert import path_to_uri, uri_to_path
from .feature import Feature, Providers
from .json_values import pass_through
from .log import configure_logging
from .progress import IndexProgress
from .requests import RequestFailed
from .settings import Settings

if TYPE_CHECKING:
    import sqlite3

    from ..storage.indexer import IndexStats
    from ..storage.service import NotebookService

log = logging.getLogger(__name__)
T = TypeVar("T")

# A folder found outside every notebook is not walked again for this long (a ``.codex/``
# created above it later is seen once it expires, or at once when workspace folders change).
NOT_A_NOTEBOOK_TTL = 60.0
# The longest a request about a document waits for its notebook to be opened.
OPENING_WAIT = 10.0
NOT_A_NOTEBOOK_MAX = 1024
# An open buffer at least this long (characters) is parsed on a thread, not on the event loop.
PARSE_ON_LOOP_MAX = 64 * 1024


class CodexProtocol(LanguageServerProtocol):
    """Speaks UTF-16 positions whatever the client prefers (the index stores UTF-16), and
    answers every request as the LSP life cycle says, even one whose params cannot be read.

    Before ``initialize`` a request gets ``ServerNotInitialized`` and a notification other
    than ``exit`` is dropped; once ``shutdown`` has arrived a request gets ``InvalidRequest``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_received = False
        self._shutdown_received = False
        self._exit_received = False
        # cattrs turns any value into a str (``5`` -> ``"5"``) and strings into ints: a
        # field of the wrong JSON type must make the params invalid instead.
        for kind in (str, int, bool):
            self._converter.register_structure_hook(kind, _exact(kind))
        pass_through(self._converter)

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Any:
        """Drop the client's position-encoding preferences so UTF-16 (the default) is used."""
        if params.capabilities.general is not None:
            params.capabilities.general.position_encodings = None
        return (yield from super().lsp_initialize(params))

    def structure_message(self, data: dict[str, Any]) -> Any:
        """Keep every JSON object as it is: ``json.loads`` calls this for nested objects too
        (innermost first), so a whole message is only structured in :meth:`handle_message`,
        where its place in the life cycle is known."""
        return data

    def handle_message(self, message: Any) -> None:
        """Answer or drop what the life cycle does not allow, then structure and dispatch."""
        if not isinstance(message, dict) or message.get("jsonrpc") != self.VERSION:
            log.warning("ignored a message that is not JSON-RPC 2.0")
            return
        method = message.get("method")
        is_request = "id" in message and method is not None
        if method is not None and not isinstance(method, str):
            self._refuse(message.get("id"), JsonRpcInvalidRequest("method must be a string"))
            return
        if is_request and not _is_message_id(message["id"]):
            self._refuse(None, JsonRpcInvalidRequest("a request id is a string or an integer"))
            return
        if is_request:
            refusal = self._refusal(str(method))
            if refusal is not None:
                self._refuse(message["id"], refusal)
                return
        elif method not in (None, types.EXIT) and (
            not self._initialize_received or self._shutdown_received
        ):
            log.debug("dropped notification %r outside the session", method)
            return
        try:
            structured = super().structure_message(message)
        except JsonRpcException as exc:
            error = JsonRpcInvalidParams(f"{method}: {_why(exc)}")
            if is_request:
                self._refuse(message["id"], error)
            else:
                log.warning("ignored a message whose params cannot be read: %s", error)
            return
        if is_request and method == types.INITIALIZE:
            self._initialize_received = True
        elif is_request and method == types.SHUTDOWN:
            self._shutdown_received = True
        elif method == types.EXIT:
            self._exit_received = True
        super().handle_message(structured)

    def _send_data(self, data: Any) -> None:
        """Send ``data``; nothing once ``exit`` has arrived: pygls closes the transport then,
        tasks that end while the process exits may still have something to say, and pygls
        reports a failed write by writing again, each time with the whole chain of errors."""
        if self._exit_received:
            return
        super()._send_data(data)

    def _refuse(self, msg_id: Any, error: JsonRpcException) -> None:
        """Answer a request with an error (``msg_id`` None when its id cannot be read)."""
        self._send_data(
            types.ResponseErrorMessage(
                id=msg_id if _is_message_id(msg_id) else None, error=error.to_response_error()
            )
        )

    def _refusal(self, method: str) -> JsonRpcException | None:
        """The error a request gets at this point of the life cycle, if any."""
        if self._shutdown_received:
            return JsonRpcInvalidRequest(f"{method}: the server is shutting down")
        if method == types.INITIALIZE:
            if self._initialize_received:
                return JsonRpcInvalidRequest("initialize may only be sent once")
            return None
        if not self._initialize_received:
            return JsonRpcServerNotInitialized(f"{method}: the server is not initialized")
        return None


def _exact(kind: type[T]) -> Callable[[Any, Any], T]:
    """A cattrs structure hook that accepts only values of the JSON type of ``kind``.

    It also serves the subclasses of ``kind`` (the protocol's enums, such as
    ``DiagnosticSeverity``, are ``int`` or ``str``): their values become members of the
    class asked for, and a value that is no member is refused.
    """

    def structure(value: Any, target: Any) -> T:
        if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
            return value if target is kind else target(value)
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")

    return structure


def _why(exc: BaseException) -> str:
    """What is wrong with a message's params, as cattrs says it (``... @ $.position.line``)."""
    cause = exc.__cause__
    if isinstance(cause, (cattrs.ClassValidationError, cattrs.IterableValidationError)):
        return "; ".join(cattrs.transform_error(cause)[:3])
    return "the params do not have the documented shape"


def _is_message_id(value: Any) -> bool:
    """JSON-RPC ids are strings or integers (never booleans, fractions or objects)."""
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


@dataclass(frozen=True, slots=True)
class NotePath:
    """A path a client named, confined to an open notebook."""

    service: NotebookService
    rel: str

    @property
    def path(self) -> Path:
        """The absolute path, spelled under the notebook root."""
        return self.service.notebook.root / self.rel


@dataclass(slots=True)
class Text:
    """A parsed text: an open editor buffer, or a note of an open notebook read from disk."""

    uri: str
    path: Path
    text: str
    version: int | None
    note: ParsedNote
    index: LineIndex


@dataclass(slots=True)
class Document(Text):
    """A note of an open notebook as features see it (the buffer when open)."""

    service: NotebookService
    rel: str


class CodexServer(LanguageServer):
    """Holds notebooks, settings and parsed open documents."""

    def __init__(self) -> None:
        super().__init__("codex-lsp", __version__, protocol_cls=CodexProtocol)
        self.settings = Settings()
        self.services: dict[Path, NotebookService] = {}
        self.folder_roots: dict[str, list[Path]] = {}
        # Set once the workspace folders given at start-up are opened as notebooks; with
        # ``_opening`` (the documents whose enclosing notebook is being looked for), what a
        # request about a document not yet in a notebook waits for (``until_opened``).
        self.folders_opened = asyncio.Event()
        self._opening: dict[str, asyncio.Future[None]] = {}
        self._parsed: dict[str, tuple[int | None, str, ParsedNote, LineIndex]] = {}
        # Features in the order they were added: their hooks are called in that order.
        self.features: list[Feature] = []
        self.providers = Providers()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._indexed: set[Path] = set()
        self._not_notebooks: dict[Path, float] = {}

    # -- features, events and background tasks -------------------------------------------

    def add_feature(self, feature: Feature) -> None:
        """Add a feature: register its handlers and providers; its hooks are called from now on."""
        self.features.append(feature)
        feature.register()

    def _each_feature(self, hook: str, call: Callable[[Feature], None]) -> None:
        """Call a hook of every feature; one that fails is logged and the others still run."""
        for feature in list(self.features):
            try:
                call(feature)
            except Exception as exc:
                _log_failure(f"{type(feature).__name__}.{hook}", exc)

    def initializing(self, params: types.InitializeParams) -> None:
        """Tell every feature about the client's ``initialize`` params."""
        self._each_feature("on_initialize", lambda f: f.on_initialize(params))

    def opened(self, uri: str) -> None:
        """Tell every feature that a document was opened."""
        self._each_feature("on_open", lambda f: f.on_open(uri))

    def changed(self, uri: str, cursor: types.Position | None) -> None:
        """Tell every feature that a document changed (``cursor``: after the last change)."""
        self._each_feature("on_change", lambda f: f.on_change(uri, cursor))

    def saved(self, uri: str) -> None:
        """Tell every feature that a document was saved."""
        self._each_feature("on_save", lambda f: f.on_save(uri))

    def closed(self, uri: str) -> None:
        """Tell every feature that a document was closed."""
        self._each_feature("on_close", lambda f: f.on_close(uri))

    def index_changed(self, service: NotebookService) -> None:
        """Tell every feature that a notebook's index changed."""
        self._each_feature("on_index_changed", lambda f: f.on_index_changed(service))

    def run_task(self, work: Coroutine[Any, Any, T], *, name: str) -> asyncio.Task[T]:
        """Run ``work`` in the background: the one policy for every background task.

        The task is referenced until it ends (the loop keeps only weak references), and a
        failure is logged under ``name`` (to the client's log), never raised into the loop.
        """
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        failure = task.exception()
        if failure is not None:
            _log_failure(task.get_name(), failure)

    # -- notebooks -----------------------------------------------------------------------

    async def add_folder(self, uri: str) -> list[NotebookService]:
        """Discover the notebooks of a workspace folder (off the event loop) and create their
        services; returns the new ones."""
        from ..storage.service import NotebookService

        path = uri_to_path(uri)
        notebooks = await asyncio.to_thread(_discover_folder, path) if path else None
        if notebooks is None:
            log.warning("workspace folder %s is not a local folder; ignored", uri)
            return []
        created = []
        for notebook in notebooks:
            if notebook.root not in self.services:
                self.services[notebook.root] = NotebookService(notebook)
                created.append(self.services[notebook.root])
        self.folder_roots[uri] = [notebook.root for notebook in notebooks]
        self._not_notebooks.clear()
        return created

    def needs_first_index(self, service: NotebookService) -> bool:
        """True until an index run of ``service`` has been started."""
        return service.notebook.root not in self._indexed

    async def remove_folder(self, uri: str) -> None:
        """Forget a workspace folder and close notebooks no other folder uses.

        Closing waits for the notebook's index run, so it happens on a thread of its own.
        """
        roots = self.folder_roots.pop(uri, [])
        self._not_notebooks.clear()
        still_used = {root for other in self.folder_roots.values() for root in other}
        closing = [
            self.services.pop(root)
            for root in roots
            if root not in still_used and root in self.services
        ]
        await asyncio.gather(*(asyncio.to_thread(service.close) for service in closing))

    def service_for(self, path: Path) -> NotebookService | None:
        """The open notebook whose root is nearest above ``path`` as spelled (no disk access,
        no discovery): for paths the server found itself, such as its watchers' events."""
        root = nearest_root(lexically_normal(path), self.services)
        return self.services[Path(root)] if root is not None else None

    def locate(self, uri: str) -> NotePath | None:
        """The open notebook and notebook-relative path of a client URI, or None unless its
        real path lies inside an open notebook (see ``notebook_relative``). Stats the path's
        parts; never opens a notebook."""

        path = uri_to_path(uri)
        found = notebook_relative(path, list(self.services)) if path is not None else None
        if found is None or found[0] not in self.services:
            return None
        return NotePath(self.services[found[0]], found[1])

    async def confine(self, uri: Any, what: str = "uri") -> NotePath:
        """``locate`` for a request argument, off the event loop, once the notebooks being
        opened are open (:meth:`until_opened`); anything that is not a path inside an open
        notebook, or is a notebook's root folder, fails the request."""

        if not isinstance(uri, str):
            raise RequestFailed(f"{what} must be a string (a file URI)")
        path = uri_to_path(uri)
        if path is None:
            raise RequestFailed(f"{what} {uri} is not a file URI")
        # A request sent right after `initialized` names a note of a workspace folder whose
        # notebook is still being opened, or of a document whose notebook is being looked for.
        await self.until_opened(uri)
        roots = list(self.services)
        found = await asyncio.to_thread(notebook_relative, path, roots)
        service = self.services.get(found[0]) if found is not None else None
        if found is None or service is None:
            raise RequestFailed(f"{uri} is not inside an open notebook (symlinks followed)")
        if found[1] == ".":
            raise RequestFailed(f"{uri} is a notebook folder, not a file in it")
        return NotePath(service, found[1])

    async def confine_notebook(self, value: str | None) -> NotebookService:
        """The open notebook a request argument names (its root folder, as a path or file URI;
        symlinks followed), off the event loop like :meth:`confine`; ``None`` names a
        workspace folder's notebook, then any open one. Anything else fails the request."""

        await self.until_opened("" if value is None else value)
        if not self.services:
            raise RequestFailed("no notebook is open")
        if value is None:
            # A command that names no notebook acts where the user's workspace is, before a
            # notebook opened around a lone document.
            in_folders = {root for roots in self.folder_roots.values() for root in roots}
            chosen = [service for root, service in self.services.items() if root in in_folders]
            return (chosen or list(self.services.values()))[0]
        path = uri_to_path(value) if value.startswith("file:") else Path(value)
        found = None
        if path is not None and path.is_absolute():
            try:
                found = await asyncio.to_thread(notebook_relative, path, list(self.services))
            except (OSError, ValueError):  # a null byte, a path too long: names no notebook
                found = None
        service = self.services.get(found[0]) if found is not None else None
        if found is None or service is None or found[1] != ".":
            raise RequestFailed(f"{value} is not an open notebook")
        return service

    async def confine_new(self, service: NotebookService, rel: str) -> Path:
        """The absolute path of notebook-relative ``rel`` about to be written; fails the
        request when a symlinked folder on the way leads outside the notebook."""

        root = service.notebook.root
        if not await asyncio.to_thread(really_inside, root / rel, root):
            raise RequestFailed(f"{rel} leads outside the notebook through a symlink")
        return root / rel

    def start_opening(self, uri: str) -> None:
        """Look for the notebook of a document just opened (:meth:`open_enclosing`) in the
        background; requests about it wait for the look-up (:meth:`until_opened`)."""
        key = unquote(uri)
        task = self.run_task(self.open_enclosing(uri), name=f"opening the notebook of {uri}")
        self._opening[key] = task

        def done(finished: asyncio.Future[None]) -> None:
            if self._opening.get(key) is finished:
                del self._opening[key]

        task.add_done_callback(done)

    async def until_opened(self, uri: str) -> None:
        """Wait (at most ``OPENING_WAIT`` seconds) until the notebook a document may belong
        to is open: the start-up workspace folders, and the look-up started by its didOpen."""
        pending: list[asyncio.Future[Any]] = []
        if not self.folders_opened.is_set():
            pending.append(asyncio.ensure_future(self.folders_opened.wait()))
        opening = self._opening.get(unquote(uri))
        if opening is not None:
            pending.append(opening)
        if pending:
            await asyncio.wait(pending, timeout=OPENING_WAIT)

    async def open_enclosing(self, uri: str) -> None:
        """Open the notebook of a document the user opened outside every open notebook
        (``notebook_of_note``: the CLI's and the editor clients' rule).

        The only place a notebook opens other than workspace folders: request arguments never
        do. The walk up the folders runs off the event loop; a folder with no notebook is
        remembered for ``NOT_A_NOTEBOOK_TTL`` seconds.
        """
        from ..storage.service import NotebookService

        path = uri_to_path(uri)
        if path is None or self.service_for(path) is not None:
            return
        folder, now = path.parent, time.monotonic()
        if now - self._not_notebooks.get(folder, -NOT_A_NOTEBOOK_TTL) < NOT_A_NOTEBOOK_TTL:
            return
        notebook = await asyncio.to_thread(notebook_of_note, path)
        if notebook is None:
            if len(self._not_notebooks) >= NOT_A_NOTEBOOK_MAX:
                self._not_notebooks.clear()
            self._not_notebooks[folder] = now
            return
        if notebook.root not in self.services:
            service = self.services[notebook.root] = NotebookService(notebook)
            self.start_indexing(service)

    def start_indexing(self, service: NotebookService, *, full: bool = False) -> None:
        """Index a notebook in the background, reporting progress."""
        self.run_task(
            self.index_notebook(service, full=full), name=f"indexing {service.notebook.root}"
        )

    async def index_notebook(self, service: NotebookService, *, full: bool = False) -> IndexStats:
        """Bring a notebook's index up to date with ``$/progress`` reports; returns its stats."""
        self._indexed.add(service.notebook.root)
        if service.on_damaged is None:  # an index damaged later is rebuilt the same way
            loop = asyncio.get_running_loop()
            rebuild = partial(self.start_indexing, service, full=True)
            service.on_damaged = partial(loop.call_soon_threadsafe, rebuild)
        progress = IndexProgress(self, service.notebook.name)
        await progress.begin()
        buffers = self.buffers_of(service)
        try:
            stats = await _closed_fails(
                service.index(full=full, progress=progress.report_threadsafe, contents=buffers)
            )
        except Exception as exc:
            log.error("indexing %s failed: %s", service.notebook.root, exc)
            progress.end(f"failed: {exc}")
            raise
        progress.end(f"{stats.notes} notes")
        for warning in stats.warnings:
            log.warning("%s", warning)
        self.index_changed(service)
        return stats

    async def update_notebook(
        self, service: NotebookService, paths: list[str], contents: dict[str, str] | None = None
    ) -> IndexStats:
        """Re-index some files of a notebook, then refresh what depends on the index."""
        stats = await _closed_fails(service.update(paths, contents))
        self.index_changed(service)
        return stats

    # -- documents -----------------------------------------------------------------------

    async def note_at(self, uri: str) -> Document | None:
        """The note at ``uri`` with its notebook: the editor buffer when open, else the file
        on disk (read and parsed on a thread); None unless it lies inside an open notebook."""
        found = await self._text_at(uri)
        if found is None or found[1] is None:
            return None
        text, (service, rel) = found[0], found[1]
        return Document(
            text.uri, text.path, text.text, text.version, text.note, text.index, service, rel
        )

    async def text_at(self, uri: str) -> Text | None:
        """The parsed text at ``uri``: an open buffer (inside a notebook or not), else a note
        of an open notebook read from disk."""
        found = await self._text_at(uri)
        return found[0] if found is not None else None

    async def _text_at(self, uri: str) -> tuple[Text, tuple[NotebookService, str] | None] | None:
        path = uri_to_path(uri)
        if path is None:
            return None
        found = self.locate(uri)
        if found is None:  # perhaps in a notebook still being opened
            await self.until_opened(uri)
            found = self.locate(uri)
        open_doc = self.open_document(uri)
        if open_doc is None:
            return await asyncio.to_thread(self._disk_text, uri, path)
        uri = open_doc.uri  # the client's spelling of the URI
        text, version = open_doc.source, open_doc.version
        cached = self._parsed.get(unquote(uri))
        if cached is not None and cached[0] == version and cached[1] == text:
            note, index = cached[2], cached[3]
        elif len(text) < PARSE_ON_LOOP_MAX:
            note, index = _parse(text, path.name)
            self._parsed[unquote(uri)] = (version, text, note, index)
        else:  # a long buffer: the loop keeps answering while it is parsed
            note, index = await asyncio.to_thread(_parse, text, path.name)
            self._parsed[unquote(uri)] = (version, text, note, index)
        where = (found.service, found.rel) if found else None
        return Text(uri, path, text, version, note, index), where

    def _disk_text(
        self, uri: str, path: Path
    ) -> tuple[Text, tuple[NotebookService, str] | None] | None:
        """A note that is not open, from the disk; None outside the open notebooks (never
        read there). Blocking: runs on a thread."""
        found = self.locate(uri)
        if found is None:
            return None
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        note, index = _parse(text, path.name)
        return Text(uri, path, text, None, note, index), (found.service, found.rel)

    def open_document(self, uri: str) -> TextDocument | None:
        """The editor buffer of ``uri`` if it is open.

        pygls keys buffers by the percent-decoded URI, so look them up the same way: a client
        may write ``My%20note.md`` and a buffer must still be found.
        """
        return self.workspace.text_documents.get(unquote(uri))

    def forget(self, uri: str) -> None:
        """Drop the parse cache of a closed document."""
        self._parsed.pop(unquote(uri), None)

    def open_documents(self) -> list[str]:
        """URIs of every open document, spelled as the client sent them."""
        return [doc.uri for doc in list(self.workspace.text_documents.values())]

    def buffers_of(self, service: NotebookService) -> dict[str, str]:
        """Open editor buffers that belong to ``service``, by notebook-relative path."""
        found = {}
        for doc in list(self.workspace.text_documents.values()):
            where = self.locate(doc.uri)
            if where is not None and where.service is service and is_note_name(where.rel):
                found[where.rel] = doc.source
        return found

    def uri_of(self, service: NotebookService, rel: str) -> str:
        """URI of a notebook-relative path."""
        return path_to_uri(service.notebook.root / rel)

    async def read(
        self,
        service: NotebookService,
        query: Callable[[sqlite3.Connection], T],
        *,
        now: bool = False,
    ) -> T:
        """Run a read query on the notebook's background reader (``now``: its interactive
        lane, for a short answer a user waits for) and await its result."""
        return await _closed_fails(service.read_now(query) if now else service.read(query))

    def notebooks(self) -> list[Notebook]:
        """Every open notebook."""
        return [service.notebook for service in self.services.values()]


def _log_failure(what: str, failure: BaseException) -> None:
    """Log a failure in one line, its traceback only at ``debug`` level (tracebacks sent to
    a client that has stopped reading could fill the pipe while the server exits)."""
    log.error("%s failed: %s", what, failure)
    log.debug("%s failed", what, exc_info=failure)


async def _closed_fails(work: Future[T]) -> T:
    """Await a notebook's work; a notebook closed meanwhile fails the request cleanly."""
    from ..storage.service import NotebookClosed

    try:
        return await asyncio.wrap_future(work)
    except NotebookClosed as exc:
        raise RequestFailed(str(exc)) from exc


def _parse(text: str, file_name: str) -> tuple[ParsedNote, LineIndex]:
    """A note's parse and line index."""
    from ..core.parser import parse_note
    from ..core.resolve import strip_note_suffix

    return parse_note(text, strip_note_suffix(file_name)), LineIndex(text)


def _discover_folder(path: Path) -> list[Notebook] | None:

    return discover(path) if path.is_dir() else None


SWITCH_INTERVAL = 0.001
"""Seconds a thread of the server keeps the interpreter while another waits for it."""


def create_server() -> CodexServer:
    """A server with every feature added."""
    from .features import FEATURES

    server = CodexServer()
    for feature in FEATURES:
        server.add_feature(feature(server))
    return server


def run_server(tcp: str | None = None, log_file: Path | None = None) -> int:
    """Start the server on stdio (default) or TCP ``HOST:PORT``; returns the exit status."""
    # Requests share the interpreter with index writes and checks on other threads, which
    # keep it for a whole switch interval each time it is handed over (CPython's default:
    # 5 ms): shorter turns bound a request's waits. Index workers are other processes.
    sys.setswitchinterval(SWITCH_INTERVAL)
    server = create_server()
    configure_logging(server, log_file)
    if tcp:
        host, _, port = tcp.rpartition(":")
        if not port.isdigit():
            print(f"codex-lsp: --tcp expects HOST:PORT, got {tcp!r}", file=sys.stderr)
            return 2
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        server.start_io()
    return 0
