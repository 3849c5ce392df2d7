"""Telling a client that an answer is partial because notebooks are still being indexed.

Requests without an ``isIncomplete`` flag (references, workspace symbols) report it on the
request's work-done token, when the client gave one (docs/protocol.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from lsprotocol import types

from .server import CodexServer

PARTIAL = "partial results"


@contextmanager
def partial_answer(
    ls: CodexServer, token: types.ProgressToken | None, title: str, indexing: Sequence[str]
) -> Iterator[None]:
    """Around the work of a request: when notebooks ``indexing`` are still being indexed and
    the client gave ``token``, begin a work-done report and end it saying the answer is
    partial (``partial results: NAME, ... still being indexed``)."""
    if not indexing or token is None:
        yield
        return
    ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title, message=PARTIAL))
    try:
        yield
    finally:
        message = f"{PARTIAL}: {', '.join(indexing)} still being indexed"
        ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))
        ls.work_done_progress.tokens.pop(token, None)
