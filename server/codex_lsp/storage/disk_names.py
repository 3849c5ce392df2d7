"""The names of a notebook's files as found on disk, for completion during its first index
run: notes the run has not reached yet are offered by their file name (no title or alias is
known before a note is parsed).

Blocking (disk): call from a thread, never the event loop.
"""

from __future__ import annotations

import sqlite3
import threading
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


class DiskNameCache:
    """One :class:`DiskNames` per notebook root, walked the first time it is asked for and
    dropped once the notebook's first index run is over."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._walks: dict[Path, DiskNames] = {}

    def starting(self, root: Path, prefix: str, limit: int) -> tuple[list[NoteName], Counter[str]]:
        """:meth:`DiskNames.starting` of the notebook at ``root`` (walking it if not yet)."""
        with self._lock:  # one walk per notebook, however many requests arrive meanwhile
            walk = self._walks.get(root)
            if walk is None:
                walk = self._walks[root] = DiskNames(root)
        return walk.starting(prefix, limit)

    def forget(self, root: Path) -> None:
        """Drop the walk of ``root`` (its index now holds every file)."""
        with self._lock:
            self._walks.pop(root, None)


def with_files_on_disk(names: list[NoteName], on_disk: list[NoteName]) -> list[NoteName]:
    """``names`` (read from the index) followed by the files of ``on_disk`` that are not among
    them; notes first, as ``lookups.note_names`` orders them."""
    known = {name.path for name in names}
    merged = names + [name for name in on_disk if name.path not in known]
    merged.sort(key=lambda name: not name.is_note)
    return merged
