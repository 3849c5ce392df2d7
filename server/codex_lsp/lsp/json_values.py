"""Answers built as plain JSON values, which the server sends without walking them again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cattrs import Converter


class JsonList(list[Any]):
    """A list of values already in their JSON shape (dicts, lists, strings, numbers).

    pygls unstructures every answer with its cattrs converter, which walks each nested
    object again even when it is a plain dict: for an answer of hundreds of items (workspace
    symbols) that walk, or building lsprotocol objects first, costs more than the search.
    """


def pass_through(converter: Converter) -> None:
    """Make ``converter`` send a :class:`JsonList` as it is."""
    converter.register_unstructure_hook(JsonList, _same)


def _same(value: JsonList) -> JsonList:
    return value
