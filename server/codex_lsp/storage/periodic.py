"""Periodic (daily, weekly, monthly) notes in the index: which exist, and their neighbours."""

from __future__ import annotations

import datetime as _dt
import sqlite3

from ..core.dates import name_pattern, read_name
from ..core.resolve import strip_note_suffix


def notes_under(conn: sqlite3.Connection, folder: str) -> list[str]:
    """Notebook-relative paths of the live notes in ``folder`` and below (``""``: all)."""
    if not folder:
        rows = conn.execute(
            "SELECT path FROM file_metadata WHERE deleted_at IS NULL AND is_note = 1"
        )
    else:
        prefix = folder.rstrip("/") + "/"
        rows = conn.execute(
            "SELECT path FROM file_metadata WHERE deleted_at IS NULL AND is_note = 1"
            " AND substr(path, 1, ?) = ?",
            (len(prefix), prefix),
        )
    return [row[0] for row in rows]


def dated_notes(paths: list[str], folder: str, fmt: str) -> dict[_dt.date, str]:
    """The notes among ``paths`` whose name below ``folder`` reads back as a date of ``fmt``."""
    pattern = name_pattern(fmt)
    if pattern is None:
        return {}
    prefix = folder.rstrip("/") + "/" if folder else ""
    found: dict[_dt.date, str] = {}
    for path in paths:
        if not path.startswith(prefix):
            continue
        day = read_name(pattern, strip_note_suffix(path[len(prefix) :]))
        if day is not None:
            found.setdefault(day, path)
    return found


def neighbour(
    notes: dict[_dt.date, str], day: _dt.date, later: bool
) -> tuple[_dt.date, str] | None:
    """The note nearest after (``later``) or before ``day``; None when there is none."""
    candidates = [d for d in notes if (d > day if later else d < day)]
    if not candidates:
        return None
    chosen = min(candidates) if later else max(candidates)
    return chosen, notes[chosen]
