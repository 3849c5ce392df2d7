"""The problem producers without a server: links and parse problems over an in-memory
catalog (core), schema problems and the index's problems of a small notebook (storage)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_lsp.core.model import Position, Range, Severity
from codex_lsp.core.parser import parse_note
from codex_lsp.core.problems import (
    FIXED_SETTING,
    SCHEMA_SETTING,
    NoteProblem,
    held_back,
    link_problems,
    parse_problems,
    setting_for_code,
)
from codex_lsp.core.resolve import MemoryCatalog, target_of_note
from codex_lsp.storage.catalog import SqlCatalog
from codex_lsp.storage.indexer import Indexer
from codex_lsp.storage.notebooks import Notebook
from codex_lsp.storage.schema_problems import schema_file_problems, schema_problems
from codex_lsp.storage.stored_problems import notebook_problems

NOTES = {
    "protocols/PCR.md": "# PCR\n\n## Setup\n\nMix. ^mix\n",
    "a/Intern.md": "# Intern A\n",
    "b/Intern.md": "# Intern B\n",
}


def catalog_of(notes: dict[str, str]) -> MemoryCatalog:
    """A catalog of parsed notes, as the index would hold them."""
    targets = []
    for rel, text in notes.items():
        note = parse_note(text, rel.rsplit("/", 1)[-1].removesuffix(".md"))
        targets.append(
            target_of_note(rel, note.aliases, note.headings, [b.id for b in note.blocks])
        )
    return MemoryCatalog(targets)


def problems_of(text: str, rel: str = "daily/today.md") -> list[NoteProblem]:
    note = parse_note(text, "today")
    return link_problems(note, rel, catalog_of(NOTES)) + parse_problems(note)


def test_links_produce_one_problem_each_with_its_setting() -> None:
    text = (
        "[[PCR]] [[Nowhere]] [[PCR#Setup]] [[PCR#Teardown]] [[PCR#^mix]] [[PCR#^gone]] [[Intern]]\n"
    )
    found = problems_of(text)
    assert [(p.code, p.setting) for p in found] == [
        ("link-broken", "broken_links"),
        ("link-broken-anchor", "broken_anchors"),
        ("link-broken-anchor", "broken_anchors"),
        ("link-ambiguous", "ambiguous_links"),
    ]
    broken, heading, block, ambiguous = found
    assert broken.range == Range(Position(0, 8), Position(0, 19))
    assert broken.message == "Broken link: no note or file named 'Nowhere'"
    assert "heading 'Teardown'" in heading.message
    assert "block 'gone'" in block.message
    assert heading.data is not None and heading.data["targetPath"] == "protocols/PCR.md"
    assert set(ambiguous.related) == {"a/Intern.md", "b/Intern.md"}
    assert ambiguous.severity is Severity.WARNING


def test_an_ambiguity_with_a_clear_winner_has_its_own_setting() -> None:
    # Written in folder a/, [[Intern]] means a/Intern.md without a choice.
    (problem,) = problems_of("[[Intern]]\n", rel="a/today.md")
    assert problem.setting == "ambiguous_resolved_links"


def test_parse_problems_map_to_their_settings() -> None:
    found = problems_of("---\ntitle: [unclosed\n---\n\nA ^x\n\nB ^x\n")
    settings = {p.code: p.setting for p in found}
    assert settings["yaml-invalid"] == "yaml_errors"
    assert settings["duplicate-block-id"] == "duplicate_block_ids"


def test_a_note_without_problems_has_none() -> None:
    assert problems_of("[[PCR]] and [[PCR#Setup]] and [[PCR#^mix]]\n") == []


def test_settings_of_stored_codes() -> None:
    assert setting_for_code("link-broken") == "broken_links"
    assert setting_for_code("link-broken-anchor") == "broken_anchors"
    assert setting_for_code("yaml-not-mapping") == "yaml_errors"
    assert setting_for_code("encoding") == "other"


@pytest.mark.parametrize(
    ("cursor", "held"),
    [
        (None, False),
        (Position(0, 4), False),  # before the link
        (Position(0, 5), True),  # just after [[
        (Position(0, 12), True),  # [[Intern|]]
        (Position(0, 14), False),  # after ]]: closed by the user
        (Position(1, 0), False),  # moved on
    ],
)
def test_the_link_being_typed_is_held_back(cursor: Position | None, held: bool) -> None:
    text = "See [[Intern]]\n"
    note = parse_note(text, "today")
    (broken,) = link_problems(note, "today.md", catalog_of({}))
    assert broken.range == Range(Position(0, 4), Position(0, 14))
    assert held_back(broken, cursor) is held


def test_only_broken_links_are_held_back() -> None:
    (ambiguous,) = problems_of("[[Intern]]\n")
    assert not held_back(ambiguous, Position(0, 5))


SCHEMA = """\
version: 1
types:
  experiment:
    paths: ["experiments/**"]
    required: [status]
    properties:
      status: {enum: [planned, running, done]}
"""


@pytest.fixture
def indexed(tmp_path: Path) -> Indexer:
    root = tmp_path / "nb"
    files = {
        ".codex/schema.yaml": SCHEMA,
        "experiments/bad.md": "---\nstatus: runing\n---\n[[Nowhere]]\n",
        "experiments/ok.md": "---\nstatus: done\n---\n[[bad]]\n",
        "a/Intern.md": "# A\n",
        "b/Intern.md": "# B\n",
        "a/winner.md": "[[Intern]]\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    indexer = Indexer(Notebook(root, explicit=True))
    indexer.index()
    return indexer


def test_the_index_problems_are_what_check_reports(indexed: Indexer) -> None:
    try:
        found = notebook_problems(indexed.conn)
        assert sorted(found) == ["a/winner.md", "experiments/bad.md"]
        assert sorted((p.code, p.setting) for p in found["experiments/bad.md"]) == [
            ("link-broken", "broken_links"),
            ("schema-enum", SCHEMA_SETTING),
        ]
        (winner,) = found["a/winner.md"]
        assert (winner.code, winner.setting) == ("link-ambiguous", "ambiguous_resolved_links")
    finally:
        indexed.close()


def test_the_schema_producer_checks_a_buffer(indexed: Indexer) -> None:
    try:
        notebook = indexed.notebook
        catalog = SqlCatalog(indexed.conn)
        fixed = "---\nstatus: done\n---\n"
        assert schema_problems(indexed.conn, notebook, "experiments/bad.md", fixed, catalog) == []
        missing = schema_problems(indexed.conn, notebook, "experiments/new.md", "# New\n", catalog)
        assert [p.setting for p in missing] == [SCHEMA_SETTING]
        assert missing[0].data is not None and "schema" in missing[0].data
        # Outside typed folders and for files that are not notes: nothing.
        assert schema_problems(indexed.conn, notebook, "a/x.md", "# x\n", catalog) == []
        assert schema_problems(indexed.conn, notebook, "a/x.txt", "x", catalog) == []
    finally:
        indexed.close()


def test_the_schema_file_producer(indexed: Indexer) -> None:
    try:
        notebook = indexed.notebook
        broken = schema_file_problems(notebook, "version: 1\ntypes: 5\n", indexed.conn)
        assert [p.setting for p in broken if p.code != "schema-file-stale"]
        assert all(p.setting in (SCHEMA_SETTING, FIXED_SETTING) for p in broken)
        stale = [p for p in broken if p.code == "schema-file-stale"]
        assert [p.severity for p in stale] == [Severity.INFO]
        assert schema_file_problems(notebook, SCHEMA, indexed.conn) == []
    finally:
        indexed.close()
