"""Resolve a full index run's links while its files are still being written.

Resolving every link after the last file was read left a serial tail at the end of a large
run, with the worker processes idle. Instead, a link is resolved as soon as its note is
written, against a catalog that knows every file of the run by name, and the files written so
far in full. Only three things written later can change such an answer; :meth:`finish`
resolves those links again against the complete catalog and returns the rows that changed:

* an alias: links whose target or label has the look-up key of any alias;
* a file that could not be read after all (and was not indexed before): links whose key is
  that file's name;
* a file that was given another id than planned (a moved file keeps its old id): links that
  point at the planned id.

A link with an anchor (``#heading``, ``#^block``), on either side of ``[[a|b]]`` (Dendron
order), depends on its target's headings and blocks, which may not have been written yet: it
waits for :meth:`finish`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core.resolve import MemoryCatalog, Target, lookup_key
from ..core.syntax import is_note_name
from .link_resolver import Columns, LinkResolver

LinkRow = tuple[Any, ...]
"""``(id, source_id, *link, status, target_id, candidates)``: a row of the ``link`` table."""
Correction = tuple[str, str | None, str | None, int]
"""``(status, target_id, candidates, id)`` of a link row whose answer changed."""

# Positions in a parsed link (storage/reader.py, ``_link_row``).
_ANCHOR, _LABEL, _TARGET_KEY, _LABEL_KEY = 2, 4, 13, 14


def ask(resolver: LinkResolver, link: Sequence[Any], path: str) -> Columns:
    """The stored answer to a parsed link written in ``path``."""
    return resolver(link[0], link[1], link[2], link[3], link[4], path)


class StreamingLinks:
    """The links of one full run, resolved as their notes are written.

    ``planned`` maps the path of every file the run will write to the id planned for it.
    Link rows get their ids here (1, 2, ...: a full run starts with an empty link table), so
    that corrections can name them.
    """

    def __init__(self, planned: dict[str, str]) -> None:
        self._planned = planned
        self._catalog = MemoryCatalog(
            Target(path, is_note_name(path), ref=file_id) for path, file_id in planned.items()
        )
        self._resolver = LinkResolver(self._catalog)
        self._next_id = 1
        self._answered: list[LinkRow] = []
        self._paths: dict[str, str] = {}  # source id -> path, for the links answered early
        self._waiting: list[tuple[int, str, str, Sequence[Any]]] = []
        self._alias_keys: set[str] = set()
        self._dropped_keys: set[str] = set()
        self._replaced_ids: set[str] = set()

    def file_written(self, target: Target, links: Sequence[Sequence[Any]]) -> list[LinkRow]:
        """Record a written file (``target.ref`` is its id); rows of the links answered now."""
        planned = self._planned.get(target.path)
        if planned is not None and planned != target.ref:
            self._replaced_ids.add(planned)
        self._catalog.add(target)
        self._alias_keys.update(alias.lower() for alias in target.aliases)
        source_id, path = target.ref, target.path
        self._paths[source_id] = path
        rows: list[LinkRow] = []
        for link_id, link in enumerate(links, self._next_id):
            if link[_ANCHOR] is not None or (link[_LABEL] and "#" in link[_LABEL]):
                self._waiting.append((link_id, source_id, path, link))
            else:
                rows.append((link_id, source_id, *link, *ask(self._resolver, link, path)))
        self._next_id += len(links)
        self._answered += rows
        return rows

    def file_unreadable(self, path: str, *, kept: bool) -> None:
        """Record a file that could not be read; ``kept`` if its earlier row stays indexed."""
        if not kept:
            self._catalog.remove(path)
            self._dropped_keys.add(lookup_key(path))

    def finish(self) -> tuple[list[LinkRow], list[Correction]]:
        """Rows of the links that waited, and corrections of rows given before."""
        resolver = LinkResolver(self._catalog)  # no answer from before
        rows = [
            (link_id, source_id, *link, *ask(resolver, link, path))
            for link_id, source_id, path, link in self._waiting
        ]
        doubtful = self._alias_keys | self._dropped_keys
        corrections: list[Correction] = []
        for row in self._answered:  # (id, source id, *link, *columns)
            if (
                row[2 + _TARGET_KEY] in doubtful
                or row[2 + _LABEL_KEY] in doubtful
                or row[-2] in self._replaced_ids
            ):
                now = ask(resolver, row[2:-3], self._paths[row[1]])
                if now != row[-3:]:
                    corrections.append((*now, row[0]))
        return rows, corrections


__all__ = ["Correction", "LinkRow", "StreamingLinks", "ask"]
