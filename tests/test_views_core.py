"""Unit tests of the pure views engine: expressions, view files, evaluation, checks, rendering."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codex_lsp.core.views.check import PropertyInfo, check_file
from codex_lsp.core.views.engine import ViewInvalid, run_view, summarize
from codex_lsp.core.views.evaluate import GLOBAL_FUNCTIONS, METHODS, Evaluator, Record
from codex_lsp.core.views.expr import (
    MAX_EXPRESSION_CHARS,
    MAX_EXPRESSION_DEPTH,
    Binary,
    Call,
    ExprError,
    Member,
    parse_expression,
)
from codex_lsp.core.views.inline import inline_blocks
from codex_lsp.core.views.render import markdown, markers, materialize, terminal_table
from codex_lsp.core.views.spec import SUMMARIES, read_view_file
from codex_lsp.core.views.tasks import tasks_of
from codex_lsp.core.views.values import parse_duration, plain, shift

NOW = dt.datetime(2026, 3, 10, 15, 30)
NOTE = Record(
    "experiments/pcr/EXP-1 Run.md",
    {
        "status": "running",
        "n": 4,
        "price": 2.5,
        "date": "2026-03-05",
        "tags": ["a"],
        "samples": ["s1", "s2"],
        "flag": True,
        "title": "  Mixed Case  ",
    },
    size=120,
    mtime=dt.datetime(2026, 3, 9, 8, 0),
    ctime=dt.datetime(2026, 3, 1, 8, 0),
    tags=("experiment", "assay/pcr"),
    links=("protocols/PCR.md", "Missing note"),
    backlinks=("README.md",),
)


def value(text: str, rec: Record = NOTE, formulas: dict[str, str] | None = None) -> object:
    """The value of ``text`` for ``rec`` at NOW."""
    parsed = {k: parse_expression(v) for k, v in (formulas or {}).items()}
    return Evaluator(parsed, NOW).value(parse_expression(text), rec)


def test_precedence_and_offsets() -> None:
    node = parse_expression("a || b && c == 1 + 2 * 3")
    assert isinstance(node, Binary) and node.op == "||"
    right = node.right
    assert isinstance(right, Binary) and right.op == "&&"
    call = parse_expression('file.hasTag("x")')
    assert isinstance(call, Call) and call.name == "hasTag" and (call.start, call.end) == (0, 16)
    member = parse_expression('note["two words"]')
    assert isinstance(member, Member) and member.name == "two words"


@pytest.mark.parametrize(
    ("text", "message", "start"),
    [
        ("a ==", "expression ends too early", 4),
        ("a = 1", "unexpected character '='", 2),
        ('"open', "unterminated string", 0),
        ("(a", "expected ')', found the end", 2),
        ("a b", "unexpected 'b'", 2),
        ("1(2)", "only a function name can be called", 0),
        ("x.", "expected a name after '.'", 2),
        ("", "empty expression", 0),
    ],
)
def test_syntax_errors_have_offsets(text: str, message: str, start: int) -> None:
    with pytest.raises(ExprError) as info:
        parse_expression(text)
    assert info.value.message == message
    assert info.value.start == start


def test_parser_is_bounded() -> None:
    with pytest.raises(ExprError, match="longer than"):
        parse_expression("a" * (MAX_EXPRESSION_CHARS + 1))
    with pytest.raises(ExprError, match="nested deeper"):
        parse_expression("(" * (MAX_EXPRESSION_DEPTH + 1) + "1" + ")" * (MAX_EXPRESSION_DEPTH + 1))
    with pytest.raises(ExprError, match="nested deeper"):
        parse_expression("!" * 500 + "a")
    # Long but flat chains parse: the depth limit counts nesting, not length.
    assert parse_expression(" && ".join(["a"] * 60)) is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # names and file fields
        ("status", "running"),
        ("note.status", "running"),
        ('note["n"]', 4),
        ("missing", None),
        ("file.name", "EXP-1 Run.md"),
        ("file.basename", "EXP-1 Run"),
        ("file.path", "experiments/pcr/EXP-1 Run.md"),
        ("file.folder", "experiments/pcr"),
        ("file.ext", "md"),
        ("file.size", 120),
        ("file.mtime", dt.datetime(2026, 3, 9, 8, 0)),
        ("file.ctime", dt.datetime(2026, 3, 1, 8, 0)),
        ("file.tags", ["experiment", "assay/pcr"]),
        ("file.links", ["protocols/PCR.md", "Missing note"]),
        ("file.backlinks", ["README.md"]),
        # operators
        ("n + 1", 5),
        ("n - 1", 3),
        ("n * price", 10.0),
        ("n / 2", 2.0),
        ("n % 3", 1),
        ("n / 0", None),
        ("-n", -4),
        ("!flag", False),
        ('status == "running" && n > 3', True),
        ('status == "done" || n >= 4', True),
        ('n == "4"', False),
        ("n != 4", False),
        ('"a" + "b"', "ab"),
        ("n < 10", True),
        ('status < "s"', True),
        ('n < "10"', False),
        # file functions
        ('file.hasTag("assay")', True),
        ('file.hasTag("ASSAY/PCR")', True),
        ('file.hasTag("#experiment")', True),
        ('file.hasTag("assay/p")', False),
        ('file.hasTag("nope", "experiment")', True),
        ('file.inFolder("experiments")', True),
        ('file.inFolder("experiments/pcr/")', True),
        ('file.inFolder("exp")', False),
        ('file.hasLink("PCR")', True),
        ('file.hasLink("[[Missing note]]")', True),
        ('file.hasLink("Other")', False),
        ('file.hasProperty("price")', True),
        ('file.hasProperty("nope")', False),
        # text functions
        ('status.contains("unn")', True),
        ('status.startsWith("run")', True),
        ('status.endsWith("ing")', True),
        ("title.lower()", "  mixed case  "),
        ("title.upper()", "  MIXED CASE  "),
        ("title.trim()", "Mixed Case"),
        ('"a,b".split(",")', ["a", "b"]),
        ("status.length", 7),
        ("length(status)", 7),
        ('"".isEmpty()', True),
        ("n.toString()", "4"),
        # lists
        ('samples.contains("s2")', True),
        ('samples.contains("s3")', False),
        ('samples.containsAll("s1", "s2")', True),
        ('samples.containsAny("x", "s2")', True),
        ("samples.length", 2),
        ('samples.join("; ")', "s1; s2"),
        ("[1, 2].isEmpty()", False),
        ("list(status)", ["running"]),
        # numbers
        ('number("12")', 12),
        ("price.round()", 3),
        ("(0 - price).abs()", 2.5),
        ("min(3, n, 7)", 3),
        ("max(samples, 9)", 9),
        # dates
        ("today()", dt.datetime(2026, 3, 10)),
        ("now()", NOW),
        ('date("2026-03-05")', dt.datetime(2026, 3, 5)),
        ('date("nope")', None),
        ('today() - "7d"', dt.datetime(2026, 3, 3)),
        ('today() + "1 week"', dt.datetime(2026, 3, 17)),
        ('today() + "1M"', dt.datetime(2026, 4, 10)),
        ('today() - "2 years"', dt.datetime(2024, 3, 10)),
        ('now() + "90m"', dt.datetime(2026, 3, 10, 17, 0)),
        ('date > today() - "7d"', True),
        ("date < today()", True),
        ('date == date("2026-03-05")', True),
        ("today() - date(date)", 5 * 86400 * 1000.0),
        ("date(date).year", 2026),
        ("date(date).month", 3),
        ('today().format("YYYY/MM/DD")', "2026/03/10"),
        # if
        ('if(n > 3, "big", "small")', "big"),
        ('if(n > 9, "big")', None),
    ],
)
def test_function_table(text: str, expected: object) -> None:
    assert value(text) == expected


def test_every_documented_function_is_exercised() -> None:
    """Each name of the function table appears in test_function_table's cases."""
    cases = " ".join(
        str(m.args[1])
        for m in test_function_table.pytestmark  # type: ignore[attr-defined]
        if m.name == "parametrize"
    )
    missing = [n for n in [*GLOBAL_FUNCTIONS, *METHODS] if f"{n}(" not in cases]
    assert missing == []


def test_formulas_and_cycles() -> None:
    assert value("formula.double", formulas={"double": "n * 2"}) == 8
    from codex_lsp.core.views.evaluate import EvalError

    with pytest.raises(EvalError):
        value("formula.a", formulas={"a": "formula.a + 1"})


def test_durations() -> None:
    assert parse_duration("3d") == (3.0, "days")
    assert parse_duration("2 Weeks") == (2.0, "weeks")
    assert parse_duration("1M") == (1.0, "months")
    assert parse_duration("1m") == (1.0, "minutes")
    assert parse_duration("soon") is None
    assert shift(dt.datetime(2026, 1, 31), 1, "months") == dt.datetime(2026, 2, 28)


BASE = """\
filters:
  and:
    - file.hasTag("experiment")
    - 'status != "archived"'
formulas:
  doubled: "n * 2"
properties:
  note.status:
    displayName: Status
views:
  - type: table
    name: By status
    order: [file.name, status, formula.doubled]
    sort:
      - property: n
        direction: DESC
    groupBy:
      property: status
      direction: ASC
    summaries:
      formula.doubled: Sum
    columnSize:
      file.name: 200
  - type: list
    name: First two
    limit: 2
    sort: [{property: file.name, direction: ASC}]
"""


def records() -> list[Record]:
    """Five notes: four experiments, one archived, one not tagged."""
    rows = [
        ("e/a.md", {"status": "running", "n": 1}, ("experiment",)),
        ("e/b.md", {"status": "done", "n": 5}, ("experiment",)),
        ("e/c.md", {"status": "running", "n": 3}, ("experiment/pcr",)),
        ("e/d.md", {"status": "archived", "n": 9}, ("experiment",)),
        ("x.md", {"status": "running", "n": 2}, ()),
    ]
    return [Record(p, props, tags=t) for p, props, t in rows]


def test_bases_file_runs_with_groups_and_summaries() -> None:
    file = read_view_file(BASE)
    assert file.problems == []
    result = run_view(file, file.views[0], records(), NOW)
    assert [c.name for c in result.columns] == ["name", "Status", "doubled"]
    assert [r.path for r in result.rows] == ["e/b.md", "e/c.md", "e/a.md"]
    assert [(g.key, g.rows, g.summaries) for g in result.groups] == [
        ("done", [0], {"formula.doubled": 10}),
        ("running", [1, 2], {"formula.doubled": 8}),
    ]
    assert result.summaries == {"formula.doubled": 18}
    second = run_view(file, file.view("First two"), records(), NOW)  # type: ignore[arg-type]
    assert [r.path for r in second.rows] == ["e/a.md", "e/b.md"]
    assert second.total == 3 and second.type == "list"


def test_shorthand_format() -> None:
    text = (
        "view_type: board\nquery: 'n > 1'\nconfig:\n  columns: [file.name, n]\n"
        "  sort: n desc\n  group: status\n  limit: 3\n"
    )
    file = read_view_file(text)
    assert file.problems == []
    view = file.views[0]
    assert (view.type, view.limit, view.order) == ("board", 3, ["file.name", "note.n"])
    result = run_view(file, view, records(), NOW)
    # Grouped views sort by the group first: archived, done, then running.
    assert [r.path for r in result.rows] == ["e/d.md", "e/b.md", "e/c.md"]
    assert result.group_by == "note.status"


def test_not_filter_excludes_any_match() -> None:
    file = read_view_file("filters:\n  not:\n    - 'n > 4'\n    - 'status == \"done\"'\n")
    result = run_view(file, file.views[0], records(), NOW)
    assert [r.path for r in result.rows] == ["e/a.md", "e/c.md", "x.md"]


def test_view_file_problems_have_ranges() -> None:
    text = "filters: 'n >'\nbogus: 1\nviews:\n  - type: gallery\n    limit: lots\n    wat: 1\n"
    file = read_view_file(text)
    found = {(p.message, text[p.start : p.end], p.severity) for p in file.problems}
    assert ("expression ends too early", ">", "error") in found
    assert ("unknown key 'bogus'", "bogus", "warning") in found
    assert ("view type 'gallery' is shown as a table", "gallery", "warning") in found
    assert ("limit is a whole number", "lots", "error") in found
    assert ("unknown view key 'wat'", "wat", "warning") in found
    with pytest.raises(ViewInvalid):
        run_view(file, file.views[0], records(), NOW)


def test_yaml_error_is_a_problem() -> None:
    file = read_view_file("views: [\n")
    assert len(file.problems) == 1 and file.problems[0].message.startswith("YAML")


def test_type_checker() -> None:
    props = {"n": PropertyInfo("number", 4), "date": PropertyInfo("date", 3)}
    text = (
        "filters:\n  and:\n"
        "    - 'date > 3'\n"
        "    - 'nosuch(1)'\n"
        "    - 'file.hasTag()'\n"
        "    - 'file.color == 1'\n"
        "    - 'n.whatever'\n"
        "    - 'ghost == 1'\n"
        "    - 'today() * 2 > 1'\n"
        '    - \'git.hash == "x" || git.author == "x" || git.date > today()\'\n'
        "    - 'formula.none'\n"
        "    - 'date > today() - \"7d\" && n > 1'\n"
        "views:\n  - order: [file.nope, ghost]\n"
    )
    file = read_view_file(text)
    problems = {(p.message, text[p.start : p.end], p.severity) for p in check_file(file, props)}
    assert problems == {
        ("comparing a date with a number is never true", "date > 3", "error"),
        ("unknown function 'nosuch' (see docs/views.md)", "nosuch(1)", "error"),
        ("hasTag() takes 1 or more argument(s), not 0", "file.hasTag()", "error"),
        ("unknown file field 'color'", "file.color", "error"),
        ("unknown field 'whatever'", "n.whatever", "error"),
        ("no note has the property 'ghost'", "ghost", "warning"),
        ('a date * a number: add or subtract a duration like "7d"', "today() * 2", "error"),
        ("unknown git field 'hash' (date, author)", "git.hash", "error"),
        ("no formula 'none' in this file", "formula.none", "error"),
        ("unknown file field 'nope'", "file.nope", "error"),
    }


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("Count", [1, None, 3], 3),
        ("Sum", [1, None, 3, "x"], 4),
        ("Average", [1, 2, 6], 3),
        ("Min", [4, 2, 9], 2),
        ("Max", [4, 2, 9], 9),
        ("Range", [4, 2, 9], 7),
        ("Median", [4, 2, 9, 1], 3),
        ("Earliest", ["2026-03-02", "2026-01-05", None], dt.datetime(2026, 1, 5)),
        ("Latest", ["2026-03-02", "2026-01-05"], dt.datetime(2026, 3, 2)),
        ("Unique", ["a", "b", "a", None], 2),
        ("Empty", ["a", "", None, []], 3),
        ("Filled", ["a", "", None, [1]], 2),
        ("Checked", [True, False, True, None], 2),
        ("Unchecked", [True, False, None], 1),
        ("Sum", [None, "x"], None),
    ],
)
def test_summaries(name: str, values: list[object], expected: object) -> None:
    assert summarize(name, values) == expected


@pytest.mark.parametrize("name", sorted(SUMMARIES))
def test_each_group_summarizes_its_own_values(name: str) -> None:
    cells: list[object] = ["2026-03-02", None, 4, True, "", "2026-01-05", 2.5, False, [], "a"]
    notes = [
        Record(f"n{i}.md", {"g": "odd" if i % 2 else "even", "v": v}) for i, v in enumerate(cells)
    ]
    file = read_view_file(
        f"views:\n  - name: V\n    groupBy: {{property: g}}\n    summaries: {{v: {name}}}\n"
    )
    result = run_view(file, file.views[0], notes, NOW)
    assert [g.key for g in result.groups] == ["even", "odd"]
    for group, values in zip(result.groups, (cells[0::2], cells[1::2]), strict=True):
        assert list(group.summaries.values()) == [plain(summarize(name, values))]
    assert list(result.summaries.values()) == [plain(summarize(name, cells))]


def test_file_name_fields_of_odd_names() -> None:
    notes = [Record(p, {}) for p in ("a/plain", "a/b.c.md", "a/trailing.", "a/.hidden")]
    file = read_view_file("views:\n  - name: V\n    order: [file.name, file.basename, file.ext]\n")
    rows = [list(r.values.values()) for r in run_view(file, file.views[0], notes, NOW).rows]
    assert rows == [
        ["plain", "plain", ""],
        ["b.c.md", "b.c", "md"],
        ["trailing", "trailing", ""],
        [".hidden", "", "hidden"],
    ]


def test_tasks_with_inline_fields() -> None:
    text = (
        "# Plan\n- [ ] order primers due:: 2026-12-10\n"
        "```\n- [ ] not a task\n```\n  * [x] gel [owner:: Ana R] (lane:: 3)\n1. [ ] numbered\n"
    )
    tasks = tasks_of(text)
    assert [(t.text, t.done, t.line) for t in tasks] == [
        ("order primers due:: 2026-12-10", False, 1),
        ("gel [owner:: Ana R] (lane:: 3)", True, 5),
        ("numbered", False, 6),
    ]
    assert tasks[0].fields == {"due": "2026-12-10"}
    assert tasks[1].fields == {"owner": "Ana R", "lane": "3"}


def test_inline_blocks() -> None:
    text = "a\n```python\n```base\n```\n```base\nfilters: x\n```\n~~~codex-view\nq\n"
    blocks = inline_blocks(text)
    assert [(b.body, b.line) for b in blocks] == [("filters: x\n", 4), ("q\n", 7)]
    assert text[blocks[0].start :].startswith("filters: x")


def test_markers_and_materialize_keep_other_bytes() -> None:
    text = (
        "# Note\r\nintro\r\n<!-- codex:view views/a.cdx#Open -->\r\nold\r\n<!-- /codex:view -->\r\n"
        "<!-- codex:view dangling.cdx -->\nmiddle\n"
        "<!-- codex:view b.base -->\n<!-- /codex:view -->\n"
    )
    found = markers(text)
    assert [(m.path, m.view, m.line) for m in found] == [
        ("views/a.cdx", "Open", 2),
        ("b.base", None, 7),
    ]
    out = materialize(text, lambda m: f"fresh {m.path}\n")
    assert out == text.replace("old\r\n", "fresh views/a.cdx\n").replace(
        "<!-- codex:view b.base -->\n", "<!-- codex:view b.base -->\nfresh b.base\n"
    )
    assert materialize(out, lambda m: f"fresh {m.path}\n") == out


def test_markdown_and_terminal_rendering() -> None:
    file = read_view_file(BASE)
    result = run_view(file, file.views[0], records(), NOW)
    md = markdown(result, file.views[0].summaries)
    assert md == (
        "**Status: done** (1)\n\n"
        "| name | Status | doubled |\n|---|---|---|\n"
        "| b.md | done | 10 |\n"
        "|  |  | Sum: 10 |\n\n"
        "**Status: running** (2)\n\n"
        "| name | Status | doubled |\n|---|---|---|\n"
        "| c.md | running | 6 |\n"
        "| a.md | running | 2 |\n"
        "|  |  | Sum: 8 |\n"
    )
    table = terminal_table(result)
    assert table.splitlines()[0].split() == ["name", "Status", "doubled"]
    assert table.endswith("3 rows\n")
    empty = run_view(read_view_file("filters: 'n > 100'"), read_view_file("").views[0], [], NOW)
    assert markdown(empty, {}) == "_No results._\n"


def test_filter_nesting_is_bounded() -> None:
    deep = "filters: " + "{and: [" * 40 + "true" + "]}" * 40 + "\n"
    file = read_view_file(deep)
    assert any(p.message == "filters nested too deeply" for p in file.problems)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_hostile_expressions_never_crash(text: str) -> None:
    """Any text parses or fails with an ExprError inside its bounds; a parsed one evaluates."""
    try:
        node = parse_expression(text)
    except ExprError as exc:
        assert 0 <= exc.start <= exc.end <= len(text)
        return
    Evaluator({}, NOW).value(node, NOTE)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_hostile_view_files_never_crash(text: str) -> None:
    file = read_view_file(text)
    for p in [*file.problems, *check_file(file, {})]:
        assert 0 <= p.start <= p.end <= len(text)


def test_materialized_cells_hold_no_links() -> None:
    """Links in values show their text: a table must not add links to its note."""
    rec = Record(
        "e/a.md",
        {"protocol": "[[PCR amplification#Steps|PCR]]", "see": "[doc](x.md) and ![[img.png]]"},
    )
    file = read_view_file("views: [{order: [protocol, see], groupBy: {property: protocol}}]\n")
    md = markdown(run_view(file, file.views[0], [rec], NOW), {})
    assert "[[" not in md and "](" not in md
    assert "**protocol: PCR** (1)" in md
    assert "| PCR | doc and img.png |" in md
