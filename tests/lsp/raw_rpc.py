"""A small JSON-RPC client over stdio that can send what a well-behaved client never would.

:class:`RawServer` runs ``codex-lsp serve`` and speaks raw frames to it: requests before
``initialize`` or after ``shutdown``, params of any shape, bad ids. It answers the server's
own requests as a minimal editor does (no settings, progress tokens accepted, registrations
accepted; workspace edits refused, or applied to the files on disk wherever they point when
``apply_edits`` is set), records every notification, and matches responses to their
requests by id.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from lsp_session import apply_text_edits, uri_path
from lsprotocol import types
from pygls.protocol import default_converter

Message = dict[str, Any]


def frame(body: Message | bytes) -> bytes:
    """One LSP frame: the ``Content-Length`` header and the body."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    return f"Content-Length: {len(raw)}\r\n\r\n".encode("ascii") + raw


def server_reply(message: Message, apply_edits: bool) -> Any:
    """What a minimal editor answers to a request of the server."""
    method = message.get("method")
    if method == "workspace/configuration":
        return [None for _ in message.get("params", {}).get("items", [])]
    if method == "workspace/applyEdit":
        if not apply_edits:
            return {"applied": False, "failureReason": "this client applies no edits"}
        try:
            apply_workspace_edit(message["params"]["edit"])
        except Exception as exc:  # report like an editor that could not apply it
            return {"applied": False, "failureReason": f"{type(exc).__name__}: {exc}"}
        return {"applied": True}
    return None


def apply_workspace_edit(raw: Any) -> None:
    """Apply a WorkspaceEdit to the files on disk, as an editor with no open buffers would."""
    edit = default_converter().structure(raw, types.WorkspaceEdit)
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
            path = uri_path(operation.text_document.uri)
            plain = [e for e in operation.edits if isinstance(e, types.TextEdit)]
            text = path.read_text(encoding="utf-8")
            path.write_text(apply_text_edits(text, plain), encoding="utf-8")
        elif isinstance(operation, types.CreateFile):
            path = uri_path(operation.uri)
            options = operation.options
            if path.exists() and not (options and options.overwrite):
                if options and options.ignore_if_exists:
                    continue
                raise FileExistsError(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("", encoding="utf-8")
        elif isinstance(operation, types.RenameFile):
            old, new = uri_path(operation.old_uri), uri_path(operation.new_uri)
            if new.exists() and not new.samefile(old):
                raise FileExistsError(new)
            new.parent.mkdir(parents=True, exist_ok=True)
            old.rename(new)
        elif isinstance(operation, types.DeleteFile):
            uri_path(operation.uri).unlink()


class RawServer:
    """One ``codex-lsp serve`` process and the raw client talking to it."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        log: IO[bytes] | None = None,
        apply_edits: bool = False,
    ) -> None:
        self.process = process
        self.apply_edits = apply_edits
        self._log = log
        self.notifications: list[Message] = []
        self.received: list[Message] = []
        self._pending: dict[Any, asyncio.Future[Message]] = {}
        self._ids = itertools.count(1)
        self._arrived = asyncio.Event()
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def start(cls, stderr: Path | None = None, apply_edits: bool = False) -> RawServer:
        """Start the server; its stderr goes to ``stderr`` (or nowhere)."""
        log = stderr.open("wb") if stderr is not None else None
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "codex_lsp",
            "serve",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=log if log is not None else asyncio.subprocess.DEVNULL,
        )
        return cls(process, log, apply_edits)

    # -- sending ---------------------------------------------------------------------------

    def send(self, message: Message | bytes) -> None:
        """Write one frame (a message, or any bytes as its body)."""
        assert self.process.stdin is not None
        self.process.stdin.write(frame(message))

    def next_id(self) -> int:
        """A request id not used yet."""
        return next(self._ids)

    def request_nowait(self, method: Any, params: Any = None, msg_id: Any = None) -> Any:
        """Send a request and return its id; ``params`` None sends none."""
        msg_id = self.next_id() if msg_id is None else msg_id
        message: Message = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            message["params"] = params
        self._pending.setdefault(msg_id, asyncio.get_running_loop().create_future())
        self.send(message)
        return msg_id

    async def response(self, msg_id: Any, timeout: float = 10.0) -> Message:
        """The response to request ``msg_id`` (fails after ``timeout`` seconds)."""
        future = self._pending.setdefault(msg_id, asyncio.get_running_loop().create_future())
        return await asyncio.wait_for(asyncio.shield(future), timeout)

    async def request(
        self, method: Any, params: Any = None, msg_id: Any = None, timeout: float = 10.0
    ) -> Message:
        """Send a request and wait for its whole response message."""
        return await self.response(self.request_nowait(method, params, msg_id), timeout)

    async def result(self, method: str, params: Any = None, timeout: float = 30.0) -> Any:
        """The result of a request that must succeed."""
        answer = await self.request(method, params, timeout=timeout)
        assert "error" not in answer, answer
        return answer.get("result")

    def notify(self, method: Any, params: Any = None) -> None:
        """Send a notification."""
        message: Message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    # -- life cycle ------------------------------------------------------------------------

    async def initialize(self, root: Path, **extra: Any) -> Message:
        """``initialize`` on one workspace folder, then ``initialized``; the response."""
        params = {
            "processId": None,
            "rootUri": root.as_uri(),
            "capabilities": {"window": {"workDoneProgress": True}},
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            **extra,
        }
        answer = await self.request("initialize", params, timeout=30.0)
        self.notify("initialized", {})
        return answer

    async def wait_ready(self, timeout: float = 60.0) -> None:
        """Poll ``codex.notebooks`` until every notebook is indexed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = await self.result(
                "workspace/executeCommand", {"command": "codex.notebooks", "arguments": [{}]}
            )
            if found and all(n["ready"] for n in found):
                return
            assert loop.time() < deadline, f"notebooks not indexed in {timeout} s: {found}"
            await asyncio.sleep(0.05)

    async def wait_for(
        self, predicate: Callable[[Message], bool], timeout: float = 30.0
    ) -> Message:
        """The first notification (past or future) that ``predicate`` accepts."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for message in self.notifications:
                if predicate(message):
                    return message
            self._arrived.clear()
            remaining = deadline - loop.time()
            assert remaining > 0, "the notification did not arrive"
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    @property
    def alive(self) -> bool:
        """True while the server process runs."""
        return self.process.returncode is None

    async def stop(self, timeout: float = 30.0) -> int | None:
        """``shutdown`` and ``exit`` (if still running); the exit status."""
        if self.alive:
            with contextlib.suppress(Exception):
                await self.request("shutdown", timeout=timeout)
            with contextlib.suppress(Exception):
                self.notify("exit")
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except asyncio.TimeoutError:
            self.process.kill()
            await self.process.wait()
        self._reader.cancel()
        if self._log is not None:
            self._log.close()
        return self.process.returncode

    # -- receiving -------------------------------------------------------------------------

    async def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            length = None
            while True:
                line = await stdout.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            assert length is not None, "a frame without Content-Length"
            message = json.loads(await stdout.readexactly(length))
            self._dispatch(message)

    def _dispatch(self, message: Message) -> None:
        self.received.append(message)
        if "method" in message and "id" in message:
            reply = {
                "jsonrpc": "2.0",
                "id": message["id"],
                "result": server_reply(message, self.apply_edits),
            }
            self.send(reply)
        elif "method" in message:
            self.notifications.append(message)
            self._arrived.set()
        else:
            future = self._pending.setdefault(
                message.get("id"), asyncio.get_running_loop().create_future()
            )
            if not future.done():
                future.set_result(message)
