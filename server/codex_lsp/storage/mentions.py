"""Unlinked mentions from the index: the places that name a note as plain text
(``codex.mentions``, the CLI's ``mentions``), and the names a note's text mentions (the hint
diagnostics).

Candidates come from the full-text index (a phrase query per name on the ``content`` column);
each is then checked exactly on its text (core/mentions.py). The index holds a note's body
(its text after the frontmatter), which starts on the note's ``body_line``: positions are
found without reading the files. Open buffers stand in for their files.
"""

from __future__ import annotations

import posixpath
import sqlite3
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from ..core.excerpt import line_context
from ..core.mentions import (
    Mention,
    Name,
    NameIndex,
    find_mentions,
    make_name,
    note_names,
    plain_text,
    worth_hinting,
)
from ..core.model import Position, Range
from ..core.resolve import strip_note_suffix
from ..core.search_query import METADATA_MARK
from ..core.textpos import LineIndex, utf16_len

MAX_MENTIONS = 2000
"""Mentions of one note reported at most (the first ones by path)."""
MAX_CANDIDATES = 20_000
ALIAS_BATCH = 500
"""Above this many files to read again, every alias is read at once."""


@dataclass(frozen=True, slots=True)
class MentionPlace:
    """A mention of a note in the note at ``path``: where, which name, the line around it."""

    path: str
    range: Range
    name: str
    written: str
    context: str

    def as_dict(self, shown_path: str) -> dict[str, Any]:
        """The mention as ``codex.mentions`` and ``codex-lsp mentions --json`` print it, its
        path written as ``shown_path`` (docs/protocol.md)."""
        r = self.range
        return {
            "path": shown_path,
            "range": {
                "start": {"line": r.start.line, "character": r.start.character},
                "end": {"line": r.end.line, "character": r.end.character},
            },
            "name": self.name,
            "text": self.written,
            "context": self.context,
        }


def names_of(conn: sqlite3.Connection, rel: str) -> list[str]:
    """The names of the note at ``rel``: file name (without ``.md``), title, aliases."""
    row = conn.execute(
        "SELECT id, filename, title FROM file_metadata WHERE path = ? AND deleted_at IS NULL",
        (rel,),
    ).fetchone()
    if row is None:
        return note_names(strip_note_suffix(posixpath.basename(rel)), "", ())
    file_id, filename, title = row
    aliases = [a for (a,) in conn.execute("SELECT alias FROM alias WHERE file_id = ?", (file_id,))]
    return note_names(strip_note_suffix(filename), title or "", aliases)


def link_name(conn: sqlite3.Connection, rel: str) -> str:
    """What a wiki link to ``rel`` writes: its file name, or its path (without ``.md``) when
    another note has the same file name."""
    filename = posixpath.basename(rel)
    same = conn.execute(
        "SELECT count(*) FROM file_metadata WHERE filename = ? COLLATE NOCASE"
        " AND is_note = 1 AND deleted_at IS NULL AND path != ?",
        (filename, rel),
    ).fetchone()[0]
    return strip_note_suffix(filename if not same else rel)


def mentions_of(
    conn: sqlite3.Connection, rel: str, buffers: Mapping[str, str] | None = None
) -> list[MentionPlace]:
    """Every unlinked mention of the note ``rel`` in the other notes, by path then position;
    ``buffers`` are open notes' texts by path (they replace the index's text)."""
    buffers = buffers or {}
    names = [n for n in (make_name(text, rel) for text in names_of(conn, rel)) if n is not None]
    if not names:
        return []
    index = NameIndex(names)
    found: list[MentionPlace] = []
    for path, body_line, content in _candidates(conn, names, rel):
        if path in buffers:
            continue
        body = content.split(METADATA_MARK, 1)[0]
        found += _places(path, body, plain_text(body, 0), index, body_line)
    for path, text in buffers.items():
        if path != rel:
            found += _places(path, text, plain_text(text), index, 0)
    found.sort(key=lambda place: (place.path, place.range.start))
    return found[:MAX_MENTIONS]


def _candidates(
    conn: sqlite3.Connection, names: list[Name], rel: str
) -> list[tuple[str, int, str]]:
    """Notes whose indexed text holds one of the names' words as a phrase: path, first line
    of the body, indexed text."""
    phrases = " OR ".join(f'"{" ".join(name.words)}"' for name in names)
    return conn.execute(
        "SELECT m.path, m.body_line, s.content FROM search_index s"
        " JOIN file_metadata m ON m.rowid = s.rowid"
        " WHERE search_index MATCH ? AND m.is_note = 1 AND m.deleted_at IS NULL AND m.path != ?"
        " LIMIT ?",
        (f"content : ({phrases})", rel, MAX_CANDIDATES),
    ).fetchall()


def _places(
    path: str, text: str, masked: str, index: NameIndex, first_line: int
) -> list[MentionPlace]:
    """The mentions in ``text`` as places (``text`` starts on line ``first_line``)."""
    found = find_mentions(masked, index)
    if not found:
        return []
    lines = LineIndex(text)
    return [_place(path, text, lines, mention, first_line) for mention in found]


def _place(
    path: str, text: str, lines: LineIndex, mention: Mention, first_line: int
) -> MentionPlace:
    where = lines.range(mention.start, mention.end)
    line_start = lines.line_start(where.start.line)
    line_end = text.find("\n", line_start)
    line = text[line_start : len(text) if line_end == -1 else line_end].rstrip("\r")
    start = Position(where.start.line + first_line, where.start.character)
    end = Position(where.end.line + first_line, where.end.character)
    context = line_context(line, where.start.character, min(where.end.character, utf16_len(line)))
    return MentionPlace(
        path, Range(start, end), mention.name, text[mention.start : mention.end], context
    )


class NameCache:
    """The names worth a hint of every note of a notebook, kept up to date with the index:
    when the database has changed (``PRAGMA data_version``), only the files written since
    (``updated_at``) are read again.

    Refreshed from one thread (the notebook's background reader, whose connection it reads);
    other threads only look names up (:meth:`lookup`), never waiting for the first build,
    which reads every note: until it is done they find no names. A lock guards the short
    moments an update changes the names in place; a full build is made aside and swapped in.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._version = -1
        self._names: _Names | None = None
        self._missed = False  # a lookup found no names because none were built yet
        self._builds = 0  # names swapped in whole (their edits count from zero again)

    @property
    def built(self) -> bool:
        """Whether the names have been read once (lookups find nothing before)."""
        return self._names is not None

    def refresh(self, conn: sqlite3.Connection) -> bool:
        """Bring the names up to date with what ``conn`` reads now (the owner thread only).
        True when lookups have answered without names that now exist: what they answered
        is worth asking again."""
        version = int(conn.execute("PRAGMA data_version").fetchone()[0])
        names = self._names
        if names is None or conn is not self._conn:
            return self._swap(conn, version, _Names.read(conn))
        if version == self._version:
            return False
        self._version = version
        rows, aliases = names.changed(conn)
        # Counting the notes (which reads every row) tells whether rows were deleted outright;
        # a write that does so writes a row new to the names too, unlike an edit.
        fresh = any(row[0] not in names.by_file for row in rows)
        with self._lock:
            names.apply(rows, aliases)
        if fresh and names.live(conn) != len(names.by_file):
            return self._swap(conn, version, _Names.read(conn))
        return False

    def _swap(self, conn: sqlite3.Connection, version: int, names: _Names) -> bool:
        with self._lock:
            self._conn, self._version, self._names = conn, version, names
            self._builds += 1
            missed, self._missed = self._missed, False
        return missed

    @property
    def state(self) -> tuple[int, int]:
        """A token equal between two moments only if the names did not change in between:
        what a note's mentions were found against, for reusing them while it holds."""
        with self._lock:
            names = self._names
            return (self._builds, names.edits if names is not None else -1)

    def lookup(self, text: str, rel: str) -> list[Mention]:
        """The mentions in the note ``rel`` (its ``text`` with links, code, frontmatter and
        URLs blanked) of other notes' names worth a hint (none before the first build)."""
        with self._lock:
            names = self._names
            if names is None:
                self._missed = True
                return []
            if not names.index:
                return []
            return [
                mention
                for mention in find_mentions(text, names.index)
                if mention.target != rel and not names.shared_text(mention.name)
            ]


@dataclass(slots=True)
class _Names:
    """The names of a cache, with where they were read up to (``stamp``).

    Held for the whole session, once per note of the notebook: files are keyed by their row
    number, and the words and separators of names, which notes share by the thousand, are
    held once each (interned).
    """

    by_file: dict[int, tuple[Name, ...]] = field(default_factory=dict)
    seps: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    index: NameIndex = field(default_factory=lambda: NameIndex(()))
    stamp: str = ""
    edits: int = 0  # how many times applying rows changed a file's names

    @classmethod
    def read(cls, conn: sqlite3.Connection) -> _Names:
        """Every note's names, read a row at a time (holding every row at once would double
        the peak of the first read)."""
        names = cls()
        cursor = names._rows(conn)
        first = cursor.fetchmany(ALIAS_BATCH + 1)
        # While the cursor is open, the connection reads one snapshot: the aliases agree.
        names.apply(chain(first, cursor), _aliases(conn, first))
        return names

    @staticmethod
    def live(conn: sqlite3.Connection) -> int:
        """How many notes the index holds."""
        return int(
            conn.execute(
                "SELECT count(*) FROM file_metadata WHERE is_note = 1 AND deleted_at IS NULL"
            ).fetchone()[0]
        )

    def changed(self, conn: sqlite3.Connection) -> tuple[list[Any], dict[str, list[str]]]:
        """The files written since ``stamp``, with their aliases."""
        rows = self._rows(conn).fetchall()
        return rows, _aliases(conn, rows)

    def _rows(self, conn: sqlite3.Connection) -> sqlite3.Cursor:
        return conn.execute(
            "SELECT rowid, id, path, filename, title, is_note, deleted_at IS NOT NULL,"
            " updated_at FROM file_metadata WHERE updated_at >= ?",
            (self.stamp,),
        )

    def apply(self, rows: Iterable[Any], aliases: dict[str, list[str]]) -> None:
        """Take the names of the files read again (``changed``) in place of their old ones."""
        stamp = self.stamp
        for rowid, file_id, path, filename, title, is_note, deleted, updated in rows:
            stamp = max(stamp, updated)
            before = self.by_file.pop(rowid, ())
            for name in before:
                self.index.discard(name)
            if not is_note or deleted:
                self.edits += bool(before)
                continue
            names = tuple(
                self._compact(name)
                for name in _hint_names(path, filename, title, aliases.get(file_id, ()))
            )
            self.edits += names != before
            self.by_file[rowid] = names
            for name in names:
                self.index.add(name)
        self.stamp = stamp

    def shared_text(self, name: str) -> bool:
        """Whether two notes have the name ``name`` (its link would be ambiguous)."""
        found = make_name(name, "")
        if found is None:
            return False
        lowered = name.lower()
        same = self.index.by_key.get(found.words[:2], ())
        return sum(1 for other in same if other.text.lower() == lowered) > 1

    def _compact(self, name: Name) -> Name:
        """``name`` with its words and separators shared with every other name's."""
        words = tuple(sys.intern(word) for word in name.words)
        seps = self.seps.setdefault(name.seps, tuple(sys.intern(sep) for sep in name.seps))
        return Name(name.text, name.target, words, seps, name.lead, name.trail)


def _aliases(conn: sqlite3.Connection, rows: list[Any]) -> dict[str, list[str]]:
    """The aliases of the files of ``rows`` (every alias when they are many)."""
    aliases: dict[str, list[str]] = {}
    if not rows:
        return aliases
    query = "SELECT file_id, alias FROM alias"
    ids = [row[1] for row in rows]
    found = (
        conn.execute(query).fetchall()
        if len(ids) > ALIAS_BATCH
        else conn.execute(f"{query} WHERE file_id IN ({','.join('?' * len(ids))})", ids)
    )
    for file_id, alias in found:
        aliases.setdefault(file_id, []).append(alias)
    return aliases


def _hint_names(path: str, filename: str, title: str | None, aliases: Sequence[str]) -> list[Name]:
    """The names worth a hint of the note at ``path``."""
    found = []
    for text in note_names(strip_note_suffix(filename), title or "", aliases):
        name = make_name(text, path) if worth_hinting(text) else None
        if name is not None:
            found.append(name)
    return found


def mentions_in(cache: NameCache, rel: str, text: str) -> list[tuple[Mention, Range]]:
    """The mentions in ``text`` (the note ``rel``) of other notes' names worth a hint, with
    their ranges, as ``cache`` knows the names now."""
    found = cache.lookup(plain_text(text), rel)
    if not found:
        return []
    lines = LineIndex(text)
    return [(mention, lines.range(mention.start, mention.end)) for mention in found]
