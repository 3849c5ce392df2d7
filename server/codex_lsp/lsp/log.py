"""Logging for the server: records go to ``window/logMessage`` and optionally a file.

Nothing is ever written to stdout (it carries the protocol in stdio mode).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

_LEVELS = {
    logging.ERROR: types.MessageType.Error,
    logging.WARNING: types.MessageType.Warning,
    logging.INFO: types.MessageType.Info,
    logging.DEBUG: types.MessageType.Log,
}
LEVEL_NAMES = {
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
}


class ClientLogHandler(logging.Handler):
    """Sends log records to the client as ``window/logMessage`` notifications."""

    def __init__(self, server: LanguageServer) -> None:
        super().__init__()
        self._server = server

    def emit(self, record: logging.LogRecord) -> None:
        """Forward one record (dropped silently before the client connects)."""
        try:
            message = self.format(record)
            kind = _LEVELS.get(record.levelno, types.MessageType.Log)
            self._server.window_log_message(types.LogMessageParams(kind, message))
        except Exception:
            pass


def configure_logging(server: LanguageServer, log_file: Path | None) -> None:
    """Route the ``codex_lsp`` logger to the client (and ``log_file``); quiet pygls."""
    logger = logging.getLogger("codex_lsp")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    client = ClientLogHandler(server)
    client.setLevel(logging.WARNING)
    client.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(client)
    if log_file is not None:
        set_log_file(log_file)
    logging.getLogger("pygls").setLevel(logging.WARNING)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)


def set_log_level(level: str) -> None:
    """Change how much reaches the client (``error``/``warning``/``info``/``debug``)."""
    logger = logging.getLogger("codex_lsp")
    numeric = LEVEL_NAMES.get(level, logging.WARNING)
    logger.setLevel(min(numeric, logging.INFO))
    for handler in logger.handlers:
        if isinstance(handler, ClientLogHandler):
            handler.setLevel(numeric)


def set_log_file(path: Path | None) -> None:
    """Write the log to ``path`` as well (None stops writing to a file)."""
    logger = logging.getLogger("codex_lsp")
    for handler in list(logger.handlers):
        if isinstance(handler, logging.FileHandler):
            logger.removeHandler(handler)
            handler.close()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError as exc:
        logger.warning("cannot write the log file %s: %s", path, exc.strerror)
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.DEBUG)
    logger.addHandler(handler)
