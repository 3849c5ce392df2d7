"""No parse of user text is unbounded in time or memory: each limit, tried with hostile input.

Time limits are generous (a second where the work takes milliseconds) but real: the inputs
here took minutes, or gigabytes, before the limits. They count this process's CPU time, not
wall time, so a machine busy with other work does not fail them.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from codex_lsp.core.parser import parse_note
from codex_lsp.core.schema.positions import NodeLocator
from codex_lsp.core.search_query import MAX_QUERY_TERMS, find_first, parse_query
from codex_lsp.core.sidecar import parse_sidecar
from codex_lsp.core.yamlload import (
    MAX_CHARS,
    MAX_NESTING,
    MAX_NODES,
    SafeLoader,
    YamlFailure,
    compose_yaml,
    load_yaml,
    plain_value,
)
from codex_lsp.storage.reader import prepare_file
from codex_lsp.storage.scanner import FileStat

SECOND = 1.0
LIMITED = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail when the block takes more than ``seconds`` of this process's CPU time."""
    start = time.process_time()
    yield
    took = time.process_time() - start
    assert took < seconds, f"took {took:.2f} s"


def laughs(levels: int, width: int) -> str:
    """A "billion laughs" document: each level a list of ``width`` aliases of the one before."""
    names = [f"l{n}" for n in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [" + ", ".join(['"x"'] * width) + "]"]
    for previous, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * width) + "]")
    return "\n".join(lines) + "\n"


def expanded_nodes(levels: int, width: int) -> int:
    """How many nodes :func:`laughs` stands for once every alias is expanded."""
    level_sizes = [1 + width]  # a list of scalars
    for _ in range(levels - 1):
        level_sizes.append(1 + width * level_sizes[-1])
    return 1 + sum(1 + size for size in level_sizes)  # the mapping, each key and its list


def nested(depth: int, flow: bool) -> str:
    """A document of ``depth`` lists, one inside the other, in flow or block style."""
    if flow:
        return "[" * depth + "x" + "]" * depth + "\n"
    return (
        "".join("  " * level + "-\n" for level in range(depth - 1)) + "  " * (depth - 1) + "- x\n"
    )


def loads(text: str) -> Any:
    """The value of ``text``, as :func:`load_yaml` gives it."""
    return load_yaml(text)[1]


# -- YAML: alias expansion ("billion laughs") ------------------------------------------------


def test_the_billion_laughs_frontmatter_is_refused_in_milliseconds() -> None:
    """The document of the report: 9 levels of 9 aliases, 362 bytes, 387 million values."""
    bomb = laughs(9, 9)
    with within(SECOND):
        with pytest.raises(YamlFailure, match="aliases are expanded"):
            load_yaml(bomb)
        with pytest.raises(YamlFailure, match="aliases are expanded"):
            compose_yaml(bomb)


@LIMITED
@given(levels=st.integers(2, 12), width=st.integers(2, 12))
def test_alias_expansion_is_capped(levels: int, width: int) -> None:
    """Refused beyond MAX_NODES expanded nodes, and loaded exactly as PyYAML would below it."""
    text = laughs(levels, width)
    with within(SECOND):
        if expanded_nodes(levels, width) > MAX_NODES:
            with pytest.raises(YamlFailure):
                load_yaml(text)
        else:
            assert loads(text) == plain_value(yaml.load(text, Loader=SafeLoader))


@LIMITED
@given(st.sampled_from(["&a [*a]", "&a {k: *a}", "&a [1, [2, *a]]", "&a {*a : 1}"]))
def test_a_recursive_alias_is_refused(value: str) -> None:
    """A collection that contains itself expands forever: refused, for compose and load."""
    for load in (compose_yaml, load_yaml):
        with within(SECOND), pytest.raises(YamlFailure):
            load(f"key: {value}\n")


def test_a_collection_shared_many_times_below_the_limit_is_fine() -> None:
    """Aliases that stay within the limit load as before (a shared list, merge keys)."""
    text = "base: &b {x: 1}\none: {<<: *b, y: 2}\nlist: &l [1, 2]\nagain: [*l, *l]\n"
    assert loads(text) == {
        "base": {"x": 1},
        "one": {"x": 1, "y": 2},
        "list": [1, 2],
        "again": [[1, 2], [1, 2]],
    }


# -- YAML: node count, nesting, size ---------------------------------------------------------


@settings(max_examples=6, deadline=None)
@given(count=st.integers(MAX_NODES - 10, MAX_NODES + 10), flow=st.booleans())
def test_node_count_is_capped_without_aliases(count: int, flow: bool) -> None:
    """A long list counts too: at most MAX_NODES nodes (the list itself is one)."""
    text = "[" + ",".join("1" * count) + "]\n" if flow else "".join("- 1\n" for _ in range(count))
    with within(2 * SECOND):
        if count + 1 > MAX_NODES:
            with pytest.raises(YamlFailure, match="values"):
                load_yaml(text)
        else:
            assert len(loads(text)) == count


@LIMITED
@given(depth=st.integers(1, 3 * MAX_NESTING), flow=st.booleans(), anchored=st.booleans())
def test_nesting_is_capped(depth: int, flow: bool, anchored: bool) -> None:
    """At most MAX_NESTING collections one inside the other, whichever way they are built."""
    text = nested(depth, flow)
    levels = depth
    if anchored:  # the path through the constructor instead of the quick conversion
        text = "&top " + text if flow else "top: &top\n" + re.sub("^", "  ", text, flags=re.M)
        levels += 0 if flow else 1  # the block form holds it in one more mapping
    with within(SECOND):
        if levels > MAX_NESTING:
            with pytest.raises(YamlFailure, match="levels deep"):
                load_yaml(text)
            with pytest.raises(YamlFailure):
                compose_yaml(text)
        else:
            loads(text)


@LIMITED
@given(st.integers(0, 3 * MAX_NESTING))
def test_a_tagged_document_is_checked_before_the_constructor(depth: int) -> None:
    """Explicit tags leave the quick conversion early: the limits still hold."""
    text = "!!set {a, b}\n" if depth == 0 else "!!seq " + nested(depth, flow=True)
    if depth > MAX_NESTING:
        with pytest.raises(YamlFailure):
            load_yaml(text)
    else:
        loads(text)


def test_yaml_longer_than_the_limit_is_refused_unread() -> None:
    text = "k: " + "x" * MAX_CHARS + "\n"
    with within(SECOND), pytest.raises(YamlFailure, match="longer than"):
        load_yaml(text)


def test_the_range_locator_survives_refused_documents() -> None:
    """Range look-ups compose the text themselves: no node tree, no ranges, no hang."""
    for text in (laughs(9, 9), "k: &a [*a]\n", nested(MAX_NESTING + 5, flow=True)):
        locator = NodeLocator(text)
        assert locator.root is None
        assert locator.path_at(locator.index.position(len(text) - 2)) is None


# -- notes with hostile frontmatter ------------------------------------------------------------


def test_a_bomb_in_frontmatter_is_a_problem_and_the_rest_of_the_note_counts() -> None:
    text = "---\n" + laughs(9, 9) + "---\n# Title\n[[Other note]] #tag\n"
    with within(SECOND):
        note = parse_note(text, "bomb")
    assert [p.code for p in note.problems] == ["yaml-invalid"]
    assert "aliases are expanded" in note.problems[0].message
    assert note.frontmatter is None
    assert [link.target for link in note.links] == ["Other note"]
    assert note.tag_names == ["tag"]
    assert note.title == "Title"


@settings(max_examples=6, deadline=None)
@given(st.lists(st.text("abcdefgh", min_size=6, max_size=6), min_size=1, max_size=50))
def test_frontmatter_tags_are_bounded(names: list[str]) -> None:
    """Tags spelt with escapes are not found in the text: each costs a search of the rest of
    the block, so only the first MAX_FRONTMATTER_TAGS are looked for."""
    distinct = [f"{name}{n}" for n in range(20_000 // len(names)) for name in names]
    escaped = ", ".join('"' + "".join(f"\\x{ord(c):02x}" for c in name) + '"' for name in distinct)
    text = f"---\ntags: [plain, {escaped}, last]\n---\n"
    with within(SECOND):
        note = parse_note(text, "tags")
    assert note.tag_names == ["plain"]
    assert len(note.frontmatter["tags"]) == len(distinct) + 2


# -- Markdown: no pattern may backtrack quadratically ------------------------------------------

HOSTILE_PIECES = [
    " ",
    "\t",
    "\n",
    "\r\n",
    "#",
    "# ",
    "`",
    "``",
    "[",
    "]",
    "[[",
    "](",
    "(",
    ")",
    "<",
    ">",
    '"',
    "'",
    "^",
    "a",
    "-",
    "=",
    "*",
    "%%",
    "<!--",
    "~~~",
    "```",
    "    ",
    "|",
    "\\",
    "!",
]


# No shrinking: an example that fails here takes minutes, and shrinking would run hundreds.
@settings(
    max_examples=60,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    prefix=st.lists(st.sampled_from(HOSTILE_PIECES), max_size=4).map("".join),
    pattern=st.lists(st.sampled_from(HOSTILE_PIECES), min_size=1, max_size=3).map("".join),
    suffix=st.lists(st.sampled_from(HOSTILE_PIECES), max_size=4).map("".join),
)
def test_long_repetitive_notes_parse_in_linear_time(prefix: str, pattern: str, suffix: str) -> None:
    """A prefix, one short pattern repeated to 100,000 characters, a suffix: the shape that
    makes a backtracking regular expression take its length squared (or worse)."""
    text = prefix + pattern * (100_000 // len(pattern)) + suffix
    with within(SECOND):
        parse_note(text, "long")


@pytest.mark.parametrize(
    "text",
    [
        "# a" + " " * 100_000 + "b\n",  # a heading with a long run of spaces: minutes before
        "[a](" + " " * 100_000 + "x",  # spaces after "](" that never close
        "[a](" + "\n" * 100_000 + "x",
        "[a](<b>" + " " * 100_000 + "x",
        ("[a](" + " " * 1000) * 100,
        "`" * 50_000 + "a" * 50_000,
        ">" + "``" * 50_000,  # a run of backticks was tried as every shorter run in turn
        "# >'|" + "``" * 50_000 + "<a    -",  # and, in a title, from every one of its marks
        "# a" + "`" * 100_000,
        "# " + "a #" * 30_000 + "\n",
    ],
)
def test_known_slow_shapes_parse_fast(text: str) -> None:
    with within(SECOND):
        parse_note(text, "slow")


@pytest.mark.parametrize(
    "yaml_text",
    [
        "a" * 200_000 + "\n",  # a key that never gets its colon, tried from every character
        ("k" * 999 + " ") * 200 + "\n",
        ("k" * 1500 + "\n") * 100,
        "title:" + " " * 200_000 + "x\n",
        "tags:\n" + "  - " * 50_000 + "\n",
    ],
)
def test_long_frontmatter_lines_are_read_fast(yaml_text: str) -> None:
    with within(SECOND):
        parse_note(f"---\n{yaml_text}---\nbody\n", "long")


# The patterns as they were: the new ones must find exactly the same headings and links.
OLD_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+([^\n]*?))?(?:[ \t]+#+)?[ \t]*\r?(?=\n|\Z)")
OLD_MARKDOWN_LINK = re.compile(
    r"\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\(\s*(<[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"
    r"(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?\s*\)"
)
SYNTAX_PIECES = [
    "#",
    " ",
    "\t",
    "\r",
    "\n",
    "a",
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    '"',
    "'",
    "](",
    "\\",
]
syntaxish = st.lists(st.sampled_from(SYNTAX_PIECES), max_size=25).map("".join)


def headings(text: str) -> list[tuple[int, str]]:
    note = parse_note(text, "stem")
    return [(h.level, h.text) for h in note.headings]


@settings(max_examples=400, deadline=None)
@given(syntaxish)
def test_heading_text_is_what_the_old_pattern_found(line: str) -> None:
    """The closing sequence, trailing spaces and carriage returns go as they always went."""
    from codex_lsp.core.syntax import ATX_HEADING, atx_heading_text

    old, new = OLD_ATX.match(line), ATX_HEADING.match(line)
    assert (old is None) == (new is None)
    if old is not None and new is not None:
        assert old.group(1) == new.group(1)
        assert old.end() == new.end()
        assert (old.group(2) or "") == atx_heading_text(new.group(2))


@settings(max_examples=400, deadline=None)
@given(syntaxish)
def test_markdown_links_are_what_the_old_pattern_found(text: str) -> None:
    """Same links, labels and destinations (an empty destination may sit elsewhere: such a
    link is never reported)."""
    from codex_lsp.core.syntax import MARKDOWN_LINK

    def found(pattern: re.Pattern[str], label: int | str, dest: int | str) -> list[Any]:
        return [
            (m.span(), m.group(label), m.group(dest), m.span(dest) if m.group(dest) else None)
            for m in pattern.finditer(text)
        ]

    assert found(MARKDOWN_LINK, "label", "dest") == found(OLD_MARKDOWN_LINK, 1, 2)


# -- sidecars ----------------------------------------------------------------------------------


@LIMITED
@given(depth=st.integers(2, 3 * MAX_NESTING), kind=st.sampled_from(["json", "xml"]))
@example(depth=MAX_NESTING + 1, kind="xml")  # the last depth allowed, drawn only by chance
@example(depth=MAX_NESTING + 2, kind="xml")
@example(depth=MAX_NESTING + 1, kind="json")
def test_sidecar_nesting_is_capped(depth: int, kind: str) -> None:
    """Sidecar metadata nests no deeper than YAML may (a dict holding lists, or XML elements).
    From depth 2: an XML root holding only text (``<r>x</r>``) has no metadata to keep. The
    XML root is the metadata itself, not a level of it: ``depth`` elements nest ``depth - 1``
    mappings, where the JSON text nests ``depth`` containers."""
    if kind == "json":
        text = '{"a": ' + "[" * (depth - 1) + "1" + "]" * (depth - 1) + "}"
        nesting = depth
    else:
        text = "<r>" + "<a>" * (depth - 1) + "x" + "</a>" * (depth - 1) + "</r>"
        nesting = depth - 1
    with within(SECOND):
        data, error = parse_sidecar(kind, text)
    if nesting > MAX_NESTING:
        assert (data, error is not None) == ({}, True)
    else:
        assert (error, bool(data)) == (None, True)


def test_a_sidecar_larger_than_the_note_limit_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "note.md").write_text("# Note\n", encoding="utf-8")
    (tmp_path / ".note.md.json").write_text('{"k": "' + "x" * 2000 + '"}', encoding="utf-8")
    stat = FileStat("note.md", 1, 7, (".note.md.json",))
    small = prepare_file(tmp_path, stat, 1000, "id", "now")
    assert [row[2] for row in small.problem_rows] == ["sidecar-invalid"]
    assert "larger than 1000 bytes" in small.problem_rows[0][4]
    large = prepare_file(tmp_path, stat, 10_000, "id", "now")
    assert large.problem_rows == []
    assert '"k": "xxx' in large.file_row[11]


# -- search queries ----------------------------------------------------------------------------


@LIMITED
@given(
    st.lists(
        st.from_regex(r"[a-z]{1,6}", fullmatch=True),
        min_size=MAX_QUERY_TERMS - 2,
        max_size=3 * MAX_QUERY_TERMS,
        unique=True,
    )
)
@example([f"w{n}" for n in range(50_000)])
def test_a_query_uses_at_most_its_first_words(words: list[str]) -> None:
    """A query of thousands of words is not thousands of terms, nor a pattern of them; nor is
    a phrase of thousands of words."""
    text = " ".join(words * (50_000 // len(words)))
    phrase = '"' + text + '"'
    with within(SECOND):
        query = parse_query(text)
        expression = query.fts()
        pattern = query.highlighter()
        assert pattern is not None
        find_first(text, pattern)
        long_phrase = parse_query(phrase)
        assert long_phrase.fts() is not None
    searched = [term.tokens[0] for group in query.groups for term in group]
    assert searched == words[:MAX_QUERY_TERMS]
    assert expression is not None
    assert expression.count(" AND ") == len(searched) - 1
    assert [len(term.tokens) for group in long_phrase.groups for term in group] == [
        min(len(text.split()), MAX_QUERY_TERMS)
    ]
