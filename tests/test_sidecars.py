"""Sidecars as the design shows them (docs/attachments.md): the three formats, merged under
the frontmatter, and what their metadata means for a note or an attachment in the index."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codex_lsp.core.metadata import described, searchable_text
from codex_lsp.core.sidecar import merge_metadata, read_sidecar
from codex_lsp.storage import queries
from notebook_builder import indexed

# The design's examples: one file described three ways.
DESIGN_JSON = json.dumps(
    {
        "title": "Training run",
        "tags": ["ml", "pytorch"],
        "description": "Loss curves of the third training run",
        "properties": {"status": "in-progress", "epochs": 40},
    }
)
DESIGN_XML = (
    "<metadata>\n"
    "  <title>Training run</title>\n"
    "  <tags><tag>ml</tag><tag>pytorch</tag></tags>\n"
    "  <description>Loss curves of the third training run</description>\n"
    "  <properties><status>in-progress</status></properties>\n"
    "</metadata>\n"
)
DESIGN_MD = (
    "# Metadata\n"
    "\n"
    "Title: Training run\n"
    "Tags: ml, pytorch\n"
    "Description: Loss curves of the third training run\n"
    "\n"
    "# Notes\n"
    "\n"
    "Status: not metadata, another section\n"
)
EXPECTED = {
    "title": "Training run",
    "tags": ["ml", "pytorch"],
    "description": "Loss curves of the third training run",
}
FORMATS = {"json": DESIGN_JSON, "xml": DESIGN_XML, "md": DESIGN_MD}


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_the_design_examples_give_title_tags_and_description(kind: str) -> None:
    data, problem = read_sidecar(kind, FORMATS[kind])
    assert problem is None
    assert {k: data[k] for k in EXPECTED} == EXPECTED
    meaning = described(data)
    assert meaning.title == "Training run"
    assert meaning.tags == ("ml", "pytorch")
    assert meaning.description == "Loss curves of the third training run"


def test_xml_repeated_elements_and_list_elements_become_lists() -> None:
    data, _ = read_sidecar("xml", "<m><tags><tag>solo</tag></tags><run>1</run><run>2</run></m>")
    assert data == {"tags": ["solo"], "run": ["1", "2"]}
    nested, _ = read_sidecar("xml", "<m><properties><status>done</status></properties></m>")
    assert nested == {"properties": {"status": "done"}}  # one child of another name: a mapping


def test_markdown_sidecar_frontmatter_wins_over_its_metadata_block() -> None:
    text = "---\ntitle: From YAML\n---\n# Metadata\nTitle: From block\nRun ID: 7\n"
    data, problem = read_sidecar("md", text)
    assert problem is None
    assert data == {"title": "From YAML", "run id": "7"}


def test_priority_is_frontmatter_then_json_then_xml_then_markdown() -> None:
    sidecars = {
        "json": {"a": "json"},
        "xml": {"a": "xml", "b": "xml"},
        "md": {"a": "md", "b": "md", "c": "md"},
    }
    merged = merge_metadata({"d": "front"}, sidecars)
    assert merged == {"a": "json", "b": "xml", "c": "md", "d": "front"}


def test_every_scalar_at_any_depth_is_searchable_as_key_value_text() -> None:
    text = searchable_text(
        {"title": "T", "properties": {"status": "in-progress", "nested": {"ok": True}}, "n": [1, 2]}
    )
    assert text.splitlines() == ["status: in-progress", "ok: true", "n: 1", "n: 2"]


@pytest.mark.parametrize(
    ("kind", "text", "line"),
    [
        ("json", '{\n  "a": 1,\n  oops\n}', 2),
        ("xml", "<m>\n<a>\n</m>", 2),
        ("md", "---\na: [\n---\n", 2),
    ],
)
def test_a_broken_sidecar_is_a_problem_where_the_parser_stopped(
    kind: str, text: str, line: int
) -> None:
    data, problem = read_sidecar(kind, text)
    assert data == {}
    assert problem is not None and problem.code == "sidecar-invalid"
    assert problem.range.start.line == line


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(["json", "xml", "md"]), text=st.text(max_size=2000))
def test_no_sidecar_text_crashes_the_parser(kind: str, text: str) -> None:
    started = time.monotonic()
    data, problem = read_sidecar(kind, text)
    assert isinstance(data, dict)
    assert problem is None or problem.code == "sidecar-invalid"
    searchable_text(data)
    described(data)
    assert time.monotonic() - started < 2.0


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(
        st.tuples(st.text("abcXYZ :-,#", min_size=0, max_size=30), st.text(max_size=30)),
        max_size=30,
    )
)
def test_no_markdown_metadata_block_crashes_the_parser(lines: list[tuple[str, str]]) -> None:
    text = "# Metadata\n" + "".join(f"{k}: {v}\n" for k, v in lines)
    data, problem = read_sidecar("md", text)
    assert problem is None
    assert all(key == key.lower() for key in data)


@pytest.mark.parametrize(
    "line",
    ["Key: x" + " " * 200_000 + "y", " " * 200_000, "k" * 200_000, "- " + "a " * 100_000 + ":"],
)
def test_a_long_line_of_a_metadata_block_is_read_in_linear_time(line: str) -> None:
    started = time.monotonic()
    read_sidecar("md", f"# Metadata\n{line}\n")
    assert time.monotonic() - started < 1.0


# -- in the index --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_a_csv_takes_title_tags_and_text_from_its_sidecar(tmp_path: Path, kind: str) -> None:
    files = {"data/loss.csv": "epoch,loss\n1,0.9\n", f"data/.loss.csv.{kind}": FORMATS[kind]}
    with indexed(tmp_path, files) as item:
        conn = item.conn
        (title,) = conn.execute(
            "SELECT title FROM file_metadata WHERE path = 'data/loss.csv'"
        ).fetchone()
        assert title == "Training run"
        tags = {t.name: t.count for t in queries.list_tags(conn)}
        assert tags == {"ml": 1, "pytorch": 1}
        assert [h.path for h in queries.search(conn, "training run")] == ["data/loss.csv"]
        assert [h.path for h in queries.search(conn, "third")] == ["data/loss.csv"]
        assert [h.title for h in queries.search(conn, "", ["pytorch"])] == ["Training run"]


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_a_note_takes_tags_and_title_from_its_sidecar(tmp_path: Path, kind: str) -> None:
    files = {"Run 3.md": "Some prose #lab\n", f".Run 3.md.{kind}": FORMATS[kind]}
    with indexed(tmp_path, files) as item:
        conn = item.conn
        (title,) = conn.execute(
            "SELECT title FROM file_metadata WHERE path = 'Run 3.md'"
        ).fetchone()
        assert title == "Training run"
        assert {t.name for t in queries.list_tags(conn)} == {"lab", "ml", "pytorch"}
        assert [h.path for h in queries.search(conn, "", ["ml"])] == ["Run 3.md"]


def test_frontmatter_title_and_tags_win_over_the_sidecars(tmp_path: Path) -> None:
    files = {
        "Run 3.md": "---\ntitle: Mine\ntags: [own]\n---\nText\n",
        ".Run 3.md.json": DESIGN_JSON,
    }
    with indexed(tmp_path, files) as item:
        conn = item.conn
        (title,) = conn.execute("SELECT title FROM file_metadata").fetchone()
        assert title == "Mine"
        assert {t.name for t in queries.list_tags(conn)} == {"own"}


def test_nested_properties_are_found_by_value_and_by_key_value(tmp_path: Path) -> None:
    files = {"data/run.csv": "a\n", "data/.run.csv.json": DESIGN_JSON, "Other.md": "status\n"}
    with indexed(tmp_path, files) as item:
        assert [h.path for h in queries.search(item.conn, "in-progress")] == ["data/run.csv"]
        assert [h.path for h in queries.search(item.conn, "status: in-progress")] == [
            "data/run.csv"
        ]


def test_a_sidecar_alias_names_a_note_and_is_searchable_text_of_an_attachment(
    tmp_path: Path,
) -> None:
    files = {
        "Run 3.md": "Prose\n",
        ".Run 3.md.md": "# Metadata\nAliases: Training run, run three\n",
        "data/loss.csv": "a\n",
        "data/.loss.csv.json": '{"aliases": ["Loss table"]}',
        "Note.md": "See [[Training run]], [[run three]] and [[Loss table]].\n",
    }
    with indexed(tmp_path, files) as item:
        rows = item.conn.execute(
            "SELECT l.target, l.status, t.path FROM link l"
            " LEFT JOIN file_metadata t ON t.id = l.target_id ORDER BY l.start_char"
        ).fetchall()
        assert rows == [
            ("Training run", "resolved", "Run 3.md"),
            ("run three", "resolved", "Run 3.md"),
            ("Loss table", "broken", None),  # as in Obsidian, only notes have aliases
        ]
        assert queries.search(item.conn, "loss table")[0].path == "data/loss.csv"
