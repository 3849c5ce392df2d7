"""What every request handler shares: the LSP errors and the argument of ``codex.*`` commands.

The rule (docs/protocol.md, *Errors*): params that do not have the documented shape (a
missing field, a field of the wrong JSON type, a number out of its range, a value not in its
list) are refused with ``InvalidParams``; a well-formed request that cannot be carried out
fails with ``RequestFailed``. Both carry a message naming what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeGuard, TypeVar

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

T = TypeVar("T")

# The largest line or character number LSP allows (a ``uinteger``).
MAX_UINTEGER = 2**31 - 1


class RequestFailed(JsonRpcException):
    """LSP ``RequestFailed``: the request was valid but cannot be carried out (message shown)."""

    CODE = -32803


class InvalidParams(JsonRpcInvalidParams):
    """JSON-RPC ``InvalidParams``: the params do not have the documented shape."""


def command_argument(args: tuple[Any, ...]) -> dict[str, Any]:
    """The one JSON object a ``codex.*`` command takes (empty when none was sent)."""
    if not args or args[0] is None:
        return {}
    if not isinstance(args[0], dict):
        raise InvalidParams("codex commands take one JSON object as their argument")
    return args[0]


def optional_field(arg: Mapping[str, Any], name: str, kind: type[T], what: str) -> T | None:
    """``arg[name]`` if it is a ``kind`` (None when absent or null); else ``InvalidParams``
    saying "``name`` must be ``what``"."""
    value = arg.get(name)
    if value is None:
        return None
    # JSON true/false arrive as bool, which Python counts as an int.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise InvalidParams(f"{name} must be {what}")
    return value


def required_field(arg: Mapping[str, Any], name: str, kind: type[T], what: str) -> T:
    """``arg[name]``, which must be present and a ``kind``; else ``InvalidParams``."""
    value = optional_field(arg, name, kind, what)
    if value is None:
        raise InvalidParams(f"{name} must be {what}")
    return value


def position_field(arg: Mapping[str, Any], name: str) -> tuple[int, int] | None:
    """``arg[name]`` as an LSP position ``(line, character)``, None when absent."""
    what = "a position: {line, character} with non-negative integers"
    value = optional_field(arg, name, dict, what)
    if value is None:
        return None
    line, character = value.get("line"), value.get("character")
    if _is_uinteger(line) and _is_uinteger(character):
        return line, character
    raise InvalidParams(f"{name} must be {what}")


def _is_uinteger(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_UINTEGER
