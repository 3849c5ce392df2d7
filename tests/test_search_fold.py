"""Folding text with the offsets it comes from (snippets and hit positions)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codex_lsp.core import search_query
from codex_lsp.core.search_query import fold, fold_with_offsets


def folded_one_by_one(text: str) -> tuple[str, list[int] | None]:
    """What fold_with_offsets means: each character folded alone, each folded character
    pointing back at the character it comes from."""
    if text.isascii():
        return text.lower(), None
    parts: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        parts.append(fold(char))
        offsets += [index] * len(fold(char))
    return "".join(parts), [*offsets, len(text)]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aBz \n.İßéÉ\u0301ﬁΣς日", max_size=20))
def test_folding_with_offsets_folds_each_character(text: str) -> None:
    assert fold_with_offsets(text) == folded_one_by_one(text)


def test_only_the_characters_beyond_ascii_are_folded_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A long line of prose with one accented word: its ASCII characters are lowered
    together, not looked up one at a time (snippets fold the line of each hit)."""
    calls = 0
    fold_char = search_query._fold_char

    def counted(char: str) -> str:
        nonlocal calls
        calls += 1
        return fold_char(char)

    monkeypatch.setattr(search_query, "_fold_char", counted)
    line = "The Café assay " + "ran overnight at 37 degrees; " * 200
    folded, offsets = fold_with_offsets(line)
    assert folded == line.lower().replace("é", "e")
    assert offsets is not None and offsets[-1] == len(line)
    assert calls == 1
