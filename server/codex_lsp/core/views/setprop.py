"""Setting one property of a note as a minimal text edit, in its frontmatter or its sidecar.

Only the value of the key changes (or one line is added, or a frontmatter block when the note
has none): every other byte of the YAML, comments and key order included, stays as it was. A
JSON sidecar is edited the same way (the value's text, or one member added with the
indentation of the others); a Markdown sidecar is frontmatter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from ..frontmatter import load_frontmatter
from ..sidecar import SIDECAR_PRIORITY
from ..textpos import LineIndex
from ..yamlload import YamlFailure, compose_yaml

_OPEN = re.compile(r"\A---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.M)
_PLAIN_KEY = re.compile(r"^[A-Za-z_][\w -]*$")


class SetPropertyError(Exception):
    """The property cannot be set this way (frontmatter that is not a mapping, a bad key)."""


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace ``text[start:end]`` with ``new_text``."""

    start: int
    end: int
    new_text: str


def yaml_scalar(value: Any) -> str:
    """``value`` (JSON: null, bool, number, text, or a list of those) as one line of flow YAML."""
    if isinstance(value, list):
        return "[" + ", ".join(yaml_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        raise SetPropertyError("a property value is a scalar or a list")
    dumped = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**9)
    text = dumped.removesuffix("\n...\n").removesuffix("\n")
    if "\n" in text:  # multi-line text: a JSON string is valid YAML on one line
        return json.dumps(value, ensure_ascii=False)
    return text


def _key_text(key: str) -> str:
    return key if _PLAIN_KEY.match(key) and key.strip() == key else json.dumps(key)


def set_property(text: str, key: str, value: Any) -> TextEdit:
    """The edit that gives the note ``text`` the frontmatter property ``key: value``."""
    if not key or "\n" in key:
        raise SetPropertyError("key must be a non-empty single-line name")
    line = f"{_key_text(key)}: {yaml_scalar(value)}"
    newline = "\r\n" if "\r\n" in text[:2000] else "\n"
    opened = _OPEN.match(text)
    close = _CLOSE.search(text, opened.end()) if opened else None
    if opened is None or close is None:
        return TextEdit(0, 0, f"---{newline}{line}{newline}---{newline}")
    body_start, body_end = opened.end(), close.start()
    body = text[body_start:body_end]
    try:
        root = compose_yaml(body)
    except YamlFailure as exc:
        raise SetPropertyError(f"the frontmatter is not valid YAML: {exc.detail}") from None
    if root is not None and not isinstance(root, yaml.MappingNode):
        raise SetPropertyError("the frontmatter is not a mapping of properties")
    for key_node, value_node in root.value if root is not None else []:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            start = body_start + value_node.start_mark.index
            end = body_start + value_node.end_mark.index
            while end > start and text[end - 1] in " \t\r\n":  # a block value ends at the next key
                end -= 1
            if start == end:  # an empty value: `key:` alone
                return TextEdit(start, end, " " + yaml_scalar(value))
            return TextEdit(start, end, yaml_scalar(value))
    return TextEdit(body_end, body_end, line + newline)


def apply(text: str, edit: TextEdit) -> str:
    """``text`` with ``edit`` applied."""
    return text[: edit.start] + edit.new_text + text[edit.end :]


def frontmatter_keys(text: str) -> set[str]:
    """The keys of a note's frontmatter (none when it has none or it is not a mapping)."""
    block = load_frontmatter(text, LineIndex(text))
    data = block.data if block is not None else None
    return {str(k) for k in data} if isinstance(data, dict) else set()


def property_home(
    key: str, frontmatter: set[str], sidecars: Mapping[str, Mapping[str, Any]]
) -> str | None:
    """Where ``key`` must be written for the note's property to change: None for the
    frontmatter (it has the key, or nothing has it), else the kind of the sidecar whose value
    wins (``json``, ``xml`` or ``md``; merged as frontmatter > JSON > XML > Markdown)."""
    if key in frontmatter:
        return None
    for kind in reversed(SIDECAR_PRIORITY):
        if key in sidecars.get(kind, {}):
            return kind
    return None


_WS = " \t\r\n"


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in _WS:
        at += 1
    return at


def _json_value(value: Any) -> str:
    if isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value)
    ):
        raise SetPropertyError("a property value is a scalar or a list")
    return json.dumps(value, ensure_ascii=False)


def set_json_property(text: str, key: str, value: Any) -> TextEdit:
    """The edit that gives the JSON object ``text`` the member ``key: value``: the text of an
    existing value is replaced (the last one, the one JSON readers keep), or a member is added
    after the last one with its indentation and separator; every other byte is kept."""
    if not key or "\n" in key:
        raise SetPropertyError("key must be a non-empty single-line name")
    new_value = _json_value(value)
    try:
        json.loads(text)
    except ValueError as exc:
        raise SetPropertyError(f"the JSON sidecar is not valid JSON: {exc}") from None
    decoder = json.JSONDecoder()
    at = _skip(text, 0)
    if text[at : at + 1] != "{":
        raise SetPropertyError("the JSON sidecar does not hold an object")
    at += 1
    found: tuple[int, int] | None = None
    last: tuple[str, str, int] | None = None  # lead, separator, end of the last value
    while True:
        key_start = _skip(text, at)
        if text[key_start] == "}":
            break
        name, key_end = decoder.raw_decode(text, key_start)
        colon = text.index(":", key_end)
        value_start = _skip(text, colon + 1)
        _, value_end = decoder.raw_decode(text, value_start)
        if name == key:
            found = (value_start, value_end)
        last = (text[at:key_start], text[key_end:value_start], value_end)
        at = _skip(text, value_end)
        if text[at] == "}":
            break
        at += 1  # the comma
    if found is not None:
        return TextEdit(found[0], found[1], new_value)
    member = json.dumps(key, ensure_ascii=False)
    if last is None:  # an empty object: fill it on one line
        close = text.index("}", _skip(text, 0))
        return TextEdit(_skip(text, 0) + 1, close, f"{member}: {new_value}")
    lead, separator, end = last
    return TextEdit(end, end, f",{lead or ' '}{member}{separator}{new_value}")
