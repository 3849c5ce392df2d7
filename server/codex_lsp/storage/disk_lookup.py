"""Where a link leads, found on disk rather than in the index: the answer to a definition
while a notebook's first index run has not reached the link's target yet.

The rules are those of docs/linking.md as far as a lookup by name can apply them: a path
written in the link, then a file of that name anywhere in the notebook (the nearest one, as
the resolver prefers it). Aliases are not known until a note has been indexed. The walk is
bounded, skips hidden folders and never follows a symlinked folder.

Blocking (disk): run on a thread.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ..core.model import Link, ParsedNote
from ..core.parser import parse_note
from ..core.resolve import (
    OverlayCatalog,
    Target,
    resolve_written,
    strip_note_suffix,
    target_of_note,
)
from ..core.syntax import is_note_name
from .notebooks import SKIPPED_DIRS, is_notebook_root, really_inside
from .references import Place, place_in

# Entries looked at by one name lookup at most: a lookup answers in bounded time whatever
# the notebook's size (a link beyond the bound is found once the index has it).
WALK_LIMIT = 200_000
# A note read for its headings and blocks is parsed only up to this size.
READ_LIMIT = 4 * 1024 * 1024


# The files of a lookup key (lowercase name, note suffix left out) in a notebook.
Named = Callable[[str], Sequence[str]]


class DiskCatalog:
    """A resolver catalog (``core.resolve.Catalog``) that looks files up on disk, by name
    through ``named`` (the notebook's one walk of its files, ``disk_names.DiskNames``)."""

    def __init__(self, root: Path, named: Named) -> None:
        self._root = root
        self._named = named
        self._notes: dict[str, ParsedNote | None] = {}

    def get(self, path: str) -> Target | None:
        """The file at notebook-relative ``path`` when it exists inside the notebook."""
        if path in ("", ".") or path.startswith("../") or path.startswith("."):
            return None
        full = self._root / path
        if not full.is_file() or not really_inside(full, self._root):
            return None
        return self._target(path)

    def candidates(self, key: str) -> Sequence[Target]:
        """Files named ``key`` (lowercase, note suffix left out) anywhere in the notebook."""
        return [self._target(path) for path in self._named(key)]

    def note(self, path: str) -> ParsedNote | None:
        """The parse of the note at ``path`` (None when it cannot be read)."""
        if path not in self._notes:
            self._notes[path] = self._read(path)
        return self._notes[path]

    def _target(self, path: str) -> Target:
        if not is_note_name(path):
            return Target(path, False)
        note = self.note(path)
        if note is None:
            return Target(path, True)
        return target_of_note(path, note.aliases, note.headings, [b.id for b in note.blocks])

    def _read(self, path: str) -> ParsedNote | None:
        try:
            with open(self._root / path, "rb") as handle:
                data = handle.read(READ_LIMIT)
        except OSError:
            return None
        name = strip_note_suffix(posixpath.basename(path))
        return parse_note(data.decode("utf-8", errors="replace"), name)


def files_on_disk(root: Path, walk_limit: int = WALK_LIMIT) -> Iterator[str]:
    """The notebook-relative path of every file under ``root``, hidden, symlinked and skipped
    folders (``node_modules``, nested notebooks) left out, at most ``walk_limit`` entries
    looked at."""
    stack = [""]
    seen = 0
    while stack and seen < walk_limit:
        folder = stack.pop()
        try:
            with os.scandir(root / folder if folder else root) as entries:
                for entry in entries:
                    seen += 1
                    if seen > walk_limit:
                        break
                    if entry.name.startswith("."):
                        continue
                    rel = f"{folder}/{entry.name}" if folder else entry.name
                    if entry.is_dir(follow_symlinks=False):
                        # Folders the index skips (tool folders, nested notebooks) too.
                        if entry.name not in SKIPPED_DIRS and not is_notebook_root(
                            Path(entry.path)
                        ):
                            stack.append(rel)
                    elif entry.is_file():
                        yield rel
        except OSError:
            continue


def destination_on_disk(
    root: Path, rel: str, note: ParsedNote, link: Link, named: Named
) -> Place | None:
    """Where ``link`` (written in note ``rel``, whose current text is ``note``) leads, found
    by looking on disk under ``root`` (files by name from ``named``); None when no file there
    answers to it."""
    catalog = DiskCatalog(root, named)
    own = target_of_note(rel, note.aliases, note.headings, [b.id for b in note.blocks])
    result = resolve_written(link, rel, OverlayCatalog(catalog, own))
    if result.target is None:
        return None
    target_note = note if result.target == rel else None
    if target_note is None and is_note_name(result.target):
        target_note = catalog.note(result.target)
    if target_note is None:
        return place_in(link, result, (), {})
    blocks = {b.id: b.range for b in target_note.blocks}
    return place_in(link, result, target_note.headings, blocks)
