"""``workspace/executeCommand`` commands (shapes documented in docs/protocol.md).

Every command takes one JSON object as its only argument and returns JSON.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ...core.model import Position
from ..convert import lsp_range, path_to_uri
from ..feature import Feature, command
from ..note_creation import create_from_link, create_note, note_request
from ..requests import (
    InvalidParams,
    RequestFailed,
    command_argument,
    optional_field,
    position_field,
    required_field,
)

if TYPE_CHECKING:
    from ...storage.service import NotebookService

DEFAULT_LIMIT = 20
MAX_LIMIT = 500


def _range_json(r: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": r.start.line, "character": r.start.character},
        "end": {"line": r.end.line, "character": r.end.character},
    }


def _limit(arg: dict[str, Any]) -> int:
    value = optional_field(arg, "limit", int, "a positive integer")
    if value is None:
        return DEFAULT_LIMIT
    if value < 1:
        raise InvalidParams("limit must be a positive integer")
    return min(value, MAX_LIMIT)


def _string_list(arg: dict[str, Any], name: str) -> list[str]:
    value = arg.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise InvalidParams(f"{name} must be a list of strings")


class Commands(Feature):
    """The ``codex.*`` commands over notes, tags and notebooks."""

    async def each(self, query: Any) -> list[tuple[NotebookService, Any]]:
        """Run a read query on every open notebook; (notebook, result) pairs."""
        ls = self.server
        services = list(ls.services.values())
        results = await asyncio.gather(*(ls.read(s, query) for s in services))
        return list(zip(services, results, strict=True))

    @command("codex.search")
    async def search(self, *args: Any) -> list[dict[str, Any]]:
        """``codex.search``: full-text search across the open notebooks."""
        from ...storage import queries

        ls = self.server
        arg = command_argument(args)
        text = optional_field(arg, "query", str, "a string") or ""
        tags = _string_list(arg, "tags")
        limit = _limit(arg)
        hits = []
        for service, found in await self.each(lambda c: queries.search(c, text, tags, limit)):
            for hit in found:
                hits.append(
                    {
                        "uri": ls.uri_of(service, hit.path),
                        "path": hit.path,
                        "notebook": str(service.notebook.root),
                        "title": hit.title,
                        "snippet": hit.snippet,
                        "snippetMatches": [list(pair) for pair in hit.snippet_matches],
                        "score": hit.score,
                        "tags": list(hit.tags),
                        "range": {
                            "start": {"line": hit.line, "character": hit.character},
                            "end": {"line": hit.line, "character": hit.end_character},
                        },
                    }
                )
        hits.sort(key=lambda h: -h["score"])
        return hits[:limit]

    @command("codex.tags")
    async def tags(self, *args: Any) -> list[dict[str, Any]]:
        """``codex.tags``: every tag with its note count, and its description and colour
        from the notebook's tag table."""
        from ...storage import queries
        from ...storage.tag_meanings import tag_listing, tag_table

        ls = self.server

        def listed(service: NotebookService) -> Any:
            notebook = service.notebook
            return ls.read(service, lambda c: (queries.list_tags(c), tag_table(notebook)))

        found = await asyncio.gather(*(listed(s) for s in ls.services.values()))
        return tag_listing((tag for counts, _ in found for tag in counts), [t for _, t in found])

    @command("codex.searchTags")
    async def search_tags(self, *args: Any) -> list[dict[str, Any]]:
        """``codex.searchTags``: notes carrying all (or any) of some tags."""
        from ...storage import lookups, queries

        ls = self.server
        arg = command_argument(args)
        wanted = _string_list(arg, "tags")
        match = optional_field(arg, "match", str, '"all" or "any"') or "all"
        if match not in ("all", "any"):
            raise InvalidParams('match must be "all" or "any"')
        found = []
        for service, paths in await self.each(
            lambda c: [
                (p, lookups.file_summary(c, p))
                for p in queries.files_with_tags(c, wanted, match == "all")
            ],
        ):
            for path, summary in paths:
                found.append(
                    {
                        "uri": ls.uri_of(service, path),
                        "path": path,
                        "title": summary[0] if summary else path,
                    }
                )
        return found

    @command("codex.backlinks")
    async def backlinks(self, *args: Any) -> list[dict[str, Any]]:
        """``codex.backlinks``: the links to a note."""
        from ...storage import lookups

        ls = self.server
        uri = required_field(command_argument(args), "uri", str, "a string")
        doc = await ls.note_at(uri)
        if doc is None:
            raise RequestFailed(f"{uri} is not a note of an open notebook")
        service = doc.service
        rows = await ls.read(service, lambda conn: lookups.links_to(conn, doc.rel))
        return [
            {"uri": ls.uri_of(service, row.path), "range": _range_json(lsp_range(row.range))}
            for row in rows
        ]

    @command("codex.references")
    async def find_references(self, *args: Any) -> list[dict[str, Any]]:
        """``codex.references``: what refers to the element at a position."""
        from ...storage.references import references

        ls = self.server
        arg = command_argument(args)
        uri = required_field(arg, "uri", str, "a string")
        line, character = position_field(arg, "position") or (0, 0)
        doc = await ls.note_at(uri)
        if doc is None:
            raise RequestFailed("uri must name a note of an open notebook")
        service = doc.service
        where = Position(line, character)
        found = await ls.read(
            service, lambda conn: references(conn, doc.rel, doc.note, where, False)
        )
        return [
            {"uri": ls.uri_of(service, path), "range": _range_json(lsp_range(r))}
            for path, r in found
        ]

    @command("codex.createNote")
    async def create_note(self, *args: Any) -> dict[str, Any]:
        """``codex.createNote``: create a note (through the editor, from a template when one
        is asked or fits) and index it."""
        ls = self.server
        arg = command_argument(args)
        at = position_field(arg, "position")
        if at is not None:  # the note a link names: title and folder come from the link
            uri = required_field(arg, "uri", str, "a string (the URI of the linking note)")
            return await create_from_link(ls, uri, Position(*at))
        title = required_field(arg, "title", str, "a non-empty string")
        service = await ls.confine_notebook(
            optional_field(arg, "notebook", str, "a path or file URI")
        )
        return await create_note(ls, service, note_request(arg, title))

    @command("codex.reindex")
    async def reindex(self, *args: Any) -> list[dict[str, Any]]:
        """``codex.reindex``: index every open notebook again."""
        ls = self.server
        full = optional_field(command_argument(args), "full", bool, "true or false") or False
        results = []
        for service in list(ls.services.values()):
            stats = await ls.index_notebook(service, full=full)
            results.append({"notebook": str(service.notebook.root), **stats.as_dict()})
        return results

    @command("codex.notebooks")
    async def notebooks(self, *args: Any) -> list[dict[str, Any]]:
        """``codex.notebooks``: the open notebooks with their counts."""
        from ...storage import lookups

        found = []
        for service, counts in await self.each(lookups.notebook_counts):
            notebook = service.notebook
            found.append(
                {
                    "name": notebook.name,
                    "root": str(notebook.root),
                    "uri": path_to_uri(notebook.root),
                    "explicit": notebook.explicit,
                    "database": str(service.database),
                    "ready": service.ready.is_set(),
                    **counts,
                }
            )
        return found
