"""The names of a notebook's files as found on disk, for completion during its first index
run: notes the run has not reached yet are offered by their file name (no title or alias is
known before a note is parsed).

Blocking (disk): run on a reader thread.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..core.syntax import is_note_name
from .database import get_meta
from .disk_lookup import files_on_disk
from .lookups import NoteName


def never_indexed(conn: sqlite3.Connection) -> bool:
    """True while no index run of the notebook has finished (its first one is under way)."""
    try:
        return get_meta(conn, "last_indexed") is None
    except sqlite3.OperationalError:  # the first run has not created the tables yet
        return True


def with_files_on_disk(root: Path, names: list[NoteName]) -> list[NoteName]:
    """``names`` (read from the index) followed by every file on disk under ``root`` that is
    not among them, named by its path; notes first, as ``lookups.note_names`` orders them."""
    known = {name.path for name in names}
    found = [
        NoteName(rel, rel, (), is_note_name(rel))
        for rel in sorted(files_on_disk(root))
        if rel not in known
    ]
    merged = names + found
    merged.sort(key=lambda name: not name.is_note)
    return merged
