"""Frontmatter schemas, pure core: reading schema.yaml, types, and errors mapped to ranges."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
import yaml

from codex_lsp.core.model import Severity
from codex_lsp.core.schema.assist import (
    field_context,
    frontmatter_block,
    insert_properties,
    placeholder,
    remove_key_range,
    replacement_text,
    summary,
    yaml_value,
)
from codex_lsp.core.schema.check import (
    SchemaIssue,
    SidecarText,
    check_file,
    expectation,
    sidecar_owner,
)
from codex_lsp.core.schema.compile import BASE_URI, NotebookSchema, normalise
from codex_lsp.core.schema.lint import load_schema, meta_schema
from codex_lsp.core.schema.patterns import glob_regex
from codex_lsp.storage.workspace import SCHEMA_TEMPLATE
from codex_testing import text_at

SCHEMA = """\
version: 1
properties:
  title: {type: string}
  tags: {type: array, items: {type: string, pattern: "^[a-z/-]+$"}}
$defs:
  person: {type: string, x-codex-link: true}
types:
  experiment:
    paths: ["experiments/**"]
    required: [status, date]
    additionalProperties: false
    properties:
      status: {enum: [planned, running, done, failed], description: "Where the run stands"}
      date: {type: string, format: date}
      started: {type: string, format: date-time}
      contact: {type: string, format: email}
      source: {type: string, format: uri}
      protocol: {type: string, x-codex-link: true}
      operator: {$ref: "#/$defs/person"}
      replicates: {type: integer, minimum: 1, default: 3}
      published: {type: boolean}
      volumes: {type: array, items: {type: number}}
      samples:
        type: array
        items:
          type: object
          required: [id]
          properties:
            id: {type: string}
            kind: {enum: [dna, rna]}
      sample:
        type: object
        required: [id]
        additionalProperties: false
        properties:
          id: {type: string}
          volume_ul: {type: number}
      score: {anyOf: [{type: number}, {type: "null"}]}
  protocol:
    paths: "protocols/**"
    required: [version]
    properties:
      version: {type: string}
"""

NOTES = {"pcr": "protocols/PCR.md", "ana": "people/Ana.md", "gel": "data/gel.png"}


def resolver(target: str) -> str | None:
    return NOTES.get(target.lower())


@pytest.fixture(scope="module")
def schema() -> NotebookSchema:
    loaded = load_schema(SCHEMA)
    assert loaded.problems == []
    assert loaded.schema is not None
    return loaded.schema


def check(schema: NotebookSchema, text: str, path: str = "experiments/run.md") -> list[SchemaIssue]:
    return check_file(schema, path, text, resolver=resolver).issues


def found(issues: list[SchemaIssue], text: str) -> list[tuple[str, str]]:
    """(code, text under the range) of every issue, sorted."""
    return sorted((i.code, text_at(text, i.range)) for i in issues)


def fm(body: str) -> str:
    return f"---\n{body}---\n# Body\n"


# -- reading the schema file -------------------------------------------------------------------


def test_the_example_schema_loads() -> None:
    from pathlib import Path

    text = (Path(__file__).parents[1] / "examples/lab-notebook/.codex/schema.yaml").read_text()
    loaded = load_schema(text)
    assert loaded.valid and loaded.problems == []
    assert loaded.schema is not None
    assert list(loaded.schema.types) == ["experiment", "protocol", "daily"]


def test_empty_schema_checks_nothing() -> None:
    loaded = load_schema("# nothing yet\n")
    assert loaded.schema is not None and loaded.schema.empty
    assert check_file(loaded.schema, "a.md", fm("x: 1\n")).issues == []


@pytest.mark.parametrize(
    ("text", "code", "under", "words"),
    [
        ("version: 1\ntypes: [\n", "schema-file-yaml", "", "Invalid YAML"),
        ("- a\n", "schema-file-invalid", "- a", "must be a mapping"),
        ("version: 2\n", "schema-file-invalid", "2", "expected 1, found 2"),
        ("types: {}\n", "schema-file-invalid", "types: {}", "Missing 'version'"),
        ("version: 1\ntyps: {}\n", "schema-file-invalid", "typs", "did you mean 'types'?"),
        (
            "version: 1\nproperties:\n  a: {type: strng}\n",
            "schema-file-unknown-type",
            "strng",
            "did you mean 'string'?",
        ),
        (
            "version: 1\nproperties:\n  a: {type: [string, nul]}\n",
            "schema-file-unknown-type",
            "nul",
            "Unknown type 'nul'",
        ),
        (
            "version: 1\nproperties:\n  a: {minLength: -1}\n",
            "schema-file-invalid",
            "-1",
            "less than the minimum of 0",
        ),
        (
            "version: 1\nproperties:\n  a: {$ref: 'https://example.org/s.json'}\n",
            "schema-file-ref",
            "'https://example.org/s.json'",
            "nothing is fetched",
        ),
        (
            "version: 1\nproperties:\n  a: {$ref: '#/$defs/missing'}\n",
            "schema-file-ref",
            "'#/$defs/missing'",
            "points to nothing",
        ),
        (
            "version: 1\n$defs:\n  a: {$ref: '#/$defs/a'}\nproperties:\n  x: {$ref: '#/$defs/a'}\n",
            "schema-file-ref",
            "'#/$defs/a'",
            "makes a cycle",
        ),
        (
            "version: 1\nproperties:\n  a: {pattern: '('}\n",
            "schema-file-invalid",
            "'('",
            "Invalid regular expression",
        ),
        ("version: 1\ntypes:\n  bad name: {}\n", "schema-file-invalid", "bad name", "type name"),
        (
            "version: 1\ntypes:\n  t: {paths: 3}\n",
            "schema-file-invalid",
            "3",
            "types.t.paths",
        ),
        (
            "version: 1\nproperties:\n  a: {x-codex-link: 'yes'}\n",
            "schema-file-invalid",
            "'yes'",
            "expected true or false",
        ),
    ],
)
def test_schema_file_errors(text: str, code: str, under: str, words: str) -> None:
    loaded = load_schema(text)
    assert not loaded.valid
    matching = [p for p in loaded.problems if p.code == code]
    assert matching, loaded.problems
    problem = matching[0]
    assert problem.severity is Severity.ERROR
    if under:
        assert text_at(text, problem.range) == under
    assert words in problem.message, problem.message


def test_unknown_keywords_are_warnings_that_keep_the_schema() -> None:
    text = "version: 1\nproperties:\n  a: {type: string, requried: true, x-mine: 1}\n"
    loaded = load_schema(text)
    assert loaded.valid
    [problem] = loaded.problems
    assert problem.severity is Severity.WARNING
    assert text_at(text, problem.range) == "requried"
    assert "did you mean 'required'?" in problem.message


def test_the_shipped_json_schema_accepts_the_documented_shape() -> None:
    from jsonschema import Draft7Validator

    Draft7Validator.check_schema(meta_schema())
    errors = list(Draft7Validator(meta_schema()).iter_errors(yaml.safe_load(SCHEMA)))
    assert errors == []


# -- choosing a type ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("glob", "path", "matches"),
    [
        ("experiments/**", "experiments/a.md", True),
        ("experiments/**", "experiments/2026/a.md", True),
        ("experiments/**", "other/experiments/a.md", False),
        ("experiments/*", "experiments/2026/a.md", False),
        ("**/runs/*.md", "projects/alpha/runs/r1.md", True),
        ("**/runs/*.md", "runs/r1.md", True),
        ("daily/2026-0?-*.md", "daily/2026-03-01.md", True),
        ("daily/[0-9]*.md", "daily/x.md", False),
        ("notes/", "notes/deep/a.md", True),
        ("*.md", "a/b.md", False),
    ],
)
def test_globs(glob: str, path: str, matches: bool) -> None:
    assert bool(glob_regex(glob).match(path)) is matches


def test_type_from_type_value_then_paths(schema: NotebookSchema) -> None:
    assert schema.choose_type("experiments/a.md", None)[0] is schema.types["experiment"]
    assert (
        schema.choose_type("experiments/a.md", {"type": "protocol"})[0] is schema.types["protocol"]
    )
    note_type, unknown = schema.choose_type("inbox/a.md", {"type": "experimnt"})
    assert note_type is None and unknown == "experimnt"
    assert schema.choose_type("inbox/a.md", {})[0] is None


def test_unknown_note_type_warns_with_a_suggestion(schema: NotebookSchema) -> None:
    text = fm("type: protocl\nversion: '1'\n")
    [issue] = check(schema, text, "inbox/x.md")
    assert issue.code == "schema-unknown-type" and issue.severity is Severity.WARNING
    assert text_at(text, issue.range) == "protocl"
    assert "did you mean 'protocol'?" in issue.message
    assert issue.data == {"kind": "replace", "suggestion": "protocol"}


def test_without_types_a_type_value_is_just_a_value() -> None:
    loaded = load_schema("version: 1\nproperties:\n  title: {type: string}\n")
    assert loaded.schema is not None
    assert check_file(loaded.schema, "a.md", fm("type: whatever\n")).issues == []


# -- errors and their ranges ------------------------------------------------------------------


def test_valid_note_has_no_issues(schema: NotebookSchema) -> None:
    text = fm(
        "type: experiment\nstatus: done\ndate: 2026-03-04\nstarted: 2026-03-04T10:00:00Z\n"
        "contact: ana@lab.example\nsource: https://example.org/x\nprotocol: '[[PCR]]'\n"
        "operator: '[[Ana|A. R.]]'\nreplicates: 2\npublished: false\nvolumes: [1, 2.5]\n"
        "samples:\n  - id: s1\n    kind: dna\nsample: {id: a}\nscore: null\ntags: [a/b, c]\n"
    )
    assert check(schema, text) == []


def test_value_errors_are_on_the_value(schema: NotebookSchema) -> None:
    text = fm(
        "status: runing\ndate: '2026-02-30'\nstarted: yesterday\ncontact: nobody\n"
        "source: not a uri\nreplicates: 0\npublished: 'yes'\nvolumes: [1, big]\nscore: high\n"
    )
    issues = check(schema, text)
    assert found(issues, text) == [
        ("schema-enum", "runing"),
        ("schema-format", "'2026-02-30'"),
        ("schema-format", "nobody"),
        ("schema-format", "not a uri"),
        ("schema-format", "yesterday"),
        ("schema-invalid", "0"),
        ("schema-invalid", "high"),
        ("schema-type", "'yes'"),
        ("schema-type", "big"),
    ]
    by_text = {text_at(text, i.range): i for i in issues}
    assert by_text["runing"].message == (
        "status: expected one of planned, running, done, failed; found 'runing': "
        "did you mean 'running'?"
    )
    assert by_text["runing"].data == {"kind": "replace", "suggestion": "running"}
    assert by_text["'yes'"].message == "published: expected true or false, found 'yes'"
    assert by_text["big"].message == "volumes[1]: expected a number, found 'big'"
    assert by_text["0"].message == "replicates: expected at least 1, found 0 (an integer)"
    assert "expected a number or nothing (null), found 'high'" in by_text["high"].message
    assert "expected a date (YYYY-MM-DD)" in by_text["'2026-02-30'"].message


def test_unquoted_yaml_dates_are_checked_as_iso_text(schema: NotebookSchema) -> None:
    assert check(schema, fm("status: done\ndate: 2026-03-04\n")) == []
    text = fm("status: done\ndate: 2026-03-04 10:00:00\n")  # a timestamp, not a date
    issues = check(schema, text)
    assert found(issues, text) == [("schema-format", "2026-03-04 10:00:00")]
    assert "found '2026-03-04T10:00:00'" in issues[0].message


def test_an_impossible_unquoted_date_is_a_value_the_schema_reports(schema: NotebookSchema) -> None:
    text = fm("status: runing\ndate: 2026-02-31\n")
    issues = check(schema, text)
    assert found(issues, text) == [("schema-enum", "runing"), ("schema-format", "2026-02-31")]
    assert "expected a date (YYYY-MM-DD)" in issues[1].message


@pytest.mark.parametrize(
    "body",
    [
        "tags:\n",
        "tags:\n  - \n  - paper\n",
        "tags: [2024, draft]\n",
        "tags: draft, paper\n",
        "title:\n",
        "title: 2024\n",
        "aliases:\n  - \n  - Other\n",
        "aliases: Other\n",
    ],
)
def test_the_starter_schema_accepts_what_obsidian_accepts(body: str) -> None:
    loaded = load_schema(SCHEMA_TEMPLATE)
    assert loaded.problems == [] and loaded.schema is not None
    assert check(loaded.schema, fm(body), path="any/note.md") == []


def test_the_starter_schema_still_checks_its_properties() -> None:
    loaded = load_schema(SCHEMA_TEMPLATE)
    assert loaded.schema is not None
    text = fm("tags: {a: 1}\ntitle: [x]\n")
    assert [code for code, _ in found(check(loaded.schema, text, "n.md"), text)] == [
        "schema-type",
        "schema-type",
    ]


def test_unknown_keys_are_on_the_key(schema: NotebookSchema) -> None:
    text = fm("status: done\ndate: 2026-03-04\nstaus: x\nsample: {id: a, colour: red}\n")
    issues = check(schema, text)
    assert found(issues, text) == [
        ("schema-unknown-property", "colour"),
        ("schema-unknown-property", "staus"),
    ]
    staus = next(i for i in issues if "staus" in i.message)
    assert staus.message.startswith("Unknown property 'staus': not allowed by type 'experiment'")
    assert staus.data == {"kind": "unknown", "key": "staus", "path": [], "suggestion": None}
    colour = next(i for i in issues if "colour" in i.message)
    assert "in sample" in colour.message and "expected one of id, volume_ul" in colour.message
    assert colour.data["path"] == ["sample"]


def test_a_close_unknown_key_suggests_the_missing_property(schema: NotebookSchema) -> None:
    text = fm("status: done\ndate: 2026-03-04\npublshed: true\n")
    [issue] = check(schema, text)
    assert "did you mean 'published'?" in issue.message
    assert issue.data["suggestion"] == "published"


def test_missing_required_keys_are_on_the_opening_line(schema: NotebookSchema) -> None:
    text = fm("title: x\n")
    issues = check(schema, text)
    assert found(issues, text) == [("schema-required", "---"), ("schema-required", "---")]
    status = next(i for i in issues if "'status'" in i.message)
    assert status.message == (
        "Missing required property 'status' (type 'experiment'): "
        "expected one of planned, running, done, failed"
    )
    assert status.data == {
        "kind": "required",
        "key": "status",
        "type": "experiment",
        "missing": ["status", "date"],
    }


def test_nested_required_is_on_the_enclosing_key(schema: NotebookSchema) -> None:
    text = fm("status: done\ndate: 2026-03-04\nsample: {volume_ul: 2}\nsamples:\n  - kind: rna\n")
    issues = check(schema, text)
    assert found(issues, text) == [
        ("schema-required", "- kind: rna"[2:]),
        ("schema-required", "sample"),
    ]
    messages = sorted(i.message for i in issues)
    assert messages == [
        "sample: missing required property 'id': expected a string",
        "samples[0]: missing required property 'id': expected a string",
    ]


def test_no_frontmatter_where_a_type_needs_keys(schema: NotebookSchema) -> None:
    [issue] = check(schema, "# Just a title\n")
    assert issue.code == "schema-no-frontmatter"
    assert (issue.range.start, issue.range.end) == ((0, 0), (0, 0))
    assert "'status', 'date'" in issue.message
    assert issue.data == {
        "kind": "no-frontmatter",
        "type": "experiment",
        "keys": ["status", "date"],
    }
    assert check(schema, "# Loose\n", "inbox/loose.md") == []  # untyped: not checked


def test_links(schema: NotebookSchema) -> None:
    text = fm(
        "status: done\ndate: 2026-03-04\nprotocol: '[[Missing one]]'\noperator: Ana\n"
        "samples: []\nvolumes: []\nsource: https://x.org\n"
    )
    issues = check(schema, text)
    assert found(issues, text) == [("schema-link", "Ana"), ("schema-link", "[[Missing one]]")]
    missing = next(i for i in issues if "Missing one" in i.message)
    assert missing.message == (
        "protocol: no note named 'Missing one' (expected a link to an existing note)"
    )
    text = fm("status: done\ndate: 2026-03-04\nprotocol: '[[gel]]'\n")
    [issue] = check(schema, text)
    assert "not a note" in issue.message
    # Without a resolver only the syntax is checked.
    loaded = load_schema(SCHEMA)
    assert loaded.schema is not None
    plain = check_file(
        loaded.schema,
        "experiments/x.md",
        fm("status: done\ndate: 2026-03-04\nprotocol: '[[Missing one]]'\n"),
    ).issues
    assert plain == []


def test_comma_separated_tags_are_split_before_validation(schema: NotebookSchema) -> None:
    assert normalise({"tags": "protocol, wet-lab #x"}) == {"tags": ["protocol", "wet-lab", "x"]}
    text = fm("type: protocol\nversion: '1'\ntags: 'protocol, Wet_Lab'\n")
    issues = check(schema, text, "protocols/gel.md")
    assert found(issues, text) == [("schema-invalid", "Wet_Lab")]  # narrowed inside the string
    assert issues[0].message.startswith("tags[1]: expected text matching")


def test_ranges_in_utf16_with_bom_and_crlf(schema: NotebookSchema) -> None:
    text = (
        '\ufeff---\r\ntitle: "Mg²⁺ 😀"\r\nsample: {id: "😀", volume_ul: "x"}\r\nstatus: done\r\n'
        "date: 2026-03-04\r\n---\r\n"
    )
    issues = check(schema, text)
    assert found(issues, text) == [("schema-type", '"x"')]


def test_invalid_yaml_is_left_to_the_parser(schema: NotebookSchema) -> None:
    assert check(schema, "---\nstatus: [\n---\n") == []
    assert check(schema, "---\n- a list\n---\n") == []


# -- sidecars -----------------------------------------------------------------------------------


def test_sidecar_json_is_checked_with_positions(schema: NotebookSchema) -> None:
    side = '{\n\t"type": "experiment",\n\t"status": "dne",\n\t"date": 20260306\n}\n'
    issues = check_file(
        schema, "data/run.csv", None, [SidecarText("data/.run.csv.json", "json", side)]
    ).issues
    assert {i.path for i in issues} == {"data/.run.csv.json"}
    assert found(issues, side) == [("schema-enum", '"dne"'), ("schema-type", "20260306")]
    # An attachment without sidecar metadata is not checked.
    assert check_file(schema, "data/run.csv", None, []).issues == []
    assert sidecar_owner("data/.run.csv.json") == "data/run.csv"
    assert sidecar_owner(".x.md.md") == "x.md"
    assert sidecar_owner("data/run.csv") is None


def test_note_and_sidecar_metadata_are_merged(schema: NotebookSchema) -> None:
    note = fm("status: done\n")
    side = '{"date": "someday", "status": "x"}'
    issues = check_file(
        schema, "experiments/r.md", note, [SidecarText("experiments/.r.md.json", "json", side)]
    ).issues
    # status comes from the frontmatter (it wins); date only from the sidecar.
    assert [(i.path, i.code, text_at(side, i.range)) for i in issues] == [
        ("experiments/.r.md.json", "schema-format", '"someday"')
    ]


def test_sidecar_markdown_frontmatter(schema: NotebookSchema) -> None:
    side = "---\ntype: experiment\nstatus: dun\ndate: 2026-03-04\n---\n"
    issues = check_file(schema, "data/x.bin", None, [SidecarText("data/.x.bin.md", "md", side)])
    assert found(issues.issues, side) == [("schema-enum", "dun")]


# -- pure helpers of the editor features ----------------------------------------------------------


def test_expectation_and_summary(schema: NotebookSchema) -> None:
    experiment = schema.types["experiment"]
    assert expectation(schema.schemas_at(experiment, ["date"])) == "a date (YYYY-MM-DD)"
    assert summary(schema.schemas_at(experiment, ["status"])) == (
        "one of planned, running, done, failed"
    )
    assert summary(schema.schemas_at(experiment, ["operator"])) == "string · [[link]]"
    volumes = schema.schemas_at(experiment, ["volumes"])
    assert summary(volumes, schema.schemas_at(experiment, ["volumes", 0])) == "list of number"
    assert schema.schemas_at(experiment, ["samples", 3, "kind"])[0]["enum"] == ["dna", "rna"]
    assert schema.schemas_at(experiment, ["nothing"]) == []
    assert BASE_URI in str(experiment.schema)


def test_placeholders() -> None:
    today = dt.date(2026, 3, 9)
    assert placeholder([{"enum": ["a b", "c"]}], today) == "a b"
    assert placeholder([{"type": "integer", "default": 3}], today) == "3"
    assert placeholder([{"type": "string", "format": "date"}], today) == "2026-03-09"
    assert placeholder([{"type": "string", "x-codex-link": True}], today) == '"[[]]"'
    assert placeholder([{"type": "boolean"}], today) == "false"
    assert placeholder([{"type": "array"}], today) == "[]"
    assert placeholder([], today) == '""'


@pytest.mark.parametrize(
    "value", ["running", "2026-03-01", "yes", "a: b", "", " x", "#x", "[x", 3, 1.5, True, None]
)
def test_yaml_values_read_back(value: Any) -> None:
    assert yaml.safe_load(f"k: {yaml_value(value)}")["k"] == value


def test_replacement_keeps_the_quote_style() -> None:
    assert replacement_text('"runing"', "running") == '"running"'
    assert replacement_text("'runing'", "it's") == "'it''s'"
    assert replacement_text("runing", "running") == "running"


def test_quick_fix_edits() -> None:
    text = "---\r\ntitle: x\r\n---\r\nBody\r\n"
    rng, new = insert_properties(text, [("status", "planned")]) or (None, "")
    assert rng is not None and (rng.start, rng.end) == ((2, 0), (2, 0))
    assert new == "status: planned\r\n"
    assert frontmatter_block("# T\n", [("a", "1")]) == "---\na: 1\n---\n"
    text = "---\na: 1\nnotes: |\n  two\n  lines\nb: 2\nc: {d: 1}\n---\n"
    removed = remove_key_range(text, [], "notes")
    assert removed is not None and text_at(text, removed) == "notes: |\n  two\n  lines\n"
    assert remove_key_range(text, ["c"], "d") is None  # inside a flow mapping
    last = remove_key_range("---\na: 1\nb: 2\n---\n", [], "b")
    assert last is not None and (last.start, last.end) == ((2, 0), (3, 0))


@pytest.mark.parametrize(
    ("lines", "line", "expected"),
    [
        (["---", "sta", "---"], 1, ("key", (), "sta")),
        (["---", "status: ru", "---"], 1, ("value", ("status",), "ru")),
        (["---", 'date: "20', "---"], 1, ("value", ("date",), "20")),
        (["---", "sample:", "  vo", "---"], 2, ("key", ("sample",), "vo")),
        (["---", "tags:", "  - a", "  - b", "---"], 3, ("item", ("tags",), "b")),
        (["---", "samples:", "  - id: a", "    ki", "---"], 3, ("key", ("samples", 0), "ki")),
        (["---", "samples:", "- kind: d", "---"], 2, ("value", ("samples", 0, "kind"), "d")),
        (["---", "x: [a, b", "---"], 1, None),
        (["---", "x: a # comment", "---"], 1, None),
        (["---", 'p: "[[No', "---"], 1, None),
        (["---", "a: b", "---"], 2, None),
    ],
)
def test_field_context(lines: list[str], line: int, expected: tuple[Any, ...] | None) -> None:
    context = field_context(lines, line, len(lines[line]), lines.index("---", 1))
    if expected is None:
        assert context is None
    else:
        assert context is not None
        assert (context.slot, context.path, context.query) == expected


# -- hostile schemas: regular expressions are user text ------------------------------------------

HOSTILE_PATTERN_SCHEMA = """\
version: 1
properties:
  code: {type: string, pattern: "^(a|aa)+$"}
  extra:
    type: object
    patternProperties:
      "^(a|aa)+$": {type: integer}
"""


def test_a_catastrophic_pattern_is_stopped_at_its_deadline() -> None:
    loaded = load_schema(HOSTILE_PATTERN_SCHEMA)
    assert loaded.schema is not None
    hostile = "a" * 60 + "!"
    text = fm(f"code: '{hostile}'\nextra: {{'{hostile}': 1}}\n")
    started = time.perf_counter()
    issues = check(loaded.schema, text, "notes/x.md")
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0
    messages = sorted(i.message for i in issues)
    assert len(messages) == 2
    assert all("could not be checked" in m for m in messages)


def test_a_pattern_still_matches_and_fails_as_json_schema_says() -> None:
    loaded = load_schema(HOSTILE_PATTERN_SCHEMA)
    assert loaded.schema is not None
    assert check(loaded.schema, fm("code: aaa\nextra: {aa: 1}\n"), "notes/x.md") == []
    issues = check(loaded.schema, fm("code: abc\nextra: {aa: x}\n"), "notes/x.md")
    assert sorted(i.code for i in issues) == ["schema-invalid", "schema-type"]


def test_path_globs_with_many_double_stars_match_in_bounded_time() -> None:
    loaded = load_schema(
        "version: 1\ntypes:\n  deep:\n    paths: ['a**a**a**a**a**a**z']\n    required: [x]\n"
    )
    assert loaded.schema is not None
    started = time.perf_counter()
    note_type, _ = loaded.schema.choose_type("a" * 400 + ".md", {})
    assert note_type is None
    assert loaded.schema.choose_type("a/a/a/a/a/a/z", {})[0] is not None
    assert time.perf_counter() - started < 1.0
