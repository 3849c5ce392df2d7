"""The names of a notebook's files as found on disk, for completion and definitions during its
first index run: notes the run has not reached yet are offered, and links to them followed, by
their file name (no title or alias is known before a note is parsed).

Blocking (disk): call from a thread, never the event loop.
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_left
from collections import Counter
from pathlib import Path

from ..core.resolve import lookup_key
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


class DiskNames:
    """Every file under one notebook root, walked once and kept sorted by name, so that a
    prefix costs a binary search however large the notebook."""

    def __init__(self, root: Path) -> None:
        entries = sorted((lookup_key(rel), rel) for rel in files_on_disk(root))
        self._keys = [key for key, _ in entries]
        self._paths = [rel for _, rel in entries]

    def starting(self, prefix: str, limit: int) -> tuple[list[NoteName], Counter[str]]:
        """At most ``limit`` files whose name starts with ``prefix`` (case-insensitive), named
        by their path, and how many files have each of their names."""
        low = prefix.lower()
        found: list[NoteName] = []
        counts: Counter[str] = Counter()
        at = bisect_left(self._keys, low)
        while at < len(self._keys) and len(found) < limit and self._keys[at].startswith(low):
            rel = self._paths[at]
            found.append(NoteName(rel, rel, (), is_note_name(rel)))
            counts[self._keys[at]] += 1
            at += 1
        return found, counts

    def named(self, key: str) -> list[str]:
        """The files whose lookup key (lowercase name, note suffix left out) is ``key``."""
        at = end = bisect_left(self._keys, key)
        while end < len(self._keys) and self._keys[end] == key:
            end += 1
        return self._paths[at:end]


def with_files_on_disk(names: list[NoteName], on_disk: list[NoteName]) -> list[NoteName]:
    """``names`` (read from the index) followed by the files of ``on_disk`` that are not among
    them; notes first, as ``lookups.note_names`` orders them."""
    known = {name.path for name in names}
    merged = names + [name for name in on_disk if name.path not in known]
    merged.sort(key=lambda name: not name.is_note)
    return merged
