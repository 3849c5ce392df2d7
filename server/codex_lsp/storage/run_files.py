"""The files of a full index run, kept on disk in a database of the run's own.

A full run needs every file of the notebook at once: the scan finds them all before the first
is read, each gets the id it is planned to have, and a link is answered as soon as its note
is parsed, by the names of every file (storage/streaming_links.py). Held in memory, that
took hundreds of bytes a file for the whole run, and a large notebook went over the run's
memory budget. Here the files go to a temporary SQLite file as the scan finds them
(:class:`RunFiles`, with a small page cache), the run hands them out to its workers by
chunks, and the workers look names up in it, a chunk's names at once (:class:`RunNames`,
read-only, from any process): the run holds nothing per file, whatever the notebook's size.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import weakref
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..core.resolve import stem_of
from ..core.syntax import is_note_name
from .database import transaction
from .ids import new_ulid
from .scanner import FileStat

CACHE_KIB = 2048
"""The page cache (KiB) of each connection to a run's files: all the memory they take."""
_PREFIX = "codex-run-"
ADD_BATCH = 1_000
"""Files written to the database at a time while the scan adds them."""
IN_LIST = 200
"""Values one look-up query takes (:meth:`RunNames.by_keys`, :meth:`RunNames.ids_of`)."""

_SCHEMA = (
    "CREATE TABLE file (seq INTEGER PRIMARY KEY, path TEXT NOT NULL, id TEXT NOT NULL,"
    " key TEXT NOT NULL, note INTEGER NOT NULL, mtime INTEGER NOT NULL, size INTEGER NOT NULL,"
    " sidecars TEXT, indexed INTEGER NOT NULL DEFAULT 0)"
)
_INSERT = "INSERT INTO file (path, id, key, note, mtime, size, sidecars) VALUES (?,?,?,?,?,?,?)"
# Covering: a look-up reads the index alone.
_INDEXES = (
    "CREATE UNIQUE INDEX file_path ON file (path, id)",
    "CREATE INDEX file_key ON file (key, seq, path, id, note)",
)


def name_key(path: str) -> str:
    """The look-up key of a file's own name (a note's without its suffix), as
    :class:`~codex_lsp.core.resolve.Target` makes it."""
    return stem_of(path, is_note_name(path)).lower()


class RunFiles:
    """Every file of one full run, with the id planned for it, in a temporary database.

    Files are added in the scan's order (:meth:`add`, each planned a new id), then the run
    seals them (:meth:`keep_ids` gives the files indexed before their ids) and reads them
    back by chunks in that order (:meth:`chunks`). The database file is deleted by
    :meth:`close` (or when the object is collected).
    """

    def __init__(self, fallback: Path | None = None) -> None:
        """A new, empty set of files in the system's temporary folder, or in ``fallback``
        (the notebook database's folder) where that one cannot be written."""
        # The process's id in the name: the file of a run whose process was killed is
        # recognised, and removed by the next run in that folder (:func:`_remove_stale`).
        prefix = f"{_PREFIX}{os.getpid()}-"
        try:
            handle, name = tempfile.mkstemp(prefix=prefix, suffix=".db")
        except OSError:
            if fallback is None:
                raise
            handle, name = tempfile.mkstemp(prefix=prefix, suffix=".db", dir=fallback)
        os.close(handle)
        _remove_stale(Path(name).parent)
        self.path = name
        self._db = sqlite3.connect(name, isolation_level=None, check_same_thread=False)
        self._finalizer = weakref.finalize(self, _drop, self._db, name)
        for pragma in (f"cache_size = -{CACHE_KIB}", "journal_mode = OFF", "synchronous = OFF"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute(_SCHEMA)
        self._pending: list[tuple[Any, ...]] = []
        self._count = 0
        self._sealed = False

    @classmethod
    def of(cls, planned: Iterable[tuple[str, str]]) -> RunFiles:
        """The files ``(path, planned id)`` of ``planned``, sealed."""
        files = cls()
        for path, file_id in planned:
            files.add(FileStat(path, 0, 0), file_id)
        files.keep_ids(())
        return files

    def add(self, item: FileStat, file_id: str | None = None) -> None:
        """Add the next file of the run, planned to get ``file_id`` (default: a new id)."""
        if self._sealed:
            raise RuntimeError("a file added to a run whose files were sealed")
        path = item.path
        sidecars = json.dumps(item.sidecars) if item.sidecars else None
        row = (path, file_id or new_ulid(), name_key(path), is_note_name(path))
        self._pending.append((*row, item.mtime_ns, item.size, sidecars))
        self._count += 1
        if len(self._pending) >= ADD_BATCH:
            self._flush()

    def keep_ids(self, rows: Iterable[tuple[str, str, bool]]) -> list[str]:
        """Seal the run's files; give those indexed before (``(path, id, deleted)`` of each
        row of the index) their ids. The paths of the live indexed files the run does not
        have (removed since)."""
        self._flush()
        db = self._db
        with transaction(db):
            for statement in _INDEXES:
                db.execute(statement)
            db.execute(
                "CREATE TABLE previous (path TEXT PRIMARY KEY, id TEXT NOT NULL,"
                " deleted INTEGER NOT NULL) WITHOUT ROWID"
            )
            db.executemany("INSERT OR REPLACE INTO previous VALUES (?, ?, ?)", rows)
            db.execute(
                "UPDATE file SET id = previous.id, indexed = NOT previous.deleted"
                " FROM previous WHERE previous.path = file.path"
            )
            removed = [
                path
                for (path,) in db.execute(
                    "SELECT path FROM previous WHERE NOT deleted"
                    " AND path NOT IN (SELECT path FROM file) ORDER BY path"
                )
            ]
            db.execute("DROP TABLE previous")
        self._sealed = True
        return removed

    def __len__(self) -> int:
        return self._count

    def chunks(self, size: int) -> Iterator[list[tuple[FileStat, str, bool]]]:
        """``(file, planned id, whether it was live in the index)`` in the run's order,
        ``size`` at a time."""
        if not self._sealed:
            raise RuntimeError("the run's files were read before they were sealed")
        last = 0
        while rows := self._db.execute(
            "SELECT seq, path, mtime, size, sidecars, id, indexed FROM file WHERE seq > ?"
            " ORDER BY seq LIMIT ?",
            (last, size),
        ).fetchall():
            yield [(_stat(*row[1:5]), row[5], bool(row[6])) for row in rows]
            last = rows[-1][0]

    def names(self) -> RunNames:
        """A reader of the sealed files in this process (close it before this object)."""
        return RunNames(self.path)

    def close(self) -> None:
        """Drop the run's database (its file goes with it)."""
        self._finalizer()

    def _flush(self) -> None:
        if self._pending:
            with transaction(self._db):
                self._db.executemany(_INSERT, self._pending)
            self._pending.clear()


def _remove_stale(folder: Path) -> None:
    """Remove the run files in ``folder`` whose process is gone (killed during its run)."""
    for stale in folder.glob(f"{_PREFIX}*-*.db"):
        pid = stale.name[len(_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            stale.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    """True if a process ``pid`` exists (one of another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, and is not ours to signal
        return True
    return True


def _drop(db: sqlite3.Connection, name: str) -> None:
    db.close()
    Path(name).unlink(missing_ok=True)


def _stat(path: str, mtime: int, size: int, sidecars: str | None) -> FileStat:
    return FileStat(path, mtime, size, tuple(json.loads(sidecars)) if sidecars else ())


Named = tuple[str, str, bool]
"""``(path, planned id, is a note)`` of a file under a name."""


class RunNames:
    """Look-ups in the sealed files of a run (:class:`RunFiles`), read-only, from the process
    that opens it (each worker process opens its own)."""

    def __init__(self, path: str) -> None:
        # immutable: nothing writes the sealed files, so readers take no locks.
        uri = f"file:{quote(path)}?mode=ro&immutable=1"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self._marks = ",".join("?" * IN_LIST)

    def by_keys(self, keys: Collection[str]) -> dict[str, list[Named]]:
        """The files whose own name has each of ``keys``, in the run's order (keys no file
        has are left out)."""
        found: dict[str, list[Named]] = {}
        sql = f"SELECT key, path, id, note FROM file WHERE key IN ({self._marks}) ORDER BY key, seq"
        for key, path, file_id, note in self._select(sql, list(keys)):
            found.setdefault(key, []).append((path, file_id, bool(note)))
        return found

    def ids_of(self, paths: Collection[str]) -> dict[str, str]:
        """The planned id of each of ``paths`` that is a file of the run."""
        sql = f"SELECT path, id FROM file WHERE path IN ({self._marks})"
        return dict(self._select(sql, list(paths)))

    def close(self) -> None:
        """Close the reader."""
        self._db.close()

    def _select(self, sql: str, values: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        """The rows of ``sql`` (a list of :data:`IN_LIST` marks) for ``values``, a list at a
        time; the last one is filled up with NULL, which matches nothing: one statement."""
        for start in range(0, len(values), IN_LIST):
            chunk: list[str | None] = list(values[start : start + IN_LIST])
            chunk += [None] * (IN_LIST - len(chunk))
            yield from self._db.execute(sql, chunk).fetchall()


__all__ = ["CACHE_KIB", "Named", "RunFiles", "RunNames", "name_key"]
