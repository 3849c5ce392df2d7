"""Pure helpers for git history views: relative dates, the history code lens title, and
unified diffs of two texts."""

from __future__ import annotations

import datetime as _dt
import difflib
from collections.abc import Iterator

NO_NEWLINE = "\\ No newline at end of file\n"

_UNITS = (
    (365 * 24 * 3600, "year"),
    (30 * 24 * 3600, "month"),
    (7 * 24 * 3600, "week"),
    (24 * 3600, "day"),
    (3600, "hour"),
    (60, "minute"),
)


def parse_iso(value: str) -> _dt.datetime | None:
    """An ISO 8601 timestamp (as git's ``%aI`` prints it), or None when it cannot be read."""
    try:
        parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.timezone.utc)


def relative_time(then: _dt.datetime, now: _dt.datetime) -> str:
    """``"3 days ago"``, ``"yesterday"``, ``"just now"``; future dates read ``"just now"``."""
    seconds = int((now - then).total_seconds())
    if seconds < 60:
        return "just now"
    for size, unit in _UNITS:
        if seconds >= size:
            count = seconds // size
            if unit == "day" and count == 1:
                return "yesterday"
            return f"{count} {unit}{'s' * (count != 1)} ago"
    return "just now"  # pragma: no cover - the minute unit always matches


def history_lens_title(count: int, author: str | None, date: str | None, now: _dt.datetime) -> str:
    """``"4 revisions · changed 3 days ago by Ada"``."""
    title = f"{count} revision{'s' * (count != 1)}"
    when = parse_iso(date) if date else None
    if when is not None:
        title += f" · changed {relative_time(when, now)}"
        if author:
            title += f" by {author}"
    elif author:
        title += f" · last by {author}"
    return title


def _lines(text: str) -> list[str]:
    """Lines split on ``\\n`` only (as git does), each keeping its line break."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def unified_diff(old: str, new: str, old_label: str, new_label: str, context: int = 3) -> str:
    """A ``diff -u`` style patch from ``old`` to ``new`` ("" when they are equal).

    A last line without a line break gets git's ``\\ No newline at end of file`` marker, so
    the patch applies with ``git apply`` / ``patch``.
    """
    if old == new:
        return ""
    diff = difflib.unified_diff(_lines(old), _lines(new), old_label, new_label, n=context)
    return "".join(_marked(diff))


def _marked(lines: Iterator[str]) -> Iterator[str]:
    for line in lines:
        if line.endswith("\n"):
            yield line
        else:  # headers always end with a line break: this is a last line without one
            yield line + "\n"
            yield NO_NEWLINE
