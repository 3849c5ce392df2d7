"""``$/progress`` work-done reports for index runs."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer


class IndexProgress:
    """Begin/report/end of one index run; silent when the client has no progress support."""

    def __init__(self, server: LanguageServer, name: str) -> None:
        self._server = server
        self._name = name
        self._token = f"codex-index-{uuid.uuid4().hex[:12]}"
        self._loop = asyncio.get_running_loop()
        window = server.client_capabilities.window
        self._enabled = bool(window and window.work_done_progress)
        self._last_percentage = -1

    async def begin(self) -> None:
        """Create the token and show the start of the run."""
        if not self._enabled:
            return
        try:
            await self._server.work_done_progress.create_async(self._token)
        except Exception:
            self._enabled = False
            return
        self._server.work_done_progress.begin(
            self._token,
            types.WorkDoneProgressBegin(
                title=f"Indexing {self._name}", message="scanning", percentage=0
            ),
        )

    def report_threadsafe(self, done: int, total: int) -> None:
        """Progress callback for the indexer thread."""
        percentage = 100 * done // max(total, 1)
        if not self._enabled or percentage == self._last_percentage:
            return
        self._last_percentage = percentage
        self._loop.call_soon_threadsafe(self._report, done, total, percentage)

    def _report(self, done: int, total: int, percentage: int) -> None:
        self._server.work_done_progress.report(
            self._token,
            types.WorkDoneProgressReport(message=f"{done}/{total} files", percentage=percentage),
        )

    def end(self, message: str) -> None:
        """Show the end of the run."""
        if self._enabled:
            self._server.work_done_progress.end(
                self._token, types.WorkDoneProgressEnd(message=message)
            )
