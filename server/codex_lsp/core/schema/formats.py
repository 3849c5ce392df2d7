"""The ``format`` values a notebook schema checks: dates, date-times, e-mail addresses, URIs.

jsonschema checks no format unless told; these checkers are strict where notes need it
(a date is a real calendar day) and never fetch anything.
"""

from __future__ import annotations

import datetime as _dt
import re
from functools import lru_cache
from typing import TYPE_CHECKING

# jsonschema, referencing and regex load when a schema is first compiled or checked, not
# when this module is imported: a server answers its first requests without them.
if TYPE_CHECKING:
    from jsonschema import FormatChecker

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATE_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))?$"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.][^@\s]*$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")

FORMAT_HINTS = {
    "date": "a date (YYYY-MM-DD)",
    "date-time": "a date and time (YYYY-MM-DDTHH:MM:SS, optional offset)",
    "email": "an e-mail address",
    "uri": "a URI with a scheme (https://…)",
}


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    found = _DATE_TIME.match(value)
    if not found or not _is_date(found.group(1)):
        return False
    hour, minute, second = int(found.group(2)), int(found.group(3)), int(found.group(4))
    if hour > 23 or minute > 59 or second > 60:
        return False
    if found.group(5):
        return int(found.group(6)) <= 23 and int(found.group(7)) <= 59
    return True


def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(_EMAIL.match(value))


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(_URI.match(value))


@lru_cache(maxsize=1)
def format_checker() -> FormatChecker:
    """The checker of the formats of :data:`FORMAT_HINTS` (made once, at first use)."""
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    checker.checks("date")(_is_date)
    checker.checks("date-time")(_is_date_time)
    checker.checks("email")(_is_email)
    checker.checks("uri")(_is_uri)
    return checker


__all__ = ["FORMAT_HINTS", "format_checker"]
