"""A new note's frontmatter filled with what the schema requires of its type (pure).

``codex.createNote`` writes a note that passes its schema from the start: each required key
the new note does not already have gets its ``default``, first enum value, today for a date,
or a typed blank (``assist.placeholder``). The note is created through a WorkspaceEdit,
which cannot hold snippet placeholders, so the values are filled in.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Collection

from ..textpos import LineIndex
from .assist import frontmatter_block, insert_properties, placeholder
from .compile import NotebookSchema


def required_entries(
    schema: NotebookSchema, path: str, present: Collection[str], today: _dt.date
) -> list[tuple[str, str]]:
    """(key, YAML value) of each key the note at ``path`` must have and lacks in ``present``.

    The type is the one the note's path gives it; a note no type's ``paths`` match is held to
    the notebook-wide required keys only.
    """
    note_type, _ = schema.choose_type(path, None)
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
