"""Unlinked mentions for the mentions feature: the places, the hints of a note's text, the
code actions ("Link it", "Link all N mentions") and the code lens count (rules in
docs/linking.md). Loaded at the feature's first use."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from functools import partial
from typing import Any

from lsprotocol import types

from ..core.mentions import link_text
from ..core.model import Severity
from ..core.problems import NoteProblem
from ..core.syntax import is_note_name
from ..storage.mentions import MentionPlace, NameCache, link_name, mentions_in, mentions_of
from ..storage.service import NotebookService
from .convert import core_position, lsp_range
from .server import CodexServer, Document

CODE = "unlinked-mention"
SETTING = "unlinked_mentions"
SHOW_MENTIONS = "codex.showBacklinks"  # the client command that lists places (code lens)


def place_json(ls: CodexServer, service: NotebookService, place: MentionPlace) -> dict[str, Any]:
    """A mention as ``codex.mentions`` answers it (docs/protocol.md)."""
    return {"uri": ls.uri_of(service, place.path), **place.as_dict(place.path)}


async def mentions_for(ls: CodexServer, service: NotebookService, rel: str) -> list[MentionPlace]:
    """The unlinked mentions of the note ``rel``, open buffers winning over the index."""
    buffers = ls.buffers_of(service)
    return await ls.read(service, lambda conn: mentions_of(conn, rel, buffers))


async def link_all_edit(
    ls: CodexServer, service: NotebookService, rel: str
) -> tuple[types.WorkspaceEdit, int]:
    """One WorkspaceEdit linking every unlinked mention of ``rel`` (open notes at the
    version the mentions were found in), and how many mentions it links."""
    buffers = ls.buffers_of(service)

    def plan(conn: sqlite3.Connection) -> tuple[str, list[MentionPlace]]:
        return link_name(conn, rel), mentions_of(conn, rel, buffers)

    name, places = await ls.read(service, plan)
    by_path: dict[str, list[types.TextEdit]] = defaultdict(list)
    for place in places:
        by_path[place.path].append(
            types.TextEdit(lsp_range(place.range), link_text(name, place.written))
        )
    changes = []
    for path, edits in by_path.items():
        uri = ls.uri_of(service, path)
        buffer = ls.open_document(uri)
        version = buffer.version if buffer is not None and path in buffers else None
        document = types.OptionalVersionedTextDocumentIdentifier(uri, version)
        changes.append(types.TextDocumentEdit(document, edits))
    return types.WorkspaceEdit(document_changes=changes), len(places)


async def mention_actions(
    ls: CodexServer, doc: Document, diagnostics: list[types.Diagnostic]
) -> list[types.CodeAction]:
    """ "Link it" and "Link all N mentions" for the unlinked-mention hints in the request."""
    service = doc.service
    found: list[types.CodeAction] = []
    seen: set[str] = set()
    for diagnostic in diagnostics:
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        target = data.get("target")
        if diagnostic.code != CODE or not isinstance(target, str):
            continue
        written = doc.text[
            doc.index.offset(core_position(diagnostic.range.start)) : doc.index.offset(
                core_position(diagnostic.range.end)
            )
        ]
        name = await ls.read(service, partial(link_name, rel=target))
        found.append(
            types.CodeAction(
                title=f"Link it: {link_text(name, written)}",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                is_preferred=True,
                edit=types.WorkspaceEdit(
                    changes={doc.uri: [types.TextEdit(diagnostic.range, link_text(name, written))]}
                ),
            )
        )
        if target in seen:
            continue
        seen.add(target)
        edit, count = await link_all_edit(ls, service, target)
        if count > 1:
            found.append(
                types.CodeAction(
                    title=f"Link all {count} mentions of '{name}'",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    edit=edit,
                )
            )
    return found


async def mention_lens(ls: CodexServer, doc: Document, line: int) -> types.CodeLens | None:
    """ "N unlinked mentions" next to the backlinks lens (None when there are none)."""
    service = doc.service
    places = await mentions_for(ls, service, doc.rel)
    if not places:
        return None
    count = len(places)
    locations = [
        {"uri": item["uri"], "range": item["range"]}
        for item in (place_json(ls, service, p) for p in places)
    ]
    return types.CodeLens(
        range=types.Range(types.Position(line, 0), types.Position(line, 0)),
        command=types.Command(
            title=f"{count} unlinked mention{'s' * (count != 1)}",
            command=SHOW_MENTIONS,
            arguments=[
                {"uri": doc.uri, "position": {"line": line, "character": 0}, "locations": locations}
            ],
        ),
    )


def mention_hints(cache: NameCache, rel: str, text: str) -> list[NoteProblem]:
    """The unlinked-mention hints of the note ``rel`` whose text is ``text``, as ``cache``
    knows the names now."""
    if not is_note_name(rel):
        return []
    return [
        NoteProblem(
            CODE,
            f"'{text[mention.start : mention.end]}' mentions the note '{mention.target}'"
            " without a link",
            where,
            SETTING,
            Severity.HINT,
            data={"target": mention.target, "name": mention.name},
        )
        for mention, where in mentions_in(cache, rel, text)
    ]
