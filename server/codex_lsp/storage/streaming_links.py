"""Resolve a full index run's links while its files are still being written.

Resolving every link after the last file was read left a serial tail at the end of a large
run, with the worker processes idle. Instead, a link is resolved as soon as its note is
written, against a catalog that knows every file of the run by name. Only three things written
later can change such an answer; :meth:`StreamingLinks.finish` resolves those links again
against the complete catalog and corrects their rows in the database:

* an alias: links whose target or label has the look-up key of any alias;
* a file that could not be read after all (and was not indexed before): links whose key is
  that file's name;
* a file that was given another id than planned (a moved file keeps its old id): links that
  point at the planned id.

A link with an anchor (``#heading``, ``#^block``), on either side of ``[[a|b]]`` (Dendron
order), depends on its target's headings and blocks, which may not have been written yet: its
row is written with the status ``waiting`` and answered by :meth:`StreamingLinks.finish`.

Memory stays bounded whatever the size of the notebook: the run's catalog holds names only
(headings and blocks are read back from the database for the targets of anchored links), link
rows are not kept once handed to the writer, the resolvers' caches are renewed every
:data:`RENEW_EVERY` files, and :meth:`StreamingLinks.finish` reads the rows to answer again a
page at a time.
"""

from __future__ import annotations

import json
import posixpath
import sqlite3
from collections.abc import Sequence
from typing import Any

from ..core.resolve import HeadingKey, Target, lookup_key, strip_note_suffix
from ..core.syntax import is_note_name
from .link_resolver import Columns, LinkResolver

LinkRow = tuple[Any, ...]
"""``(id, source_id, *link, status, target_id, candidates)``: a row of the ``link`` table."""

WAITING = "waiting"
"""The status of a link row whose answer :meth:`StreamingLinks.finish` gives."""
RENEW_EVERY = 2_000
"""Files (or, in ``finish``, link rows) after which a resolver's cache of answers is dropped:
it would otherwise grow with the notebook."""
PAGE = 2_000
"""Link rows that ``finish`` reads and answers at a time."""

# Positions in a parsed link (storage/reader.py, ``_link_row``).
_ANCHOR, _LABEL = 2, 4

_STALE = (
    "SELECT l.id, l.kind, l.target, l.anchor, l.is_block, l.label, f.path,"
    " l.status, l.target_id, l.candidates"
    " FROM link l JOIN file_metadata f ON f.id = l.source_id"
    " WHERE l.id > ?1 AND (l.status = 'waiting'"
    " OR l.target_key IN (SELECT value FROM json_each(?2))"
    " OR l.label_key IN (SELECT value FROM json_each(?2))"
    " OR l.target_id IN (SELECT value FROM json_each(?3)))"
    " ORDER BY l.id LIMIT ?4"
)
_CORRECT = "UPDATE link SET status = ?, target_id = ?, candidates = ? WHERE id = ?"


def ask(resolver: LinkResolver, link: Sequence[Any], path: str) -> Columns:
    """The stored answer to a parsed link written in ``path``."""
    return resolver(link[0], link[1], link[2], link[3], link[4], path)


class StreamingLinks:
    """The links of one full run, resolved as their notes are written.

    ``planned`` maps the path of every file the run will write to the id planned for it.
    Link rows get their ids here (1, 2, ...: a full run starts with an empty link table), so
    that ``finish`` can page through them.
    """

    def __init__(self, planned: dict[str, str]) -> None:
        self._planned = planned
        self._catalog = _NameCatalog(planned)
        self._resolver = LinkResolver(self._catalog)
        self._written = 0
        self._next_id = 1
        self._alias_keys: set[str] = set()
        self._dropped_keys: set[str] = set()
        self._replaced_ids: set[str] = set()

    def file_written(self, target: Target, links: Sequence[Sequence[Any]]) -> list[LinkRow]:
        """Record a written file (``target.ref`` is its id); the rows of its links."""
        planned = self._planned.get(target.path)
        if planned is not None and planned != target.ref:
            self._replaced_ids.add(planned)
        self._catalog.written(target.path, target.ref, target.aliases)
        self._alias_keys.update(alias.lower() for alias in target.aliases)
        self._written += 1
        if self._written % RENEW_EVERY == 0:
            self._resolver = LinkResolver(self._catalog)
        source_id, path = target.ref, target.path
        rows: list[LinkRow] = []
        for link_id, link in enumerate(links, self._next_id):
            if link[_ANCHOR] is not None or (link[_LABEL] and "#" in link[_LABEL]):
                rows.append((link_id, source_id, *link, WAITING, None, None))
            else:
                rows.append((link_id, source_id, *link, *ask(self._resolver, link, path)))
        self._next_id += len(links)
        return rows

    def file_unreadable(self, path: str, *, kept: bool) -> None:
        """Record a file that could not be read; ``kept`` if its earlier row stays indexed."""
        if not kept:
            self._catalog.remove(path)
            self._dropped_keys.add(lookup_key(path))

    def finish(self, conn: sqlite3.Connection) -> int:
        """Answer the waiting links and correct the answers given too early, in ``conn``
        (every row of the run written, the heading and block indexes built); the number of
        rows changed."""
        catalog = _AnchorCatalog(self._catalog, conn)
        doubtful = json.dumps(sorted(self._alias_keys | self._dropped_keys))
        replaced = json.dumps(sorted(self._replaced_ids))
        changed, last = 0, 0
        while rows := conn.execute(_STALE, (last, doubtful, replaced, PAGE)).fetchall():
            resolver = LinkResolver(catalog)  # a fresh cache per page: bounded
            updates = []
            for link_id, kind, target, anchor, is_block, label, path, *before in rows:
                now = resolver(kind, target, anchor, is_block, label, path)
                if now != tuple(before):
                    updates.append((*now, link_id))
            conn.executemany(_CORRECT, updates)
            changed += len(updates)
            last = rows[-1][0]
            catalog.forget()
        return changed


class _NameCatalog:
    """Every file of a full run by name, with the aliases of those written so far (a
    :class:`~codex_lsp.core.resolve.Catalog` without headings or blocks).

    Compact, because it lives for the whole run: paths and ids are those of ``planned``, a
    name with one file maps to its path alone, and targets are made when asked for.
    """

    def __init__(self, planned: dict[str, str]) -> None:
        self._planned = planned
        self._ids: dict[str, str] = {}  # path -> id, when not the planned one
        self._aliases: dict[str, tuple[str, ...]] = {}
        self._removed: set[str] = set()
        self._by_key: dict[str, str | list[str]] = {}
        for path in planned:
            self._index(_stem_key(path), path)

    def written(self, path: str, file_id: str, aliases: tuple[str, ...]) -> None:
        """Record a written file: its id and aliases."""
        if self._planned.get(path) != file_id:
            self._ids[path] = file_id
            if path not in self._planned:
                self._index(_stem_key(path), path)
        self._removed.discard(path)
        if aliases:
            known = {alias.lower() for alias in self._aliases.get(path, ())}
            self._aliases[path] = aliases
            for key in {alias.lower() for alias in aliases} - known - {_stem_key(path)}:
                self._index(key, path)

    def remove(self, path: str) -> None:
        """Forget the file at ``path``."""
        self._removed.add(path)

    def candidates(self, key: str) -> Sequence[Target]:
        """Files whose stem or alias has this lowercase key."""
        found = self._by_key.get(key)
        if found is None:
            return ()
        paths = (found,) if isinstance(found, str) else found
        return [self._target(path) for path in paths if path not in self._removed]

    def get(self, path: str) -> Target | None:
        """The file at ``path``."""
        if path in self._removed or (path not in self._planned and path not in self._ids):
            return None
        return self._target(path)

    def _index(self, key: str, path: str) -> None:
        found = self._by_key.get(key)
        if found is None:
            self._by_key[key] = path
        elif isinstance(found, str):
            self._by_key[key] = [found, path]
        else:
            found.append(path)

    def _target(self, path: str) -> Target:
        file_id = self._ids.get(path) or self._planned[path]
        return Target(path, is_note_name(path), self._aliases.get(path, ()), ref=file_id)


def _stem_key(path: str) -> str:
    """The key of a file's own name, as :class:`~codex_lsp.core.resolve.Target` makes it."""
    name = posixpath.basename(path)
    return (strip_note_suffix(name) if is_note_name(path) else name).lower()


class _AnchorCatalog:
    """The run's catalog of names, with each target's headings and blocks read from the
    database when asked (a :class:`~codex_lsp.core.resolve.Catalog`)."""

    def __init__(self, names: _NameCatalog, conn: sqlite3.Connection) -> None:
        self._names = names
        self._conn = conn
        self._full: dict[str, Target] = {}

    def candidates(self, key: str) -> Sequence[Target]:
        """Files whose stem, alias or attachment name has this lowercase key."""
        return [self._complete(target) for target in self._names.candidates(key)]

    def get(self, path: str) -> Target | None:
        """The file at ``path``."""
        target = self._names.get(path)
        return None if target is None else self._complete(target)

    def forget(self) -> None:
        """Drop the targets read so far (keeps memory bounded)."""
        self._full.clear()

    def _complete(self, target: Target) -> Target:
        full = self._full.get(target.path)
        if full is None:
            headings: tuple[HeadingKey, ...] = tuple(
                self._conn.execute(
                    "SELECT text, slug, level FROM heading WHERE file_id = ? ORDER BY seq",
                    (target.ref,),
                )
            )
            blocks = frozenset(
                row[0]
                for row in self._conn.execute(
                    "SELECT block_id FROM block WHERE file_id = ?", (target.ref,)
                )
            )
            full = Target(target.path, target.is_note, target.aliases, headings, blocks, target.ref)
            self._full[target.path] = full
        return full


__all__ = ["PAGE", "RENEW_EVERY", "WAITING", "LinkRow", "StreamingLinks", "ask"]
