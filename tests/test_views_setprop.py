"""Setting a property as a minimal edit: frontmatter, JSON sidecars, and where a key lives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from codex_lsp.core.views.setprop import (
    SetPropertyError,
    apply,
    frontmatter_keys,
    property_home,
    set_json_property,
)

SIDECAR = '{\n    "tags": ["a", "b"],\n    "owner" :  "Ana",\n    "n": 1.50\n}\n'


def test_json_value_is_replaced_and_every_other_byte_kept() -> None:
    assert apply(SIDECAR, set_json_property(SIDECAR, "owner", "Bo")) == SIDECAR.replace(
        '"Ana"', '"Bo"'
    )
    assert apply(SIDECAR, set_json_property(SIDECAR, "tags", None)) == SIDECAR.replace(
        '["a", "b"]', "null"
    )


def test_json_member_is_added_with_the_indentation_of_the_others() -> None:
    added = apply(SIDECAR, set_json_property(SIDECAR, "plates", [1, "x"]))
    assert added == SIDECAR.replace("1.50\n}", '1.50,\n    "plates": [1, "x"]\n}')
    tabs = '{\r\n\t"a": true\r\n}'
    assert apply(tabs, set_json_property(tabs, "é", "ü")) == '{\r\n\t"a": true,\r\n\t"é": "ü"\r\n}'
    assert apply("{}", set_json_property("{}", "a", 1)) == '{"a": 1}'
    assert apply('{"a":1}', set_json_property('{"a":1}', "b", 2)) == '{"a":1, "b":2}'


def test_json_duplicate_keys_edit_the_one_readers_keep() -> None:
    text = '{"a": 1, "a": 2}'
    assert apply(text, set_json_property(text, "a", 3)) == '{"a": 1, "a": 3}'


@pytest.mark.parametrize(
    ("text", "value", "message"),
    [
        ("{", 1, "not valid JSON"),
        ("[1]", 1, "does not hold an object"),
        ("{}", {"b": 1}, "a scalar or a list"),
    ],
)
def test_json_refusals(text: str, value: Any, message: str) -> None:
    with pytest.raises(SetPropertyError, match=message):
        set_json_property(text, "a", value)


_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
_VALUES = _SCALARS | st.lists(_SCALARS, max_size=3)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.text(max_size=6), _VALUES, max_size=5),
    st.text(max_size=6),
    _VALUES,
    st.sampled_from([None, 2, 4, "\t"]),
)
def test_json_edit_sets_exactly_the_key(
    data: dict[str, Any], key: str, value: Any, indent: int | str | None
) -> None:
    assume(key and "\n" not in key)
    text = json.dumps(data, indent=indent)
    edited = apply(text, set_json_property(text, key, value))
    assert json.loads(edited) == {**data, key: value}
    if key in data:  # only the value's text changed
        edit = set_json_property(text, key, value)
        assert text[: edit.start] == edited[: edit.start]


def test_where_a_key_lives() -> None:
    sidecars = {"json": {"a": 1}, "xml": {"a": "2", "b": "x"}, "md": {"b": 1, "c": 2}}
    assert property_home("a", set(), sidecars) == "json"
    assert property_home("b", set(), sidecars) == "xml"
    assert property_home("c", set(), sidecars) == "md"
    assert property_home("c", {"c"}, sidecars) is None  # the frontmatter wins
    assert property_home("d", set(), sidecars) is None  # a new key goes to the frontmatter
    assert frontmatter_keys("---\nc: 1\nd:\n---\n# x\n") == {"c", "d"}
    assert frontmatter_keys("# no frontmatter\n") == set()
