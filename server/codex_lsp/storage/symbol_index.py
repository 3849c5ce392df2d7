"""Workspace symbols answered from an in-memory index of every name, not a scan per query.

A notebook's symbols are its notes (by title and by file name), their aliases, headings and
tags. :class:`SymbolIndex` holds their texts in three :class:`~codex_lsp.core.fuzzy.FuzzyIndex`
(names, headings, tags), so a query costs a binary search for prefixes and one pass of the
regular expression engine over the joined texts, whatever the number of notes that do not
match; only the few symbols returned are looked up in SQLite for their places.

:class:`SymbolCache` keeps one index per read connection and rebuilds it when the database
has changed since (``PRAGMA data_version`` moves with every commit of another connection,
which is where the indexer writes).
"""

from __future__ import annotations

import heapq
import posixpath
import sqlite3
from array import array
from dataclasses import dataclass
from enum import Enum

from ..core.fuzzy import FuzzyIndex, fuzzy_score
from ..core.model import Position, Range
from ..core.resolve import strip_note_suffix

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


# Headings rank just below a note or alias scored the same, and tags below headings.
_HEADING_PENALTY = 1
_TAG_PENALTY = 2


class SymbolIndex:
    """The symbol texts of one database state; see the module docstring."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        # Notes: each is found by its title and by its file stem (what links are written with).
        self._file_rowids = array("q")
        self._file_titles: list[str] = []
        self._file_paths: list[str] = []
        name_texts: list[str] = []
        self._name_owner = array("q")  # per name text: file number, or -1 - alias number
        self._alias_file = array("q")
        self._alias_texts: list[str] = []
        numbers: dict[str, int] = {}
        for file_id, path, title, is_note in conn.execute(
            "SELECT id, path, title, is_note FROM file_metadata WHERE deleted_at IS NULL"
            " ORDER BY is_note DESC, path"
        ):
            number = len(self._file_paths)
            numbers[file_id] = number
            shown = title or path
            self._file_paths.append(path)
            self._file_titles.append(shown)
            name_texts.append(shown)
            self._name_owner.append(number)
            base = posixpath.basename(path)
            stem = strip_note_suffix(base) if is_note else base
            if stem != shown:
                name_texts.append(stem)
                self._name_owner.append(number)
        for file_id, alias in conn.execute("SELECT file_id, alias FROM alias"):
            number = numbers.get(file_id, -1)
            if number >= 0:
                name_texts.append(alias)
                self._name_owner.append(-1 - len(self._alias_texts))
                self._alias_texts.append(alias)
                self._alias_file.append(number)
        self._names = FuzzyIndex(name_texts)
        # Headings: their text and heading rowid; the range is read for the few returned.
        self._heading_rowids = array("q")
        heading_texts: list[str] = []
        for rowid, file_id, text in conn.execute("SELECT rowid, file_id, text FROM heading"):
            if file_id in numbers:
                self._heading_rowids.append(rowid)
                heading_texts.append(text)
        self._headings = FuzzyIndex(heading_texts)
        self._tag_names, self._tag_counts, self._tag_places = _tags(conn)
        self._tags = FuzzyIndex(self._tag_names)
        self._heading_texts = heading_texts
        self._name_texts = name_texts

    def search(self, conn: sqlite3.Connection, query: str, limit: int) -> list[Symbol]:
        """The best ``limit`` symbols for ``query`` (fuzzy, case-insensitive), best first.

        ``conn`` must read the database state the index was built from (places of headings
        and tags are read from it).
        """
        if len(query) > MAX_SYMBOL_QUERY or limit <= 0:
            return []
        found = self._search_names(query, limit)
        found += self._search_headings(conn, query, limit)
        found += self._search_tags(query.lstrip("#"), limit)
        return heapq.nlargest(limit, found, key=lambda symbol: symbol.score)

    def _search_names(self, query: str, limit: int) -> list[Symbol]:
        # A note has up to two texts (title, stem): twice the limit leaves ``limit`` notes.
        numbers, _ = self._names.search(query, 2 * limit)
        best: dict[int, Symbol] = {}
        for number in numbers:
            text = self._name_texts[number]
            score = _score(query, text)
            owner = self._name_owner[number]
            if owner >= 0:
                key, file, name, kind = owner, owner, self._file_titles[owner], SymbolKind.NOTE
            else:
                alias = -1 - owner
                key, file = -1 - alias, self._alias_file[alias]
                name, kind = self._alias_texts[alias], SymbolKind.ALIAS
            known = best.get(key)
            if known is None or score > known.score:
                path = self._file_paths[file]
                best[key] = Symbol(name, kind, path, None, path, score)
        return list(best.values())

    def _search_headings(self, conn: sqlite3.Connection, query: str, limit: int) -> list[Symbol]:
        numbers, _ = self._headings.search(query, limit)
        if not numbers:
            return []
        rowids = [self._heading_rowids[number] for number in numbers]
        places = {
            rowid: (path, _range(a, b, c, d))
            for rowid, path, a, b, c, d in conn.execute(
                "SELECT h.rowid, f.path, h.start_line, h.start_char, h.end_line, h.end_char"
                " FROM heading h JOIN file_metadata f ON f.id = h.file_id"
                f" WHERE h.rowid IN ({','.join('?' * len(rowids))})",
                rowids,
            )
        }
        found = []
        for number, rowid in zip(numbers, rowids, strict=True):
            if rowid in places:
                path, where = places[rowid]
                text = self._heading_texts[number]
                score = _score(query, text) - _HEADING_PENALTY
                found.append(Symbol(text, SymbolKind.HEADING, path, where, path, score))
        return found

    def _search_tags(self, query: str, limit: int) -> list[Symbol]:
        numbers, _ = self._tags.search(query, limit)
        found = []
        for number in numbers:
            place = self._tag_places[number]
            if place is not None:
                name = self._tag_names[number]
                count = self._tag_counts[number]
                score = _score(query, name) - _TAG_PENALTY
                found.append(
                    Symbol(f"#{name}", SymbolKind.TAG, place[0], place[1], f"{count} files", score)
                )
        return found


def _tags(
    conn: sqlite3.Connection,
) -> tuple[list[str], list[int], list[tuple[str, Range] | None]]:
    """Every tag of a live file: its name, the number of live files carrying it, and the first
    place (by path, then position) where it or a nested child of it (``tag/...``) is written."""
    files: dict[str, set[str]] = {}
    names: dict[str, str] = {}  # folded name -> name
    first: dict[str, tuple[str, int, int, int, int]] = {}
    for name, file_id, path, a, b, c, d in conn.execute(
        "SELECT t.name, ft.file_id, f.path, ft.start_line, ft.start_char, ft.end_line,"
        " ft.end_char FROM file_tag ft JOIN tag t ON t.id = ft.tag_id"
        " JOIN file_metadata f ON f.id = ft.file_id AND f.deleted_at IS NULL"
    ):
        key = name.lower()
        names.setdefault(key, name)
        files.setdefault(key, set()).add(file_id)
        if a is not None:
            place = (path, a, b or 0, c or 0, d or 0)
            known = first.get(key)
            if known is None or place < known:
                first[key] = place
    # A tag is also found where its nested children are written.
    for key, place in list(first.items()):
        parent = key
        while "/" in parent:
            parent = parent.rsplit("/", 1)[0]
            if parent in names and (parent not in first or place < first[parent]):
                first[parent] = place
    keys = list(names)
    places: list[tuple[str, Range] | None] = []
    for key in keys:
        at = first.get(key)
        places.append(None if at is None else (at[0], _range(*at[1:])))
    return [names[key] for key in keys], [len(files[key]) for key in keys], places


def _range(a: int | None, b: int | None, c: int | None, d: int | None) -> Range:
    return Range(Position(a or 0, b or 0), Position(c or 0, d or 0))


def _score(query: str, text: str) -> int:
    """The fuzzy score of a text the index returned for ``query`` (so it matches)."""
    score = fuzzy_score(query, text)
    return 0 if score is None else score


class SymbolCache:
    """One :class:`SymbolIndex` per read connection, rebuilt when the database has changed.

    Used from the one thread that owns the connection (a notebook's reader thread).
    """

    def __init__(self) -> None:
        self._conn: sqlite3.Connection | None = None
        self._version = -1
        self._index: SymbolIndex | None = None

    def index(self, conn: sqlite3.Connection) -> SymbolIndex:
        """The index of what ``conn`` reads now."""
        version = int(conn.execute("PRAGMA data_version").fetchone()[0])
        if self._index is None or conn is not self._conn or version != self._version:
            self._index = None  # the old one is freed before the new one is built
            self._index = SymbolIndex(conn)
            self._conn, self._version = conn, version
        return self._index

    def search(self, conn: sqlite3.Connection, query: str, limit: int) -> list[Symbol]:
        """:meth:`SymbolIndex.search` on the index of what ``conn`` reads now."""
        if len(query) > MAX_SYMBOL_QUERY:
            return []
        return self.index(conn).search(conn, query, limit)
