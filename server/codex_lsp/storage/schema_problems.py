"""The schema producer: problems of a note, a sidecar or the schema file, as plain values.

Checks one file's current text (an editor buffer, say) against the notebook's schema; the
rules are in docs/schema.md and the checking itself is pure (``core/schema*.py``). Runs on a
reader thread: it reads sidecars and the owner note of a sidecar from disk.
"""

from __future__ import annotations

import logging
import sqlite3

from ..core.model import Position, Range, Severity
from ..core.problems import FIXED_SETTING, SCHEMA_SETTING, NoteProblem
from ..core.resolve import Catalog
from ..core.schema.check import SchemaIssue, SidecarText, check_file, sidecar_owner
from ..core.schema.compile import SCHEMA_PATH
from ..core.schema.lint import load_schema
from ..core.syntax import is_note_name
from .notebooks import Notebook
from .reader import decode_text
from .schema_store import note_resolver, read_sidecars, schema_source

log = logging.getLogger(__name__)


def schema_problems(
    conn: sqlite3.Connection, notebook: Notebook, rel: str, text: str, catalog: Catalog
) -> list[NoteProblem]:
    """The schema problems of file ``rel`` whose text is ``text``: of a note, of a JSON
    sidecar, or of the schema file itself; ``catalog`` resolves ``x-codex-link`` values."""
    if rel == SCHEMA_PATH:
        return schema_file_problems(notebook, text, conn)
    owner = sidecar_owner(rel)
    if owner is not None and rel.lower().endswith(".json"):
        return _sidecar_problems(conn, notebook, rel, text, owner, catalog)
    if not is_note_name(rel):
        return []
    schema = schema_source(notebook).state(conn).schema
    if schema is None or schema.empty:
        return []
    sidecars = read_sidecars(notebook.root, rel)
    try:
        issues = check_file(schema, rel, text, sidecars, note_resolver(catalog, rel)).issues
    except Exception as exc:  # a note must never break diagnostics
        log.warning("schema check of %s failed: %s", rel, exc)
        return []
    return [_issue_problem(i) for i in issues if i.path == rel]


def schema_file_problems(
    notebook: Notebook, text: str, conn: sqlite3.Connection | None = None
) -> list[NoteProblem]:
    """The problems of a schema text, and a note when the last valid schema is in use."""
    state = schema_source(notebook).state(conn)
    problems = list(state.problems) if state.text == text else load_schema(text).problems
    found = [
        NoteProblem(
            p.code,
            p.message,
            p.range,
            SCHEMA_SETTING if p.severity is Severity.ERROR else FIXED_SETTING,
            p.severity if p.severity is Severity.ERROR else Severity.WARNING,
            p.related,
        )
        for p in problems
    ]
    if any(p.severity is Severity.ERROR for p in problems) and state.schema is not None:
        found.append(
            NoteProblem(
                "schema-file-stale",
                "Notes are checked against the last valid version of this schema "
                "until these errors are fixed",
                Range(Position(0, 0), Position(0, 0)),
                FIXED_SETTING,
                Severity.INFO,
            )
        )
    return found


def _sidecar_problems(
    conn: sqlite3.Connection,
    notebook: Notebook,
    rel: str,
    text: str,
    owner: str,
    catalog: Catalog,
) -> list[NoteProblem]:
    schema = schema_source(notebook).state(conn).schema
    if schema is None:
        return []
    note_text: str | None = None
    if is_note_name(owner):
        try:
            note_text = decode_text((notebook.root / owner).read_bytes())[0]
        except OSError:
            note_text = None
    sidecars = [s for s in read_sidecars(notebook.root, owner) if s.path != rel]
    sidecars.append(SidecarText(rel, rel.rsplit(".", 1)[-1].lower(), text))
    try:
        issues = check_file(schema, owner, note_text, sidecars, note_resolver(catalog, owner))
    except Exception as exc:
        log.warning("schema check of %s failed: %s", rel, exc)
        return []
    return [_issue_problem(i) for i in issues.issues if i.path == rel]


def _issue_problem(issue: SchemaIssue) -> NoteProblem:
    """A schema issue, its quick-fix data kept under ``schema``."""
    return NoteProblem(
        issue.code,
        issue.message,
        issue.range,
        SCHEMA_SETTING,
        issue.severity,
        data={"schema": issue.data} if issue.data else None,
    )
