"""A quick reader of the frontmatter most notes have: a flat mapping of simple values.

``title: x``, ``date: 2024-05-01``, ``tags: [a, b]`` or a block list of scalars under a key:
one regular expression reads such a document line by line, without the node tree and the
mark objects libyaml builds for every scalar. It gives exactly what :func:`load_yaml` and the
frontmatter reader make of the same text (values, key and value offsets), or None for
anything it does not know for certain (comments, nested mappings, escapes, anchors, tags,
multi-line scalars, line breaks other than ``\\n``...), which is then read by libyaml.
"""

from __future__ import annotations

import re
from functools import lru_cache
from operator import itemgetter
from typing import Any

from .model import FieldSpan
from .yamlload import MAX_CHARS, UNREAD, is_text_key, plain_scalar

# One line of a flat document: a key (a plain scalar at the line start that resolves to text)
# with its value, if any, on the same line; an item of a block list; or a blank line. Groups:
# the line, the key, the spaces before its value, the value, an item's indent, the item.
_LINE = re.compile(
    r"^((?:([^\W\d](?:[\w -]{0,999}[\w-])?):(?:( +)([^ \n][^\n]*))?"
    r"|( *)- +([^ \n][^\n]*)"
    r"|) *\n)",
    re.MULTILINE,  # a line that is none of these is not looked into from every character
)
# Characters libyaml reads as printable text, not as a line break (``\n`` aside): a document
# holding any other is left to libyaml, which breaks lines or fails on them.
_UNUSUAL = re.compile(
    r"[^\n -~\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
# Characters that give a scalar's first character a meaning of its own (YAML's indicators).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_DOUBLE_QUOTED = re.compile(r'"[^"\\]*"')
_SINGLE_QUOTED = re.compile(r"'[^']*'")
_FLOW_LIST = re.compile(r"\[[^\[\]{}\"'#:]*\]")


def load_flat(text: str, base: int) -> tuple[dict[str, Any], list[FieldSpan]] | None:
    """The value and the top-level key spans (offsets plus ``base``) of the YAML ``text``
    when it is a flat mapping of simple values, else None."""
    if len(text) > MAX_CHARS or not text.endswith("\n") or _UNUSUAL.search(text) is not None:
        return None
    lines = _LINE.findall(text)
    # Matches do not overlap: their lengths add up to the text's only when they cover it.
    if sum(map(len, map(itemgetter(0), lines))) != len(text):
        return None
    data: dict[str, Any] = {}
    spans: list[FieldSpan] = []
    open_key: tuple[str, int, int] | None = None  # a key without a value on its line
    items: list[Any] = []  # the block list under it, from its first item on
    list_start = -1  # where that list starts, -1 before its first item
    indent = ""
    line_start = base
    for line, key, spaces, raw, item_indent, item in lines:
        start = line_start
        line_start += len(line)
        if key:
            if list_start != -1 and open_key is not None:  # a list ends where a key starts
                spans.append((*open_key, list_start, start))
            open_key, list_start = None, -1
            if not _text_key(key):
                return None  # a key such as ``true`` or ``null``: not text
            key_end = start + len(key)
            if not raw:  # a list may follow; else the value is null, right after ":"
                data[key] = None
                spans.append((key, start, key_end, key_end + 1, key_end + 1))
                open_key = (key, start, key_end)
                continue
            raw = raw.rstrip(" ")
            value = _value(raw)
            if value is UNREAD:
                return None
            data[key] = value
            value_start = key_end + 1 + len(spaces)
            spans.append((key, start, key_end, value_start, value_start + len(raw)))
            continue
        if not item:
            continue  # a blank line
        if open_key is None or item[0] == "[":
            return None  # an item of no list, or a list in a list
        if list_start == -1:  # the list's first item: its key's value is this list
            spans.pop()
            indent = item_indent
            items = data[open_key[0]] = []
            list_start = start + len(indent)
        elif item_indent != indent:
            return None
        value = _value(item.rstrip(" "))
        if value is UNREAD:
            return None
        items.append(value)
    if not data:
        return None
    if list_start != -1 and open_key is not None:
        spans.append((*open_key, list_start, base + len(text)))
    return data, spans


def _value(raw: str) -> Any:
    """The plain value of a scalar or a flow list of plain scalars written on one line (its
    trailing spaces removed), or UNREAD."""
    first = raw[0]
    if first == '"':
        return raw[1:-1] if _DOUBLE_QUOTED.fullmatch(raw) else UNREAD
    if first == "'":
        return raw[1:-1] if _SINGLE_QUOTED.fullmatch(raw) else UNREAD
    if first == "[":
        return _flow_list(raw) if _FLOW_LIST.fullmatch(raw) else UNREAD
    if first in _INDICATORS or ": " in raw or " #" in raw or raw[-1] == ":":
        return UNREAD
    return _plain(raw)


def _flow_list(raw: str) -> Any:
    """The items of ``[a, b]`` (no quotes, colons, comments or brackets inside)."""
    inner = raw[1:-1]
    if not inner.strip(" "):
        return []
    parts = inner.split(",")
    if not parts[-1].strip(" "):
        parts.pop()  # a trailing comma ends the list
    values = []
    for part in parts:
        item = part.strip(" ")
        if not item or item[0] in _INDICATORS:
            return UNREAD
        value = _plain(item)
        if value is UNREAD:
            return UNREAD
        values.append(value)
    return values


def _plain(raw: str) -> Any:
    return plain_scalar(raw) if len(raw) > _CACHED_LENGTH else _cached_plain(raw)


def _text_key(key: str) -> bool:
    return is_text_key(key) if len(key) > _CACHED_LENGTH else _cached_text_key(key)


# Keys and many values come back note after note: short ones are read once (bounded caches).
_CACHED_LENGTH = 100
_cached_plain = lru_cache(maxsize=4096)(plain_scalar)
_cached_text_key = lru_cache(maxsize=1024)(is_text_key)
