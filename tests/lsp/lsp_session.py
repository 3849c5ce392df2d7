"""Helpers to drive the real server over stdio with a pytest-lsp client.

A :class:`Session` is one running ``codex-lsp serve`` process plus its client. The client
answers the server's requests the way an editor would: ``workspace/applyEdit`` edits are
applied to the files on disk (and to open buffers), ``client/registerCapability`` requests are
recorded, and file changes that the test makes on disk are announced with
``workspace/didChangeWatchedFiles`` only when the server registered for them (VS Code);
otherwise the server's own watchdog observer has to notice them (Neovim).
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

# Implicit notebooks keep their database under the user cache: keep tests out of the real one.
if "XDG_CACHE_HOME" not in os.environ:
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="codex-test-cache-")
    atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], ignore_errors=True)

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "codex_lsp", "serve"])
CLIENTS = ["visual-studio-code", "neovim"]
TIMEOUT = 15.0

Diagnostics = Sequence[types.Diagnostic]


# -- text positions (UTF-16, computed independently of the server) -----------------------


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def position_at(text: str, offset: int) -> types.Position:
    """LSP position (UTF-16 columns) of a string offset."""
    before = text[:offset]
    line = before.count("\n")
    column = utf16_len(before[before.rfind("\n") + 1 :])
    return types.Position(line, column)


def offset_at(text: str, position: types.Position) -> int:
    """String offset of an LSP position; fails when it is outside the text."""
    lines = text.split("\n")
    assert 0 <= position.line < len(lines), f"line {position.line} outside the text"
    offset = sum(len(line) + 1 for line in lines[: position.line])
    units = 0
    for char in lines[position.line]:
        if units >= position.character:
            break
        units += utf16_len(char)
        offset += 1
    assert units == position.character, f"bad column {position.character} on {position.line}"
    return offset


def find(text: str, needle: str, *, occurrence: int = 0, delta: int = 0) -> types.Position:
    """Position of the ``occurrence``-th ``needle`` in ``text``, moved by ``delta`` characters."""
    offset = -1
    for _ in range(occurrence + 1):
        offset = text.index(needle, offset + 1)
    return position_at(text, offset + delta)


def text_in(text: str, rng: types.Range) -> str:
    """The slice of ``text`` that ``rng`` covers."""
    return text[offset_at(text, rng.start) : offset_at(text, rng.end)]


def uri_path(uri: str) -> Path:
    """Local path of a ``file://`` URI."""
    return Path(unquote(urlparse(uri).path))


def apply_text_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    """Apply non-overlapping text edits (all positions refer to the original text)."""
    spans = sorted(
        ((offset_at(text, e.range.start), offset_at(text, e.range.end), e.new_text) for e in edits),
        reverse=True,
    )
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def completion_items(result: Any) -> list[types.CompletionItem]:
    """The items of a completion result (list or CompletionList)."""
    if result is None:
        return []
    return list(result.items if isinstance(result, types.CompletionList) else result)


# -- the session --------------------------------------------------------------------------


@dataclass
class Session:
    """A started server with its client and the notebook folder(s) it was opened on."""

    client: LanguageClient
    root: Path
    profile: str
    roots: list[Path] = field(default_factory=list)
    initialize_result: types.InitializeResult | None = None
    registrations: list[types.Registration] = field(default_factory=list)
    applied_edits: list[types.WorkspaceEdit] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)
    buffers: dict[str, str] = field(default_factory=dict)
    code_lens_refreshes: int = 0
    index_changes: list[list[str]] = field(default_factory=list)  # codex/indexChanged notebooks

    # -- paths ---------------------------------------------------------------------------

    def uri(self, rel: str) -> str:
        """URI of a notebook-relative path."""
        return (self.root / rel).as_uri()

    def read(self, rel: str) -> str:
        """Current text of a note: its open buffer, else the file on disk."""
        uri = self.uri(rel)
        if uri in self.buffers:
            return self.buffers[uri]
        return (self.root / rel).read_text(encoding="utf-8")

    def find(self, rel: str, needle: str, *, occurrence: int = 0, delta: int = 0) -> types.Position:
        """Position of ``needle`` (plus ``delta`` characters) in a note's current text."""
        return find(self.read(rel), needle, occurrence=occurrence, delta=delta)

    @property
    def capabilities(self) -> types.ServerCapabilities:
        """What the server answered to ``initialize``."""
        assert self.initialize_result is not None
        return self.initialize_result.capabilities

    @property
    def watched_by_client(self) -> bool:
        """True when the server registered ``workspace/didChangeWatchedFiles`` with us."""
        return any(r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in self.registrations)

    # -- requests ------------------------------------------------------------------------

    async def command(self, name: str, argument: dict[str, Any] | None = None) -> Any:
        """Run a ``workspace/executeCommand`` command."""
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=[argument or {}])
        )

    async def complete(self, uri: str, position: types.Position) -> types.CompletionList:
        """``textDocument/completion``, always returned as a list object."""
        result = await self.client.text_document_completion_async(
            types.CompletionParams(types.TextDocumentIdentifier(uri), position)
        )
        if isinstance(result, types.CompletionList):
            return result
        return types.CompletionList(is_incomplete=False, items=completion_items(result))

    async def complete_at_end(self, rel: str, text: str) -> types.CompletionList:
        """Open ``rel`` with ``text`` and complete at its very end."""
        uri = self.open(rel, text)
        return await self.complete(uri, position_at(text, len(text)))

    async def definition(self, uri: str, position: types.Position) -> list[types.Location]:
        """``textDocument/definition`` as a list of locations."""
        result = await self.client.text_document_definition_async(
            types.DefinitionParams(types.TextDocumentIdentifier(uri), position)
        )
        if result is None:
            return []
        if isinstance(result, types.Location):
            return [result]
        return [r for r in result if isinstance(r, types.Location)]

    async def references(
        self, uri: str, position: types.Position, declaration: bool = False
    ) -> list[types.Location]:
        """``textDocument/references``."""
        result = await self.client.text_document_references_async(
            types.ReferenceParams(
                context=types.ReferenceContext(include_declaration=declaration),
                text_document=types.TextDocumentIdentifier(uri),
                position=position,
            )
        )
        return list(result or [])

    async def hover(self, uri: str, position: types.Position) -> types.Hover | None:
        """``textDocument/hover``."""
        return await self.client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), position)
        )

    # -- document synchronisation ----------------------------------------------------------

    def open(self, rel: str, text: str | None = None) -> str:
        """Send ``didOpen`` for a note (its disk text unless ``text`` is given)."""
        uri = self.uri(rel)
        body = text if text is not None else (self.root / rel).read_text(encoding="utf-8")
        self.versions[uri] = 1
        self.buffers[uri] = body
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=uri, language_id="markdown", version=1, text=body)
            )
        )
        return uri

    def change(self, uri: str, text: str) -> None:
        """Replace the whole buffer of an open document (``didChange``)."""
        self.versions[uri] += 1
        self.buffers[uri] = text
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                [types.TextDocumentContentChangeWholeDocument(text)],
            )
        )

    def edit(self, uri: str, rng: types.Range, new_text: str) -> None:
        """An incremental ``didChange`` replacing ``rng`` by ``new_text``."""
        self.versions[uri] += 1
        self.buffers[uri] = apply_text_edits(self.buffers[uri], [types.TextEdit(rng, new_text)])
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                [types.TextDocumentContentChangePartial(range=rng, text=new_text)],
            )
        )

    def insert(self, uri: str, position: types.Position, new_text: str) -> None:
        """An incremental insertion at ``position``."""
        self.edit(uri, types.Range(position, position), new_text)

    def save(self, uri: str) -> None:
        """Write the buffer to disk and send ``didSave``."""
        uri_path(uri).write_text(self.buffers[uri], encoding="utf-8")
        self.client.text_document_did_save(
            types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri))
        )

    def close(self, uri: str) -> None:
        """Send ``didClose``."""
        self.buffers.pop(uri, None)
        self.versions.pop(uri, None)
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri))
        )

    # -- changes on disk -------------------------------------------------------------------

    def files_changed(self, changes: Sequence[tuple[Path, types.FileChangeType]]) -> None:
        """Announce disk changes as an editor would: only if the server asked us to watch."""
        if not changes or not self.watched_by_client:
            return
        self.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                [types.FileEvent(path.as_uri(), kind) for path, kind in changes]
            )
        )

    def write(self, rel: str, text: str) -> Path:
        """Create or overwrite a file outside the editor and announce it."""
        path = self.root / rel
        existed = path.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        kind = types.FileChangeType.Changed if existed else types.FileChangeType.Created
        self.files_changed([(path, kind)])
        return path

    def delete(self, rel: str) -> None:
        """Delete a file outside the editor and announce it."""
        path = self.root / rel
        path.unlink()
        self.files_changed([(path, types.FileChangeType.Deleted)])

    def apply_edit(self, edit: types.WorkspaceEdit) -> None:
        """Apply a WorkspaceEdit like an editor: open buffers get ``didChange``, files on disk
        are rewritten, created and renamed (and the changes announced)."""
        self.applied_edits.append(edit)
        announced: list[tuple[Path, types.FileChangeType]] = []
        operations: list[Any] = list(edit.document_changes or [])
        for uri, text_edits in (edit.changes or {}).items():
            operations.append(
                types.TextDocumentEdit(
                    types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                    list(text_edits),
                )
            )
        for operation in operations:
            if isinstance(operation, types.TextDocumentEdit):
                uri = operation.text_document.uri
                plain = [e for e in operation.edits if isinstance(e, types.TextEdit)]
                if uri in self.buffers:
                    self.change(uri, apply_text_edits(self.buffers[uri], plain))
                    self.save(uri)
                else:
                    path = uri_path(uri)
                    path.write_text(
                        apply_text_edits(path.read_text(encoding="utf-8"), plain),
                        encoding="utf-8",
                    )
                    announced.append((path, types.FileChangeType.Changed))
            elif isinstance(operation, types.CreateFile):
                path = uri_path(operation.uri)
                if path.exists():
                    options = operation.options
                    assert options is not None and (options.ignore_if_exists or options.overwrite)
                    if options.ignore_if_exists:
                        continue
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("", encoding="utf-8")
                announced.append((path, types.FileChangeType.Created))
            elif isinstance(operation, types.RenameFile):
                old, new = uri_path(operation.old_uri), uri_path(operation.new_uri)
                assert not new.exists() or new.samefile(old), f"{new} exists"
                new.parent.mkdir(parents=True, exist_ok=True)
                old.rename(new)
                announced += [
                    (old, types.FileChangeType.Deleted),
                    (new, types.FileChangeType.Created),
                ]
                if operation.old_uri in self.buffers:
                    text = self.buffers[operation.old_uri]
                    self.close(operation.old_uri)
                    self.open(new.relative_to(self.root).as_posix(), text)
            elif isinstance(operation, types.DeleteFile):
                path = uri_path(operation.uri)
                path.unlink()
                announced.append((path, types.FileChangeType.Deleted))
        self.files_changed(announced)

    # -- waiting ----------------------------------------------------------------------------

    async def wait_for_diagnostics(
        self,
        uri: str,
        predicate: Callable[[Diagnostics], bool] = lambda _: True,
        timeout: float = TIMEOUT,
    ) -> Diagnostics:
        """Wait until the latest diagnostics published for ``uri`` satisfy ``predicate``."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            current = self.client.diagnostics.get(uri)
            if current is not None and predicate(current):
                return current
            if asyncio.get_running_loop().time() > deadline:
                shown = [(d.code, d.message) for d in current or []]
                raise TimeoutError(f"diagnostics of {uri} never matched; last: {shown}")
            await asyncio.sleep(0.02)

    async def wait_until(
        self, check: Callable[[], Any], what: str, timeout: float = TIMEOUT
    ) -> None:
        """Poll an async or plain ``check`` until it returns something true."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = check()
            if asyncio.iscoroutine(value):
                value = await value
            if value:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"timed out waiting for {what}")
            await asyncio.sleep(0.05)


def codes(diagnostics: Diagnostics) -> list[str]:
    """The codes of some diagnostics, as strings."""
    return [str(d.code) for d in diagnostics]


def quiet_mentions(settings: Any) -> Any:
    """``settings`` with the unlinked-mention hints off unless they say otherwise: the
    example notebook names its notes in plain text everywhere, and the tests of other
    diagnostics count every diagnostic (tests/lsp/test_mentions.py turns them on)."""
    if settings is not None and not isinstance(settings, dict):
        return settings  # a wrong value is what the test sends
    found = dict(settings or {})
    diagnostics = found.get("diagnostics")
    if diagnostics is None or isinstance(diagnostics, dict):
        found["diagnostics"] = {"unlinkedMentions": "off", **(diagnostics or {})}
    return found


async def start_session(
    root: Path | list[Path],
    profile: str,
    settings: dict[str, Any] | None = None,
    *,
    ready: bool = True,
    initialization_options: Any = None,
    capabilities: types.ClientCapabilities | None = None,
    server: ClientServerConfig = SERVER,
) -> Session:
    """Start the server (``server``: another command) on one or more workspace folders and
    wait until they are indexed (``capabilities`` replaces the profile's own)."""
    roots = root if isinstance(root, list) else [root]
    client = await server.start()
    assert isinstance(client, LanguageClient)
    session = Session(client, roots[0], profile, roots=roots)

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(
        _client: LanguageClient, params: types.ApplyWorkspaceEditParams
    ) -> types.ApplyWorkspaceEditResult:
        try:
            session.apply_edit(params.edit)
        except Exception as exc:  # report like an editor that could not apply it
            return types.ApplyWorkspaceEditResult(applied=False, failure_reason=str(exc))
        return types.ApplyWorkspaceEditResult(applied=True)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(_client: LanguageClient, params: types.RegistrationParams) -> None:
        session.registrations.extend(params.registrations)

    @client.feature(types.CLIENT_UNREGISTER_CAPABILITY)
    def unregister_capability(_client: LanguageClient, params: types.UnregistrationParams) -> None:
        gone = {u.id for u in params.unregisterations}
        session.registrations[:] = [r for r in session.registrations if r.id not in gone]

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def code_lens_refresh(_client: LanguageClient, params: None) -> None:
        session.code_lens_refreshes += 1

    @client.feature("codex/indexChanged")
    def index_changed(_client: LanguageClient, params: Any) -> None:
        session.index_changes.append(list(params.notebooks))

    if isinstance(initialization_options, dict) and settings is None:
        # Settings given at initialize only: the client has no ``codex`` section.
        wrapped = "codex" in initialization_options
        section = initialization_options["codex"] if wrapped else initialization_options
        section = quiet_mentions(section)
        initialization_options = {"codex": section} if wrapped else section
    else:
        client.set_configuration({"codex": quiet_mentions(settings)})
    session.initialize_result = await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities or client_capabilities(profile),
            root_uri=roots[0].as_uri(),
            initialization_options=initialization_options,
            workspace_folders=[types.WorkspaceFolder(uri=r.as_uri(), name=r.name) for r in roots],
        )
    )
    if ready:
        await wait_ready(session)
    return session


async def wait_ready(session: Session, timeout: float = 60.0, count: int | None = None) -> None:
    """Poll ``codex.notebooks`` until every notebook (``count`` of them) is indexed."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        notebooks = await session.command("codex.notebooks")
        if (
            notebooks
            and all(n["ready"] for n in notebooks)
            and (count is None or len(notebooks) == count)
        ):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"notebooks not indexed in {timeout} s: {notebooks}")
        await asyncio.sleep(0.05)


def restore_tree(pristine: Path, root: Path) -> None:
    """Make ``root`` hold exactly the files of ``pristine`` (index databases left alone)."""
    for path in sorted(root.rglob("*"), reverse=True):
        rel = path.relative_to(root)
        if rel.name.startswith("notebook.db"):
            continue
        original = pristine / rel
        if path.is_dir() and not original.is_dir():
            shutil.rmtree(path)
        elif path.is_file() and not original.is_file():
            path.unlink()
    for original in pristine.rglob("*"):
        rel = original.relative_to(pristine)
        if rel.name.startswith("notebook.db") or not original.is_file():
            continue
        target = root / rel
        if not target.is_file() or target.read_bytes() != original.read_bytes():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(original, target)


async def reset_session(session: Session, pristine: Path) -> None:
    """Bring a reused session back to a fresh state: no open documents, the notebook's files
    as in ``pristine``, the index rebuilt, and the client's records emptied."""
    for uri in list(session.buffers):
        session.close(uri)
    restore_tree(pristine, session.root)
    await session.command("codex.reindex", {"full": True})
    session.client.diagnostics.clear()
    session.client.messages.clear()
    session.applied_edits.clear()


async def stop_session(session: Session) -> None:
    """Shut the server down cleanly."""
    await session.client.shutdown_session()
    await session.client.stop()
