"""The real server with one more feature whose background task and hooks fail, for
tests/lsp/test_feature_host.py: run as ``python failing_feature_server.py``."""

from __future__ import annotations

import asyncio

from codex_lsp.lsp.feature import Feature
from codex_lsp.lsp.log import configure_logging
from codex_lsp.lsp.server import create_server

FAILING_NOTE = "fails.md"


class FailingFeature(Feature):
    """Fails in a background task when ``fails.md`` is opened, and in its save hook."""

    def on_open(self, uri: str) -> None:
        """Start a task that fails once the hook has returned."""
        if uri.endswith(FAILING_NOTE):
            self.server.run_task(self.fail(), name=f"the failing task of {FAILING_NOTE}")

    async def fail(self) -> None:
        """Fail after giving the loop a turn."""
        await asyncio.sleep(0)
        raise RuntimeError("this background task fails on purpose")

    def on_save(self, uri: str) -> None:
        """Fail in the hook itself, before the features added after it."""
        raise RuntimeError("this save hook fails on purpose")


def main() -> None:
    """Serve on stdio with the failing feature's hooks called first."""
    server = create_server()
    feature = FailingFeature(server)
    server.add_feature(feature)
    server.features.insert(0, server.features.pop())  # its hooks run before every other's
    configure_logging(server, None)
    server.start_io()


if __name__ == "__main__":
    main()
