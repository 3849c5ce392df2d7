"""Workspace symbols answered from an in-memory index of every name, not a scan per query.

A notebook's symbols are its notes (by title and by file name), their aliases, headings and
tags. :class:`SymbolIndex` holds their texts in three :class:`~codex_lsp.core.fuzzy.FuzzyIndex`
(names, headings, tags), so a query costs a binary search for prefixes and one pass of the
regular expression engine over the joined texts, whatever the number of notes that do not
match; only the few symbols returned are looked up in SQLite for their places.

:class:`SymbolCache` keeps one index per read connection and brings it up to date when the
database has changed (``PRAGMA data_version`` moves with every commit of another connection,
which is where the indexer writes): the files written since (their ``updated_at``, which every
write and soft delete of a file sets) are read again into a small index searched beside the
first one, whose texts of those files are left out; a full rebuild happens only when the
changed files are many.
"""

from __future__ import annotations

import heapq
import json
import sqlite3
from array import array
from bisect import bisect_left
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from itertools import groupby
from operator import itemgetter

from ..core.fuzzy import FuzzyIndex
from ..core.model import Position, Range
from ..core.resolve import stem_of
from .database import transaction

# Longer queries match nothing: no name is that long, and the regular expressions of a fuzzy
# search grow with the query.
MAX_SYMBOL_QUERY = 1000


class SymbolKind(Enum):
    """What a symbol names (the adapter maps these to LSP symbol kinds)."""

    NOTE = "note"
    ALIAS = "alias"
    HEADING = "heading"
    TAG = "tag"


@dataclass(frozen=True, slots=True)
class Symbol:
    """One workspace symbol: ``name`` shown, in the file ``path`` at ``range`` (None: the top
    of the file), with ``container`` shown beside it."""

    name: str
    kind: SymbolKind
    path: str
    range: Range | None
    container: str
    score: int


# Changed files kept beside the first index before it is rebuilt: at least this many, or
# this share of the notebook's files (the second index is read again at every change).
REBUILD_AT_LEAST = 500
REBUILD_SHARE = 0.05

# Headings rank just below a note or alias scored the same, and tags below headings.
_HEADING_PENALTY = 1
_TAG_PENALTY = 2


class _Texts:
    """The name and heading texts of the live files, or of some of them (``rowids``)."""

    def __init__(self, conn: sqlite3.Connection, rowids: Collection[int] | None = None) -> None:
        where, params = "", []
        if rowids is not None:
            where, params = " AND rowid IN (SELECT value FROM json_each(?))", [_json(rowids)]
        # Notes: each is found by its title and by its file stem (what links are written with).
        self.rowids = array("q")
        self.titles: list[str] = []
        self.paths: list[str] = []
        self.notes = 0  # notes come first, then attachments, each in path order
        self._name_texts: list[str] = []  # while building: the index keeps them lowered
        self.name_owner = array("q")  # per name text: file number, or -1 - alias number
        self.name_count = array("l")  # per file: its name texts
        self.alias_file = array("q")
        self.alias_texts: list[str] = []
        self.numbers: dict[str, int] = {}  # file id -> number, while building
        for rowid, file_id, path, title, is_note in conn.execute(
            "SELECT rowid, id, path, title, is_note FROM file_metadata WHERE deleted_at IS NULL"
            f"{where} ORDER BY is_note DESC, path",
            params,
        ):
            number = len(self.paths)
            self.numbers[file_id] = number
            self.notes += bool(is_note)
            shown = title or path
            self.rowids.append(rowid)
            self.paths.append(path)
            self.titles.append(shown)
            self._add_name(shown, number)
            stem = stem_of(path, is_note)
            self.name_count.append(1)
            if stem != shown:
                self._add_name(stem, number)
                self.name_count[number] += 1
        of_files = (
            " WHERE file_id IN (SELECT value FROM json_each(?))" if rowids is not None else ""
        )
        ids = [_json(self.numbers)] if rowids is not None else []
        for file_id, alias in conn.execute(f"SELECT file_id, alias FROM alias{of_files}", ids):
            number = self.numbers.get(file_id, -1)
            if number >= 0:
                self._add_name(alias, -1 - len(self.alias_texts))
                self.alias_texts.append(alias)
                self.alias_file.append(number)
                self.name_count[number] += 1
        self.names = FuzzyIndex(self._name_texts)
        self._name_texts = []
        # Headings: their text and heading rowid; the range is read for the few returned.
        # Notes repeat headings ("Methods", "Results"): each distinct text is searched once,
        # numbered in the order of its first heading, and stands for all of its headings.
        self.heading_rowids = array("q")
        self.heading_file = array("q")
        distinct: dict[str, int] = {}  # shown as read again for the few returned
        text_of = array("l")  # per heading, the number of its text
        self.heading_count = array("l", bytes(array("l").itemsize * len(self.paths)))
        for rowid, file_id, text in conn.execute(
            f"SELECT rowid, file_id, text FROM heading{of_files}", ids
        ):
            number = self.numbers.get(file_id, -1)
            if number >= 0:
                self.heading_rowids.append(rowid)
                self.heading_file.append(number)
                text_of.append(distinct.setdefault(text, len(distinct)))
                self.heading_count[number] += 1
        self.headings = FuzzyIndex(list(distinct))
        del distinct
        # The headings of each text, in heading order: those of text t are
        # ``_members[_first[t]:_first[t + 1]]``.
        self._first = array("l", bytes(array("l").itemsize * (len(self.headings) + 1)))
        for text in text_of:
            self._first[text + 1] += 1
        for text in range(len(self.headings)):
            self._first[text + 1] += self._first[text]
        self._members = array("l", bytes(array("l").itemsize * len(text_of)))
        placed = self._first[:-1]
        for heading, text in enumerate(text_of):
            self._members[placed[text]] = heading
            placed[text] += 1

    def headings_of(self, text: int) -> array[int]:
        """The numbers of the headings whose text is heading text ``text``, in order."""
        return self._members[self._first[text] : self._first[text + 1]]

    def _add_name(self, text: str, owner: int) -> None:
        self._name_texts.append(text)
        self.name_owner.append(owner)

    def file_of_name(self, number: int) -> int:
        """The file number of name text ``number``."""
        owner = self.name_owner[number]
        return owner if owner >= 0 else self.alias_file[-1 - owner]

    def number_at(self, path: str, is_note: bool) -> int | None:
        """The number of the file at ``path``, if these texts have it."""
        low, high = (0, self.notes) if is_note else (self.notes, len(self.paths))
        found = bisect_left(self.paths, path, low, high)
        return found if found < high and self.paths[found] == path else None


class _Tags:
    """Every tag of a live file: its name, the number of live files carrying it, the first
    place (by path, then position) where it or a nested child of it (``tag/...``) is written,
    and the tags of each file (to count again when a file changes)."""

    def __init__(self, conn: sqlite3.Connection, numbers: dict[str, int], files: int) -> None:
        carriers: dict[str, set[int]] = {}
        self.names: dict[str, str] = {}  # folded name -> name
        first: dict[str, tuple[str, int, int, int, int]] = {}
        for name, file_id, path, a, b, c, d in conn.execute(
            "SELECT t.name, ft.file_id, f.path, ft.start_line, ft.start_char, ft.end_line,"
            " ft.end_char FROM file_tag ft JOIN tag t ON t.id = ft.tag_id"
            " JOIN file_metadata f ON f.id = ft.file_id AND f.deleted_at IS NULL"
        ):
            key = name.lower()
            self.names.setdefault(key, name)
            carriers.setdefault(key, set()).add(numbers[file_id])
            if a is not None:
                place = (path, a, b or 0, c or 0, d or 0)
                known = first.get(key)
                if known is None or place < known:
                    first[key] = place
        # A tag is also found where its nested children are written.
        for key, place in list(first.items()):
            for parent in self._parents(key):
                if parent not in first or place < first[parent]:
                    first[parent] = place
        self.keys = list(self.names)
        self.number = {key: n for n, key in enumerate(self.keys)}
        self.counts = [len(carriers[key]) for key in self.keys]
        self.first = [first.get(key) for key in self.keys]
        # Each file's tag numbers: the file's slice of ``_flat``, and changed files apart.
        per_file: list[list[int]] = [[] for _ in range(files)]
        for key, held in carriers.items():
            for file in held:
                per_file[file].append(self.number[key])
        self._starts = array("l", [0])
        self._flat = array("l")
        for held_tags in per_file:
            self._flat.extend(held_tags)
            self._starts.append(len(self._flat))
        self._changed: dict[int, tuple[int, ...]] = {}  # file rowid -> its tag numbers
        self.index = FuzzyIndex([self.names[key] for key in self.keys])

    def _parents(self, key: str) -> list[str]:
        parents = []
        while "/" in key:
            key = key.rsplit("/", 1)[0]
            if key in self.names:
                parents.append(key)
        return parents

    def of_base_file(self, number: int) -> tuple[int, ...]:
        """The tag numbers of file ``number`` of the first index, as that index read them."""
        return tuple(self._flat[self._starts[number] : self._starts[number + 1]])

    def update(
        self,
        conn: sqlite3.Connection,
        old: dict[int, tuple[int, ...]],
        changed: Collection[int],
        paths: Collection[str],
    ) -> None:
        """Count again after the files ``changed`` (rowids) were written or removed; ``old``
        holds the tag numbers of those (and of replaced files) when last counted, ``paths``
        every path those files had or have (and those of the files changed before)."""
        new: dict[int, set[int]] = {rowid: set() for rowid in changed}
        touched: set[str] = set()
        placed: dict[str, tuple[str, int, int, int, int]] = {}  # first places in ``changed``
        for rowid, name, path, a, b, c, d in conn.execute(
            "SELECT f.rowid, t.name, f.path, ft.start_line, ft.start_char, ft.end_line,"
            " ft.end_char FROM file_tag ft JOIN tag t ON t.id = ft.tag_id"
            " JOIN file_metadata f ON f.id = ft.file_id AND f.deleted_at IS NULL"
            " WHERE f.rowid IN (SELECT value FROM json_each(?))",
            (_json(changed),),
        ):
            key = name.lower()
            if key not in self.number:
                self._add(key, name)
            new[rowid].add(self.number[key])
            if a is not None:
                place = (path, a, b or 0, c or 0, d or 0)
                for held in (key, *self._parents(key)):
                    if held not in placed or place < placed[held]:
                        placed[held] = place
        for held_before in old.values():
            for tag in held_before:
                self.counts[tag] -= 1
                touched.add(self.keys[tag])
        for rowid, held_now in new.items():
            for tag in held_now:
                self.counts[tag] += 1
                touched.add(self.keys[tag])
            self._changed[rowid] = tuple(held_now)
        # The first place stays where no changed file was, or moves to a changed file before
        # it; only when its own file changed (or it had none: a new tag may be the parent of
        # older ones) is it looked for again among every carrier.
        for key in touched | {parent for tag in touched for parent in self._parents(tag)}:
            number = self.number[key]
            known, candidate = self.first[number], placed.get(key)
            if known is None or known[0] in paths:
                self.first[number] = _first_place(conn, self.names[key])
            elif candidate is not None and candidate < known:
                self.first[number] = candidate

    def _add(self, key: str, name: str) -> None:
        self.number[key] = len(self.keys)
        self.keys.append(key)
        self.names[key] = name
        self.counts.append(0)
        self.first.append(None)
        self.index = FuzzyIndex([self.names[key] for key in self.keys])

    def held(self, rowid: int) -> tuple[int, ...] | None:
        """The tag numbers of a changed file when last counted, None if it has not changed."""
        return self._changed.get(rowid)


class SymbolIndex:
    """The symbol texts of the notebook, kept up to date (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        with _snapshot(conn):
            self._stamp, self._at_stamp = _stamp(conn)
            self._base = _Texts(conn)
            self._tags = _Tags(conn, self._base.numbers, len(self._base.paths))
        self._base.numbers = {}  # only needed to build
        order = sorted(range(len(self._base.rowids)), key=self._base.rowids.__getitem__)
        self._rowid_order = array("q", [self._base.rowids[n] for n in order])
        self._rowid_number = array("l", order)
        self._dead = bytearray(len(self._base.paths))  # files whose first texts are void
        self._dead_names = 0
        self._dead_headings = 0
        self._changed: set[int] = set()  # rowids of the files written since the first texts
        self._delta: _Texts | None = None

    def refresh(self, conn: sqlite3.Connection) -> bool:
        """Take in the files written since the last refresh; False when they are so many
        that the index should rather be built again."""
        with _snapshot(conn):
            rows = self._written(conn)
            changed = self._changed | {rowid for rowid, _, _ in rows}
            if len(changed) > max(REBUILD_AT_LEAST, REBUILD_SHARE * len(self._base.paths)):
                return False
            old: dict[int, tuple[int, ...]] = {}
            paths = {path for _, path, _ in rows}
            paths.update(self._delta.paths if self._delta is not None else ())
            for rowid, path, is_note in rows:
                held = self._tags.held(rowid)
                number = self._base_number(rowid)
                if number is not None:
                    old[rowid] = held if held is not None else self._retire(number)
                    paths.add(self._base.paths[number])
                elif held is not None:
                    old[rowid] = held
                # A file written where another was (its row replaced): the other's texts go.
                other = self._base.number_at(path, bool(is_note))
                if other is not None and self._base.rowids[other] != rowid:
                    old[-1 - other] = self._retire(other)
            self._changed = changed
            self._delta = _Texts(conn, changed)
            self._tags.update(conn, old, {rowid for rowid, _, _ in rows}, paths)
        return True

    def _written(self, conn: sqlite3.Connection) -> list[tuple[int, str, int]]:
        """(rowid, path, is_note) of the files written since the last look, which moves on.

        ``updated_at`` is the start of the run that wrote a file, in whole seconds: a run
        that started in the second of the last look has the same stamp, so the files of that
        second are told apart by what they hold.
        """
        rows = conn.execute(
            f"SELECT rowid, path, is_note, updated_at, {_HELD} FROM file_metadata"
            " WHERE updated_at >= ?",
            (self._stamp,),
        ).fetchall()
        newest = max((row[3] for row in rows), default=self._stamp)
        written, at_newest = [], {}
        for rowid, path, is_note, updated, *held in rows:
            signature = hash(tuple(held))
            if updated > self._stamp or self._at_stamp.get(rowid) != signature:
                written.append((rowid, path, is_note))
            if updated == newest:
                at_newest[rowid] = signature
        self._stamp, self._at_stamp = newest, at_newest
        return written

    def _base_number(self, rowid: int) -> int | None:
        found = bisect_left(self._rowid_order, rowid)
        if found < len(self._rowid_order) and self._rowid_order[found] == rowid:
            return self._rowid_number[found]
        return None

    def _retire(self, number: int) -> tuple[int, ...]:
        """Leave out the first texts of file ``number``; its tags as the first index read them
        (none if already left out)."""
        if self._dead[number]:
            return ()
        self._dead[number] = 1
        self._dead_names += self._base.name_count[number]
        self._dead_headings += self._base.heading_count[number]
        return self._tags.of_base_file(number)

    def search(self, conn: sqlite3.Connection, query: str, limit: int) -> list[Symbol]:
        """The best ``limit`` symbols for ``query`` (fuzzy, case-insensitive), best first
        (ties: notes and aliases, then headings, then tags).

        ``conn`` must read the database state the index was last brought up to date with
        (places of headings and tags are read from it). Headings are searched only for scores
        above the names' last kept one, and tags above the last kept name or heading: the
        kinds that rank below on a tie need not be scored where they cannot enter.
        """
        if len(query) > MAX_SYMBOL_QUERY or limit <= 0:
            return []
        found = self._search_names(self._base, query, limit, self._dead_names)
        if self._delta is not None:
            found += self._search_names(self._delta, query, limit, 0)
        found = _best_symbols(found, limit)
        floor = _last_kept(found, limit, _HEADING_PENALTY)
        found += self._search_headings(conn, self._base, query, limit, self._dead_headings, floor)
        if self._delta is not None:
            found += self._search_headings(conn, self._delta, query, limit, 0, floor)
        found = _best_symbols(found, limit)
        found += self._search_tags(query.lstrip("#"), limit, _last_kept(found, limit, _TAG_PENALTY))
        return _best_symbols(found, limit)

    def _live(self, texts: _Texts, file: int) -> bool:
        return texts is not self._base or not self._dead[file]

    def _search_names(self, texts: _Texts, query: str, limit: int, dead: int) -> list[Symbol]:
        # A note has several texts (title, stem, aliases): texts are taken best first until
        # ``limit`` notes and aliases have one, or none is left; the first ask is for as many
        # texts as ``limit`` notes and aliases have on average, and a little more.
        owners = len(texts.paths) + len(texts.alias_texts)
        asked = len(texts.names) * limit * 9 // (8 * max(owners, 1)) + 1 + dead
        while True:
            scored = texts.names.scored(query, asked)
            best: dict[int, Symbol] = {}
            for score, number in scored:
                file = texts.file_of_name(number)
                owner = texts.name_owner[number]
                if owner in best or not self._live(texts, file):
                    continue  # best first: a note's first text scores the highest
                if owner >= 0:
                    name, kind = texts.titles[owner], SymbolKind.NOTE
                else:
                    name, kind = texts.alias_texts[-1 - owner], SymbolKind.ALIAS
                path = texts.paths[file]
                best[owner] = Symbol(name, kind, path, None, path, score)
                if len(best) == limit:
                    return list(best.values())
            if len(scored) < asked:
                return list(best.values())
            asked *= 2

    def _search_headings(
        self,
        conn: sqlite3.Connection,
        texts: _Texts,
        query: str,
        limit: int,
        dead: int,
        floor: int | None,
    ) -> list[Symbol]:
        scored = self._best_headings(texts, query, limit, dead, floor)
        if not scored:
            return []
        rowids = [texts.heading_rowids[number] for _, number in scored]
        places = {
            rowid: (text, _range(a, b, c, d))
            for rowid, text, a, b, c, d in conn.execute(
                "SELECT rowid, text, start_line, start_char, end_line, end_char FROM heading"
                f" WHERE rowid IN ({','.join('?' * len(rowids))})",
                rowids,
            )
        }
        found = []
        for (score, number), rowid in zip(scored, rowids, strict=True):
            if rowid in places:
                text, where = places[rowid]
                path = texts.paths[texts.heading_file[number]]
                found.append(
                    Symbol(text, SymbolKind.HEADING, path, where, path, score - _HEADING_PENALTY)
                )
        return found

    def _best_headings(
        self, texts: _Texts, query: str, limit: int, dead: int, floor: int | None
    ) -> list[tuple[int, int]]:
        """(score, heading number) of the best ``limit`` live headings, best first (ties: the
        lower number first).

        Texts are ranked as their first heading would be, so the best ``limit`` texts hold
        the best ``limit`` headings; ``dead`` more are asked for, as many texts as the left
        out headings can void. Headings of texts scored alike are merged by number.
        """
        found: list[tuple[int, int]] = []
        scored = texts.headings.scored(query, limit + dead, floor)
        for score, alike in groupby(scored, key=itemgetter(0)):
            for number in heapq.merge(*(texts.headings_of(text) for _, text in alike)):
                if self._live(texts, texts.heading_file[number]):
                    found.append((score, number))
                    if len(found) == limit:
                        return found
        return found

    def _search_tags(self, query: str, limit: int, floor: int | None) -> list[Symbol]:
        tags = self._tags
        found = []
        for score, number in tags.index.scored(query, limit + tags.counts.count(0), floor):
            place = tags.first[number]
            if place is not None and tags.counts[number] > 0:
                name = tags.names[tags.keys[number]]
                count = tags.counts[number]
                where = _range(*place[1:])
                found.append(
                    Symbol(
                        f"#{name}",
                        SymbolKind.TAG,
                        place[0],
                        where,
                        f"{count} files",
                        score - _TAG_PENALTY,
                    )
                )
        return found


def _best_symbols(found: list[Symbol], limit: int) -> list[Symbol]:
    """The best ``limit`` symbols, best first; on a tie, the earlier in ``found``."""
    return heapq.nlargest(limit, found, key=lambda symbol: symbol.score)


def _last_kept(kept: list[Symbol], limit: int, penalty: int) -> int | None:
    """The match score that a symbol ranked ``penalty`` lower must pass to enter ``kept``
    (the best ``limit`` so far, best first), None while there is room."""
    return kept[-1].score + penalty if len(kept) >= limit else None


def _json(values: Collection[object]) -> str:
    return json.dumps(list(values))


# What a file's symbols are read from, as a file's row tells it.
_HELD = "path, is_note, title, content_hash, deleted_at"


def _stamp(conn: sqlite3.Connection) -> tuple[str, dict[int, int]]:
    """The latest ``updated_at`` of the files, and what each file of that stamp holds."""
    stamp = str(conn.execute("SELECT max(updated_at) FROM file_metadata").fetchone()[0] or "")
    rows = conn.execute(f"SELECT rowid, {_HELD} FROM file_metadata WHERE updated_at = ?", (stamp,))
    return stamp, {rowid: hash(tuple(held)) for rowid, *held in rows}


@contextmanager
def _snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction around a build or refresh (unless one is open): the rows read
    are those of one database state."""
    if conn.in_transaction:
        yield
    else:
        with transaction(conn, write=False):
            yield


def _first_place(conn: sqlite3.Connection, name: str) -> tuple[str, int, int, int, int] | None:
    """The first place (by path, then position) in a live file where the tag ``name`` or a
    nested child of it is written."""
    escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    found = conn.execute(
        "SELECT f.path, ft.start_line, ifnull(ft.start_char, 0), ifnull(ft.end_line, 0),"
        " ifnull(ft.end_char, 0) FROM file_tag ft JOIN tag t ON t.id = ft.tag_id"
        " JOIN file_metadata f ON f.id = ft.file_id AND f.deleted_at IS NULL"
        " WHERE (t.name = ? COLLATE NOCASE OR t.name LIKE ? ESCAPE '\\')"
        " AND ft.start_line IS NOT NULL"
        " ORDER BY f.path, ft.start_line, 3, 4, 5 LIMIT 1",
        (name, escaped + "/%"),
    ).fetchone()
    return None if found is None else tuple(found)


def _range(a: int | None, b: int | None, c: int | None, d: int | None) -> Range:
    return Range(Position(a or 0, b or 0), Position(c or 0, d or 0))


class SymbolCache:
    """One :class:`SymbolIndex` per read connection, brought up to date when the database
    has changed (built again only when many files have).

    Used from the one thread that owns the connection (a notebook's reader thread).
    """

    def __init__(self) -> None:
        self._conn: sqlite3.Connection | None = None
        self._version = -1
        self._index: SymbolIndex | None = None

    def index(self, conn: sqlite3.Connection) -> SymbolIndex:
        """The index of what ``conn`` reads now."""
        version = int(conn.execute("PRAGMA data_version").fetchone()[0])
        if self._index is not None and conn is self._conn and version == self._version:
            return self._index
        if self._index is None or conn is not self._conn or not self._index.refresh(conn):
            self._index = None  # the old one is freed before the new one is built
            self._index = SymbolIndex(conn)
        self._conn, self._version = conn, version
        return self._index

    def search(self, conn: sqlite3.Connection, query: str, limit: int) -> list[Symbol]:
        """:meth:`SymbolIndex.search` on the index of what ``conn`` reads now."""
        if len(query) > MAX_SYMBOL_QUERY:
            return []
        return self.index(conn).search(conn, query, limit)
