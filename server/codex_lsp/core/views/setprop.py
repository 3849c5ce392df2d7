"""Setting one frontmatter property of a note as a minimal text edit.

Only the value of the key changes (or one line is added, or a frontmatter block when the note
has none): every other byte of the YAML, comments and key order included, stays as it was.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

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
