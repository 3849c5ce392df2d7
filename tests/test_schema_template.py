"""core/schema/template.py: a new note's frontmatter filled from its type's required keys."""

from __future__ import annotations

import datetime as _dt

from codex_lsp.core.frontmatter import load_frontmatter
from codex_lsp.core.schema.lint import load_schema
from codex_lsp.core.schema.template import schema_note_text
from codex_lsp.core.textpos import LineIndex

TODAY = _dt.date(2026, 3, 4)
SCHEMA = """\
version: 1
types:
  run:
    paths: ["runs/**"]
    required: [status, replicates, started, operator, tags]
    additionalProperties: false
    properties:
      title: {type: string}
      status: {enum: [planned, done]}
      replicates: {type: integer, default: 3}
      started: {type: string, format: date}
      operator: {type: string}
      tags: {type: array}
"""


def test_required_keys_get_defaults_enum_values_dates_and_blanks() -> None:
    schema = load_schema(SCHEMA).schema
    assert schema is not None
    text = schema_note_text(schema, "runs/R1.md", "R1", TODAY)
    assert text == (
        "---\ntitle: R1\nstatus: planned\nreplicates: 3\nstarted: 2026-03-04\n"
        'operator: ""\ntags: []\n---\n\n# R1\n'
    )  # no `date:`: the type declares no such property and allows no others
    verdict = schema.evaluate("runs/R1.md", _frontmatter(text), has_metadata=True)
    assert verdict.checked and verdict.errors == []


def test_notes_without_a_type_keep_title_and_date() -> None:
    schema = load_schema(SCHEMA).schema
    assert schema is not None
    text = schema_note_text(schema, "other/Note.md", "Note", TODAY)
    assert text == "---\ntitle: Note\ndate: '2026-03-04'\n---\n\n# Note\n"


def _frontmatter(text: str) -> dict[str, object]:
    block = load_frontmatter(text, LineIndex(text))
    assert block is not None and block.data is not None
    return block.data
