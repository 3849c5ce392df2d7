"""Frontmatter schemas end to end, when the schema itself or the notebook changes.

Editing ``.codex/schema.yaml`` in the editor re-validates open notes at once and the whole
notebook in the background; errors in the schema are diagnostics in that file and notes keep
being checked against the last valid schema. A fresh server per test (they change state).
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from lsp_session import Session, codes, start_session, stop_session, text_in
from lsprotocol import types
from schema_notebook import SCHEMA, make_notebook

ARCHIVED = "experiments/Archived run.md"
SCHEMA_REL = ".codex/schema.yaml"
WITH_ARCHIVED = SCHEMA.replace(
    "[planned, running, done, failed]", "[planned, running, done, failed, archived]"
)
BROKEN = WITH_ARCHIVED.replace("date: {type: string, format: date}", "date: {type: strng}")


@pytest_asyncio.fixture
async def nb(tmp_path: Path, profile: str) -> AsyncIterator[Session]:
    """A fresh server on the schema notebook."""
    session = await start_session(make_notebook(tmp_path / "notebook"), profile)
    yield session
    await stop_session(session)


def stored_problem_paths(root: Path) -> set[str]:
    """Files with schema problems in the notebook's index (what ``check`` reports)."""
    conn = sqlite3.connect(root / ".codex" / "notebook.db")
    try:
        return {row[0] for row in conn.execute("SELECT path FROM schema_problem")}
    except sqlite3.OperationalError:
        return set()
    finally:
        conn.close()


def open_schema(nb: Session, text: str) -> str:
    uri = nb.uri(SCHEMA_REL)
    nb.versions[uri] = 1
    nb.buffers[uri] = text
    nb.client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "yaml", 1, text))
    )
    return uri


def schema_codes(found: object) -> list[str]:
    return sorted(c for c in codes(found) if c.startswith("schema-"))  # type: ignore[arg-type]


async def test_editing_the_schema_revalidates_notes_at_once(nb: Session) -> None:
    note = nb.open(ARCHIVED)
    await nb.wait_for_diagnostics(note, lambda f: "schema-enum" in codes(f))
    assert ARCHIVED in stored_problem_paths(nb.root)

    # Allow "archived": the open note is clean again, and the index follows in the background.
    schema_uri = open_schema(nb, WITH_ARCHIVED)
    await nb.wait_for_diagnostics(note, lambda f: schema_codes(f) == [])
    await nb.wait_until(
        lambda: ARCHIVED not in stored_problem_paths(nb.root), "background re-validation"
    )
    assert "data/.run.csv.json" in stored_problem_paths(nb.root)  # the sidecar still fails
    assert schema_codes(await nb.wait_for_diagnostics(schema_uri)) == []

    # An unknown type name: a diagnostic in schema.yaml; notes keep the last valid schema.
    nb.change(schema_uri, BROKEN)
    found = await nb.wait_for_diagnostics(
        schema_uri, lambda f: "schema-file-unknown-type" in codes(f)
    )
    unknown = next(d for d in found if d.code == "schema-file-unknown-type")
    assert text_in(BROKEN, unknown.range) == "strng"
    assert unknown.severity == types.DiagnosticSeverity.Error
    assert "did you mean 'string'?" in unknown.message
    assert "schema-file-stale" in codes(found)
    await nb.wait_for_diagnostics(note, lambda f: schema_codes(f) == [])

    # Invalid YAML: reported where PyYAML stops; the server keeps going.
    nb.change(schema_uri, "version: 1\ntypes: [\n")
    found = await nb.wait_for_diagnostics(schema_uri, lambda f: "schema-file-yaml" in codes(f))
    assert "Invalid YAML" in found[0].message
    hover = await nb.hover(note, types.Position(1, 2))
    assert hover is not None  # still answering, with the last valid schema

    # Closing without saving: the file on disk is the schema again.
    nb.close(schema_uri)
    await nb.wait_for_diagnostics(note, lambda f: "schema-enum" in codes(f))
    await nb.wait_for_diagnostics(schema_uri, lambda f: list(f) == [])
    await nb.wait_until(lambda: ARCHIVED in stored_problem_paths(nb.root), "re-validation")


async def test_schema_changed_on_disk(nb: Session) -> None:
    note = nb.open(ARCHIVED)
    await nb.wait_for_diagnostics(note, lambda f: "schema-enum" in codes(f))
    nb.write(SCHEMA_REL, WITH_ARCHIVED)
    await nb.wait_for_diagnostics(note, lambda f: schema_codes(f) == [])
    nb.write(SCHEMA_REL, BROKEN)
    schema_uri = nb.uri(SCHEMA_REL)
    found = await nb.wait_for_diagnostics(
        schema_uri, lambda f: "schema-file-unknown-type" in codes(f)
    )
    assert text_in(BROKEN, found[0].range) == "strng"
    assert schema_codes(await nb.wait_for_diagnostics(note)) == []  # last valid schema


async def test_creating_the_linked_note_clears_the_link_error(nb: Session) -> None:
    text = '---\nstatus: done\ndate: 2026-03-01\nprotocol: "[[Western blot]]"\n---\n'
    uri = nb.open("experiments/Blot.md", text)
    found = await nb.wait_for_diagnostics(uri, lambda f: "schema-link" in codes(f))
    link = next(d for d in found if d.code == "schema-link")
    assert text_in(text, link.range) == "[[Western blot]]"
    nb.write("protocols/Western blot.md", '---\nversion: "1"\n---\n# Western blot\n')
    await nb.wait_for_diagnostics(uri, lambda f: "schema-link" not in codes(f))


async def test_severity_setting(tmp_path: Path, profile: str) -> None:
    root = make_notebook(tmp_path / "notebook")
    session = await start_session(root, profile, {"diagnostics": {"schema": "warning"}})
    try:
        uri = session.open(ARCHIVED)
        found = await session.wait_for_diagnostics(uri, lambda f: "schema-enum" in codes(f))
        enum = next(d for d in found if d.code == "schema-enum")
        assert enum.severity == types.DiagnosticSeverity.Warning
    finally:
        await stop_session(session)
