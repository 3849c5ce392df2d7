"""The quick reader of flat frontmatter (core/flatyaml.py) against libyaml's reading.

Whatever the quick reader accepts, it must read exactly as :func:`load_yaml` and the
frontmatter reader's spans do; what it cannot be sure of it must leave to them (None).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from codex_lsp.core.flatyaml import load_flat
from codex_lsp.core.frontmatter import find_frontmatter, key_spans
from codex_lsp.core.model import FieldSpan
from codex_lsp.core.yamlload import YamlFailure, load_yaml
from codex_testing import CORPORA_DIR


def libyaml_reading(text: str, base: int) -> tuple[dict[str, Any], list[FieldSpan]] | None:
    """What the frontmatter reader makes of ``text`` through libyaml: the value and the
    spans of its keys, or None when it is no mapping or no YAML at all."""
    try:
        node, data = load_yaml(text)
    except (YamlFailure, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        return None
    return data, key_spans(node, base)


def assert_read_alike(text: str, base: int = 4) -> None:
    quick = load_flat(text, base)
    if quick is None:
        return
    expected = libyaml_reading(text, base)
    assert expected is not None, f"the quick reader read text libyaml refuses: {text!r}"
    assert quick == expected
    # Equal values of other types (1 == 1.0 == True) are not the same reading.
    assert _types(quick[0]) == _types(expected[0])


def _types(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _types(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_types(item) for item in value]
    return type(value)


def test_common_frontmatter_is_read_quickly_and_alike() -> None:
    text = (
        'title: "Error adapter digest"\n'
        "date: 2022-06-01\n"
        "tags:\n"
        "  - status/blocked\n"
        "  - review\n"
        "aliases: [one, two three]\n"
        "rating: 7\n"
        "score: 1.5\n"
        "draft: false\n"
        "cover:\n"
        "note: 'quoted # text'\n"
        "\n"
        "categories:\n"
        '- "[[Books]]"\n'
        "- plain [[link]] text\n"
    )
    quick = load_flat(text, 4)
    assert quick is not None
    assert quick == libyaml_reading(text, 4)
    assert quick[0]["tags"] == ["status/blocked", "review"]
    assert quick[0]["cover"] is None


@pytest.mark.parametrize(
    "text",
    [
        "title: x # a comment\n",
        "# a comment\ntitle: x\n",
        "title: a\n  continued\n",
        "tags:\n  - a\n    continued\n",
        "nested:\n  key: value\n",
        'title: "an \\" escape"\n',
        "title: 'it''s'\n",
        "title: >\n  folded\n",
        "title: |\n  literal\n",
        "title: &anchor x\nother: *anchor\n",
        "title: !!str 1\n",
        "title: x\r\n",
        "title:\tx\n",
        "true: x\n",
        "null: x\n",
        "number: 0x_\n",
        "merge: <<\n",
        "tags: [a, [b]]\n",
        "tags: [a: b]\n",
        "tags:\n  - [a, b]\n",
        "tags:\n  - a\n - b\n",
        "title: x\n  - a\n",
        "title: x:\n",
        "- a\n- b\n",
        "title: x\u2028y\n",
        "title: x",
    ],
)
def test_what_the_quick_reader_is_not_sure_of_is_left_to_libyaml(text: str) -> None:
    assert load_flat(text, 0) is None


_KEYS = ["title", "tags", "a", "due date", "x-y", "_k", "é", "yes", "null", "On", "k1"]
_VALUES = [
    "word",
    "two words",
    "1",
    "-5",
    "1.5",
    ".5",
    "1e3",
    "0x1F",
    "0x_",
    "1:30",
    "yes",
    "No",
    "~",
    "null",
    "2022-06-01",
    "2026-02-31",
    "2022-06-01 10:00:00",
    "2022-6-1",
    "<<",
    "=",
    "a: b",
    "a #c",
    "a#b",
    "x:",
    "a:b",
    '"q"',
    '""',
    '"a \\" b"',
    "'it''s'",
    "'x'",
    "''",
    "[a, b]",
    "[a,,b]",
    "[]",
    "[ ]",
    "[ a , b , ]",
    "[a: b]",
    "[1, yes, ~, 2022-06-01]",
    "[a, 'b']",
    "- x",
    "&a x",
    "*a",
    "!!str x",
    "|",
    ">",
    "é ü 😀",
    "a\tb",
    "[[Link]]",
    '"[[Link]]"',
    "{a: b}",
    "%x",
    "@x",
    "`x`",
    "? x",
    "a  ",
    "(x) [y] {z}",
    "x, y",
    "don't",
]
# Entries of the kinds the quick reader takes (a key with a value, or with a list of items
# under it), and lines of any kind, which make it give up, or not: documents mostly of the
# first, so that both readers read many of them.
_SAFE_VALUES = [v for v in _VALUES if v[0] not in "-&*!|>{%@`?" and ": " not in v and "#" not in v]
_ENTRIES = st.one_of(
    st.builds(
        lambda key, value: [f"{key}: {value}"],
        st.sampled_from(_KEYS),
        st.sampled_from(_SAFE_VALUES),
    ),
    st.builds(
        lambda key, indent, values: [f"{key}:", *(f"{indent}{value}" for value in values)],
        st.sampled_from(_KEYS),
        st.sampled_from(["- ", "  - ", "-   "]),
        st.lists(st.sampled_from([*_SAFE_VALUES, ""]), max_size=3),
    ),
)
_ANY_LINES = st.one_of(
    st.builds(
        lambda key, sep, value: f"{key}{sep}{value}",
        st.sampled_from(_KEYS),
        st.sampled_from([":", ": ", ":  ", " : ", ":\t"]),
        st.sampled_from(["", *_VALUES]),
    ),
    st.builds(
        lambda indent, value: f"{indent}{value}",
        st.sampled_from(["- ", "  - ", "    - ", "-   ", " -", "  "]),
        st.sampled_from(_VALUES),
    ),
    st.sampled_from(["", "  ", "# comment", "---", "..."]),
)
_DOCUMENT_PARTS = st.one_of(_ENTRIES, _ENTRIES, _ENTRIES, st.lists(_ANY_LINES, max_size=1))


@settings(max_examples=2000, deadline=None)
@given(st.lists(_DOCUMENT_PARTS, min_size=1, max_size=6), st.sampled_from(["\n"] * 5 + ["\r\n"]))
def test_generated_documents_are_read_alike(parts: list[list[str]], end: str) -> None:
    assert_read_alike(end.join(line for part in parts for line in part) + end)


def test_every_frontmatter_of_the_corpora_is_read_alike() -> None:
    assert CORPORA_DIR.is_dir(), f"the corpora are missing at {CORPORA_DIR}"
    quick = 0
    for path in sorted(CORPORA_DIR.rglob("*.md")):
        text = path.read_text(encoding="utf-8", errors="replace")
        found = find_frontmatter(text)
        if found is None:
            continue
        yaml_text = text[found[2] : found[3]]
        assert_read_alike(yaml_text, found[2])
        quick += load_flat(yaml_text, found[2]) is not None
    assert quick > 900  # half the real frontmatter is flat
