"""``core.excerpt.line_context``: the line shown around a backlink."""

from __future__ import annotations

from codex_lsp.core.excerpt import line_context


def test_a_short_line_is_only_stripped() -> None:
    assert line_context("  - see [[Note]] here \r\n", 8, 16) == "- see [[Note]] here"


def test_a_long_line_is_cut_around_the_link_with_ellipses() -> None:
    line = "a" * 300 + "[[Note]]" + "b" * 300
    context = line_context(line, 300, 308, width=60)
    assert "[[Note]]" in context
    assert context.startswith("…a") and context.endswith("b…")
    assert len(context) == 62


def test_a_link_near_an_end_keeps_the_window_full() -> None:
    line = "[[Note]]" + "b" * 300
    context = line_context(line, 0, 8, width=60)
    assert context == "[[Note]]" + "b" * 52 + "…"
    line = "a" * 300 + "[[Note]]"
    assert line_context(line, 300, 308, width=60) == "…" + "a" * 52 + "[[Note]]"


def test_columns_are_utf16_units() -> None:
    line = "😀" * 100 + "[[Note]]" + "x" * 100
    context = line_context(line, 200, 208, width=40)  # each 😀 is two UTF-16 units
    assert "[[Note]]" in context


def test_a_span_wider_than_the_window_is_kept_whole() -> None:
    line = "x" * 100 + "[[" + "n" * 200 + "]]" + "y" * 100
    context = line_context(line, 100, 304, width=50)
    assert "[[" + "n" * 200 + "]]" in context
