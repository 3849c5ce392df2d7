"""A new note's frontmatter filled with what the schema requires of its type (pure).

``codex.createNote`` writes a note that passes its schema from the start: each required key
the new note does not already have gets its ``default``, first enum value, today for a date,
or a typed blank (``assist.placeholder``). The note is created through a WorkspaceEdit,
which cannot hold snippet placeholders, so the values are filled in.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Collection, Mapping
from typing import Any

from ..frontmatter import find_frontmatter, load_frontmatter
from ..textpos import LineIndex
from .assist import frontmatter_block, insert_properties, placeholder, yaml_value
from .compile import NotebookSchema


def required_entries(
    schema: NotebookSchema,
    path: str,
    present: Collection[str],
    today: _dt.date,
    data: Mapping[str, Any] | None = None,
) -> list[tuple[str, str]]:
    """(key, YAML value) of each key the note at ``path`` must have and lacks in ``present``.

    The type is the one its ``data`` declares or its path gives it; a note of no type is held
    to the notebook-wide required keys only.
    """
    note_type, _ = schema.choose_type(path, data)
    if note_type is None:
        note_type = schema.base
    return [
        (key, placeholder(schema.schemas_at(note_type, [key]), today))
        for key in note_type.required
        if key not in present
    ]


def allows(schema: NotebookSchema, path: str, key: str) -> bool:
    """False when the type of ``path`` declares no property ``key`` and forbids others."""
    note_type, _ = schema.choose_type(path, None)
    if note_type is None:
        note_type = schema.base
    properties = note_type.schema.get("properties")
    declared = isinstance(properties, dict) and key in properties
    return declared or note_type.schema.get("additionalProperties", True) is not False


def schema_note_text(schema: NotebookSchema, path: str, title: str, today: _dt.date) -> str:
    """A new note at ``path``: ``title`` and ``date`` (unless its type forbids them), the
    keys its type requires, then the title as a heading."""
    given = {"title": title, "date": today.isoformat()}
    kept = {key: value for key, value in given.items() if allows(schema, path, key)}
    body = f"# {title}\n"
    entries = required_entries(schema, path, kept, today)
    if not kept:
        return (frontmatter_block(body, entries) if entries else "") + "\n" + body
    import frontmatter  # loads with the first note created

    post = frontmatter.Post(body)
    post.metadata.update(kept)
    text = frontmatter.dumps(post, sort_keys=False) + "\n"
    found = insert_properties(text, entries)
    if found is None:
        return text
    where, inserted = found
    at = LineIndex(text).offset(where.start)
    return text[:at] + inserted + text[at:]


def required_additions(
    schema: NotebookSchema, path: str, text: str, today: _dt.date, type_name: str | None = None
) -> list[tuple[str, str]]:
    """(key, YAML value) to add to ``text`` (a note made from a template): ``type`` when the
    type ``type_name`` is asked for and neither the text nor the path gives it, then each key
    its type requires and the text lacks. None for text whose frontmatter is not valid YAML."""
    block = load_frontmatter(text, LineIndex(text))
    if block is not None and (block.problems or not isinstance(block.data, dict | None)):
        return []
    data: dict[str, Any] = dict(block.data or {}) if block is not None else {}
    entries: list[tuple[str, str]] = []
    if type_name and type_name in schema.types:
        chosen, _ = schema.choose_type(path, data)
        if chosen is None or chosen.name != type_name:
            data["type"] = type_name
            entries.append(("type", yaml_value(type_name)))
    return entries + required_entries(schema, path, [*data, *(k for k, _ in entries)], today, data)


def with_properties(
    text: str, entries: list[tuple[str, str]], escape: Callable[[str], str] = str
) -> str:
    """``text`` with ``key: value`` lines at the end of its frontmatter (a new block when it
    has none); ``escape`` is applied to the lines added (a snippet escapes them)."""
    if not entries:
        return text
    if find_frontmatter(text) is None:
        return escape(frontmatter_block(text, entries)) + text
    found = insert_properties(text, entries)
    if found is None:
        return text
    where, inserted = found
    at = LineIndex(text).offset(where.start)
    return text[:at] + escape(inserted) + text[at:]
