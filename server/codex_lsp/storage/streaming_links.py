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
order), depends on its target's headings and blocks, which may not have been written yet:
:meth:`StreamingLinks.finish` answers every such link. Until then its row holds the answer of
its name or path when one look-up gives it (the anchor can only turn it into a broken anchor,
and only those rows are rewritten), else the status ``waiting``.

Memory stays bounded whatever the size of the notebook: the run's catalog holds names only
(headings and blocks are read back from the database for the targets of anchored links), link
rows are not kept once handed to the writer, the resolvers' caches are renewed every
:data:`RENEW_EVERY` files, and :meth:`StreamingLinks.finish` reads the rows to answer again a
page at a time.
"""

from __future__ import annotations

import posixpath
import sqlite3
from collections.abc import Sequence
from typing import Any

from ..core.anchors import anchor_of, leads_to
from ..core.model import LinkKind
from ..core.resolve import (
    HeadingKey,
    LinkStatus,
    Target,
    lookup_key,
    strip_note_suffix,
)
from ..core.syntax import is_note_name, split_target
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
_IDS_PER_QUERY = 500  # below SQLite's limit of bound parameters

# Positions in a parsed link (storage/reader.py, ``_link_row``).
_TARGET_KEY, _LABEL_KEY = 13, 14
_MARKDOWN_KINDS = frozenset(kind.value for kind in LinkKind if kind.is_markdown)
_RESOLVED = LinkStatus.RESOLVED.value
_PATH_STARTS = ("/", "./", "../")  # a wiki target written so is a path (core/resolve.py)
_BROKEN: Columns = (LinkStatus.BROKEN.value, None, None)
_WAITING: Columns = (WAITING, None, None)

# The doubtful names and ids go into temporary tables once: given to every page's query as
# a list, SQLite would build its look-up table again page after page (aliases x pages).
_DOUBTFUL = ("codex_doubtful_key", "codex_doubtful_id")
_STALE = (
    "SELECT l.id, l.kind, l.target, l.anchor, l.is_block, l.label, f.path, l.target_key,"
    " l.status, l.target_id, l.candidates"
    " FROM link l JOIN file_metadata f ON f.id = l.source_id"
    " WHERE l.id > ?1 AND (l.anchor IS NOT NULL OR instr(l.label, '#')"
    " OR l.target_key IN temp.codex_doubtful_key"
    " OR l.label_key IN temp.codex_doubtful_key"
    " OR l.target_id IN temp.codex_doubtful_id)"
    " ORDER BY l.id LIMIT ?2"
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

    def file_written(
        self, path: str, file_id: str, aliases: Sequence[str], links: Sequence[Sequence[Any]]
    ) -> list[LinkRow]:
        """Record a written file (its path, id and aliases); the rows of its links."""
        planned = self._planned.get(path)
        if planned is not None and planned != file_id:
            self._replaced_ids.add(planned)
        catalog = self._catalog
        catalog.written(path, file_id, tuple(aliases))
        if aliases:
            self._alias_keys.update(alias.lower() for alias in aliases)
        self._written += 1
        if self._written % RENEW_EVERY == 0:
            self._resolver = LinkResolver(catalog)
        rows: list[LinkRow] = []
        folder = None
        for link_id, link in enumerate(links, self._next_id):
            kind, target, anchor, _, label = link[:5]
            # An anchored link found by name or path gets that answer until ``finish`` checks
            # its anchor (which most keep); the resolver would need the target's headings.
            if kind in _MARKDOWN_KINDS:
                if folder is None:
                    folder = posixpath.dirname(path)
                answer = catalog.path_answer(target, folder)
            elif target and "/" not in target:
                answer = catalog.name_answer(link[_TARGET_KEY], label, link[_LABEL_KEY])
            else:
                answer = None
            if answer is None:
                if anchor is not None or (label and "#" in label):
                    answer = _WAITING
                else:
                    answer = ask(self._resolver, link, path)
            rows.append((link_id, file_id, *link, *answer))
        self._next_id += len(links)
        return rows

    def file_unreadable(self, path: str, *, kept: bool) -> None:
        """Record a file that could not be read; ``kept`` if its earlier row stays indexed."""
        if not kept:
            self._catalog.remove(path)
            self._dropped_keys.add(lookup_key(path))

    def finish(self, conn: sqlite3.Connection) -> int:
        """Answer the links with an anchor and correct the answers given too early, in
        ``conn`` (every row of the run written, the heading and block indexes built); the
        number of rows changed."""
        catalog = _AnchorCatalog(self._catalog, conn)
        doubtful = (self._alias_keys | self._dropped_keys, self._replaced_ids)
        try:
            for table, values in zip(_DOUBTFUL, doubtful, strict=True):
                conn.execute(f"CREATE TEMP TABLE {table} (value TEXT PRIMARY KEY) WITHOUT ROWID")
                conn.executemany(
                    f"INSERT OR IGNORE INTO temp.{table} VALUES (?)", map(_one, values)
                )
            changed, last = 0, 0
            while rows := conn.execute(_STALE, (last, PAGE)).fetchall():
                catalog.load(rows)
                resolver = LinkResolver(catalog)  # a fresh cache per page: bounded
                updates = []
                for link_id, kind, target, anchor, is_block, label, path, key, *before in rows:
                    now = catalog.plain_answer(kind, target, anchor, is_block, key) or resolver(
                        kind, target, anchor, is_block, label, path
                    )
                    if now != tuple(before):
                        updates.append((*now, link_id))
                conn.executemany(_CORRECT, updates)
                changed += len(updates)
                last = rows[-1][0]
        finally:
            for table in _DOUBTFUL:
                conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
        return changed


def _one(value: str) -> tuple[str]:
    return (value,)


class _NameCatalog:
    """Every file of a full run by name, with the aliases of those written so far (a
    :class:`~codex_lsp.core.resolve.Catalog` without headings or blocks).

    Compact, because it lives for the whole run: paths and ids are those of ``planned``, and
    targets are made when asked for. A key that exactly one note has as its own name (and
    no alias, attachment or file that could not be read) maps to that note's path alone:
    a link to such a name is answered by one look-up (:meth:`name_answer`). Every other key
    maps to a list of paths, which the resolver's rules answer.
    """

    def __init__(self, planned: dict[str, str]) -> None:
        self._planned = planned
        self._ids: dict[str, str] = {}  # path -> id, when not the planned one
        self._aliases: dict[str, tuple[str, ...]] = {}
        self._removed: set[str] = set()
        self._by_key: dict[str, str | list[str]] = {}
        for path in planned:
            self._index_name(path)

    def written(self, path: str, file_id: str, aliases: tuple[str, ...]) -> None:
        """Record a written file: its id and aliases."""
        if self._planned.get(path) != file_id:
            self._ids[path] = file_id
            if path not in self._planned:
                self._index_name(path)
        self._removed.discard(path)
        if aliases:
            own = _stem_key(path)
            known = {alias.lower() for alias in self._aliases.get(path, ())}
            self._aliases[path] = aliases
            for key in {alias.lower() for alias in aliases} - known - {own}:
                self._index(key, path, sure=False)

    def remove(self, path: str) -> None:
        """Forget the file at ``path``."""
        self._removed.add(path)
        key = _stem_key(path)
        if self._by_key.get(key) == path:
            self._by_key[key] = [path]  # no longer answered by name alone

    def name_answer(self, key: str, label: str | None, label_key: str | None) -> Columns | None:
        """The stored answer of a link to a bare name (no folder; its look-up key ``key``,
        its label and the label's key ``label_key``), its anchor aside, when it is plain:
        exactly one note has that name as its own, or no file has it and no label could
        name one instead. None: ask the resolver.

        Most links of a notebook are such; answering them here makes no
        :class:`~codex_lsp.core.resolve.Target` (the resolver makes two per question).
        """
        found = self._by_key.get(key)
        if type(found) is str:
            return (_RESOLVED, self._ids.get(found) or self._planned[found], None)
        if found is not None:
            return None
        if not label or label_key is None:  # then the label names no file
            return _BROKEN
        # The label is the target (Dendron order) when the target side leads nowhere: it
        # leads nowhere too when no file has its key, unless it is a path (``./x.md`` may
        # be the file ``x.md.md``).
        if label_key in self._by_key or split_target(label)[0].startswith(_PATH_STARTS):
            return None
        return _BROKEN

    def path_answer(self, target: str, folder: str) -> Columns | None:
        """The stored answer of a Markdown link written in ``folder``, its anchor aside,
        when a file is at the path it names; None: ask the resolver."""
        if not target:
            return None
        if target[0] == "/":
            path = posixpath.normpath(target.lstrip("/"))
        else:
            path = posixpath.normpath(posixpath.join(folder, target))
        if path == ".." or path.startswith("../"):
            return None
        for candidate in (path, path + ".md", path + ".markdown"):
            if self.has(candidate):
                return (_RESOLVED, self.id_of(candidate), None)
        return None

    def id_of(self, path: str) -> str:
        """The id of the run's file at ``path``."""
        return self._ids.get(path) or self._planned[path]

    def single_note(self, key: str) -> str | None:
        """The path of the one file under ``key`` when it is a note whose own name that is
        (a bare name written in any folder leads there); None otherwise: no file, several,
        an attachment, or a name given by an alias, which the resolver's rules answer."""
        found = self._by_key.get(key)
        return found if type(found) is str else None

    def candidates(self, key: str) -> Sequence[Target]:
        """Files whose stem or alias has this lowercase key."""
        return [self.target(path) for path in self.paths(key)]

    def get(self, path: str) -> Target | None:
        """The file at ``path``."""
        return self.target(path) if self.has(path) else None

    def paths(self, key: str) -> Sequence[str]:
        """Paths of the files whose stem or alias has this lowercase key."""
        found = self._by_key.get(key)
        if found is None:
            return ()
        if type(found) is str:
            return (found,)  # never one that was removed (:meth:`remove`)
        return [path for path in found if path not in self._removed]

    def has(self, path: str) -> bool:
        """True if the run has a file at ``path``."""
        return path not in self._removed and (path in self._planned or path in self._ids)

    def target(self, path: str) -> Target:
        """The file at ``path`` (one of the run's), without headings or blocks."""
        return Target(path, is_note_name(path), self._aliases.get(path, ()), ref=self.id_of(path))

    def _index_name(self, path: str) -> None:
        """Index the file at ``path`` under its own name."""
        self._index(_stem_key(path), path, sure=is_note_name(path))

    def _index(self, key: str, path: str, *, sure: bool) -> None:
        """Add ``path`` under ``key``; ``sure`` when a bare name of that key leads there
        if it is the only file under it (a note's own name)."""
        found = self._by_key.get(key)
        if found is None:
            self._by_key[key] = path if sure else [path]
        elif isinstance(found, str):
            self._by_key[key] = [found, path]
        else:
            found.append(path)


def _stem_key(path: str) -> str:
    """The key of a file's own name, as :class:`~codex_lsp.core.resolve.Target` makes it."""
    name = posixpath.basename(path)
    return (strip_note_suffix(name) if is_note_name(path) else name).lower()


class _AnchorCatalog:
    """The run's catalog of names, with the headings or blocks of the targets of one page of
    links read from the database in a few queries (a :class:`~codex_lsp.core.resolve.Catalog`).

    A heading anchor needs its target's headings, a block anchor its blocks: each is read for
    the targets whose links need it, and the other only if the resolver asks for it.
    """

    def __init__(self, names: _NameCatalog, conn: sqlite3.Connection) -> None:
        self._names = names
        self._conn = conn
        self._headings: dict[str, tuple[HeadingKey, ...]] = {}  # path -> its headings
        self._blocks: dict[str, frozenset[str]] = {}  # path -> its block ids

    def load(self, rows: Sequence[Sequence[Any]]) -> None:
        """Read the headings or blocks the links of ``rows`` (``_STALE``'s columns) may need:
        of the files named by either side of a link with an anchor, or of the note it is
        written in when it names none."""
        self._headings.clear()  # only one page's targets at a time
        self._blocks.clear()
        names = self._names
        for_headings: set[str] = set()
        for_blocks: set[str] = set()
        for _, kind, target, anchor, is_block, label, source, key, *_ in rows:
            label_anchor = bool(label and "#" in label)
            if anchor is None and not label_anchor:
                continue  # answered from names alone
            paths = set(names.paths(key)) if target else {source}
            if label_anchor and (name := label.split("#", 1)[0]):
                paths.update(names.paths(lookup_key(name)))
            # A label's anchor may name either kind, and the resolver sees whole targets.
            both = label_anchor or self._plain_target(kind, target, key) is None
            if both or not is_block:
                for_headings.update(paths)
            if both or is_block:
                for_blocks.update(paths)
        for wanted, read in ((for_headings, self._read_headings), (for_blocks, self._read_blocks)):
            known = [path for path in wanted if names.has(path)]
            for start in range(0, len(known), _IDS_PER_QUERY):
                read(known[start : start + _IDS_PER_QUERY])

    def plain_answer(
        self, kind: str, target: str, anchor: str | None, is_block: int, key: str
    ) -> Columns | None:
        """The stored answer of a wiki link to a bare name (its look-up key ``key``) that
        exactly one note has as its own name (then only the anchor can fail); None: ask the
        resolver."""
        path = self._plain_target(kind, target, key)
        if path is None:
            return None
        ref = self._names.id_of(path)
        if not anchor:
            return (LinkStatus.RESOLVED.value, ref, None)
        wanted = anchor_of(anchor, bool(is_block))
        if wanted.is_block:
            found = leads_to((), self._blocks_of(path), wanted)
        else:
            found = leads_to(self._headings_of(path), (), wanted)
        if found is None:
            return (LinkStatus.BROKEN_ANCHOR.value, ref, None)
        return (LinkStatus.RESOLVED.value, ref, None)

    def candidates(self, key: str) -> Sequence[Target]:
        """Files whose stem, alias or attachment name has this lowercase key."""
        return [self._complete(path) for path in self._names.paths(key)]

    def get(self, path: str) -> Target | None:
        """The file at ``path``."""
        return self._complete(path) if self._names.has(path) else None

    def _plain_target(self, kind: str, target: str, key: str) -> str | None:
        """The note a link is answered by in :meth:`plain_answer`; None: by the resolver."""
        if not target or kind in _MARKDOWN_KINDS or "/" in target:
            return None
        return self._names.single_note(key)

    def _complete(self, path: str) -> Target:
        target = self._names.target(path)
        headings, blocks = self._headings_of(path), self._blocks_of(path)
        return Target(target.path, target.is_note, target.aliases, headings, blocks, target.ref)

    def _headings_of(self, path: str) -> tuple[HeadingKey, ...]:
        if path not in self._headings:  # not foreseen by ``load`` (a relative path, say)
            self._read_headings([path])
        return self._headings[path]

    def _blocks_of(self, path: str) -> frozenset[str]:
        if path not in self._blocks:
            self._read_blocks([path])
        return self._blocks[path]

    def _read_headings(self, paths: Sequence[str]) -> None:
        ids = {self._names.id_of(path): path for path in paths}
        marks = ",".join("?" * len(ids))
        headings: dict[str, list[HeadingKey]] = {}
        for file_id, text, slug, level in self._conn.execute(
            f"SELECT file_id, text, slug, level FROM heading WHERE file_id IN ({marks})"
            " ORDER BY file_id, seq",
            list(ids),
        ):
            headings.setdefault(file_id, []).append((text, slug, level))
        for file_id, path in ids.items():
            self._headings[path] = tuple(headings.get(file_id, ()))

    def _read_blocks(self, paths: Sequence[str]) -> None:
        ids = {self._names.id_of(path): path for path in paths}
        marks = ",".join("?" * len(ids))
        blocks: dict[str, set[str]] = {}
        for file_id, block_id in self._conn.execute(
            f"SELECT file_id, block_id FROM block WHERE file_id IN ({marks})", list(ids)
        ):
            blocks.setdefault(file_id, set()).add(block_id)
        for file_id, path in ids.items():
            self._blocks[path] = frozenset(blocks.get(file_id, ()))


__all__ = ["PAGE", "RENEW_EVERY", "WAITING", "LinkRow", "StreamingLinks", "ask"]
