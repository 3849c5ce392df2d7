"""core/dates.py: every phrase docs/templates.md lists, formats, and names read back."""

from __future__ import annotations

import datetime as _dt
import re
import time
from pathlib import Path

import pytest

from codex_lsp.core.dates import (
    MAX_PHRASE,
    BadFormat,
    Period,
    format_date,
    name_pattern,
    parse_date,
    period_start,
    read_name,
    relative_name,
    shift,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "templates.md"
TODAY = _dt.date(2026, 12, 2)  # the Wednesday the table in docs/templates.md is written for
_ROW = re.compile(r"^\| `([^`]+)` \| (\d{4}-\d{2}-\d{2}) \|$", re.MULTILINE)


def documented_phrases() -> list[tuple[str, str]]:
    """The rows of the phrase table in docs/templates.md."""
    section = DOC.read_text(encoding="utf-8").split("### Dates", 1)[1].split("###", 1)[0]
    return _ROW.findall(section)


def test_the_documentation_lists_phrases() -> None:
    assert len(documented_phrases()) >= 20


@pytest.mark.parametrize(("phrase", "day"), documented_phrases())
def test_every_documented_phrase(phrase: str, day: str) -> None:
    assert parse_date(phrase, TODAY) == _dt.date.fromisoformat(day)


@pytest.mark.parametrize(
    "phrase",
    [
        "",
        "someday",
        "next",
        "in days",
        "2026-13-01",
        "in 99999999 days",
        "next blursday",
        "x" * 200,
    ],
)
def test_phrases_that_name_no_day(phrase: str) -> None:
    assert parse_date(phrase, TODAY) is None


def test_phrases_are_bounded_and_case_blind() -> None:
    assert parse_date("  NEXT   Monday ", TODAY) == _dt.date(2026, 12, 7)
    assert parse_date("today" + " " * MAX_PHRASE, TODAY) is None


def test_month_arithmetic_clamps_to_the_month_end() -> None:
    assert parse_date("in 1 month", _dt.date(2027, 1, 31)) == _dt.date(2027, 2, 28)
    assert shift(_dt.date(2024, 3, 31), Period.MONTH, -1) == _dt.date(2024, 2, 29)


def test_moment_and_strftime_formats() -> None:
    moment = _dt.datetime(2026, 12, 2, 14, 5, 9)
    assert format_date(moment, "YYYY-MM-DD") == "2026-12-02"
    assert (
        format_date(moment, "dddd, MMMM Do YYYY [at] HH:mm:ss, [W]WW, ddd MMM, h A, Q, DDDD")
        == "Wednesday, December 2nd 2026 at 14:05:09, W49, Wed Dec, 2 PM, 4, 336"
    )
    assert format_date(moment, "%Y/%m/%d %A") == "2026/12/02 Wednesday"
    assert format_date(_dt.date(2027, 1, 1), "GGGG-[W]WW") == "2026-W53"
    with pytest.raises(BadFormat):
        format_date(moment, "Y" * 1000)


@pytest.mark.parametrize(
    ("fmt", "name", "day"),
    [
        ("YYYY-MM-DD", "2026-12-02", _dt.date(2026, 12, 2)),
        ("YYYY/MM/YYYY-MM-DD", "2026/12/2026-12-02", _dt.date(2026, 12, 2)),
        ("YYYY/MM/YYYY-MM-DD", "2026/11/2026-12-02", None),
        ("YYYY-MM-DD dddd", "2026-12-02 Wednesday", _dt.date(2026, 12, 2)),
        ("GGGG-[W]WW", "2026-W49", _dt.date(2026, 11, 30)),
        ("YYYY-MM", "2026-12", _dt.date(2026, 12, 1)),
        ("YYYY-MM-DD", "2026-02-30", None),
        ("YYYY-MM-DD", "notes", None),
    ],
)
def test_names_read_back_to_their_date(fmt: str, name: str, day: _dt.date | None) -> None:
    pattern = name_pattern(fmt)
    assert pattern is not None
    assert read_name(pattern, name) == day


def test_periods_start_on_monday_and_the_first() -> None:
    assert period_start(TODAY, Period.WEEK) == _dt.date(2026, 11, 30)
    assert period_start(TODAY, Period.MONTH) == _dt.date(2026, 12, 1)
    assert shift(TODAY, Period.WEEK, -1) == _dt.date(2026, 11, 25)


def test_relative_names_for_completion() -> None:
    names = {d: relative_name(TODAY + _dt.timedelta(days=d), TODAY) for d in range(-8, 9)}
    assert names[0] == "today" and names[1] == "tomorrow" and names[-1] == "yesterday"
    assert names[2] == "next friday" and names[7] == "next wednesday"
    assert names[-2] == "last monday" and names[-7] == "last wednesday"
    assert names[8] is None and names[-8] is None


def test_reading_a_name_is_bounded_in_time() -> None:
    pattern = name_pattern("MMMM" * 30 + "YYYY-MM-DD")
    assert pattern is not None
    started = time.perf_counter()
    assert read_name(pattern, "January" * 30 + "x") is None
    assert time.perf_counter() - started < 1.0
