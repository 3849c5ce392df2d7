"""The hover text of a link to an attachment (pure: facts about the file in, Markdown out).

An image shows itself (a Markdown image of its file URI) with its pixel size; a CSV or TSV
file its header and first rows as a table; every attachment its size, MIME type, and the
metadata its sidecars give it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .media import (
    DELIMITED_EXTENSIONS,
    attachment_kind,
    extension_of,
    human_size,
    image_size,
    read_table,
    table_markdown,
)

METADATA_KEYS = 10  # metadata entries shown; the rest is counted
VALUE_CHARS = 80


@dataclass(frozen=True, slots=True)
class AttachmentFacts:
    """What storage knows of one attachment: its first bytes and its index row."""

    path: str  # notebook-relative
    uri: str
    size: int
    mime: str | None
    head: bytes  # the first bytes of the file (at most media.HEAD_BYTES)
    title: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)


def attachment_markdown(facts: AttachmentFacts) -> str:
    """Markdown for a hover on a link to ``facts.path``."""
    name = facts.path.rsplit("/", 1)[-1]
    kind = attachment_kind(name, facts.mime)
    ext = extension_of(name)
    complete = len(facts.head) >= facts.size
    line = [f"**{_escape(facts.title or name)}**"]
    parts: list[str] = []
    if kind == "image":
        pixels = image_size(facts.head)
        if pixels is not None:
            line.append(f"{pixels[0]} × {pixels[1]} px")
        parts.append(f"![{_escape(name)}]({facts.uri})")
    line.append(human_size(facts.size))
    line.append(f"`{facts.mime or 'application/octet-stream'}`")
    header = " · ".join(line) + f"  \n`{facts.path}`"
    parts.insert(0, header)
    if ext in DELIMITED_EXTENSIONS:
        table = read_table(facts.head, ext, complete)
        parts.append(table_markdown(table) if table else "*no rows*")
    metadata = metadata_lines(facts.properties)
    if metadata:
        parts.append(metadata)
    return "\n\n".join(parts)


def metadata_lines(properties: Mapping[str, Any]) -> str:
    """Sidecar metadata as a Markdown list (title left out: it heads the hover)."""
    shown = [(key, value) for key, value in properties.items() if key != "title"]
    rows = [f"- **{_escape(str(key))}**: {_value(value)}" for key, value in shown[:METADATA_KEYS]]
    if len(shown) > METADATA_KEYS:
        rows.append(f"- *{len(shown) - METADATA_KEYS} more*")
    return "\n".join(rows)


def _value(value: Any) -> str:
    if isinstance(value, list):
        text = ", ".join(v if isinstance(v, str) else json.dumps(v) for v in value)
    elif isinstance(value, dict):
        text = ", ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    else:
        text = _flat(value)
    if len(text) > VALUE_CHARS:
        text = text[: VALUE_CHARS - 1] + "…"
    return _escape(text)


def _flat(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _escape(text: str) -> str:
    """Text shown literally in Markdown: characters that would start markup are escaped."""
    out = []
    for ch in text:
        if ch in "\\`*_[]<>|#":
            out.append("\\" + ch)
        elif ch in "\r\n":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)
