"""The completable names of a notebook's files, held compactly for note completion.

A notebook of 100,000 notes has over 100,000 completable strings (each file's stem, its title
where it differs, its aliases), held for the whole session: one object per string or per
file would cost more than the strings themselves. The table keeps the strings in one list
and everything else in parallel arrays indexed by entry (a completable string) or owner (a
file, in the order given), and builds per-entry objects only for the rows an answer shows.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import overload

from .completion_rank import Completable
from .fuzzy import FuzzyIndex
from .resolve import stem_of, strip_note_suffix

NameRow = tuple[str, str, Sequence[str], bool]
"""A file as the table reads it: path, title, aliases, whether it is a note."""


class NameTable:
    """Every completable string of a notebook's files and the file each one names.

    Files (owners) come in the order given: notes first, then attachments, each run sorted by
    path (as the index lists them); ``owner_of`` then finds a path by binary search. Entries
    are numbered in order too: each file's stem, then its title (when it differs from the
    stem, ignoring case), then its aliases.
    """

    __slots__ = (
        "_aliases",
        "_is_note",
        "_notes",
        "_owner_paths",
        "_owners",
        "_shared",
        "_titles",
        "entry_owner",
        "index",
        "name_entries",
        "paths",
        "texts",
    )

    def __init__(self, files: Iterable[NameRow], counts: Counter[str] | None = None) -> None:
        """Read ``files``; ``counts``: how many files of the notebook have each lowercase
        stem, when ``files`` are not all of them (a stem two files share links by path)."""
        self.texts: list[str] = []
        self.entry_owner = array("l")
        self._aliases = bytearray()
        self.paths: list[str] = []
        self._titles: list[str] = []
        self._is_note = bytearray()
        self.name_entries = array("l")
        seen: Counter[str] = Counter()
        for owner, (path, title, aliases, is_note) in enumerate(files):
            stem = stem_of(path, is_note)
            self.paths.append(path)
            self._is_note.append(is_note)
            self.name_entries.append(len(self.texts))
            self._entry(stem, owner, False)
            if title.lower() != stem.lower():
                self._entry(title, owner, False)
            self._titles.append(stem if title == stem else title)
            for alias in aliases:
                self._entry(alias, owner, True)
            seen[stem.lower()] += 1
        shared = counts if counts is not None else seen
        self._shared = frozenset(stem for stem, count in shared.items() if count > 1)
        self._notes = sum(self._is_note)
        self._owners = None if self._sorted() else {p: n for n, p in enumerate(self.paths)}
        self.index = FuzzyIndex(self.texts)

    def _entry(self, text: str, owner: int, is_alias: bool) -> None:
        self.texts.append(text)
        self.entry_owner.append(owner)
        self._aliases.append(is_alias)

    def _sorted(self) -> bool:
        """Whether notes precede attachments and each run is sorted by path (the order
        ``owner_of`` searches in)."""
        paths, notes = self.paths, self._notes
        if any(not self._is_note[n] for n in range(notes)):
            return False
        return all(paths[n] < paths[n + 1] for n in range(len(paths) - 1) if n + 1 != notes)

    def __len__(self) -> int:
        return len(self.paths)

    def owner_of(self, path: str) -> int | None:
        """The owner number of the file at ``path``, or None."""
        if self._owners is not None:
            return self._owners.get(path)
        for low, high in ((0, self._notes), (self._notes, len(self.paths))):
            found = bisect_left(self.paths, path, low, high)
            if found < high and self.paths[found] == path:
                return found
        return None

    def holds(self, path: str, row: NameRow | None) -> bool:
        """Whether the table names the file at ``path`` as ``row`` does (None: no such file):
        the same title, aliases in the same order, the same kind."""
        owner = self.owner_of(path)
        if owner is None or row is None:
            return owner is None and row is None
        _, title, aliases, is_note = row
        if bool(self._is_note[owner]) != is_note:
            return False
        stem = stem_of(path, is_note)
        if self._titles[owner] != (stem if title == stem else title):
            return False
        first = self.name_entries[owner]
        end = self.name_entries[owner + 1] if owner + 1 < len(self.paths) else len(self.texts)
        held = [self.texts[e] for e in range(first, end) if self._aliases[e]]
        return held == list(aliases)

    def is_alias(self, entry: int) -> bool:
        """Whether ``entry`` is an alias of its file."""
        return bool(self._aliases[entry])

    def is_note(self, owner: int) -> bool:
        """Whether the file ``owner`` is a note (else an attachment)."""
        return bool(self._is_note[owner])

    def title(self, owner: int) -> str:
        """The title of the file ``owner`` (its path when it has none)."""
        return self._titles[owner]

    def stem(self, owner: int) -> str:
        """The name the file ``owner`` is completed by (:func:`stem_of`)."""
        return self.texts[self.name_entries[owner]]

    def link_text(self, owner: int) -> str:
        """The shortest text that links to the file ``owner`` unambiguously: its stem, or its
        path (without ``.md``) when another file has the same stem."""
        stem = self.stem(owner)
        if stem.lower() not in self._shared:
            return stem
        path = self.paths[owner]
        return strip_note_suffix(path) if self.is_note(owner) else path

    @property
    def completables(self) -> Completables:
        """What :func:`completion_rank.note_rows` knows of each entry."""
        return Completables(self)


class Completables(Sequence[Completable]):
    """The entries of a :class:`NameTable` as :class:`Completable` values, made on access."""

    __slots__ = ("_table",)

    def __init__(self, table: NameTable) -> None:
        self._table = table

    def __len__(self) -> int:
        return len(self._table.texts)

    @overload
    def __getitem__(self, entry: int) -> Completable: ...

    @overload
    def __getitem__(self, entry: slice) -> Sequence[Completable]: ...

    def __getitem__(self, entry: int | slice) -> Completable | Sequence[Completable]:
        if isinstance(entry, slice):
            return [self[n] for n in range(len(self))[entry]]
        table = self._table
        owner = table.entry_owner[entry]
        return Completable(owner, table.is_alias(entry), not table.is_note(owner))
