"""What a file's merged metadata (frontmatter over sidecars) says about the file.

``title``, ``tags``, ``aliases`` and ``description`` apply to notes and attachments alike;
every scalar at any depth is searchable as ``key: value`` text (docs/attachments.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .syntax import clean_tag

# Searchable text of one file's metadata is bounded: metadata is user text of any size.
MAX_SEARCH_SCALARS = 10_000
_TAG_SPLIT = re.compile(r"[,\s]+")


@dataclass(frozen=True, slots=True)
class Described:
    """The file-level meaning of merged metadata."""

    title: str | None
    tags: tuple[str, ...]
    aliases: tuple[str, ...]
    description: str | None


def described(properties: dict[str, Any]) -> Described:
    """Title, tags, aliases and description of merged metadata (the ``tag``/``alias``
    spellings too); tags as in frontmatter: a string splits at commas and spaces."""
    return Described(
        _text(properties.get("title")),
        metadata_tags(properties),
        _aliases(properties),
        _text(properties.get("description")),
    )


def metadata_tags(properties: dict[str, Any]) -> tuple[str, ...]:
    """The valid tag names of ``tags``/``tag`` in metadata, in order, without duplicates."""
    names: list[str] = []
    for key in ("tags", "tag"):
        value = properties.get(key)
        if isinstance(value, str):
            names.extend(_TAG_SPLIT.split(value))
        elif isinstance(value, list):
            names.extend(str(v) for v in value if isinstance(v, (str, int, float)))
    if not names:
        return ()
    return tuple(dict.fromkeys([name for name in map(clean_tag, names) if name]))


def _aliases(properties: dict[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    for key in ("aliases", "alias"):
        value = properties.get(key)
        items = value.split(",") if isinstance(value, str) else value
        if isinstance(items, list):
            found.extend(str(v).strip() for v in items if isinstance(v, (str, int, float)))
    return tuple(dict.fromkeys(a for a in found if a))


def _text(value: Any) -> str | None:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = str(value).strip()
        return text or None
    return None


def searchable_text(properties: dict[str, Any]) -> str:
    """Every scalar of ``properties`` at any depth as a ``key: value`` line (the key of the
    nearest mapping; title and tags, indexed in their own columns, left out), so that
    ``properties: {status: in-progress}`` is found by ``in-progress`` and ``status:
    in-progress``. At most :data:`MAX_SEARCH_SCALARS` lines."""
    lines: list[str] = []
    stack: list[tuple[str, Any]] = [
        (str(k), v) for k, v in reversed(properties.items()) if k not in ("title", "tags", "tag")
    ]
    while stack and len(lines) < MAX_SEARCH_SCALARS:
        key, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((str(k), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((key, v) for v in reversed(value))
        elif value is not None and value != "":
            lines.append(f"{key}: {_scalar(value)}")
    return "\n".join(lines)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class Indexed:
    """What the index stores of a file from its metadata (and, for a note, its text)."""

    title: str
    """The note's title (metadata ``title`` before the opening heading), or an attachment's
    metadata title; empty for an attachment without one (its name stands for it)."""
    metadata_tags: tuple[str, ...]
    """Tags from metadata that the note's own text does not carry (every tag of an
    attachment)."""
    aliases: tuple[str, ...]
    metadata_text: str
    """:func:`searchable_text` of the metadata."""


def indexed(
    properties: dict[str, Any],
    note_title: str | None = None,
    note_tags: tuple[str, ...] | list[str] = (),
    note_aliases: tuple[str, ...] | list[str] = (),
) -> Indexed:
    """Combine merged metadata with what a note's text says (``note_title`` is None for an
    attachment): the frontmatter's own values come first, then the sidecars'."""
    meaning = described(properties)
    tags = meaning.tags
    if tags:
        seen = {t.casefold() for t in note_tags}
        tags = tuple(t for t in tags if t.casefold() not in seen)
    aliases = tuple(dict.fromkeys((*note_aliases, *meaning.aliases)))
    title = meaning.title or note_title or ""
    return Indexed(title, tags, aliases, searchable_text(properties))
