"""The name check shared by createNote, rename and the CLI (core/names.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codex_lsp.core.names import (
    BadName,
    check_block_id,
    check_component,
    check_folder,
    check_heading,
    check_relative_path,
    check_tag,
)
from codex_lsp.core.parser import parse_note


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (".codex/x.md", "start with '.'"),
        (".hidden.md", "start with '.'"),
        (".", "cannot be '.'"),
        ("..", "cannot be '..'"),
        ("a/../b.md", "cannot be '..'"),
        ("", "cannot be empty"),
        ("a//b.md", "cannot be empty"),
        ("/etc/passwd", "relative to the notebook"),
        ("x\n# injected.md", "a line break"),
        ("a\tb.md", "a tab"),
        ("a\x00b.md", "U+0000"),
        ("a\u2028b.md", "U+2028"),
        ("a]]b.md", "']'"),
        ("a[[b.md", "'['"),
        ("a|b.md", "'|'"),
        ("a#b.md", "'#'"),
        ("a^b.md", "'^'"),
        ("a:b.md", "':'"),
        ("a?b.md", "'?'"),
        ("a*b.md", "'*'"),
        ('a"b.md', "'\"'"),
        ("a<b.md", "'<'"),
        ("a\\b.md", "'\\'"),
        (" a.md", "space"),
        ("a .md", "space"),
        ("a`b`.md", "'`'"),
        ("a %% b.md", "'%%'"),
        ("a <!-- b.md", "'<'"),
        ("x" * 253 + ".md", "256 bytes"),
        ("é" * 127 + ".md", "257 bytes"),
    ],
)
def test_bad_note_paths_are_refused_with_the_rule(path: str, reason: str) -> None:
    with pytest.raises(
        BadName,
    ) as refused:
        check_relative_path(path)
    assert reason in str(refused.value)


@pytest.mark.parametrize(
    "path",
    ["note.md", "protocols/PCR amplification.md", "ünï/çødé 2024-01-02.md", "x" * 252 + ".md"],
)
def test_good_note_paths_pass(path: str) -> None:
    assert check_relative_path(path) == path


def test_folders() -> None:
    assert check_folder("") == ""
    assert check_folder("protocols/") == "protocols"
    for bad in ("/etc", "..", "a/../..", ".codex", "lnk/.git"):
        with pytest.raises(BadName):
            check_folder(bad)


@pytest.mark.parametrize(
    ("heading", "reason"),
    [
        ("x\n# injected", "a line break"),
        ("a]]b", "']'"),
        ("a[[b", "'['"),
        ("a|b", "'|'"),
        ("a#b", "'#'"),
        ("^blk", "'^'"),
        ("the `x call", "unpaired '`'"),
        ("a `b` c`", "unpaired '`'"),
        ("a %%b%% c", "'%%'"),
        ("a <!-- b --> c", "'<!--'"),
        ("  ", "empty"),
    ],
)
def test_bad_headings(heading: str, reason: str) -> None:
    with pytest.raises(BadName) as refused:
        check_heading(heading)
    assert reason in str(refused.value)


def test_a_heading_may_hold_a_colon() -> None:
    assert check_heading(" Results: day 2? ") == "Results: day 2?"


def test_a_heading_may_hold_inline_code() -> None:
    assert check_heading("the `x` call") == "the `x` call"


@pytest.mark.parametrize(
    ("tag", "reason"),
    [("a.b", "'.'"), ("a b", "' '"), ("a\nb", "line break"), ("123", "digits"), ("a//b", "//")],
)
def test_bad_tags(tag: str, reason: str) -> None:
    with pytest.raises(BadName) as refused:
        check_tag(tag)
    assert reason in str(refused.value)


def test_tags_are_cleaned() -> None:
    assert check_tag("#lab/pcr/") == "lab/pcr"


@pytest.mark.parametrize(
    ("block", "reason"), [("-x", "start with"), ("a b", "' '"), ("ünï", "'ü'"), ("^", "empty")]
)
def test_bad_block_ids(block: str, reason: str) -> None:
    with pytest.raises(BadName) as refused:
        check_block_id(block)
    assert reason in str(refused.value)


def test_block_ids_lose_their_caret() -> None:
    assert check_block_id("^step-2") == "step-2"


@given(st.text(min_size=1, max_size=40))
def test_an_accepted_tag_is_read_back_whole(raw: str) -> None:
    try:
        name = check_tag(raw)
    except BadName:
        return
    note = parse_note(f"text #{name} end\n", "n")
    assert [tag.name for tag in note.tags] == [name]


LINKISH = st.text(
    st.sampled_from(list("ab #|^[]`%<!-:\n")) | st.characters(), min_size=1, max_size=40
)


@given(LINKISH)
def test_an_accepted_heading_is_read_back_and_linkable(raw: str) -> None:
    try:
        text = check_heading(raw)
    except BadName:
        return
    note = parse_note(f"# Title\n\n## {text}\n\n[[n#{text}]]\n", "n")
    assert [h.text for h in note.headings][1:] == [text]
    assert [link.anchor for link in note.links] == [text]


@given(LINKISH)
def test_an_accepted_note_name_is_linkable(raw: str) -> None:
    try:
        check_component(raw + ".md")
    except BadName:
        return
    note = parse_note(f"[[{raw}]] and [[{raw}#Part]]\n", "n")
    assert [(link.target, link.anchor) for link in note.links] == [(raw, None), (raw, "Part")]


@given(st.text(min_size=1, max_size=30))
def test_an_accepted_block_id_is_read_back(raw: str) -> None:
    try:
        name = check_block_id(raw)
    except BadName:
        return
    note = parse_note(f"A paragraph ^{name}\n", "n")
    assert [block.id for block in note.blocks] == [name]
