"""Dates for templates and periodic notes: Moment-style and strftime formats, natural phrases.

Formats: a format holding ``%`` is a strftime format; otherwise it is read as Moment.js
tokens (what Obsidian, its Periodic Notes plugin and Foam use): ``YYYY``, ``MM``, ``DD``,
``dddd``, ``MMMM``, ``[literal]`` and the rest of :data:`_TOKENS`. :func:`name_pattern`
reads a file name back into its date, so the neighbours of a periodic note can be found.

Phrases (docs/templates.md lists them): ``today``, ``tomorrow``, ``yesterday``, ``+N``/``-N``,
``in N days|weeks|months``, ``N days|weeks|months ago``, ``next|last|this WEEKDAY``, a bare
weekday, ``next|last week|month``, an ISO date. Everything is bounded: phrases longer than
:data:`MAX_PHRASE`, formats longer than :data:`MAX_FORMAT` and offsets beyond
:data:`MAX_DAYS` are refused.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING

# regex (for its match timeout) loads when a periodic name is first read back, not at import.
if TYPE_CHECKING:
    import regex

MAX_PHRASE = 100
MAX_FORMAT = 200
MAX_DAYS = 100_000
MAX_NAME = 1024
MATCH_TIMEOUT = 0.05  # seconds

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SHORT_WEEKDAYS = {name[:3]: number for number, name in enumerate(WEEKDAYS)}


class Period(str, Enum):
    """How long one periodic note lasts."""

    DAY = "daily"
    WEEK = "weekly"
    MONTH = "monthly"


DEFAULT_FORMATS = {Period.DAY: "YYYY-MM-DD", Period.WEEK: "GGGG-[W]WW", Period.MONTH: "YYYY-MM"}


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _hour12(moment: _dt.datetime) -> int:
    return moment.hour % 12 or 12


# Moment.js tokens, longest first where one is a prefix of another.
_TOKENS: dict[str, Callable[[_dt.datetime], str]] = {
    "YYYY": lambda m: f"{m.year:04d}",
    "YY": lambda m: f"{m.year % 100:02d}",
    "GGGG": lambda m: f"{m.isocalendar()[0]:04d}",
    "gggg": lambda m: f"{m.isocalendar()[0]:04d}",
    "MMMM": lambda m: calendar.month_name[m.month],
    "MMM": lambda m: calendar.month_abbr[m.month],
    "MM": lambda m: f"{m.month:02d}",
    "M": lambda m: str(m.month),
    "Do": lambda m: _ordinal(m.day),
    "DDDD": lambda m: f"{m.timetuple().tm_yday:03d}",
    "DD": lambda m: f"{m.day:02d}",
    "D": lambda m: str(m.day),
    "dddd": lambda m: calendar.day_name[m.weekday()],
    "ddd": lambda m: calendar.day_abbr[m.weekday()],
    "E": lambda m: str(m.isoweekday()),
    "WW": lambda m: f"{m.isocalendar()[1]:02d}",
    "W": lambda m: str(m.isocalendar()[1]),
    "ww": lambda m: f"{m.isocalendar()[1]:02d}",
    "w": lambda m: str(m.isocalendar()[1]),
    "Q": lambda m: str((m.month - 1) // 3 + 1),
    "HH": lambda m: f"{m.hour:02d}",
    "H": lambda m: str(m.hour),
    "hh": lambda m: f"{_hour12(m):02d}",
    "h": lambda m: str(_hour12(m)),
    "mm": lambda m: f"{m.minute:02d}",
    "m": lambda m: str(m.minute),
    "ss": lambda m: f"{m.second:02d}",
    "s": lambda m: str(m.second),
    "A": lambda m: "AM" if m.hour < 12 else "PM",
    "a": lambda m: "am" if m.hour < 12 else "pm",
    "X": lambda m: str(int(m.timestamp())),
}
_TOKEN = re.compile(r"\[([^\]]*)\]|" + "|".join(re.escape(t) for t in _TOKENS))

# What each token reads back (name_pattern): the groups that fix a date, others just skipped.
_READ: dict[str, str] = {
    "YYYY": r"(?P<Y>\d{4})",
    "GGGG": r"(?P<G>\d{4})",
    "gggg": r"(?P<G>\d{4})",
    "MM": r"(?P<M>\d{2})",
    "M": r"(?P<M>\d{1,2})",
    "DD": r"(?P<D>\d{2})",
    "D": r"(?P<D>\d{1,2})",
    "WW": r"(?P<W>\d{2})",
    "W": r"(?P<W>\d{1,2})",
    "ww": r"(?P<W>\d{2})",
    "w": r"(?P<W>\d{1,2})",
}


class BadFormat(ValueError):
    """A date format that is too long."""


def format_date(moment: _dt.datetime | _dt.date, fmt: str) -> str:
    """``moment`` written with ``fmt`` (strftime when it holds ``%``, else Moment tokens)."""
    if len(fmt) > MAX_FORMAT:
        raise BadFormat(f"a date format is limited to {MAX_FORMAT} characters")
    if not isinstance(moment, _dt.datetime):
        moment = _dt.datetime(moment.year, moment.month, moment.day)
    if "%" in fmt:
        return moment.strftime(fmt)
    written = moment
    return _TOKEN.sub(lambda m: m[1] if m[1] is not None else _TOKENS[m[0]](written), fmt)


def name_pattern(fmt: str) -> regex.Pattern[str] | None:
    """A pattern that reads a name written with the Moment format ``fmt`` back (groups Y, M,
    D, G, W); None for strftime formats."""
    import regex

    if "%" in fmt or len(fmt) > MAX_FORMAT:
        return None
    parts: list[str] = []
    seen: set[str] = set()
    end = 0
    for match in _TOKEN.finditer(fmt):
        parts.append(re.escape(fmt[end : match.start()]))
        end = match.end()
        if match.group(1) is not None:
            parts.append(re.escape(match.group(1)))
            continue
        token = match[0]
        read = _READ.get(token)
        if read is None:
            parts.append(r"[^/]+?" if token in ("MMMM", "MMM", "dddd", "ddd", "Do") else r"\d+")
            continue
        group = read[4]
        # A format may write a part twice (``YYYY/YYYY-MM-DD``): both must agree.
        parts.append(f"(?P={group})" if group in seen else read)
        seen.add(group)
    parts.append(re.escape(fmt[end:]))
    return regex.compile("".join(parts) + r"\Z")


def read_name(pattern: regex.Pattern[str], name: str) -> _dt.date | None:
    """The date a periodic note's name stands for (see :func:`name_pattern`); None if it is
    not such a name, or when reading it takes too long (a format of many adjacent names)."""
    try:
        match = pattern.match(name[:MAX_NAME], timeout=MATCH_TIMEOUT)
    except TimeoutError:
        return None
    if match is None:
        return None
    groups = match.groupdict()
    try:
        if groups.get("G") and groups.get("W"):
            return _dt.date.fromisocalendar(int(groups["G"]), int(groups["W"]), 1)
        if groups.get("Y") and groups.get("M"):
            return _dt.date(int(groups["Y"]), int(groups["M"]), int(groups.get("D") or 1))
    except ValueError:
        return None
    return None


def period_start(day: _dt.date, period: Period) -> _dt.date:
    """The first day of the period holding ``day`` (a week starts on Monday, ISO 8601)."""
    if period is Period.WEEK:
        return day - _dt.timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return day


def shift(day: _dt.date, period: Period, count: int) -> _dt.date:
    """``day`` moved by ``count`` periods (a month keeps its day, clamped to the month's end)."""
    if abs(count) > MAX_DAYS:
        raise ValueError(f"an offset is limited to {MAX_DAYS}")
    if period is Period.MONTH:
        return add_months(day, count)
    return day + _dt.timedelta(days=count * (7 if period is Period.WEEK else 1))


def add_months(day: _dt.date, count: int) -> _dt.date:
    """``day`` moved by ``count`` months, clamped to the last day of the month reached."""
    index = day.year * 12 + day.month - 1 + count
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise ValueError("the date is out of range")
    last = calendar.monthrange(year, month + 1)[1]
    return _dt.date(year, month + 1, min(day.day, last))


_SPACES = re.compile(r"\s+")
_OFFSET = re.compile(r"([+-])\s*(\d{1,6})")
_IN = re.compile(r"in (\d{1,6}|a|an|one) (day|week|month|year)s?")
_AGO = re.compile(r"(\d{1,6}|a|an|one) (day|week|month|year)s? ago")
_RELATIVE_DAY = re.compile(r"(next|last|this) (\w+)")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def _count(word: str) -> int:
    return 1 if word in ("a", "an", "one") else int(word)


def _moved(today: _dt.date, count: int, unit: str) -> _dt.date:
    if unit == "month":
        return add_months(today, count)
    if unit == "year":
        return add_months(today, count * 12)
    days = count * (7 if unit == "week" else 1)
    if abs(days) > MAX_DAYS:
        raise ValueError(f"an offset is limited to {MAX_DAYS} days")
    return today + _dt.timedelta(days=days)


def _weekday(word: str) -> int | None:
    if word in WEEKDAYS:
        return WEEKDAYS.index(word)
    return _SHORT_WEEKDAYS.get(word) if len(word) == 3 else None


def parse_date(phrase: str, today: _dt.date) -> _dt.date | None:
    """The day ``phrase`` names, seen from ``today``; None when it names none.

    ``next WEEKDAY`` is the first such day after today (1 to 7 days on), ``last WEEKDAY`` the
    last one before (1 to 7 days back), a bare or ``this`` weekday the coming one, today
    included (0 to 6 days on).
    """
    if len(phrase) > MAX_PHRASE:
        return None
    text = _SPACES.sub(" ", phrase.strip().lower())
    try:
        return _parse(text, today)
    except (ValueError, OverflowError):
        return None


def _parse(text: str, today: _dt.date) -> _dt.date | None:
    fixed = {"today": 0, "tomorrow": 1, "yesterday": -1}
    if text in fixed:
        return today + _dt.timedelta(days=fixed[text])
    if match := _OFFSET.fullmatch(text):
        sign = 1 if match[1] == "+" else -1
        return _moved(today, sign * int(match[2]), "day")
    if match := _IN.fullmatch(text):
        return _moved(today, _count(match[1]), match[2])
    if match := _AGO.fullmatch(text):
        return _moved(today, -_count(match[1]), match[2])
    if match := _ISO.fullmatch(text):
        return _dt.date(int(match[1]), int(match[2]), int(match[3]))
    if match := _RELATIVE_DAY.fullmatch(text):
        which, word = match[1], match[2]
        if word in ("week", "month", "year") and which != "this":
            return _moved(today, 1 if which == "next" else -1, word)
        if word in ("week", "month", "year"):
            return today
        return _relative_weekday(which, word, today)
    return _relative_weekday("this", text, today)


def _relative_weekday(which: str, word: str, today: _dt.date) -> _dt.date | None:
    wanted = _weekday(word)
    if wanted is None:
        return None
    ahead = (wanted - today.weekday()) % 7
    if which == "next":
        return today + _dt.timedelta(days=ahead or 7)
    if which == "last":
        back = (today.weekday() - wanted) % 7
        return today - _dt.timedelta(days=back or 7)
    return today + _dt.timedelta(days=ahead)


def relative_name(day: _dt.date, today: _dt.date) -> str | None:
    """What completion calls ``day`` seen from ``today``: ``today``, ``tomorrow``,
    ``yesterday``, ``next friday`` (2 to 7 days on), ``last friday`` (2 to 7 days back);
    None beyond a week."""
    delta = (day - today).days
    named = {0: "today", 1: "tomorrow", -1: "yesterday"}
    if delta in named:
        return named[delta]
    if 2 <= delta <= 7:
        return f"next {WEEKDAYS[day.weekday()]}"
    if -7 <= delta <= -2:
        return f"last {WEEKDAYS[day.weekday()]}"
    return None
