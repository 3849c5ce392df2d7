"""Completion: notes after ``[[``, headings after ``#``, blocks after ``#^``, tags, paths.

Note names are held per notebook in a compact :class:`NameTable` with its fuzzy index,
refreshed in the background when the index changes (see :class:`NameCache`), so a request
never waits for the names to be read and usually costs a binary search and a little
scoring. The list is capped (``isIncomplete`` when truncated); previews are filled in on
``completionItem/resolve``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import posixpath
from collections.abc import Hashable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

# Pure core modules, loaded with the server: completion calls them per name and per item.
from ...core.completion_context import CompletionContext, CompletionKind, completion_context
from ...core.completion_names import NameTable
from ...core.completion_rank import boosts_of, note_rows, shorten, snippet_text
from ...core.fuzzy import fuzzy_score
from ...core.media import attachment_detail, images_first, is_image
from ...core.resolve import resolve_link
from ...core.tag_table import TagMeaning, meaning_of, tag_detail, tag_documentation
from ..convert import uri_to_path
from ..feature import Feature, handles
from ..periodic_notes import day_items
from ..server import CodexServer, Document

if TYPE_CHECKING:
    import sqlite3

    from ...storage import queries
    from ...storage.service import NotebookService

log = logging.getLogger(__name__)

TRIGGERS = ["[", "#", "^", "(", "/", "|"]
RECENT_EDITS = 20  # notes edited in this session that note completion boosts


@dataclass(frozen=True, slots=True)
class _Names:
    """The completable names of a notebook as of index ``generation``."""

    generation: int
    complete: bool  # read after the notebook's first index run had finished
    signature: Hashable  # the rows the names were built from; equal rows, equal names
    table: NameTable
    mark: int  # the notebook's change mark when the rows were read


def _signature(conn: sqlite3.Connection) -> Hashable:
    """The rows :func:`lookups.note_names` builds names from, in a comparable form.

    A refresh compares these before rebuilding: building the names and their index costs
    far more than this, which runs mostly inside SQLite (which releases the GIL), as one
    length-prefixed string of the live files in table order. Aliases keep their order within
    a file; their rows are rewritten whenever their note changes. Only a digest is kept: the
    string is as large as the names themselves.
    """
    files = conn.execute(
        "SELECT group_concat(length(id) || ':' || id || is_note || length(path) || ':' || path"
        " || length(ifnull(title, '')) || ':' || ifnull(title, ''), '')"
        " FROM file_metadata WHERE deleted_at IS NULL"
    ).fetchone()[0]
    digest = hashlib.blake2b((files or "").encode("utf-8", "surrogatepass"))
    for file_id, alias in sorted(
        conn.execute("SELECT file_id, alias FROM alias").fetchall(), key=itemgetter(0)
    ):
        digest.update(
            f"{len(file_id)}:{file_id}{len(alias)}:{alias}".encode("utf-8", "surrogatepass")
        )
    return digest.digest()


class NameCache:
    """Fuzzy indexes of note names per notebook, kept up to date in the background.

    Every index change schedules a refresh on the notebook's reader thread; it re-reads the
    name rows and rebuilds the index only when they differ (editing a note's body, the usual
    change, leaves them alone). Requests then use the latest index without waiting for a
    queued or running refresh (their answer is marked incomplete, so the client asks again on
    the next keystroke). A request waits only for names not yet read once the notebook's
    first index run is over; before that, the caller answers from the stored index.
    """

    def __init__(self) -> None:
        self._cache: dict[Path, _Names] = {}
        self._pending: dict[Path, Future[_Names]] = {}

    async def current(self, service: NotebookService) -> tuple[_Names | None, bool]:
        """The names to answer with now (None: none read yet, answer from the stored index),
        and whether they may be out of date or short (the notebook's first index run has not
        finished).

        A notebook's first names are read once its first index run is over: read during it,
        they would compete with it for the processor, and their memory would add to its peak
        (a warm start of a large notebook). Once the run is over, a request waits for names
        that are not complete; otherwise it answers from the names it has, marked
        incomplete while a refresh is due, so the client asks again as the user types.
        """
        names = self._cache.get(service.notebook.root)
        ready = service.ready.is_set()
        current = names is not None and names.generation == service.generation
        if names is not None and current and (names.complete or not ready):
            return names, not names.complete
        if names is None and not ready:
            return None, True
        refreshed = self.refresh(service)
        if names is not None and (names.complete or not ready):
            return names, True
        names = await asyncio.wrap_future(refreshed)  # the first index run is over
        return names, not names.complete

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
        from ...storage import lookups

        root = service.notebook.root
        # Read these first: the rows read next are at least as recent.
        complete = service.ready.is_set()
        generation = service.generation
        mark = service.change_mark
        current = self._cache.get(root)
        if current is not None and _unchanged(service, conn, current):
            names = replace(current, generation=generation, complete=complete, mark=mark)
        else:
            signature = _signature(conn)
            if current is not None and current.signature == signature:
                names = replace(current, generation=generation, complete=complete, mark=mark)
            else:
                table = NameTable(lookups.note_name_rows(conn))
                names = _Names(generation, complete, signature, table, mark)
        self._cache[root] = names
        return names


def _unchanged(service: NotebookService, conn: sqlite3.Connection, names: _Names) -> bool:
    """Whether the notes written since ``names`` were read keep the names they had there: the
    usual edit of a note's body is told by that note's rows alone, without the signature of
    every file (unknown writes, a scan for one, are not)."""
    from ...storage import lookups

    written = service.changed_since(names.mark)
    if written is None:
        return False
    rows = lookups.note_name_rows_at(conn, written)
    return all(names.table.holds(path, rows.get(path)) for path in written)


def _log_failure(future: Future[_Names]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("reading note names for completion failed: %s", future.exception())


class Completion(Feature):
    """Completion and completion-item resolve; the host's completion providers (views,
    schema) answer first for what they know."""

    def __init__(self, server: CodexServer) -> None:
        super().__init__(server)
        self.names = NameCache()
        self.boosts = Boosts()

    def on_index_changed(self, service: NotebookService) -> None:
        """Refresh the notebook's names in the background."""
        self.names.refresh_soon(service)

    def on_change(self, uri: str, cursor: types.Position | None) -> None:
        """Remember the note as recently edited (it is boosted)."""
        self.boosts.edited(uri)

    @handles(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=TRIGGERS, resolve_provider=True),
    )
    async def completion(self, params: types.CompletionParams) -> types.CompletionList | None:
        """Notes, headings, blocks, tags or paths, depending on what the cursor is after."""
        from ...storage import queries

        ls = self.server
        doc = await ls.note_at(params.text_document.uri)
        if doc is None:
            return None
        for provide in list(ls.providers.completion):  # a view, frontmatter, ...
            provided = await provide(doc, params.position)
            if provided is not None:
                return provided
        fm_end = doc.note.frontmatter_range.end.line - 1 if doc.note.frontmatter_range else None
        lines = doc.text.split("\n")
        context = completion_context(lines, params.position.line, params.position.character, fm_end)
        if context is None:
            return None
        service = doc.service
        limit = ls.settings.completion_max_items
        if context.kind is CompletionKind.NOTE:
            current, partial = await self.names.current(service)
            shape = _Shape(context, params.position, _snippets(ls), str(service.notebook.root))
            if current is None:  # the first names of a notebook are still being read
                result = await _early_note_items(service, shape, limit)
            else:
                # Names still being read: the answer is incomplete anyway; a look-up would
                # queue behind their reading on the reader thread.
                linked = frozenset() if partial else await self.boosts.linked(ls, doc)
                recent = [path for path in self.boosts.recent(service) if path != doc.rel]
                note_boosts = boosts_of(current.table.owner_of, linked, recent)
                result = _note_items(current.table, shape, limit, note_boosts)
                result.is_incomplete = result.is_incomplete or partial
            days = day_items(ls, context, params.position, shape.snippets)
            result.items = [*days, *result.items]
            return result
        if context.kind in (CompletionKind.HEADING, CompletionKind.BLOCK):
            shape = _Shape(context, params.position, _snippets(ls), str(service.notebook.root))
            return await _anchor_items(ls, doc, shape, limit)
        if context.kind is CompletionKind.TAG:
            from ...storage.tag_meanings import tag_table

            notebook = service.notebook
            tags, table = await ls.read(
                service, lambda c: (queries.list_tags(c), tag_table(notebook))
            )
            return _tag_items(tags, table, context, params.position, limit)
        return await _path_items(ls, doc, context, params.position, limit)

    @handles(types.COMPLETION_ITEM_RESOLVE)
    async def resolve(self, item: types.CompletionItem) -> types.CompletionItem:
        """Fill in a note item's preview."""
        from ...storage.preview import preview_markdown

        ls = self.server
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


@dataclass(frozen=True, slots=True)
class _Shape:
    """What every note item of one answer shares: where it goes and how it is written."""

    context: CompletionContext
    position: types.Position
    snippets: bool  # the client expands snippets (Neovim applies the whole edit only then)
    root: str


def _snippets(ls: CodexServer) -> bool:
    """True when the client supports snippet completion items."""
    completion = ls.client_capabilities.text_document and (
        ls.client_capabilities.text_document.completion
    )
    item = completion.completion_item if completion else None
    return bool(item and item.snippet_support)


async def _early_note_items(
    service: NotebookService, shape: _Shape, limit: int
) -> types.CompletionList:
    """Note items before the notebook's names are in memory: the files whose name or alias
    starts with the typed text, read from the database file on a thread of their own (the
    reader thread is building the names), marked incomplete so the client asks again. During
    a notebook's first index run, the files on disk that the run has not reached yet are
    offered too, by their file name."""
    from ...storage.disk_names import with_files_on_disk
    from ...storage.location import index_path
    from ...storage.name_prefix import read_names

    query = shape.context.query
    found, counts, indexed = await asyncio.to_thread(
        read_names, index_path(service.notebook), query, limit * 3
    )
    if not indexed:
        on_disk, disk_counts = await asyncio.to_thread(
            lambda: service.files_on_disk().starting(query, limit * 3)
        )
        found = with_files_on_disk(found, on_disk)
        counts = counts | disk_counts  # the larger count of each name
    rows = [(name.path, name.title, name.aliases, name.is_note) for name in found]
    result = _note_items(NameTable(rows, counts), shape, limit, {})
    result.is_incomplete = True
    return result


def _note_items(
    table: NameTable, shape: _Shape, limit: int, boosts: dict[int, int]
) -> types.CompletionList:
    """One row per matching note (see core/completion_rank.py), best first, capped."""

    query = shape.context.query
    texts = table.texts
    if query:
        # Rows are chosen among more matches than shown: a note's names and aliases
        # compete for one row, and boosts reorder notes of equal match quality.
        chosen, more = table.index.search(query, limit * 3)
        matches = [(number, fuzzy_score(query, texts[number]) or 0) for number in chosen]
    else:
        # Nothing typed yet: boosted notes first, then the notebook's notes in order.
        boosted = sorted(boosts, key=lambda owner: -boosts[owner])
        if shape.context.embed:  # ``![[``: the images, whatever their place in the list
            boosted += [o for o, e in enumerate(table.name_entries) if is_image(texts[e])]
        wanted = boosted + list(range(min(limit + len(boosted), len(table))))
        owners = list(dict.fromkeys(wanted))
        matches = [(table.name_entries[owner], 0) for owner in owners]
        more = len(table) > len(owners)
    rows = note_rows(matches, table.completables, boosts, bool(query))
    if shape.context.embed:
        rows = images_first(rows, lambda row: table.paths[table.entry_owner[row.entry]])
    more = more or len(rows) > limit
    items = [_note_item(table, row.entry, rank, shape) for rank, row in enumerate(rows[:limit])]
    return types.CompletionList(is_incomplete=more, items=items)


def _note_item(table: NameTable, entry: int, rank: int, shape: _Shape) -> types.CompletionItem:

    owner = table.entry_owner[entry]
    path = table.paths[owner]
    text = table.texts[entry]
    is_alias = table.is_alias(entry)
    folder = posixpath.dirname(path)
    link = f"{table.link_text(owner)}|{text}" if is_alias else table.link_text(owner)
    inserted = link + ("" if shape.context.closed else "]]")
    detail: str | None
    if is_alias:
        kind = types.CompletionItemKind.Reference
        detail = f"alias of {table.stem(owner)}"
    elif table.is_note(owner):
        kind = types.CompletionItemKind.File
        title = table.title(owner)
        detail = title if title != text else (folder or None)
    else:
        kind = types.CompletionItemKind.Unit
        detail = attachment_detail(path)
    edit_range = _edit_range(shape.context, shape.position)
    return types.CompletionItem(
        label=text,
        label_details=types.CompletionItemLabelDetails(description=folder or None),
        kind=kind,
        detail=shorten(detail) if detail else None,
        sort_text=f"{rank:05d}",
        text_edit=types.TextEdit(
            edit_range, snippet_text(inserted) if shape.snippets else inserted
        ),
        insert_text_format=types.InsertTextFormat.Snippet if shape.snippets else None,
        data={"root": shape.root, "path": path},
    )


class Boosts:
    """What note completion boosts: notes linked with the current note (cached per note and
    index generation) and the notes most recently edited in this session."""

    def __init__(self) -> None:
        self._linked: dict[tuple[str, str], tuple[int, frozenset[str]]] = {}
        self._edited: dict[str, None] = {}  # URIs, most recent last

    def edited(self, uri: str) -> None:
        """Note that the document at ``uri`` was just edited (a document listener)."""
        self._edited.pop(uri, None)
        self._edited[uri] = None
        while len(self._edited) > RECENT_EDITS:
            del self._edited[next(iter(self._edited))]

    def recent(self, service: NotebookService) -> list[str]:
        """Notebook-relative paths of the notes of ``service`` edited in this session."""
        root = service.notebook.root
        found = []
        for uri in self._edited:
            path = uri_to_path(uri)
            if path is not None and path.is_relative_to(root):
                found.append(path.relative_to(root).as_posix())
        return found

    async def linked(self, ls: CodexServer, doc: Document) -> frozenset[str]:
        """Paths linked with ``doc`` (either way), as of the index's current generation."""
        from ...storage.completion_boosts import linked_paths

        service = doc.service
        key = (str(service.notebook.root), doc.rel)
        cached = self._linked.get(key)
        generation = service.generation
        if cached is not None and cached[0] == generation:
            return cached[1]
        found = await ls.read(service, lambda conn: linked_paths(conn, doc.rel))
        if len(self._linked) > 256:
            self._linked.clear()
        self._linked[key] = (generation, found)
        return found


async def _anchor_items(
    ls: CodexServer, doc: Document, shape: _Shape, limit: int
) -> types.CompletionList:
    from ...storage import lookups

    service = doc.service
    context = shape.context
    closing = "" if context.closed else "]]"
    edit_range = _edit_range(context, shape.position)
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
    kind = (
        types.CompletionItemKind.Value
        if context.kind is CompletionKind.BLOCK
        else types.CompletionItemKind.Struct
    )
    snippet = types.InsertTextFormat.Snippet if shape.snippets else None
    items = [
        types.CompletionItem(
            label=text,
            kind=kind,
            detail=shorten(detail),
            sort_text=f"{rank:05d}",
            text_edit=types.TextEdit(
                edit_range, snippet_text(text + closing) if shape.snippets else text + closing
            ),
            insert_text_format=snippet,
        )
        for rank, (_, text, detail) in enumerate(ranked[:limit])
    ]
    return types.CompletionList(is_incomplete=len(ranked) > limit, items=items)


def _find_target(conn: sqlite3.Connection, target: str, source: str) -> str | None:
    from ...storage.catalog import SqlCatalog

    return resolve_link(target, None, False, source, SqlCatalog(conn)).target


def _tag_items(
    tags: list[queries.TagCount],
    table: dict[str, TagMeaning],
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
            detail=tag_detail(tag.count, meaning_of(table, tag.name)),
            documentation=tag_documentation(meaning_of(table, tag.name)),
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
    from ...storage import lookups

    service = doc.service
    cached = await ls.read(service, lookups.note_names)
    folder = posixpath.dirname(doc.rel)
    candidates = []
    for name in cached:
        relative = posixpath.relpath(name.path, folder or ".")
        score = fuzzy_score(context.query, relative)
        if score is not None and name.path != doc.rel:
            candidates.append((score, relative, name))
    candidates.sort(key=lambda row: (not row[2].is_note, -row[0]))  # notes, then attachments
    if context.embed:
        candidates = images_first(candidates, lambda row: row[2].path)
    edit_range = _edit_range(context, position)
    items = [
        types.CompletionItem(
            label=relative,
            kind=types.CompletionItemKind.File if name.is_note else types.CompletionItemKind.Unit,
            detail=name.title if name.is_note else attachment_detail(name.path),
            sort_text=f"{rank:05d}",
            filter_text=relative,
            text_edit=types.TextEdit(edit_range, relative.replace(" ", "%20")),
        )
        for rank, (_, relative, name) in enumerate(candidates[:limit])
    ]
    return types.CompletionList(is_incomplete=len(candidates) > limit, items=items)
