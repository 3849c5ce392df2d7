"""Pure helpers of the history views: relative dates, the lens title, unified diffs."""

from __future__ import annotations

import datetime as dt

import pytest

from codex_lsp.core.history import (
    NO_NEWLINE,
    history_lens_title,
    parse_iso,
    relative_time,
    unified_diff,
)

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (dt.timedelta(seconds=5), "just now"),
        (dt.timedelta(seconds=-30), "just now"),
        (dt.timedelta(minutes=1), "1 minute ago"),
        (dt.timedelta(minutes=59), "59 minutes ago"),
        (dt.timedelta(hours=2), "2 hours ago"),
        (dt.timedelta(days=1, hours=3), "yesterday"),
        (dt.timedelta(days=3), "3 days ago"),
        (dt.timedelta(days=14), "2 weeks ago"),
        (dt.timedelta(days=65), "2 months ago"),
        (dt.timedelta(days=800), "2 years ago"),
    ],
)
def test_relative_time(delta: dt.timedelta, expected: str) -> None:
    assert relative_time(NOW - delta, NOW) == expected


def test_parse_iso_handles_offsets_and_garbage() -> None:
    parsed = parse_iso("2026-03-07T13:00:00+01:00")
    assert parsed == dt.datetime(2026, 3, 7, 12, 0, tzinfo=dt.timezone.utc)
    assert parse_iso("2026-03-07T12:00:00Z") == parsed
    assert parse_iso("yesterday") is None


def test_history_lens_title() -> None:
    three_days = (NOW - dt.timedelta(days=3)).isoformat()
    assert (
        history_lens_title(4, "Ada", three_days, NOW) == "4 revisions · changed 3 days ago by Ada"
    )
    assert history_lens_title(1, None, three_days, NOW) == "1 revision · changed 3 days ago"
    assert history_lens_title(2, "Ada", None, NOW) == "2 revisions · last by Ada"


def test_unified_diff_shapes() -> None:
    assert unified_diff("same\n", "same\n", "a/x", "b/x") == ""
    patch = unified_diff("one\ntwo\n", "one\nthree", "a/x.md", "b/x.md")
    assert patch.splitlines(keepends=True) == [
        "--- a/x.md\n",
        "+++ b/x.md\n",
        "@@ -1,2 +1,2 @@\n",
        " one\n",
        "-two\n",
        "+three\n",
        NO_NEWLINE,
    ]
    # Only "\n" splits lines (a form feed or U+2028 inside a line stays there).
    assert unified_diff("a\x0cb\n", "a\x0cc\n", "a/x", "b/x").count("\n") == 5
