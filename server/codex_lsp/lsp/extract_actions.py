"""Extract and inline code actions: a selection or a heading's section moved to a new note
(a link or an embed left in its place, links into it retargeted), and an embed replaced by
the text it shows (rules in docs/linking.md, "Extract and inline"). Loaded by the extract
feature at its first code action."""

from __future__ import annotations

import asyncio
import posixpath
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types

from ..core.anchors import anchor_of, heading_for_anchor, heading_keys
from ..core.extract import (
    ExtractPlan,
    inline_text,
    level_at,
    plan_section,
    plan_selection,
    retarget,
)
from ..core.locate import element_at
from ..core.model import Link, LinkKind
from ..core.names import BadName, check_relative_path
from ..core.syntax import is_note_name
from ..storage import lookups
from ..storage.mentions import link_name
from ..storage.notebooks import really_inside
from ..storage.references import destination
from .convert import core_position, lsp_range
from .note_creation import link_request, planned_note
from .server import CodexServer, Document

MAX_SAME_NAME = 100
"""New notes named ``Title 2`` ... tried at most before giving up."""


async def extract_actions(
    ls: CodexServer, doc: Document, where: types.Range, only: Sequence[str] | None
) -> list[types.CodeAction]:
    """Extract (a selection, or the section of the heading under the cursor) and inline (the
    embed under the cursor), as refactoring code actions, when ``only`` lets refactorings in."""
    if not is_note_name(doc.rel) or not _wanted(only, types.CodeActionKind.Refactor):
        return []
    start = doc.index.offset(core_position(where.start))
    end = doc.index.offset(core_position(where.end))
    found: list[types.CodeAction] = []
    plan: ExtractPlan | None = None
    if end > start:
        plan = plan_selection(doc.text, doc.note, start, end, doc.index)
        what = "selection"
    else:
        line = where.start.line
        number = next(
            (n for n, h in enumerate(doc.note.headings) if h.range.start.line == line), None
        )
        if number is not None:
            plan = plan_section(doc.text, doc.note, number, doc.index)
            what = f"section '{doc.note.headings[number].text}'"
        inline = await inline_action(ls, doc, where)
        found += [inline] if inline else []
    if plan is not None:
        for embed in (False, True):
            action = await extract_action(ls, doc, plan, embed, what)
            found += [action] if action else []
    return found


async def extract_action(
    ls: CodexServer, doc: Document, plan: ExtractPlan, embed: bool, what: str
) -> types.CodeAction | None:
    """The code action moving ``plan`` to a new note, leaving a link (or an ``embed``)."""
    service = doc.service
    folder = posixpath.dirname(doc.rel)
    path = await asyncio.to_thread(_free_path, service.notebook.root, folder, plan.title)
    if path is None:
        return None

    def read(conn: sqlite3.Connection) -> tuple[str, list[lookups.LinkRow]]:
        return link_name(conn, path), lookups.links_to(conn, doc.rel)

    name, rows = await ls.read(service, read)
    text = (await planned_note(service, link_request(path, plan.title))).text
    text = text.rstrip("\n") + "\n\n" + plan.body if plan.body else text
    uri = ls.uri_of(service, path)
    link = f"{'!' if embed else ''}[[{name}]]"
    headings = heading_keys(doc.note.headings)
    source_edits = [
        types.TextEdit(
            types.Range(
                _position(doc, plan.start),
                _position(doc, plan.end),
            ),
            link,
        )
    ]
    for own in doc.note.links:
        if own.target or not own.anchor or _inside(doc, own, plan):
            continue  # only same-note anchors outside the moved text lead into it
        new = retarget(own.anchor, own.is_block, headings, plan)
        if new is not None:
            source_edits.append(types.TextEdit(lsp_range(own.target_range), _target(name, new)))
    others: dict[str, list[types.TextEdit]] = {}
    for row in rows:
        if row.path == doc.rel or row.kind not in (LinkKind.WIKI.value, LinkKind.EMBED.value):
            continue
        new = retarget(row.anchor, row.is_block, headings, plan)
        if new is not None:
            others.setdefault(row.path, []).append(
                types.TextEdit(lsp_range(row.target_range), _target(name, new))
            )
    changes: list[types.TextDocumentEdit | types.CreateFile] = [
        types.CreateFile(uri, options=types.CreateFileOptions(overwrite=False)),
        types.TextDocumentEdit(
            types.OptionalVersionedTextDocumentIdentifier(uri, None),
            [types.TextEdit(types.Range(types.Position(0, 0), types.Position(0, 0)), text)],
        ),
        types.TextDocumentEdit(
            types.OptionalVersionedTextDocumentIdentifier(doc.uri, doc.version), source_edits
        ),
    ]
    for rel, edits in others.items():
        changes.append(
            types.TextDocumentEdit(
                types.OptionalVersionedTextDocumentIdentifier(ls.uri_of(service, rel), None),
                edits,
            )
        )
    return types.CodeAction(
        title=f"Extract {what} to '{path}'" + (" (embed)" if embed else ""),
        kind=types.CodeActionKind.RefactorExtract,
        edit=types.WorkspaceEdit(document_changes=changes),
    )


async def inline_action(
    ls: CodexServer, doc: Document, where: types.Range
) -> types.CodeAction | None:
    """The code action replacing the embed under the cursor by the note or section it shows."""
    service = doc.service
    link = element_at(doc.note, core_position(where.start))
    if not isinstance(link, Link) or link.kind is not LinkKind.EMBED or link.is_block:
        return None
    found = await ls.read(service, lambda conn: destination(conn, doc.rel, doc.note, link))
    if found is None or found.path == doc.rel:
        return None
    other = await ls.note_at(ls.uri_of(service, found.path))
    if other is None:
        return None
    number = None
    if link.anchor:
        number = heading_for_anchor(
            heading_keys(other.note.headings), anchor_of(link.anchor, False)
        )
        if number is None:
            return None
    level = level_at(doc.note.headings, link.range.start.line)
    text = inline_text(other.text, other.note, other.index, number, level).rstrip("\n")
    return types.CodeAction(
        title=f"Inline '{link.target}{'#' + link.anchor if link.anchor else ''}'",
        kind=types.CodeActionKind.RefactorInline,
        edit=types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    types.OptionalVersionedTextDocumentIdentifier(doc.uri, doc.version),
                    [types.TextEdit(lsp_range(link.range), text)],
                )
            ]
        ),
    )


def _position(doc: Document, offset: int) -> types.Position:
    at = doc.index.position(offset)
    return types.Position(at.line, at.character)


def _inside(doc: Document, link: Link, plan: ExtractPlan) -> bool:
    return plan.start <= doc.index.offset(link.range.start) < plan.end


def _target(name: str, anchor: str) -> str:
    return f"{name}#{anchor}" if anchor else name


def _free_path(base: Path, folder: str, title: str) -> str | None:
    """A path for a new note titled ``title`` in ``folder`` that no file takes, inside the
    notebook with symlinks followed (blocking)."""
    for number in range(1, MAX_SAME_NAME + 1):
        name = title if number == 1 else f"{title} {number}"
        try:
            path = check_relative_path(f"{folder}/{name}.md" if folder else f"{name}.md", "a note")
        except BadName:
            return None
        if not (base / path).exists():
            return path if really_inside(base / path, base) else None
    return None


def _wanted(only: Sequence[str] | None, kind: str) -> bool:
    """Whether actions of ``kind`` are asked for (``only`` lists kinds and their parents)."""
    return not only or any(
        kind == k or kind.startswith(k + ".") or k.startswith(kind) for k in only
    )
