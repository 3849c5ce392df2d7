"""Sidecar metadata (``.NAME.json``, ``.NAME.xml``, ``.NAME.md`` next to ``NAME``).

Parsed from text already read by the caller, then merged with the priority
frontmatter > JSON > XML > Markdown.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .frontmatter import load_frontmatter
from .textpos import LineIndex
from .yamlload import MAX_NESTING, plain_value

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

SIDECAR_PRIORITY = ("md", "xml", "json")


def parse_sidecar(kind: str, text: str) -> tuple[dict[str, Any], str | None]:
    """Parse one sidecar's text; returns (metadata, error message or None)."""
    if kind == "xml":
        return _parse_xml(text)
    try:
        if kind == "json":
            data = json.loads(text)
            if not isinstance(data, dict):
                return {}, "JSON sidecar must hold an object"
            return _bounded(kind, plain_value(data))
        if kind == "md":
            block = load_frontmatter(text, LineIndex(text))
            if block is None:
                return {}, None
            if block.problems:
                return {}, block.problems[0].message
            return block.data or {}, None
    except (ValueError, RecursionError) as exc:
        return {}, f"invalid {kind.upper()} sidecar: {exc}"
    return {}, f"unknown sidecar kind {kind}"


def _parse_xml(text: str) -> tuple[dict[str, Any], str | None]:
    # defusedxml (and ElementTree under it) load with the first XML sidecar read.
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        return _bounded("xml", _xml_to_dict(SafeET.fromstring(text)))
    except (ValueError, SafeET.ParseError, DefusedXmlException, RecursionError) as exc:
        return {}, f"invalid XML sidecar: {exc}"


def _bounded(kind: str, data: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """``data``, or nothing and an error when it nests deeper than YAML may (MAX_NESTING):
    metadata is walked again and again (JSON, schema validation, hover)."""
    if _nesting(data) > MAX_NESTING:
        return {}, f"invalid {kind.upper()} sidecar: nested more than {MAX_NESTING} levels deep"
    return data, None


def _nesting(value: Any) -> int:
    """How deep lists and dicts nest in ``value`` (0 for a scalar), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            current = list(current.values())
        elif not isinstance(current, list):
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((item, depth + 1) for item in current)
    return deepest


def _xml_to_dict(root: Element) -> dict[str, Any]:
    result: dict[str, Any] = dict(root.attrib)
    for child in root:
        value: Any = _xml_to_dict(child) if len(child) else (child.text or "").strip()
        if child.tag in result:
            existing = result[child.tag]
            result[child.tag] = (
                [*existing, value]
                if isinstance(existing, list)
                else [
                    existing,
                    value,
                ]
            )
        else:
            result[child.tag] = value
    return result


def merge_metadata(
    frontmatter: dict[str, Any] | None, sidecars: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Merge sidecar metadata (keyed by kind) under the frontmatter, by priority."""
    merged: dict[str, Any] = {}
    for kind in SIDECAR_PRIORITY:
        merged.update(sidecars.get(kind, {}))
    merged.update(frontmatter or {})
    return merged
