"""Property tests: schema validation never crashes, its ranges lie inside the text, and the
memoised fast path agrees with jsonschema."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codex_lsp.core.model import Position
from codex_lsp.core.schema.assist import field_context, yaml_value
from codex_lsp.core.schema.check import SidecarText, check_file
from codex_lsp.core.schema.lint import load_schema
from codex_lsp.core.schema.positions import NodeLocator
from codex_testing import offset_of

SCHEMA = load_schema(
    """\
version: 1
properties:
  title: {type: string}
  tags: {type: array, items: {type: string, minLength: 1}}
$defs:
  node:
    type: object
    properties:
      name: {type: string}
      children: {type: array, items: {$ref: "#/$defs/node"}}
types:
  experiment:
    paths: ["**"]
    required: [status]
    additionalProperties: false
    properties:
      status: {enum: [planned, running, done]}
      date: {type: string, format: date}
      when: {type: string, format: date-time}
      mail: {type: string, format: email}
      url: {type: string, format: uri}
      protocol: {type: string, x-codex-link: true}
      count: {type: integer, minimum: 0}
      flag: {type: boolean}
      tree: {$ref: "#/$defs/node"}
      data: {type: object, additionalProperties: {type: [number, string]}}
      any: {}
      kinds: {type: [string, boolean, "null"]}
      days: {type: array, items: {type: string, format: date}}
"""
).schema
assert SCHEMA is not None

FRAGMENTS = [
    "status: ",
    "done",
    "runing",
    "date: ",
    "2026-03-04",
    "2026-13-45",
    "2026-03-04 10:00:00",
    "protocol: ",
    '"[[PCR]]"',
    "[[x]]",
    "tags: ",
    '"a, b"',
    "tree: ",
    "children: ",
    "data: ",
    "name: ",
    "count: ",
    "-1",
    "flag: ",
    "yes",
    "null",
    "~",
    "[",
    "]",
    "{",
    "}",
    ", ",
    ": ",
    "- ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "#",
    "&a ",
    "*a",
    "<<: ",
    "!!binary ",
    "? ",
    "|\n  ",
    ">\n  ",
    '"',
    "'",
    "\\",
    "😀",
    "é",
    "\ufeff",
    "\x00",
    "---\n",
    "...\n",
]


def resolver(target: str) -> str | None:
    return "protocols/PCR.md" if target == "PCR" else ("a.png" if target == "x" else None)


def assert_inside(text: str, issues: list[Any], path: str) -> None:
    for issue in issues:
        if issue.path == path:
            start = offset_of(text, issue.range.start)
            end = offset_of(text, issue.range.end)
            assert start <= end


frontmatter_bodies = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), max_size=40).map(
    "".join
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(body=frontmatter_bodies, bom=st.booleans())
def test_any_frontmatter_text_never_crashes(body: str, bom: bool) -> None:
    text = ("\ufeff" if bom else "") + "---\n" + body + "\n---\n# Body\n"
    issues = check_file(SCHEMA, "experiments/x.md", text, resolver=resolver).issues
    assert_inside(text, issues, "experiments/x.md")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=30,
)
KEYS = "status date when mail url protocol tags tree data count flag title any kinds days"
keys = st.sampled_from(KEYS.split()) | st.text(max_size=6)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.dictionaries(keys, json_values, max_size=8), flow=st.booleans())
def test_any_structured_frontmatter_never_crashes(data: dict[str, Any], flow: bool) -> None:
    import yaml

    body = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    text = "---\n" + body + "---\n"
    issues = check_file(SCHEMA, "experiments/x.md", text, resolver=resolver).issues
    assert_inside(text, issues, "experiments/x.md")
    side = json.dumps(data, indent="\t")
    result = check_file(
        SCHEMA, "data/x.csv", None, [SidecarText("data/.x.csv.json", "json", side)], resolver
    )
    assert_inside(side, result.issues, "data/.x.csv.json")


@settings(max_examples=60, deadline=None)
@given(depth=st.integers(min_value=1, max_value=3000), kind=st.sampled_from("[{-n"))
def test_deeply_nested_values_never_crash(depth: int, kind: str) -> None:
    if kind == "[":
        value = "[" * depth + "]" * depth
    elif kind == "{":
        value = "{a: " * depth + "1" + "}" * depth
    elif kind == "-":
        value = "\n  " + "- " * depth + "x"
    else:
        value = "".join(f"\n{'  ' * (i + 1)}k{i}:" for i in range(min(depth, 600))) + " 1"
    text = "---\nstatus: done\ntree: " + value + "\n---\n"
    issues = check_file(SCHEMA, "experiments/x.md", text, resolver=resolver).issues
    assert_inside(text, issues, "experiments/x.md")
    tree: Any = {"name": "leaf"}
    for _ in range(min(depth, 400)):
        tree = {"name": "n", "children": [tree]}
    verdict = SCHEMA.evaluate("x.md", {"status": "done", "tree": tree}, has_metadata=True)
    assert verdict.checked


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(keys, json_values, max_size=8))
def test_fast_path_agrees_with_jsonschema(data: dict[str, Any]) -> None:
    assert SCHEMA is not None
    note_type = SCHEMA.types["experiment"]
    assert note_type.fast is not None
    for _ in range(2):  # the second round answers from the memo
        assert note_type.fast.is_valid(data) == note_type.validator.is_valid(data)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_any_schema_text_never_crashes(text: str) -> None:
    loaded = load_schema(text)
    for problem in loaded.problems:
        offset_of(text, problem.range.start)
        offset_of(text, problem.range.end)


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=6), max_size=12).map(
        lambda parts: "".join(parts).split("\n")
    )
)
def test_completion_context_never_crashes(lines: list[str]) -> None:
    lines = ["---", *lines, "---"]
    for line in range(len(lines)):
        field_context(lines, line, len(lines[line]), len(lines) - 1)
    NodeLocator("\n".join(lines)).path_at(Position(1, 0))


@settings(max_examples=300, deadline=None)
@given(value=json_values)
def test_inserted_values_read_back(value: Any) -> None:
    import yaml

    assert yaml.safe_load(f"k: {yaml_value(value)}")["k"] == value


def test_the_fast_path_remembers_a_bounded_number_of_verdicts() -> None:
    """Values of one note each (its list of tags) do not grow a large notebook's check."""
    from codex_lsp.core.schema.compile import MEMO_LIMIT

    assert SCHEMA is not None
    note_type = SCHEMA.types["experiment"]
    assert note_type.fast is not None
    for n in range(3 * MEMO_LIMIT):
        note_type.fast.is_valid({"status": "done", "tags": [f"tag{n}", "shared"]})
        assert len(note_type.fast.memo) <= MEMO_LIMIT
    assert note_type.fast.is_valid({"status": "done"}) == note_type.validator.is_valid(
        {"status": "done"}
    )


def test_a_list_of_one_schema_is_checked_item_by_item() -> None:
    """Tags lists differ from note to note, their items do not: the fast path remembers a
    verdict per item, and still answers as jsonschema does (an empty tag is invalid)."""
    assert SCHEMA is not None
    note_type = SCHEMA.types["experiment"]
    assert note_type.fast is not None
    note_type.fast.memo.clear()
    words = ["pcr", "gel", "qpcr"]
    for n in range(200):
        tags = [words[n % 3], words[(n // 3) % 3], f"{words[(n // 9) % 3]}"][: 1 + n % 3]
        data = {"status": "done", "tags": tags}
        assert note_type.fast.is_valid(data) == note_type.validator.is_valid(data) is True
    assert len(note_type.fast.memo) <= 1 + len(words)  # the status, and each tag once
    for bad in ({"status": "done", "tags": ["pcr", ""]}, {"status": "done", "tags": "pcr"}):
        assert note_type.fast.is_valid(bad) == note_type.validator.is_valid(bad) is False


def test_plain_type_tests_are_asked_without_jsonschema_or_memory() -> None:
    """A title or a date differs from note to note: their schemas (a JSON type, a format)
    are tested directly, remember nothing, and answer as jsonschema does."""
    assert SCHEMA is not None
    note_type = SCHEMA.types["experiment"]
    assert note_type.fast is not None
    note_type.fast.memo.clear()
    for n in range(50):
        data = {"status": "done", "title": f"Run {n}", "date": f"2026-03-{1 + n % 28:02d}"}
        data |= {"days": [f"2026-04-{1 + n % 28:02d}"], "kinds": [None, True, "x"][n % 3]}
        assert note_type.fast.is_valid(data) == note_type.validator.is_valid(data) is True
    assert len(note_type.fast.memo) == 1  # the status alone
    for bad in (
        {"status": "done", "title": 3},
        {"status": "done", "title": True},
        {"status": "done", "date": "2026-02-30"},
        {"status": "done", "days": ["2026-04-01", "soon"]},
        {"status": "done", "days": "2026-04-01"},
        {"status": "done", "kinds": 1},
    ):
        assert note_type.fast.is_valid(bad) == note_type.validator.is_valid(bad) is False


def test_a_plain_link_test_asks_and_answers_as_the_keyword_does() -> None:
    """``{type: string, x-codex-link: true}`` is tested without jsonschema: the same verdict,
    and the same targets asked of the resolver (the index keeps them to check again)."""
    from codex_lsp.core.schema.links import asking_links

    assert SCHEMA is not None
    note_type = SCHEMA.types["experiment"]
    assert note_type.fast is not None
    assert "protocol" in note_type.fast.plain
    for value in ("[[PCR]]", "[[PCR#Steps|the PCR]]", "[[Gone]]", "[[x]]", "PCR", 3, None):
        data = {"status": "done", "protocol": value}
        with asking_links(resolver) as fast_asked:
            fast = note_type.fast.is_valid(data)
        with asking_links(resolver) as slow_asked:
            slow = note_type.validator.is_valid(data)
        assert (fast, fast_asked) == (slow, slow_asked), value
    with asking_links(resolver):
        assert note_type.fast.is_valid({"status": "done", "protocol": "[[PCR]]"})
        assert not note_type.fast.is_valid({"status": "done", "protocol": "[[x]]"})
