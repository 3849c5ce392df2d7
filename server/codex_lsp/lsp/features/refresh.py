"""Telling the client what an index change may have changed.

Code lenses show counts read from the index ("8 backlinks"); an editor asks for them when a
note is shown, which at start-up is before the first index run has finished. After each
index change (coalesced over ``REFRESH_DELAY``) the server sends ``workspace/codeLens/refresh``
when the client declares support for it. (The server has no inlay hints or semantic tokens,
so it never sends their refresh requests.)

Views, panels and lists a client draws from commands (``codex.query``, ``codex.connections``)
have no such request in the protocol: a client that declares
``capabilities.experimental.codex.indexChanged`` gets the notification ``codex/indexChanged``
with the notebooks whose index changed, in the same coalesced send, and re-asks on it instead
of guessing when the server will have seen a change.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from ..convert import path_to_uri
from ..feature import Feature
from ..server import CodexServer

if TYPE_CHECKING:
    from ...storage.service import NotebookService

log = logging.getLogger(__name__)

REFRESH_DELAY = 0.1
INDEX_CHANGED = "codex/indexChanged"


class Refresh(Feature):
    """After index changes, send ``workspace/codeLens/refresh`` and ``codex/indexChanged`` to
    the clients that want them."""

    def __init__(self, server: CodexServer) -> None:
        super().__init__(server)
        self.pending: asyncio.TimerHandle | None = None
        self.changed: dict[str, None] = {}  # notebook root URIs, in order, since the last send

    def lenses_supported(self) -> bool:
        """Whether the client accepts ``workspace/codeLens/refresh``."""
        workspace = self.server.client_capabilities.workspace
        return bool(workspace and workspace.code_lens and workspace.code_lens.refresh_support)

    def notices_wanted(self) -> bool:
        """Whether the client declared ``experimental.codex.indexChanged``."""
        experimental = self.server.client_capabilities.experimental
        codex = experimental.get("codex") if isinstance(experimental, dict) else None
        return isinstance(codex, dict) and codex.get("indexChanged") is True

    def on_index_changed(self, service: NotebookService) -> None:
        """Tell the client once the index changes pause."""
        notices = self.notices_wanted()
        if not (notices or self.lenses_supported()):
            return
        if notices:
            self.changed[path_to_uri(service.notebook.root)] = None
        if self.pending is None:
            self.pending = asyncio.get_running_loop().call_later(REFRESH_DELAY, self._send)

    def _send(self) -> None:
        self.pending = None
        if self.lenses_supported():
            answer = self.server.workspace_code_lens_refresh(None)
            answer.add_done_callback(_log_failure)
        if self.changed:
            notebooks, self.changed = list(self.changed), {}
            self.server.protocol.notify(INDEX_CHANGED, {"notebooks": notebooks})


def _log_failure(answer: Future[Any]) -> None:
    """A client may refuse the request; that only costs a stale count."""
    if not answer.cancelled() and answer.exception() is not None:
        log.info("the client refused workspace/codeLens/refresh: %s", answer.exception())
