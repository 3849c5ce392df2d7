"""The text of a note ``codex.createNote`` creates: with the keys its schema type requires."""

from __future__ import annotations

import datetime as _dt

from ..core.schema.template import schema_note_text
from ..core.templates import new_note_text
from .notebooks import Notebook
from .schema_store import schema_source


def new_note_for(notebook: Notebook, path: str, title: str, today: _dt.date | None = None) -> str:
    """Text of a new note at notebook-relative ``path`` (reads the schema: blocking)."""
    day = today or _dt.date.today()
    schema = schema_source(notebook).state().schema
    if schema is None or schema.empty:
        return new_note_text(title, day)
    return schema_note_text(schema, path, title, day)
