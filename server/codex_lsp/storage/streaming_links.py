"""Resolve a full index run's links as their notes are parsed, and correct them at its end.

Resolving every link after the last file was read left a serial tail at the end of a large
run, with the worker processes idle. Instead, the worker process that parses a chunk of notes
answers their links (:class:`EarlyAnswers`) by the names of every file of the run, looked up
in the run's own database (storage/run_files.py), a chunk's names in a few queries. Only
three things it cannot know change such an answer; :meth:`StreamingLinks.finish` resolves
those links again once every file is written, and corrects their rows in the database:

* an alias: links whose target or label has the look-up key of any alias of the run;
* a file that could not be read after all (and was not indexed before): links whose key is
  that file's name;
* a file that was given another id than planned (a moved file keeps its old id): links that
  point at the planned id.

A link with an anchor (``#heading``, ``#^block``), on either side of ``[[a|b]]`` (Dendron
order), depends on its target's headings and blocks, which may not have been written yet:
:meth:`StreamingLinks.finish` answers every such link. Until then its row holds the answer of
its name or path when one look-up gives it (the anchor can only turn it into a broken anchor,
and only those rows are rewritten), else the status ``waiting``.

Memory stays bounded whatever the size of the notebook: the names of the run's files are on
disk, each worker keeps those its last chunks asked for (and each page of ``finish`` those its
links ask for), link rows are not kept once handed to the writer, and
:meth:`StreamingLinks.finish` reads the rows to answer again a page at a time; what the
indexer keeps in between is the few files that could not be read or kept another id.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from ..core.anchors import anchor_of, leads_to
from ..core.model import LinkKind
from ..core.resolve import (
    HeadingKey,
    LinkStatus,
    Target,
    lookup_key,
    path_candidates,
    written_path,
)
from ..core.syntax import is_note_name, split_target
from .link_resolver import Columns, LinkResolver
from .run_files import Named, RunNames, name_key

LinkRow = tuple[Any, ...]
"""``(id, source_id, *link, status, target_id, candidates)``: a row of the ``link`` table."""

WAITING = "waiting"
"""The status of a link row whose answer :meth:`StreamingLinks.finish` gives."""
PAGE = 2_000
"""Link rows that ``finish`` reads and answers at a time."""
RENEW_EVERY = 2_000
"""Files after which the early answers' names and resolver's cache are dropped: they would
otherwise grow with the notebook."""
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


class EarlyAnswers:
    """Answers the links of a full run's files as they are parsed (in a worker process, or
    in the indexer's for a small run), by the names of the run's files in ``names``; aliases
    and what the run writes are not known yet (``finish`` corrects those answers).

    The names read and the resolver's answers are kept for the chunks that follow (most
    links of a notebook go to a few of its notes), and dropped every :data:`RENEW_EVERY`
    files: bounded.
    """

    _shared: tuple[int, str, EarlyAnswers] | None = None

    def __init__(self, names: RunNames) -> None:
        self.names = names
        self._catalog = _Names(names)
        self._resolver = LinkResolver(self._catalog)
        self._files = 0

    @classmethod
    def shared(cls, path: str) -> EarlyAnswers:
        """This process's answers by the run's files at ``path`` (a worker's, kept for the
        chunks that follow; those of another process, inherited by a fork, are not used)."""
        held = cls._shared
        if held is not None and held[:2] == (os.getpid(), path):
            return held[2]
        if held is not None and held[0] == os.getpid():
            held[2].names.close()
        answers = cls(RunNames(path))
        cls._shared = (os.getpid(), path, answers)
        return answers

    def chunk(self, files: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> list[list[Columns]]:
        """The early answers (``(status, target id, candidates)``) of the links of a chunk
        of files (``(path, parsed links)`` each)."""
        if self._files >= RENEW_EVERY:
            self._files = 0
            self._catalog = _Names(self.names)
            self._resolver = LinkResolver(self._catalog)
        self._files += len(files)
        catalog, resolver = self._catalog, self._resolver
        # First what the links name (the paths Markdown links lead to, made once), read in
        # a few queries; then the answers.
        keys: set[str] = set()
        candidates: set[str] = set()
        linked: list[list[str | None]] = []
        for path, links in files:
            paths: list[str | None] = []
            for link in links:
                if link[0] in _MARKDOWN_KINDS:
                    found = written_path(link[1], path) if link[1] else None
                    if found is not None:
                        candidates.update(path_candidates(found))
                    paths.append(found)
                    continue
                paths.append(None)
                if link[_TARGET_KEY]:
                    keys.add(link[_TARGET_KEY])
                if link[_LABEL_KEY]:
                    keys.add(link[_LABEL_KEY])
            linked.append(paths)
        catalog.load(keys, candidates)
        answers: list[list[Columns]] = []
        for (path, links), paths in zip(files, linked, strict=True):
            found_answers: list[Columns] = []
            for link, at in zip(links, paths, strict=True):
                kind, target, anchor, _, label = link[:5]
                # An anchored link found by name or path gets that answer until ``finish``
                # checks its anchor (which most keep); the resolver would need the target's
                # headings.
                if kind in _MARKDOWN_KINDS:
                    answer = catalog.path_answer(at) if at is not None else None
                elif target and "/" not in target:
                    answer = catalog.name_answer(link[_TARGET_KEY], label, link[_LABEL_KEY])
                else:
                    answer = None
                if answer is None:
                    if anchor is not None or (label and "#" in label):
                        answer = _WAITING
                    else:
                        answer = ask(resolver, link, path)
                found_answers.append(answer)
            answers.append(found_answers)
        return answers


class StreamingLinks:
    """The links of one full run, answered as their notes are parsed (:class:`EarlyAnswers`)
    and written, and corrected at the end (:meth:`finish`).

    ``names`` reads the run's files (the planned id of each). Link rows get their ids here
    (1, 2, ...: a full run starts with an empty link table), so that ``finish`` can page
    through them.
    """

    def __init__(self, names: RunNames) -> None:
        self._names = names
        self._next_id = 1
        self._ids: dict[str, str] = {}  # path -> id, of the files given another than planned
        self._replaced_ids: set[str] = set()
        self._removed: set[str] = set()  # files that could not be read (and had no row)
        self._dropped_keys: set[str] = set()

    def file_written(
        self,
        path: str,
        file_id: str,
        links: Sequence[Sequence[Any]],
        answers: Sequence[Columns],
        planned: str | None = None,
    ) -> list[LinkRow]:
        """Record a written file (its path and id; ``planned``: the id it was to get, when
        another); the rows of its links, with their early ``answers``."""
        if planned is not None and planned != file_id:
            self._replaced_ids.add(planned)
            self._ids[path] = file_id
        self._removed.discard(path)
        first = self._next_id
        self._next_id += len(links)
        return [
            (link_id, file_id, *link, *answer)
            for link_id, (link, answer) in enumerate(zip(links, answers, strict=True), first)
        ]

    def file_unreadable(self, path: str, *, kept: bool) -> None:
        """Record a file that could not be read; ``kept`` if its earlier row stays indexed."""
        if not kept:
            self._removed.add(path)
            self._dropped_keys.add(lookup_key(path))

    def finish(self, conn: sqlite3.Connection) -> int:
        """Answer the links with an anchor and correct the answers given too early, in
        ``conn`` (every row of the run written, the alias, heading and block indexes built);
        the number of rows changed."""
        names = _Names(self._names, conn, self._ids, self._removed)
        catalog = _AnchorCatalog(names, conn)
        try:
            for table in _DOUBTFUL:
                conn.execute(f"CREATE TEMP TABLE {table} (value TEXT PRIMARY KEY) WITHOUT ROWID")
            # Every alias of the run is in its table by now: its keys are doubtful.
            conn.execute(f"INSERT OR IGNORE INTO temp.{_DOUBTFUL[0]} SELECT key FROM alias")
            conn.executemany(
                f"INSERT OR IGNORE INTO temp.{_DOUBTFUL[0]} VALUES (?)",
                map(_one, self._dropped_keys),
            )
            conn.executemany(
                f"INSERT OR IGNORE INTO temp.{_DOUBTFUL[1]} VALUES (?)",
                map(_one, self._replaced_ids),
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


class _Names:
    """The run's files under some names and at some paths, read from its files' database a
    set of keys and paths at a time (a :class:`~codex_lsp.core.resolve.Catalog` without
    headings or blocks): for the links of a chunk of files, or of a page of ``finish``.

    With the notebook's database ``conn`` (at the end of the run), the aliases written are
    names too, and files that kept another id than planned (``ids``) or could not be read
    (``removed``) are known. A key that exactly one note has as its own name (and no alias,
    attachment or file that could not be read) is answered by that note alone
    (:meth:`name_answer`); every other key by the resolver's rules over its files.
    """

    def __init__(
        self,
        names: RunNames,
        conn: sqlite3.Connection | None = None,
        ids: dict[str, str] | None = None,
        removed: set[str] | None = None,
    ) -> None:
        self._names = names
        self._conn = conn
        self._ids = ids or {}
        self._removed = removed or set()
        self._named: dict[str, list[Named]] = {}  # key -> its files (path, id, sure)
        self._known: dict[str, str] = {}  # path -> planned id, of the files read
        self._absent: set[str] = set()  # paths read that are no file of the run
        self._aliases: dict[str, tuple[str, ...]] = {}  # path -> aliases, of the files read

    def clear(self) -> None:
        """Forget what was read (a new page)."""
        self._named.clear()
        self._known.clear()
        self._absent.clear()
        self._aliases.clear()

    def load(self, keys: Iterable[str], paths: Iterable[str]) -> None:
        """Read the files under ``keys`` and at ``paths`` not read yet, in a few queries."""
        missing = [key for key in keys if key not in self._named]
        if missing:
            own = self._names.by_keys(missing)
            extra = self._alias_names(missing) if self._conn is not None else {}
            for key in missing:
                named = self._named[key] = own.get(key, [])
                if key in extra:
                    named += [n for n in extra[key] if all(n[0] != m[0] for m in named)]
                for path, file_id, _ in named:
                    self._known.setdefault(path, file_id)
        wanted = [p for p in paths if p not in self._known and p not in self._absent]
        if wanted:
            found = self._names.ids_of(wanted)
            self._known.update(found)
            self._absent.update(p for p in wanted if p not in found)
        if self._conn is not None:
            self._load_aliases([path for path in self._known if path not in self._aliases])

    def _alias_names(self, keys: list[str]) -> dict[str, list[Named]]:
        """The files that have an alias of each of ``keys`` (not as their own name)."""
        assert self._conn is not None
        found: dict[str, list[Named]] = {}
        for start in range(0, len(keys), _IDS_PER_QUERY):
            part = keys[start : start + _IDS_PER_QUERY]
            marks = ",".join("?" * len(part))
            for key, path, file_id in self._conn.execute(
                "SELECT a.key, f.path, f.id FROM alias a JOIN file_metadata f ON f.id = a.file_id"
                f" WHERE a.key IN ({marks}) ORDER BY a.key, f.rowid",
                part,
            ):
                if name_key(path) != key:
                    found.setdefault(key, []).append((path, file_id, False))
        return found

    def _load_aliases(self, paths: list[str]) -> None:
        """Read the aliases of the written files at ``paths``."""
        assert self._conn is not None
        for start in range(0, len(paths), _IDS_PER_QUERY):
            part = paths[start : start + _IDS_PER_QUERY]
            ids = {self.id_of(path): path for path in part}
            found: dict[str, list[str]] = {}
            marks = ",".join("?" * len(ids))
            for file_id, alias in self._conn.execute(
                f"SELECT file_id, alias FROM alias WHERE file_id IN ({marks}) ORDER BY rowid",
                list(ids),
            ):
                found.setdefault(ids[file_id], []).append(alias)
            for path in part:
                self._aliases[path] = tuple(found.get(path, ()))

    def _under(self, key: str) -> list[Named]:
        if key not in self._named:
            self.load((key,), ())
        return self._named[key]

    def name_answer(self, key: str, label: str | None, label_key: str | None) -> Columns | None:
        """The stored answer of a link to a bare name (no folder; its look-up key ``key``,
        its label and the label's key ``label_key``), its anchor aside, when it is plain:
        exactly one note has that name as its own, or no file has it and no label could
        name one instead. None: ask the resolver.

        Most links of a notebook are such; answering them here makes no
        :class:`~codex_lsp.core.resolve.Target` (the resolver makes two per question).
        """
        found = self.single_note(key)
        if found is not None:
            return (_RESOLVED, self.id_of(found), None)
        if self.paths(key):
            return None
        if not label or label_key is None:  # then the label names no file
            return _BROKEN
        # The label is the target (Dendron order) when the target side leads nowhere: it
        # leads nowhere too when no file has its key, unless it is a path (``./x.md`` may
        # be the file ``x.md.md``).
        if self.paths(label_key) or split_target(label)[0].startswith(_PATH_STARTS):
            return None
        return _BROKEN

    def path_answer(self, path: str) -> Columns | None:
        """The stored answer of a Markdown link to the notebook path ``path``, its anchor
        aside, when a file is there; None: ask the resolver."""
        for candidate in path_candidates(path):
            if self.has(candidate):
                return (_RESOLVED, self.id_of(candidate), None)
        return None

    def id_of(self, path: str) -> str:
        """The id of the run's file at ``path``."""
        found = self._ids.get(path) or self._planned(path)
        if found is None:
            raise KeyError(path)
        return found

    def single_note(self, key: str) -> str | None:
        """The path of the one file under ``key`` when it is a note whose own name that is
        (a bare name written in any folder leads there); None otherwise: no file, several,
        an attachment, or a name given by an alias, which the resolver's rules answer."""
        named = self._under(key)
        if len(named) == 1:
            path, _, sure = named[0]
            if sure and path not in self._removed:
                return path
        return None

    def candidates(self, key: str) -> Sequence[Target]:
        """Files whose stem or alias has this lowercase key."""
        return [self.target(path) for path in self.paths(key)]

    def get(self, path: str) -> Target | None:
        """The file at ``path``."""
        return self.target(path) if self.has(path) else None

    def paths(self, key: str) -> Sequence[str]:
        """Paths of the files whose stem or alias has this lowercase key."""
        return [path for path, _, _ in self._under(key) if path not in self._removed]

    def has(self, path: str) -> bool:
        """True if the run has a file at ``path``."""
        return path not in self._removed and self._planned(path) is not None

    def target(self, path: str) -> Target:
        """The file at ``path`` (one of the run's), without headings or blocks."""
        if self._conn is not None and path not in self._aliases:
            self._load_aliases([path])
        aliases = self._aliases.get(path, ())
        return Target(path, is_note_name(path), aliases, ref=self.id_of(path))

    def _planned(self, path: str) -> str | None:
        if path not in self._known and path not in self._absent:
            self.load((), (path,))
        return self._known.get(path)


def _page_keys(rows: Sequence[Sequence[Any]]) -> set[str]:
    """The look-up keys that a page of ``finish``'s rows (``_STALE``'s columns) names."""
    keys: set[str] = set()
    for _, _, target, _, _, label, _, key, *_ in rows:
        if target and key:
            keys.add(key)
        if label and "#" in label and (name := label.split("#", 1)[0]):
            keys.add(lookup_key(name))
    return keys


class _AnchorCatalog:
    """The names of the run's files (its own and the aliases written), with the headings or
    blocks of the targets of one page of links read from the database in a few queries (a
    :class:`~codex_lsp.core.resolve.Catalog`).

    A heading anchor needs its target's headings, a block anchor its blocks: each is read for
    the targets whose links need it, and the other only if the resolver asks for it.
    """

    def __init__(self, names: _Names, conn: sqlite3.Connection) -> None:
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
        names.clear()
        names.load(_page_keys(rows), [row[6] for row in rows])  # their names, their notes
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


__all__ = ["PAGE", "RENEW_EVERY", "WAITING", "EarlyAnswers", "LinkRow", "StreamingLinks", "ask"]
