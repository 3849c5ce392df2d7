"""The pure halves of schema completion, hover and quick fixes inside frontmatter.

* :func:`field_context`: what the cursor is on while the user types (YAML is often invalid
  mid-edit, so this reads lines and indentation, not a parse tree).
* :func:`summary`, :func:`hover_markdown`: a property's type and description in words.
* :func:`placeholder`, :func:`yaml_value`, :func:`replacement_text`: YAML text to insert.
* :func:`insert_properties`, :func:`frontmatter_block`, :func:`remove_key_range`: the text
  edits of the quick fixes, as (range, new text).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..frontmatter import find_frontmatter
from ..model import Range
from ..textpos import LineIndex, utf16_len, utf16_offset
from .formats import FORMAT_HINTS
from .links import LINK_KEYWORD
from .messages import show_value
from .positions import NodeLocator, PathItem

_KEY_LINE = re.compile(
    r"^(-\s+)?([^\s:#'\"\[\]{},&*!|>%@`-][^:#]*?|\"[^\"]*\"|'[^']*')\s*:(?:\s+(.*))?$"
)
_BARE_KEY = re.compile(r"^[A-Za-z_][\w.-]*$|^$")
_TYPE_LINE = re.compile(r"^type\s*:\s*[\"']?([^\"'#\s]+)")


@dataclass(frozen=True, slots=True)
class FieldContext:
    """A completion request inside frontmatter.

    ``slot`` is ``key`` (a property name at ``path``), ``value`` (the value of the property
    at ``path``) or ``item`` (an item of the list at ``path``). ``query`` is the text typed
    so far (without an opening quote), replaced from UTF-16 column ``start``; ``quote`` is
    the quote the user opened; ``present`` lists the keys already written next to a new key.
    """

    slot: str
    path: tuple[PathItem, ...]
    query: str
    start: int
    quote: str = ""
    needs_space: bool = False
    present: tuple[str, ...] = field(default_factory=tuple)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _key_of(stripped: str) -> tuple[str, str | None, bool] | None:
    """(key, value text or None, is list item) of a ``key: value`` line."""
    found = _KEY_LINE.match(stripped)
    if not found:
        return None
    key = found.group(2).strip()
    if key[:1] in "\"'":
        key = key[1:-1]
    value = found.group(3)
    return key, (value.strip() if value is not None else None), bool(found.group(1))


def _is_item(stripped: str) -> bool:
    return stripped == "-" or stripped.startswith("- ")


def _meaningful(lines: Sequence[str], line: int) -> tuple[int, str] | None:
    text = lines[line].rstrip("\r")
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return None
    return _indent(text), stripped


def _mapping_path(lines: Sequence[str], line: int, indent: int) -> tuple[PathItem, ...] | None:
    """The path of the mapping whose keys sit at column ``indent``, seen from ``line``."""
    if indent == 0:
        return ()
    for number in range(line - 1, 0, -1):
        found = _meaningful(lines, number)
        if found is None:
            continue
        ind, stripped = found
        if _is_item(stripped):
            if ind + 2 == indent:  # "- key: value" opens the mapping we are in
                owner = _list_path(lines, number, ind)
                return None if owner is None else (*owner, 0)
            if ind < indent:
                return None
            continue
        if ind < indent:
            parsed = _key_of(stripped)
            if parsed is None or parsed[1]:
                return None  # a scalar or flow value cannot hold the cursor's mapping
            owner = _mapping_path(lines, number, ind)
            return None if owner is None else (*owner, parsed[0])
    return None


def _list_path(lines: Sequence[str], line: int, indent: int) -> tuple[PathItem, ...] | None:
    """The path of the list whose ``-`` markers sit at column ``indent``, seen from ``line``."""
    for number in range(line - 1, 0, -1):
        found = _meaningful(lines, number)
        if found is None:
            continue
        ind, stripped = found
        if ind > indent or (ind == indent and _is_item(stripped)):
            continue  # a sibling item or its content
        if _is_item(stripped):
            return None
        parsed = _key_of(stripped)
        if parsed is None or parsed[1]:
            return None
        owner = _mapping_path(lines, number, ind)
        return None if owner is None else (*owner, parsed[0])
    return None


def _siblings(lines: Sequence[str], line: int, indent: int, end: int) -> tuple[str, ...]:
    found: list[str] = []
    for direction in (-1, 1):
        number = line + direction
        while 0 < number < end:
            here = _meaningful(lines, number)
            number += direction
            if here is None:
                continue
            ind, stripped = here
            if _is_item(stripped) and ind + 2 == indent:
                parsed = _key_of(stripped[2:].lstrip())
                if parsed is not None and direction < 0:
                    found.append(parsed[0])
                break
            if ind < indent:
                break
            if ind == indent:
                parsed = _key_of(stripped)
                if parsed is not None:
                    found.append(parsed[0])
    return tuple(found)


def field_context(
    lines: Sequence[str], line: int, character: int, closing_line: int
) -> FieldContext | None:
    """The frontmatter completion at (``line``, ``character``); ``closing_line`` is the line
    of the closing ``---``. None outside frontmatter or where nothing applies."""
    if not 0 < line < closing_line or line >= len(lines):
        return None
    text = lines[line].rstrip("\r")
    before = text[: utf16_offset(text, character)]
    indent = _indent(before)
    rest = before[indent:]
    item = re.match(r"^-\s+(.*)$", rest)
    if item is not None:
        inner = item.group(1)
        owner = _list_path(lines, line, indent)
        if owner is None:
            return None
        keyed = _key_of(inner)
        if keyed is not None:
            key, value, _ = keyed
            if value is None:
                return FieldContext(
                    "value", (*owner, 0, key), "", utf16_len(before), needs_space=True
                )
            return _value_context((*owner, 0, key), value, before, len(before) - len(value))
        return _value_context(owner, inner, before, len(before) - len(inner), slot="item")
    keyed = _key_of(rest)
    if keyed is not None:
        key, value, _ = keyed
        parents = _mapping_path(lines, line, indent)
        if parents is None:
            return None
        if value is None:
            return FieldContext("value", (*parents, key), "", utf16_len(before), needs_space=True)
        return _value_context((*parents, key), value, before, len(before) - len(value))
    if _BARE_KEY.match(rest):
        parents = _mapping_path(lines, line, indent)
        if parents is None:
            return None
        present = _siblings(lines, line, indent, closing_line)
        return FieldContext("key", parents, rest, utf16_len(before[:indent]), present=present)
    return None


def _value_context(
    path: tuple[PathItem, ...], value: str, before: str, value_start: int, slot: str = "value"
) -> FieldContext | None:
    if value.startswith(("[", "{", "|", ">", "&", "*", "!", "#")) or "[[" in value or " #" in value:
        return None
    quote = value[:1] if value[:1] in "\"'" else ""
    query = value[1:] if quote else value
    if quote and query.endswith(quote):
        return None  # the quoted value is already closed
    return FieldContext(slot, path, query, utf16_len(before[:value_start]), quote)


def declared_type(lines: Sequence[str], closing_line: int) -> str | None:
    """The ``type:`` value written in the frontmatter lines, even when the YAML is invalid."""
    for number in range(1, min(closing_line, len(lines))):
        found = _TYPE_LINE.match(lines[number])
        if found:
            return found.group(1)
    return None


# -- words ------------------------------------------------------------------------------------


def _first(schemas: Sequence[Mapping[str, Any]], key: str) -> Any:
    for schema in schemas:
        if key in schema:
            return schema[key]
    return None


def is_link(schemas: Sequence[Mapping[str, Any]]) -> bool:
    """True when the property must be a ``[[link]]`` to a note."""
    return any(s.get(LINK_KEYWORD) is True for s in schemas)


def enum_values(schemas: Sequence[Mapping[str, Any]]) -> list[Any]:
    """The allowed values (``enum``, or ``const``) of a property, if it lists them."""
    for schema in schemas:
        if isinstance(schema.get("enum"), list):
            return list(schema["enum"])
        if "const" in schema:
            return [schema["const"]]
    return []


def json_types(schemas: Sequence[Mapping[str, Any]]) -> list[str]:
    """The JSON type names a property allows (empty: any)."""
    value = _first(schemas, "type")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def summary(schemas: Sequence[Mapping[str, Any]], items: Sequence[Mapping[str, Any]] = ()) -> str:
    """A short plain-text type: ``string · date``, ``one of a, b``, ``list of string``..."""
    values = enum_values(schemas)
    if values:
        shown = ", ".join(show_value(v) for v in values[:6]) + (", …" if len(values) > 6 else "")
        return f"one of {shown}"
    types = json_types(schemas)
    text = " | ".join(types) if types else "any"
    if types == ["array"] and items:
        inner = summary(items)
        text = f"list of {inner}"
    fmt = _first(schemas, "format")
    if isinstance(fmt, str):
        text += f" · {fmt}"
    if is_link(schemas):
        text += " · [[link]]"
    return text


def description(schemas: Sequence[Mapping[str, Any]]) -> str | None:
    """The first ``description`` (or ``title``) of a property."""
    for key in ("description", "title"):
        value = _first(schemas, key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def hover_markdown(
    key: str,
    schemas: Sequence[Mapping[str, Any]],
    items: Sequence[Mapping[str, Any]],
    *,
    required: bool,
    type_label: str,
) -> str:
    """Markdown for hovering a frontmatter key: its type, description and whether required."""
    lines = [f"**{key}** — `{summary(schemas, items)}`"]
    text = description(schemas)
    if text:
        lines += ["", text]
    fmt = _first(schemas, "format")
    if isinstance(fmt, str) and fmt in FORMAT_HINTS:
        lines += ["", f"Format: {FORMAT_HINTS[fmt]}."]
    if is_link(schemas):
        lines += ["", 'Must be a [[link]] to an existing note, written in quotes: `"[[Note]]"`.']
    default = _first(schemas, "default")
    if default is not None:
        lines += ["", f"Default: `{yaml_value(default)}`"]
    lines += ["", f"{'Required' if required else 'Optional'} ({type_label})."]
    return "\n".join(lines)


# -- YAML text --------------------------------------------------------------------------------

_PLAIN_UNSAFE_START = tuple("[]{}&*!|>%@`'\"#,?:-")


def yaml_value(value: Any) -> str:
    """``value`` written as an inline YAML value that reads back as the same JSON value."""
    if isinstance(value, str):
        plain = (
            value
            and value.strip() == value
            and "\n" not in value
            and not value.startswith(_PLAIN_UNSAFE_START)
            and ": " not in value
            and " #" not in value
            and not value.endswith(":")
        )
        if plain:
            try:
                plain = yaml.safe_load(value) == value
            except yaml.YAMLError:
                plain = False
        return value if plain else _quoted(value)
    return _flow(value)


_YAML_SAFE = re.compile(
    "[\\x20-\\x7e\\xa0-\\ud7ff\\ue000-\\ufefe\\uff00-\\ufffd\\U00010000-\\U0010ffff]"
)
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _quoted(text: str) -> str:
    """A double-quoted YAML string; characters YAML would misread are escaped."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _YAML_SAFE.match(char):
            out.append(char)
        else:
            code = ord(char)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else (f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
            )
    return '"' + "".join(out) + '"'


def _flow(value: Any) -> str:
    """A JSON value as YAML flow text that reads back the same (floats keep a dot)."""
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return json.dumps(value)
    if isinstance(value, float):
        text = json.dumps(value)
        if text in ("Infinity", "-Infinity", "NaN"):
            return {"Infinity": ".inf", "-Infinity": "-.inf", "NaN": ".nan"}[text]
        if "." not in text:
            mantissa, _, exponent = text.partition("e")
            text = f"{mantissa}.0" + (f"e{exponent}" if exponent else "")
        if "e" in text and text.split("e")[1][:1] not in "+-":
            text = text.replace("e", "e+")
        return text
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_quoted(str(k))}: {_flow(v)}" for k, v in value.items()) + "}"
    return _quoted(str(value))


def replacement_text(original: str, value: Any) -> str:
    """``value`` as YAML, keeping the quote style of the text it replaces."""
    if isinstance(value, str) and original.startswith('"'):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and original.startswith("'"):
        return "'" + value.replace("'", "''") + "'"
    return yaml_value(value)


def placeholder(schemas: Sequence[Mapping[str, Any]], today: _dt.date) -> str:
    """YAML text for a new property: its ``default``, first enum value, or a typed blank."""
    default = _first(schemas, "default")
    if default is not None:
        return yaml_value(default)
    values = enum_values(schemas)
    if values:
        return yaml_value(values[0])
    if is_link(schemas):
        return '"[[]]"'
    fmt = _first(schemas, "format")
    if fmt == "date":
        return today.isoformat()
    if fmt == "date-time":
        return f"{today.isoformat()}T00:00:00"
    types = json_types(schemas)
    blank = {
        "string": '""',
        "integer": "0",
        "number": "0",
        "boolean": "false",
        "array": "[]",
        "object": "{}",
        "null": "null",
    }
    return blank.get(types[0], '""') if types else '""'


# -- edits ------------------------------------------------------------------------------------


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def insert_properties(text: str, entries: Sequence[tuple[str, str]]) -> tuple[Range, str] | None:
    """Insert ``key: value`` lines at the end of the frontmatter (before the closing line)."""
    found = find_frontmatter(text)
    if found is None or not entries:
        return None
    _, _, _, yaml_end = found
    index = LineIndex(text)
    at = index.position(yaml_end)
    newline = _newline(text)
    body = "".join(f"{yaml_value(k)}: {v}{newline}" for k, v in entries)
    return Range(at, at), body


def frontmatter_block(text: str, entries: Sequence[tuple[str, str]]) -> str:
    """A new frontmatter block with ``entries``, to insert at the start of the note."""
    newline = _newline(text)
    body = "".join(f"{yaml_value(k)}: {v}{newline}" for k, v in entries)
    return f"---{newline}{body}---{newline}"


def remove_key_range(text: str, path: Sequence[PathItem], key: str) -> Range | None:
    """The whole lines of ``key: value`` (in the mapping at ``path``) for deletion.

    None when the key does not start its line (flow mappings), or cannot be found.
    """
    found = find_frontmatter(text)
    if found is None:
        return None
    _, _, yaml_start, yaml_end = found
    index = LineIndex(text)
    locator = NodeLocator(text, yaml_start, yaml_end, index=index)
    key_range = locator.key_range([*path, key])
    value_range = locator.value_range([*path, key])
    if key_range is None or value_range is None:
        return None
    key_start = index.offset(key_range.start)
    line_start = index.line_start(key_range.start.line)
    if text[line_start:key_start].strip(" "):
        return None
    last_line = max(value_range.end.line, key_range.end.line)
    end_line = last_line + 1
    if end_line >= index.line_count:
        return index.range(line_start, len(text))
    return index.range(line_start, index.line_start(end_line))


__all__ = [
    "FieldContext",
    "declared_type",
    "description",
    "enum_values",
    "field_context",
    "frontmatter_block",
    "hover_markdown",
    "insert_properties",
    "is_link",
    "json_types",
    "placeholder",
    "remove_key_range",
    "replacement_text",
    "summary",
    "yaml_value",
]
