"""The link problems of open notes, reused while nothing they were resolved against changed.

After every index write each open note is checked again, most often after a keystroke in
another note that changed none of the files its links lead to. Resolving its links again
would give the same problems and hold the interpreter from the requests answered meanwhile.
So a note's link problems are kept with what their resolution looked at (the catalog keys
and paths asked for, the paths answered) and reused while the note's text is the same and
every note written since (``NotebookService.changed_since``) is outside all of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the resolver is imported by the first check, not at start-up
    from ...core.model import ParsedNote
    from ...core.problems import NoteProblem
    from ...core.resolve import Catalog, Target
    from ...storage.service import NotebookService

MAX_NOTES = 256
"""Notes whose link problems are kept at most (the open ones, in practice)."""


class _Recording:
    """A catalog that notes every key and path asked of it and every path it answered."""

    def __init__(self, base: Catalog) -> None:
        self._base = base
        self.keys: set[str] = set()
        self.paths: set[str] = set()

    def candidates(self, key: str) -> Sequence[Target]:
        """The base's answer, recorded."""
        self.keys.add(key)
        found = self._base.candidates(key)
        self.paths.update(target.path.lower() for target in found)
        return found

    def get(self, path: str) -> Target | None:
        """The base's answer, recorded."""
        self.paths.add(path.lower())
        found = self._base.get(path)
        if found is not None:
            self.paths.add(found.path.lower())
        return found


@dataclass(frozen=True, slots=True)
class _Known:
    """A note's link problems, for which text, as of which index write, from what."""

    text: str
    mark: int
    problems: tuple[NoteProblem, ...]
    keys: frozenset[str]
    paths: frozenset[str]


class LinkProblems:
    """The link problems of notes, each kept until a write may change them (thread-safe:
    an entry is read and replaced whole)."""

    def __init__(self) -> None:
        self._known: dict[tuple[Path, str], _Known] = {}

    def of(
        self,
        service: NotebookService,
        rel: str,
        text: str,
        note: ParsedNote,
        catalog: Catalog,
    ) -> list[NoteProblem]:
        """The link problems of the note ``rel`` (its ``text``, parsed as ``note``),
        resolved against ``catalog`` unless those found before still hold."""
        from ...core.problems import link_problems

        mark = service.change_mark  # read first: a write during the work below is seen later
        where = (service.notebook.root, rel)
        known = self._known.get(where)
        if known is not None and known.text == text and _holds(known, service, catalog):
            self._known[where] = _Known(text, mark, known.problems, known.keys, known.paths)
            return list(known.problems)
        recording = _Recording(catalog)
        found = link_problems(note, rel, recording)
        if len(self._known) >= MAX_NOTES:
            self._known.clear()
        self._known[where] = _Known(
            text, mark, tuple(found), frozenset(recording.keys), frozenset(recording.paths)
        )
        return found


def _holds(known: _Known, service: NotebookService, catalog: Catalog) -> bool:
    """Whether no note written since ``known`` was found can change what it was found from:
    none was looked at, and none is now found under a key that was asked for."""
    from ...core.resolve import lookup_key, target_keys

    written = service.changed_since(known.mark)
    if written is None:
        return False
    for path in written:
        if path.lower() in known.paths:
            return False
        now = catalog.get(path)
        keys = target_keys(now) if now is not None else set()
        if known.keys & (keys | {lookup_key(path)}):
            return False
    return True
