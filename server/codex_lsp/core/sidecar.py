"""Sidecar metadata (``.NAME.json``, ``.NAME.xml``, ``.NAME.md`` next to ``NAME``).

Parsed from text already read by the caller, then merged with the priority
frontmatter > JSON > XML > Markdown.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from .frontmatter import load_frontmatter
from .textpos import LineIndex
from .yamlload import plain_value

SIDECAR_PRIORITY = ("md", "xml", "json")


def parse_sidecar(kind: str, text: str) -> tuple[dict[str, Any], str | None]:
    """Parse one sidecar's text; returns (metadata, error message or None)."""
    try:
        if kind == "json":
            data = json.loads(text)
            if not isinstance(data, dict):
                return {}, "JSON sidecar must hold an object"
            return plain_value(data), None
        if kind == "xml":
            return _xml_to_dict(SafeET.fromstring(text)), None
        if kind == "md":
            block = load_frontmatter(text, LineIndex(text))
            if block is None:
                return {}, None
            if block.problems:
                return {}, block.problems[0].message
            return block.data or {}, None
    except (ValueError, SafeET.ParseError, DefusedXmlException, RecursionError) as exc:
        return {}, f"invalid {kind.upper()} sidecar: {exc}"
    return {}, f"unknown sidecar kind {kind}"


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
