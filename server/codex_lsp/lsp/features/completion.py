"""Completion: notes after ``[[``, headings after ``#``, blocks after ``#^``, tags, paths.

Note names are held per notebook in a :class:`FuzzyIndex`, rebuilt when the index changes,
so a request on 10,000 notes costs one regex pass and a little scoring. The list is capped
(``isIncomplete`` when truncated); previews are filled in on ``completionItem/resolve``.
"""

from __future__ import annotations

import posixpath
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types

from ...core.completion_context import CompletionContext, CompletionKind, completion_context
from ...core.fuzzy import FuzzyIndex, fuzzy_score
from ...core.resolve import resolve_link, strip_note_suffix
from ...storage import lookups, queries
from ...storage.catalog import SqlCatalog
from ...storage.service import NotebookService
from ..server import CodexServer, Document
from .preview import preview_markdown

TRIGGERS = ["[", "#", "^", "(", "/", "|"]


@dataclass(frozen=True, slots=True)
class _Entry:
    """One completable string: a stem, a title or an alias of a file."""

    name: lookups.NoteName
    text: str
    is_alias: bool
    link_text: str


class NameCache:
    """Fuzzy indexes of note names per notebook, rebuilt lazily after index changes."""

    def __init__(self) -> None:
        self._cache: dict[Path, tuple[int, list[_Entry], FuzzyIndex]] = {}

    def get(self, service: NotebookService) -> tuple[list[_Entry], FuzzyIndex] | None:
        """The cached entries if they match the notebook's current generation."""
        cached = self._cache.get(service.notebook.root)
        if cached is None or cached[0] != service.generation:
            return None
        return cached[1], cached[2]

    def build(
        self, service: NotebookService, conn: sqlite3.Connection
    ) -> tuple[list[_Entry], FuzzyIndex]:
        """Read every name and index it (runs on the reader thread)."""
        generation = service.generation
        names = lookups.note_names(conn)
        entries = _entries(names)
        index = FuzzyIndex([e.text for e in entries])
        self._cache[service.notebook.root] = (generation, entries, index)
        return entries, index


def _entries(names: list[lookups.NoteName]) -> list[_Entry]:
    stems = Counter(_stem(n).lower() for n in names)
    entries = []
    for name in names:
        link_text = _link_text(name, stems)
        stem = _stem(name)
        entries.append(_Entry(name, stem, False, link_text))
        if name.title and name.title.lower() != stem.lower():
            entries.append(_Entry(name, name.title, False, link_text))
        entries.extend(_Entry(name, alias, True, link_text) for alias in name.aliases)
    return entries


def _stem(name: lookups.NoteName) -> str:
    base = posixpath.basename(name.path)
    return strip_note_suffix(base) if name.is_note else base


def _link_text(name: lookups.NoteName, stems: Counter[str]) -> str:
    """The shortest text that links to ``name`` unambiguously: its stem or a path suffix."""
    stem = _stem(name)
    if stems[stem.lower()] <= 1:
        return stem
    path = strip_note_suffix(name.path) if name.is_note else name.path
    return path


def register(server: CodexServer) -> None:
    """Register completion and completion-item resolve."""
    names = NameCache()

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=TRIGGERS, resolve_provider=True),
    )
    async def completion(
        ls: CodexServer, params: types.CompletionParams
    ) -> types.CompletionList | None:
        doc = ls.document(params.text_document.uri)
        if doc is None or doc.service is None:
            return None
        fm_end = doc.note.frontmatter_range.end.line - 1 if doc.note.frontmatter_range else None
        lines = doc.text.split("\n")
        context = completion_context(lines, params.position.line, params.position.character, fm_end)
        if context is None:
            return None
        service = doc.service
        limit = ls.settings.completion_max_items
        if context.kind is CompletionKind.NOTE:
            cached = names.get(service)
            if cached is None:
                cached = await ls.read(service, lambda conn: names.build(service, conn))
            return _note_items(cached, context, params.position, limit, str(service.notebook.root))
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
    cached: tuple[list[_Entry], FuzzyIndex],
    context: CompletionContext,
    position: types.Position,
    limit: int,
    root: str,
) -> types.CompletionList:
    entries, index = cached
    chosen, more = index.search(context.query, limit)
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
            ids = [p.path for p in await ls.read(service, lambda c: lookups.blocks_of(c, target))]
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
