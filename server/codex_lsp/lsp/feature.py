"""What a feature of the language server is: an object registered on the one host.

A feature holds its state as attributes, answers the LSP requests and ``codex.*`` commands
its methods are marked for (:func:`handles`, :func:`command`), and hears the document and
index events through its hooks, which the host (:class:`~codex_lsp.lsp.server.CodexServer`)
calls in the order the features were added. Features never import each other: what one
contributes to another's answer (schema completion, view lenses, ...) it adds to the host's
provider lists (:class:`Providers`), and what they share lives below them (``lsp/`` helpers,
storage, core).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types

if TYPE_CHECKING:
    import sqlite3

    from ..core.problems import NoteProblem
    from ..core.resolve import Catalog
    from ..storage.notebooks import Notebook
    from ..storage.service import NotebookService
    from .server import CodexServer, Document

F = TypeVar("F", bound=Callable[..., Any])
_MARK = "_codex_handles"

# A file's problems besides its links, computed on the notebook's reader thread.
ProblemProvider = Callable[
    ["sqlite3.Connection", "Notebook", str, str, "Catalog"], list["NoteProblem"]
]
# Answers asked of the providers first; the first one that is not None wins.
CompletionProvider = Callable[["Document", types.Position], Awaitable[types.CompletionList | None]]
HoverProvider = Callable[["Document", types.Position], Awaitable[types.Hover | None]]
# Code actions and lenses: every provider's are added together.
# Code actions get the request's codex diagnostics, its ``only`` kinds and its range.
ActionProvider = Callable[
    ["Document", Sequence[types.Diagnostic], Sequence[str] | None, types.Range],
    Awaitable[list[types.CodeAction]],
]
LensProvider = Callable[["Document"], Awaitable[list[types.CodeLens]]]


@dataclass
class Providers:
    """What features contribute to requests another feature answers."""

    problems: list[ProblemProvider] = field(default_factory=list)
    completion: list[CompletionProvider] = field(default_factory=list)
    hover: list[HoverProvider] = field(default_factory=list)
    actions: list[ActionProvider] = field(default_factory=list)
    lenses: list[LensProvider] = field(default_factory=list)


def handles(method: str, options: Any = None) -> Callable[[F], F]:
    """Mark a feature method as the handler of LSP ``method`` (with its ``options``)."""

    def mark(handler: F) -> F:
        setattr(handler, _MARK, ("feature", method, options))
        return handler

    return mark


def command(name: str) -> Callable[[F], F]:
    """Mark a feature method as the ``workspace/executeCommand`` handler of ``name``."""

    def mark(handler: F) -> F:
        setattr(handler, _MARK, ("command", name, None))
        return handler

    return mark


def _command_handler(bound: Callable[..., Any]) -> Callable[..., Any]:
    """A command handler for pygls: a function whose first parameter is named ``ls`` (the
    server, which pygls passes and the feature already has), then the command's arguments.

    pygls checks the first parameter of a command handler with ``issubclass``, which fails
    on Python 3.10 for a ``*args: Any`` parameter: the ``ls`` name spares that check.
    """
    if inspect.iscoroutinefunction(bound):

        async def run_async(ls: Any, *args: Any) -> Any:
            return await bound(*args)

        return run_async

    def run(ls: Any, *args: Any) -> Any:
        return bound(*args)

    return run


class Feature:
    """A feature: its handlers, its state and the hooks the host calls (all optional)."""

    def __init__(self, server: CodexServer) -> None:
        self.server = server

    def register(self) -> None:
        """Register the marked methods with pygls, then whatever :meth:`setup` adds."""
        for name in dir(type(self)):
            mark = getattr(getattr(type(self), name, None), _MARK, None)
            if mark is None:
                continue
            kind, method, options = mark
            if kind == "command":
                self.server.command(method)(_command_handler(getattr(self, name)))
            else:
                # pygls sets attributes on what it registers, which a bound method refuses.
                self.server.feature(method, options)(partial(getattr(self, name)))
        self.setup()

    def setup(self) -> None:
        """Add providers to the host (called once, when the feature is added)."""

    def on_initialize(self, params: types.InitializeParams) -> None:
        """``initialize``, before capabilities are computed (may register more handlers)."""

    def on_open(self, uri: str) -> None:
        """A document was opened."""

    def on_change(self, uri: str, cursor: types.Position | None) -> None:
        """A document changed; ``cursor`` is right after the last change (None: the whole
        document was replaced), the server's only idea of where the cursor is."""

    def on_save(self, uri: str) -> None:
        """A document was saved."""

    def on_close(self, uri: str) -> None:
        """A document was closed."""

    def on_index_changed(self, service: NotebookService) -> None:
        """A notebook's index changed (an index run or update finished, settings changed)."""
