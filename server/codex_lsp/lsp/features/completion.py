"""Completion: notes after ``[[``, headings after ``#``, blocks after ``#^``, tags, paths.

Note names are held per notebook in a :class:`FuzzyIndex`, refreshed in the background when
the index changes (see :class:`NameCache`), so a request on 10,000 notes never waits for the
names to be read and usually costs a binary search and a little scoring. The list is capped
(``isIncomplete`` when truncated); previews are filled in on ``completionItem/resolve``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import posixpath
import sqlite3
from collections import Counter
from collections.abc import Hashable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from lsprotocol import types

from ...core.completion_context import CompletionContext, CompletionKind, completion_context
from ...core.fuzzy import FuzzyIndex, fuzzy_score
from ...core.resolve import resolve_link, strip_note_suffix
from ...storage import lookups, queries
from ...storage.catalog import SqlCatalog
from ...storage.service import NotebookService
from ..server import CodexServer, Document
from . import schema, views
from .preview import preview_markdown

log = logging.getLogger(__name__)

TRIGGERS = ["[", "#", "^", "(", "/", "|"]


class _Entry(NamedTuple):
    """One completable string: a stem, a title or an alias of a file.

    A named tuple rather than a frozen dataclass: a notebook of 10,000 notes has over 11,000
    of these, rebuilt whenever a name changes, and tuples are several times faster to create.
    """

    name: lookups.NoteName
    text: str
    is_alias: bool
    link_text: str


@dataclass(frozen=True, slots=True)
class _Names:
    """The completable names of a notebook as of index ``generation``."""

    generation: int
    complete: bool  # read after the notebook's first index run had finished
    signature: Hashable  # the rows the names were built from; equal rows, equal names
    entries: list[_Entry]
    index: FuzzyIndex


def _signature(conn: sqlite3.Connection) -> Hashable:
    """The rows :func:`lookups.note_names` builds names from, in a comparable form.

    A refresh compares these before rebuilding: on 10,000 notes building the names and their
    index costs about a hundred milliseconds, this a few, mostly inside SQLite (which releases
    the GIL), as one length-prefixed string of the live files in table order. Aliases keep
    their order within a file; their rows are rewritten whenever their note changes.
    """
    files = conn.execute(
        "SELECT group_concat(length(id) || ':' || id || is_note || length(path) || ':' || path"
        " || length(ifnull(title, '')) || ':' || ifnull(title, ''), '')"
        " FROM file_metadata WHERE deleted_at IS NULL"
    ).fetchone()[0]
    aliases = tuple(
        sorted(conn.execute("SELECT file_id, alias FROM alias").fetchall(), key=itemgetter(0))
    )
    return files, aliases


class NameCache:
    """Fuzzy indexes of note names per notebook, kept up to date in the background.

    Every index change schedules a refresh on the notebook's reader thread; it re-reads the
    name rows and rebuilds the index only when they differ (editing a note's body, the usual
    change, leaves them alone). Requests then use the latest index without waiting for a
    queued or running refresh (their answer is marked incomplete, so the client asks again on
    the next keystroke). A request waits only for the first names of a notebook, and for names
    read before its first index run finished.
    """

    def __init__(self) -> None:
        self._cache: dict[Path, _Names] = {}
        self._pending: dict[Path, Future[_Names]] = {}

    async def current(self, service: NotebookService) -> tuple[_Names, bool]:
        """The names to answer with now, and whether they may be out of date."""
        names = self._cache.get(service.notebook.root)
        if names is not None and names.generation == service.generation:
            return names, False
        refreshed = self.refresh(service)
        if names is None or not names.complete:
            return await asyncio.wrap_future(refreshed), False
        return names, True

    def refresh_soon(self, service: NotebookService) -> None:
        """Refresh after the callbacks already scheduled on the loop (an index listener).

        The diagnostics listener runs first and starts tasks that queue their reads on the
        same reader thread when they first run; scheduling the refresh after them means
        re-published diagnostics (a broken link fixed by a new note) never wait for a rebuild.
        """
        asyncio.get_running_loop().call_soon(self._refresh_quietly, service)

    def _refresh_quietly(self, service: NotebookService) -> None:
        with contextlib.suppress(RuntimeError):  # the notebook was closed meanwhile
            self.refresh(service)

    def refresh(self, service: NotebookService) -> Future[_Names]:
        """Schedule a refresh unless one is queued and has not started yet (call on the loop).

        A queued refresh reads the index when it starts, so it covers every change made
        before; a running one may not, and gets a successor.
        """
        root = service.notebook.root
        pending = self._pending.get(root)
        if pending is not None and not pending.running() and not pending.done():
            return pending
        future = service.read(lambda conn: self._refresh(service, conn))
        future.add_done_callback(_log_failure)
        self._pending[root] = future
        return future

    def _refresh(self, service: NotebookService, conn: sqlite3.Connection) -> _Names:
        """Bring the names up to date (runs on the reader thread)."""
        root = service.notebook.root
        # Read these first: the rows read next are at least as recent.
        complete = service.ready.is_set()
        generation = service.generation
        signature = _signature(conn)
        current = self._cache.get(root)
        if current is not None and current.signature == signature:
            names = replace(current, generation=generation, complete=complete)
        else:
            entries = _entries(lookups.note_names(conn))
            index = FuzzyIndex([e.text for e in entries])
            names = _Names(generation, complete, signature, entries, index)
        self._cache[root] = names
        return names


def _log_failure(future: Future[_Names]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("reading note names for completion failed: %s", future.exception())


def _entries(names: list[lookups.NoteName]) -> list[_Entry]:
    """Every completable string of ``names``: each stem, each title that differs, each alias."""
    stems = [_stem(name) for name in names]
    counts = Counter(stem.lower() for stem in stems)
    entries: list[_Entry] = []
    append = entries.append
    for name, stem in zip(names, stems, strict=True):
        link_text = _link_text(name, stem, counts)
        append(_Entry(name, stem, False, link_text))
        if name.title and name.title.lower() != stem.lower():
            append(_Entry(name, name.title, False, link_text))
        for alias in name.aliases:
            append(_Entry(name, alias, True, link_text))
    return entries


def _stem(name: lookups.NoteName) -> str:
    base = posixpath.basename(name.path)
    return strip_note_suffix(base) if name.is_note else base


def _link_text(name: lookups.NoteName, stem: str, stems: Counter[str]) -> str:
    """The shortest text that links to ``name`` unambiguously: its stem or a path suffix."""
    if stems[stem.lower()] <= 1:
        return stem
    return strip_note_suffix(name.path) if name.is_note else name.path


def register(server: CodexServer) -> None:
    """Register completion and completion-item resolve."""
    names = NameCache()

    server.on_index_changed.append(names.refresh_soon)

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=TRIGGERS, resolve_provider=True),
    )
    async def completion(
        ls: CodexServer, params: types.CompletionParams
    ) -> types.CompletionList | None:
        doc = await ls.document(params.text_document.uri)
        if doc is None or doc.service is None:
            return None
        in_view = await views.view_completion(ls, doc, params.position)  # a view file or block
        if in_view is not None:
            return in_view
        from_schema = await schema.schema_completion(ls, doc, params.position)  # frontmatter
        if from_schema is not None:
            return from_schema
        fm_end = doc.note.frontmatter_range.end.line - 1 if doc.note.frontmatter_range else None
        lines = doc.text.split("\n")
        context = completion_context(lines, params.position.line, params.position.character, fm_end)
        if context is None:
            return None
        service = doc.service
        limit = ls.settings.completion_max_items
        if context.kind is CompletionKind.NOTE:
            current, stale = await names.current(service)
            root = str(service.notebook.root)
            result = _note_items(current, context, params.position, limit, root)
            result.is_incomplete = result.is_incomplete or stale
            return result
        if context.kind in (CompletionKind.HEADING, CompletionKind.BLOCK):
            return await _anchor_items(ls, doc, context, params.position, limit)
        if context.kind is CompletionKind.TAG:
            tags = await ls.read(service, queries.list_tags)
            return _tag_items(tags, context, params.position, limit)
        return await _path_items(ls, doc, context, params.position, limit)

    @server.feature(types.COMPLETION_ITEM_RESOLVE)
    async def resolve(ls: CodexServer, item: types.CompletionItem) -> types.CompletionItem:
        data = item.data if isinstance(item.data, dict) else {}
        root, path = data.get("root"), data.get("path")
        service = ls.services.get(Path(root)) if isinstance(root, str) else None
        if service is None or not isinstance(path, str):
            return item
        markdown = await ls.read(service, lambda conn: preview_markdown(service, conn, path))
        if markdown:
            item.documentation = types.MarkupContent(types.MarkupKind.Markdown, markdown)
        return item


def _edit_range(context: CompletionContext, position: types.Position) -> types.Range:
    return types.Range(types.Position(position.line, context.start), position)


def _note_items(
    names: _Names,
    context: CompletionContext,
    position: types.Position,
    limit: int,
    root: str,
) -> types.CompletionList:
    entries = names.entries
    chosen, more = names.index.search(context.query, limit)
    items = []
    closing = "" if context.closed else "]]"
    edit_range = _edit_range(context, position)
    for rank, number in enumerate(chosen):
        entry = entries[number]
        name = entry.name
        insert = f"{entry.link_text}|{entry.text}" if entry.is_alias else entry.link_text
        detail = (
            f"{name.title} — {name.path}"
            if not entry.is_alias
            else (f"alias of {name.title} — {name.path}")
        )
        items.append(
            types.CompletionItem(
                label=entry.text,
                kind=types.CompletionItemKind.File
                if name.is_note
                else types.CompletionItemKind.Folder,
                detail=detail,
                filter_text=entry.text,
                sort_text=f"{rank:05d}",
                text_edit=types.TextEdit(edit_range, insert + closing),
                data={"root": root, "path": name.path},
            )
        )
    return types.CompletionList(is_incomplete=more, items=items)


async def _anchor_items(
    ls: CodexServer,
    doc: Document,
    context: CompletionContext,
    position: types.Position,
    limit: int,
) -> types.CompletionList:
    service = doc.service
    assert service is not None
    closing = "" if context.closed else "]]"
    edit_range = _edit_range(context, position)
    if context.target:
        target = await ls.read(service, lambda conn: _find_target(conn, context.target, doc.rel))
        if target is None:
            return types.CompletionList(is_incomplete=False, items=[])
    else:
        target = doc.rel
    if context.kind is CompletionKind.BLOCK:
        if target == doc.rel:
            ids = [b.id for b in doc.note.blocks]
        else:
            ids = [b.id for b in await ls.read(service, lambda c: lookups.blocks_of(c, target))]
        labels = [(block_id, f"^{block_id}") for block_id in dict.fromkeys(ids)]
    elif target == doc.rel:
        labels = [(h.text, "#" * h.level + " " + h.text) for h in doc.note.headings]
    else:
        rows = await ls.read(service, lambda conn: lookups.headings_of(conn, target))
        labels = [(h.text, "#" * h.level + " " + h.text) for h in rows]
    scored = [(fuzzy_score(context.query, text), text, detail) for text, detail in labels]
    ranked = [row for row in scored if row[0] is not None]
    ranked.sort(key=lambda row: -(row[0] or 0))
    items = [
        types.CompletionItem(
            label=text,
            kind=types.CompletionItemKind.Reference,
            detail=detail,
            sort_text=f"{rank:05d}",
            filter_text=text,
            text_edit=types.TextEdit(edit_range, text + closing),
        )
        for rank, (_, text, detail) in enumerate(ranked[:limit])
    ]
    return types.CompletionList(is_incomplete=len(ranked) > limit, items=items)


def _find_target(conn: sqlite3.Connection, target: str, source: str) -> str | None:
    return resolve_link(target, None, False, source, SqlCatalog(conn)).target


def _tag_items(
    tags: list[queries.TagCount],
    context: CompletionContext,
    position: types.Position,
    limit: int,
) -> types.CompletionList:
    scored = [(fuzzy_score(context.query, t.name), t) for t in tags]
    ranked = sorted(((s, t) for s, t in scored if s is not None), key=lambda p: -p[0])
    edit_range = _edit_range(context, position)
    items = [
        types.CompletionItem(
            label=tag.name,
            kind=types.CompletionItemKind.Keyword,
            detail=f"{tag.count} file{'s' * (tag.count != 1)}",
            sort_text=f"{rank:05d}",
            filter_text=tag.name,
            text_edit=types.TextEdit(edit_range, tag.name),
        )
        for rank, (_, tag) in enumerate(ranked[:limit])
    ]
    return types.CompletionList(is_incomplete=len(ranked) > limit, items=items)


async def _path_items(
    ls: CodexServer,
    doc: Document,
    context: CompletionContext,
    position: types.Position,
    limit: int,
) -> types.CompletionList:
    service = doc.service
    assert service is not None
    cached = await ls.read(service, lookups.note_names)
    folder = posixpath.dirname(doc.rel)
    candidates = []
    for name in cached:
        relative = posixpath.relpath(name.path, folder or ".")
        score = fuzzy_score(context.query, relative)
        if score is not None and name.path != doc.rel:
            candidates.append((score, relative, name))
    candidates.sort(key=lambda row: -row[0])
    edit_range = _edit_range(context, position)
    items = [
        types.CompletionItem(
            label=relative,
            kind=types.CompletionItemKind.File,
            detail=name.title,
            sort_text=f"{rank:05d}",
            filter_text=relative,
            text_edit=types.TextEdit(edit_range, relative.replace(" ", "%20")),
        )
        for rank, (_, relative, name) in enumerate(candidates[:limit])
    ]
    return types.CompletionList(is_incomplete=len(candidates) > limit, items=items)
