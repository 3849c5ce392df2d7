"""Note names by prefix, read straight from the database file.

Completion answers from these while its in-memory names of the notebook are still being
built (a warm start of a large notebook): a range query on the indexed lowercase names and
alias keys costs milliseconds whatever the notebook's size, on a connection of its own, so it
never queues behind the build on the notebook's reader thread.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from ..core.resolve import lookup_key
from .disk_names import never_indexed
from .lookups import NoteName

_HIGHEST = "\U0010ffff"  # sorts after every character a name can continue with


def names_starting(conn: sqlite3.Connection, prefix: str, limit: int) -> list[NoteName]:
    """Live files whose name (a note's stem, an attachment's file name) or one of whose
    aliases starts with ``prefix``, case-insensitively: at most ``limit`` by name and
    ``limit`` by alias, notes first, then by path (as :func:`lookups.note_names` orders)."""
    low = prefix.lower()
    bounds = (low, low + _HIGHEST, limit)
    columns = "f.id, f.path, f.title, f.is_note"
    rows = conn.execute(
        f"SELECT {columns} FROM file_metadata f WHERE f.deleted_at IS NULL"
        " AND f.lookup_key >= ? AND f.lookup_key < ? ORDER BY f.lookup_key LIMIT ?",
        bounds,
    ).fetchall()
    rows += conn.execute(
        f"SELECT {columns} FROM alias a JOIN file_metadata f ON f.id = a.file_id"
        " WHERE a.key >= ? AND a.key < ? AND f.deleted_at IS NULL ORDER BY a.key LIMIT ?",
        bounds,
    ).fetchall()
    files = {row[0]: row for row in rows}
    if not files:
        return []
    aliases: dict[str, list[str]] = {}
    ids = list(files)
    for file_id, alias in conn.execute(
        f"SELECT file_id, alias FROM alias WHERE file_id IN ({','.join('?' * len(ids))})", ids
    ):
        aliases.setdefault(file_id, []).append(alias)
    names = [
        NoteName(path, title or path, tuple(aliases.get(file_id, ())), bool(is_note))
        for file_id, path, title, is_note in files.values()
    ]
    names.sort(key=lambda name: (not name.is_note, name.path))
    return names


def name_counts(conn: sqlite3.Connection, keys: list[str]) -> Counter[str]:
    """How many live files have each of the lowercase names ``keys`` (a name two files share
    is linked by its path)."""
    counts: Counter[str] = Counter()
    if keys:
        for key, count in conn.execute(
            "SELECT lookup_key, count(*) FROM file_metadata WHERE deleted_at IS NULL"
            f" AND lookup_key IN ({','.join('?' * len(keys))}) GROUP BY lookup_key",
            keys,
        ):
            counts[key] = count
    return counts


def read_names(
    database: Path, prefix: str, limit: int
) -> tuple[list[NoteName], Counter[str], bool]:
    """:func:`names_starting` and the :func:`name_counts` of their names, on a read-only
    connection opened for this call (blocking: call it on a thread), and whether an index run
    of the notebook has finished (else the index lacks the files its first run has not
    reached). A database that is missing, still being created, locked or unreadable has no
    names yet: the answer is marked incomplete anyway, so it never waits for a lock (SQLite's
    default is seconds)."""
    try:
        conn = sqlite3.connect(database.as_uri() + "?mode=ro", uri=True, timeout=0)
    except sqlite3.Error:
        return [], Counter(), False
    try:
        indexed = not never_indexed(conn)
        names = names_starting(conn, prefix, limit)
        keys = {lookup_key(name.path) for name in names}
        return names, name_counts(conn, sorted(keys)), indexed
    except sqlite3.Error:
        return [], Counter(), False
    finally:
        conn.close()
