"""What every request handler shares: the LSP ``RequestFailed`` error and command arguments."""

from __future__ import annotations

from typing import Any

from pygls.exceptions import JsonRpcException


class RequestFailed(JsonRpcException):
    """LSP ``RequestFailed``: the request was valid but cannot be carried out (message shown)."""

    CODE = -32803


def command_argument(args: tuple[Any, ...]) -> dict[str, Any]:
    """The one JSON object a ``codex.*`` command takes (empty when none was sent)."""
    if not args or args[0] is None:
        return {}
    if not isinstance(args[0], dict):
        raise RequestFailed("codex commands take one JSON object as their argument")
    return args[0]
