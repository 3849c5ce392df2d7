"""The quick YAML-to-plain-values conversion gives exactly what PyYAML's constructor gives."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from codex_lsp.core.yamlload import SafeLoader, YamlFailure, load_yaml, plain_value

FAILURES = (yaml.YAMLError, RecursionError, ValueError, TypeError)


def reference(text: str) -> Any:
    """What the constructor makes of ``text``, as plain values (the slow, sure way)."""
    return plain_value(yaml.load(text, Loader=SafeLoader))


def assert_same_as_reference(text: str) -> None:
    """Same value as the constructor, or a failure where it fails."""
    try:
        expected = reference(text)
    except FAILURES:
        with pytest.raises((YamlFailure, RecursionError)):
            load_yaml(text)
        return
    assert load_yaml(text)[1] == expected


EDGE_CASES = [
    "title: Plain\ntags: [a, b]\n",
    "date: 2024-03-01\nwhen: 2024-03-01 10:20:30+02:00\nt: 10:20\n",
    "n: 12\nf: 1.5\ninf: .inf\nb: yes\nnull_value: ~\nhex: 0x1f\nsexagesimal: 1:20\n",
    "1: one\ntrue: yes\n2024-01-01: date key\nnull: nothing\n1.5: float key\n",
    "dup: first\ndup: second\n",
    "'quoted': \"string\"\nblock: |\n  line one\n  line two\nfolded: >\n  a\n  b\n",
    "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n",
    "a: &anchor [1, 2]\nb: *anchor\n",
    "recursive: &r [*r]\n",
    "set: !!set {a, b}\nomap: !!omap [{a: 1}, {b: 2}]\npairs: !!pairs [{a: 1}]\n",
    "binary: !!binary aGVsbG8=\n",
    "? [complex, key]\n: value\n",
    "= : value key\n",
    "explicit: !!str 123\nnum: !!int '7'\nflt: !!float '2'\n",
    "d: 2024-02-29\nno_day: 2023-02-29\nzero: 0000-01-01\nlist: [2024-01-02, 2024-13-01]\n",
    "nested:\n  deeper:\n    - {k: [1, {m: n}]}\n    - 2024-05-05\n",
    "- a list\n- at the top\n",
    "just a string\n",
    "",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_match_the_constructor(text: str) -> None:
    """Anchors, merge keys, tagged collections, odd keys: the same values either way."""
    assert_same_as_reference(text)


def test_undefined_tag_fails_like_the_constructor() -> None:
    """An unknown tag is refused, as PyYAML's safe constructor refuses it."""
    with pytest.raises(yaml.constructor.ConstructorError):
        reference("x: !python/object:os.system ls\n")
    with pytest.raises(YamlFailure):
        load_yaml("x: !python/object:os.system ls\n")


def test_a_timestamp_tag_on_other_text_keeps_the_text() -> None:
    """``!!timestamp`` on text that is no timestamp is that text (as a day that does not exist
    is), not an exception out of the loader: a note's frontmatter must never break a parse."""
    assert load_yaml("a: !!timestamp soon\nb: !!timestamp 1\n")[1] == {"a": "soon", "b": "1"}
    assert load_yaml("a: !!timestamp 2024-02-31\n")[1] == {"a": "2024-02-31"}
    assert load_yaml("a: !!timestamp 2024-02-03\n")[1] == {"a": "2024-02-03"}
    assert_same_as_reference("a: !!timestamp soon\n")


scalars = st.one_of(
    st.text(max_size=12),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(values, st.sampled_from([None, False, True]))
def test_any_dumped_value_matches_the_constructor(value: Any, flow: bool | None) -> None:
    """YAML written by PyYAML in every style reads back the same either way."""
    text = yaml.safe_dump({"v": value, "w": [value, value]}, default_flow_style=flow)
    assert load_yaml(text)[1] == reference(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab:-[]{}&*!<= \n'\"#|>?,1.", max_size=40))
def test_any_text_matches_the_constructor_or_fails_like_it(text: str) -> None:
    """Random YAML-ish text: same value, or an error both ways."""
    assert_same_as_reference(text)
