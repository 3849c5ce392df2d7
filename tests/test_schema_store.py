"""Frontmatter schemas in the index and in ``codex-lsp check``: kept right incrementally."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from codex_lsp.cli.main import main
from codex_lsp.storage import indexer as indexer_module
from codex_lsp.storage.database import get_meta
from codex_lsp.storage.indexer import Indexer
from codex_lsp.storage.notebooks import Notebook
from codex_lsp.storage.schema_store import (
    SchemaSource,
    note_types,
    stored_schema_problems,
    sync_schema,
)

SCHEMA = """\
version: 1
properties:
  title: {type: string}
types:
  experiment:
    paths: ["experiments/**"]
    required: [status]
    properties:
      status: {enum: [planned, running, done]}
      protocol: {type: string, x-codex-link: true}
  protocol:
    paths: ["protocols/**"]
"""


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def notebook(tmp_path: Path) -> Notebook:
    root = tmp_path / "nb"
    write(root, ".codex/schema.yaml", SCHEMA)
    write(root, "protocols/PCR.md", "---\ntitle: PCR\n---\n")
    write(root, "experiments/ok.md", '---\nstatus: done\nprotocol: "[[PCR]]"\n---\n')
    write(root, "experiments/bad.md", "---\nstatus: runing\n---\n")
    write(root, "experiments/link.md", '---\nstatus: done\nprotocol: "[[Blot]]"\n---\n')
    return Notebook(root, explicit=True)


def problems(indexer: Indexer) -> list[tuple[str, str, int, int]]:
    return sorted(
        (p.path, p.code, p.line, p.character) for p in stored_schema_problems(indexer.conn)
    )


def test_index_runs_keep_schema_problems(notebook: Notebook) -> None:
    indexer = Indexer(notebook)
    try:
        indexer.index()
        assert problems(indexer) == [
            ("experiments/bad.md", "schema-enum", 1, 8),
            ("experiments/link.md", "schema-link", 2, 11),
        ]
        assert note_types(indexer.conn)["experiments/ok.md"] == "experiment"
        # An edited buffer (update_paths with contents) is validated from its text.
        indexer.update_paths(
            ["experiments/bad.md"], {"experiments/bad.md": "---\nstatus: done\n---\n"}
        )
        assert [p[0] for p in problems(indexer)] == ["experiments/link.md"]
        # Creating the linked note clears the link problem of the note that links to it.
        write(notebook.root, "protocols/Blot.md", "# Blot\n")
        indexer.update_paths(["protocols/Blot.md"])
        assert problems(indexer) == []
        # Deleting it brings the problem back; deleting the note removes its problems.
        (notebook.root / "protocols/Blot.md").unlink()
        indexer.update_paths(["protocols/Blot.md"])
        assert [p[0] for p in problems(indexer)] == ["experiments/link.md"]
        (notebook.root / "experiments/link.md").unlink()
        indexer.index()  # the disk is read again: bad.md was only fixed in a buffer
        assert [p[0] for p in problems(indexer)] == ["experiments/bad.md"]
    finally:
        indexer.close()


def test_schema_changes_revalidate_everything(notebook: Notebook) -> None:
    indexer = Indexer(notebook)
    try:
        indexer.index()
        assert sync_schema(indexer.conn, notebook).validated == 0  # nothing changed
        write(notebook.root, ".codex/schema.yaml", SCHEMA.replace("done]", "done, runing]"))
        stats = sync_schema(indexer.conn, notebook)
        assert stats.full and stats.validated == 4
        assert [p[0] for p in problems(indexer)] == ["experiments/link.md"]
        # A broken schema: its own problems, and notes keep the last valid schema.
        write(notebook.root, ".codex/schema.yaml", "version: 1\ntypes:\n  x: {type: strng}\n")
        indexer.index()
        assert (".codex/schema.yaml", "schema-file-unknown-type", 2, 12) in problems(indexer)
        assert "experiments/link.md" in [p[0] for p in problems(indexer)]
        assert get_meta(indexer.conn, "schema_last_valid") is not None
        # Removing the schema removes every schema problem.
        (notebook.root / ".codex/schema.yaml").unlink()
        indexer.index()
        assert problems(indexer) == []
    finally:
        indexer.close()


def test_a_new_process_uses_the_last_valid_schema(notebook: Notebook) -> None:
    indexer = Indexer(notebook)
    indexer.index()
    indexer.close()
    write(notebook.root, ".codex/schema.yaml", "version: [\n")
    source = SchemaSource(notebook.codex_dir)  # what a fresh process starts with
    indexer = Indexer(notebook)
    try:
        state = source.state(indexer.conn)
        assert state.schema is not None and state.stale
        assert [p.code for p in state.problems] == ["schema-file-yaml"]
    finally:
        indexer.close()


def test_sidecars_and_invalid_yaml(notebook: Notebook) -> None:
    write(notebook.root, "experiments/run.csv", "a,b\n")
    write(notebook.root, "experiments/.run.csv.json", '{"status": "dne"}')
    write(notebook.root, "experiments/broken.md", "---\nstatus: [\n---\n")
    indexer = Indexer(notebook)
    try:
        indexer.index()
        found = problems(indexer)
        assert ("experiments/.run.csv.json", "schema-enum", 0, 11) in found
        assert all(p[0] != "experiments/broken.md" for p in found)  # the YAML error says it
    finally:
        indexer.close()


def test_check_reports_schema_problems_with_links(
    notebook: Notebook, capsys: pytest.CaptureFixture[str]
) -> None:
    write(notebook.root, "experiments/ok.md", "---\nstatus: done\n---\nSee [[Nowhere]].\n")
    assert main(["check", str(notebook.root)]) == 1
    out = capsys.readouterr().out
    assert "experiments/bad.md:2:9: error: status: expected one of planned, running, done;" in out
    assert "did you mean 'running'? [schema-enum]" in out
    assert "[link-broken]" in out and "[schema-link]" in out
    assert main(["check", str(notebook.root), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    codes = {issue["code"] for issue in report["issues"]}
    assert {"schema-enum", "schema-link", "link-broken"} <= codes
    enum = next(i for i in report["issues"] if i["code"] == "schema-enum")
    assert (enum["line"], enum["character"], enum["end_character"]) == (1, 8, 14)


def test_check_passes_on_a_clean_notebook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = Path(__file__).parents[1] / "examples" / "lab-notebook"
    root = tmp_path / "lab"
    shutil.copytree(example, root, ignore=shutil.ignore_patterns("notebook.db*"))
    main(["check", str(root), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert [i for i in report["issues"] if i["code"].startswith("schema-")] == []


def test_a_full_run_writes_its_schema_results_as_a_bulk_write(
    notebook: Notebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full run's schema results are written as the rest of the run (indexer._bulk_write):
    their commit neither waits for the disk nor checkpoints on its own; other runs' do."""
    modes: list[int] = []
    sync = indexer_module.safe_sync

    def recording(conn: sqlite3.Connection, *args: Any, **kwargs: Any) -> object:
        modes.append(conn.execute("PRAGMA synchronous").fetchone()[0])
        return sync(conn, *args, **kwargs)

    monkeypatch.setattr(indexer_module, "safe_sync", recording)
    indexer = Indexer(notebook)
    try:
        indexer.index()
        write(notebook.root, "experiments/new.md", "---\nstatus: bad\n---\n")
        indexer.index()
        assert indexer.conn.execute("PRAGMA synchronous").fetchone()[0] == 1
        assert [p[0] for p in problems(indexer)] == [
            "experiments/bad.md",
            "experiments/link.md",
            "experiments/new.md",
        ]
    finally:
        indexer.close()
    assert modes == [0, 1]  # OFF for the full run, NORMAL for the next
