"""How schema messages name values, types and places: ``42 (an integer)``, ``sample.volumes[2]``."""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from typing import Any

from .positions import PathItem

_TYPE_WORDS = {
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "nothing (null)",
}


def describe(value: Any) -> str:
    """A short description of a found value: ``'text'``, ``42 (an integer)``, ``a list``..."""
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "…"
        return repr(shown) if shown else "an empty string"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, int):
        return f"{value} (an integer)"
    if isinstance(value, float):
        return f"{value} (a number)"
    if value is None:
        return "nothing (null)"
    if isinstance(value, list):
        return f"a list of {len(value)}" if value else "an empty list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def type_words(expected: Any) -> str:
    """``"string"`` -> ``a string``; ``["string", "null"]`` -> ``a string or nothing (null)``."""
    names = expected if isinstance(expected, list) else [expected]
    words = [_TYPE_WORDS.get(str(n), str(n)) for n in names]
    return " or ".join(words) if words else "a value"


def show_value(value: Any) -> str:
    """A value as written in YAML frontmatter (for lists of choices)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def closest(word: str, choices: Sequence[str]) -> str | None:
    """The choice closest to ``word`` (case-insensitive), if any is close enough."""
    if not word or not choices:
        return None
    lowered = {c.lower(): c for c in reversed(choices)}
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.75)
    return lowered[found[0]] if found else None


def path_label(path: Sequence[PathItem]) -> str:
    """``["sample", "volumes", 2]`` -> ``sample.volumes[2]``."""
    label = ""
    for item in path:
        if isinstance(item, int):
            label += f"[{item}]"
        else:
            label += f".{item}" if label else str(item)
    return label


__all__ = ["closest", "describe", "path_label", "show_value", "type_words"]
