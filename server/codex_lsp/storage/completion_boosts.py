"""The notes linked with a note, which note completion boosts.

Read from the index on a reader thread; completion caches the answer per note and index
generation (lsp/features/completion.py), so a request rarely reads it at all.
"""

from __future__ import annotations

import sqlite3


def linked_paths(conn: sqlite3.Connection, path: str) -> frozenset[str]:
    """Paths of the files the note at ``path`` links to, and of the notes linking to it."""
    rows = conn.execute(
        "SELECT t.path FROM file_metadata s JOIN link l ON l.source_id = s.id"
        " JOIN file_metadata t ON t.id = l.target_id AND t.deleted_at IS NULL"
        " WHERE s.path = ? AND s.deleted_at IS NULL"
        " UNION"
        " SELECT s.path FROM file_metadata t JOIN link l ON l.target_id = t.id"
        " JOIN file_metadata s ON s.id = l.source_id AND s.deleted_at IS NULL"
        " WHERE t.path = ? AND t.deleted_at IS NULL",
        (path, path),
    )
    return frozenset(found for (found,) in rows if found != path)
