"""Asking the client to re-request what an index run may have changed.

Code lenses show counts read from the index ("8 backlinks"); an editor asks for them when a
note is shown, which at start-up is before the first index run has finished. After each
index change (coalesced over ``REFRESH_DELAY``) the server sends ``workspace/codeLens/refresh``
when the client declares support for it. (The server has no inlay hints or semantic tokens,
so it never sends their refresh requests.)
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from ..feature import Feature
from ..server import CodexServer

if TYPE_CHECKING:
    from ...storage.service import NotebookService

log = logging.getLogger(__name__)

REFRESH_DELAY = 0.1


class Refresh(Feature):
    """Send ``workspace/codeLens/refresh`` after index changes, if the client supports it."""

    def __init__(self, server: CodexServer) -> None:
        super().__init__(server)
        self.pending: asyncio.TimerHandle | None = None

    def supported(self) -> bool:
        """Whether the client accepts ``workspace/codeLens/refresh``."""
        workspace = self.server.client_capabilities.workspace
        return bool(workspace and workspace.code_lens and workspace.code_lens.refresh_support)

    def on_index_changed(self, service: NotebookService) -> None:
        """Ask for fresh lenses once the index changes pause."""
        if self.pending is not None or not self.supported():
            return
        self.pending = asyncio.get_running_loop().call_later(REFRESH_DELAY, self._send)

    def _send(self) -> None:
        self.pending = None
        answer = self.server.workspace_code_lens_refresh(None)
        answer.add_done_callback(_log_failure)


def _log_failure(answer: Future[Any]) -> None:
    """A client may refuse the request; that only costs a stale count."""
    if not answer.cancelled() and answer.exception() is not None:
        log.info("the client refused workspace/codeLens/refresh: %s", answer.exception())
