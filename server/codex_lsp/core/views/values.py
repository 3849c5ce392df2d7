"""Values of the view language: dates, durations, equality, ordering and truth.

Values are Python ``None``, ``bool``, ``int``/``float``, ``str``, ``list`` and
``datetime.datetime`` (a date is a datetime at midnight, as in Bases). Text that spells an ISO
date becomes a date when it meets one (``date > today()``), never on its own: two texts compare
as text. Comparisons across kinds are false rather than errors, so a filter over notes with
untidy frontmatter keeps working.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

_DURATION = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$")
_UNITS = {
    "y": "years", "year": "years", "years": "years",
    "M": "months", "month": "months", "months": "months",
    "w": "weeks", "week": "weeks", "weeks": "weeks",
    "d": "days", "day": "days", "days": "days",
    "h": "hours", "hour": "hours", "hours": "hours",
    "m": "minutes", "minute": "minutes", "minutes": "minutes",
    "s": "seconds", "second": "seconds", "seconds": "seconds",
}  # fmt: skip
_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
)


def is_number(value: object) -> bool:
    """Whether ``value`` is a number (booleans are not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_date(value: object) -> dt.datetime | None:
    """The date ``value`` names (a datetime, or ISO text), else None; always naive local time."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str) and len(value) <= 40:
        return _date_of_text(value)
    return None


@lru_cache(maxsize=4096)
def _date_of_text(value: str) -> dt.datetime | None:
    """The date ISO text names (cached: a notebook repeats its dates)."""
    if _ISO_DATE.match(value.strip()):
        text = value.strip().replace("Z", "+00:00")
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        return parsed.replace(tzinfo=None) if parsed.tzinfo else parsed
    return None


def parse_duration(value: object) -> tuple[float, str] | None:
    """``"7d"``/``"2 weeks"`` as (amount, plural unit), else None (``M`` months, ``m`` minutes)."""
    if not isinstance(value, str):
        return None
    m = _DURATION.match(value)
    if m is None:
        return None
    unit = _UNITS.get(m.group(2)) or _UNITS.get(m.group(2).lower())
    if unit is None or (m.group(2) == "M" and unit != "months"):
        return None
    return float(m.group(1)), unit


def shift(date: dt.datetime, amount: float, unit: str) -> dt.datetime:
    """``date`` moved by ``amount`` ``unit`` (calendar months and years keep the day, clamped)."""
    if unit in ("years", "months"):
        months = int(amount) * (12 if unit == "years" else 1)
        total = date.month - 1 + months
        year, month = date.year + total // 12, total % 12 + 1
        day = min(date.day, _days_in(year, month))
        return date.replace(year=year, month=month, day=day)
    return date + dt.timedelta(**{unit: amount})


def _days_in(year: int, month: int) -> int:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return (nxt - dt.timedelta(days=1)).day


def equal(a: Any, b: Any) -> bool:
    """Equality by kind: numbers with numbers, texts with texts, dates with dates or date text."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) and is_number(b):
        return bool(a == b)
    if isinstance(a, dt.datetime) or isinstance(b, dt.datetime):
        da, db = parse_date(a), parse_date(b)
        return da is not None and db is not None and da == db
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    return False


def compare(a: Any, b: Any) -> int | None:
    """-1/0/1 for values of one kind (numbers, texts, dates or date text), None across kinds."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return None
    if is_number(a) and is_number(b):
        return (a > b) - (a < b)
    if isinstance(a, dt.datetime) or isinstance(b, dt.datetime):
        da, db = parse_date(a), parse_date(b)
        if da is None or db is None:
            return None
        return (da > db) - (da < db)
    if isinstance(a, str) and isinstance(b, str):
        return (a > b) - (a < b)
    return None


def truthy(value: Any) -> bool:
    """Truth of a filter result: null, false, 0, empty text and empty lists are false."""
    if value is None:
        return False
    if isinstance(value, (bool, int, float, str, list)):
        return bool(value)
    return True


_KIND_RANK = {"number": 0, "date": 1, "text": 2, "bool": 3, "list": 4}
_TEXT_RANK, _NUMBER_RANK = _KIND_RANK["text"], _KIND_RANK["number"]


def sort_key(value: Any) -> tuple[int, Any]:
    """A key that orders any values: numbers, dates, texts, booleans, lists; nulls sort last."""
    kind = type(value)
    if kind is str:
        return (_TEXT_RANK, value.casefold())
    if kind is int or kind is float:
        return (_NUMBER_RANK, value)
    if value is None:
        return (9, 0)
    if isinstance(value, bool):
        return (_KIND_RANK["bool"], int(value))
    if is_number(value):
        return (_KIND_RANK["number"], value)
    if isinstance(value, dt.datetime):
        return (_KIND_RANK["date"], value.isoformat())
    if isinstance(value, str):
        return (_KIND_RANK["text"], value.casefold())
    return (_KIND_RANK["list"], display(value))


_SCALARS = (str, int, float, bool, type(None))


def plain(value: Any) -> Any:
    """A JSON-ready copy of a value (dates as ISO text, midnight dates as their day)."""
    if type(value) in _SCALARS:
        return value
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def display(value: Any) -> str:
    """The text a table cell shows for a value."""
    if type(value) is str:
        return value
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return ", ".join(display(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {display(v)}" for k, v in value.items())
    return str(value)
