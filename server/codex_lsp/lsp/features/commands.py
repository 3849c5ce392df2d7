"""``workspace/executeCommand`` commands (shapes documented in docs/protocol.md).

Every command takes one JSON object as its only argument and returns JSON.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types

from ...core.model import Position
from ...core.names import BadName, check_folder
from ...storage import lookups, queries
from ...storage.new_note import new_note_for
from ...storage.references import references
from ...storage.service import NotebookService
from ...storage.tag_meanings import tag_listing, tag_table
from ..convert import lsp_range, path_to_uri, uri_to_path
from ..requests import (
    InvalidParams,
    RequestFailed,
    command_argument,
    optional_field,
    position_field,
    required_field,
)
from ..server import CodexServer
from .actions import create_file_edit, new_note_path

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


def register(server: CodexServer) -> None:
    """Register every codex.* command."""

    async def each(ls: CodexServer, query: Any) -> list[tuple[NotebookService, Any]]:
        services = list(ls.services.values())
        results = await asyncio.gather(*(ls.read(s, query) for s in services))
        return list(zip(services, results, strict=True))

    @server.command("codex.search")
    async def search(ls: CodexServer, *args: Any) -> list[dict[str, Any]]:
        arg = command_argument(args)
        text = optional_field(arg, "query", str, "a string") or ""
        tags = _string_list(arg, "tags")
        limit = _limit(arg)
        hits = []
        for service, found in await each(ls, lambda c: queries.search(c, text, tags, limit)):
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

    @server.command("codex.tags")
    async def tags(ls: CodexServer, *args: Any) -> list[dict[str, Any]]:
        def listed(service: NotebookService) -> Any:
            notebook = service.notebook
            return ls.read(service, lambda c: (queries.list_tags(c), tag_table(notebook)))

        found = await asyncio.gather(*(listed(s) for s in ls.services.values()))
        return tag_listing((tag for counts, _ in found for tag in counts), [t for _, t in found])

    @server.command("codex.searchTags")
    async def search_tags(ls: CodexServer, *args: Any) -> list[dict[str, Any]]:
        arg = command_argument(args)
        wanted = _string_list(arg, "tags")
        match = optional_field(arg, "match", str, '"all" or "any"') or "all"
        if match not in ("all", "any"):
            raise InvalidParams('match must be "all" or "any"')
        found = []
        for service, paths in await each(
            ls,
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

    @server.command("codex.backlinks")
    async def backlinks(ls: CodexServer, *args: Any) -> list[dict[str, Any]]:
        uri = required_field(command_argument(args), "uri", str, "a string")
        doc = await ls.document(uri)
        if doc is None or doc.service is None:
            raise RequestFailed(f"{uri} is not a note of an open notebook")
        service = doc.service
        rows = await ls.read(service, lambda conn: lookups.links_to(conn, doc.rel))
        return [
            {"uri": ls.uri_of(service, row.path), "range": _range_json(lsp_range(row.range))}
            for row in rows
        ]

    @server.command("codex.references")
    async def find_references(ls: CodexServer, *args: Any) -> list[dict[str, Any]]:
        arg = command_argument(args)
        uri = required_field(arg, "uri", str, "a string")
        line, character = position_field(arg, "position") or (0, 0)
        doc = await ls.document(uri)
        if doc is None or doc.service is None:
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

    @server.command("codex.createNote")
    async def create_note(ls: CodexServer, *args: Any) -> dict[str, Any]:
        arg = command_argument(args)
        title = required_field(arg, "title", str, "a non-empty string")
        if not title.strip():
            raise RequestFailed("title must be a non-empty string")
        service = _choose_notebook(ls, optional_field(arg, "notebook", str, "a path or file URI"))
        folder = optional_field(arg, "folder", str, "a string") or ""
        try:
            folder = check_folder(folder)
        except BadName as exc:
            raise RequestFailed(f"folder must be inside the notebook: {exc}") from None
        try:
            path = new_note_path(folder, title.strip())
        except BadName as exc:
            raise RequestFailed(f"'{title.strip()}' cannot be a note name: {exc}") from None
        absolute = await ls.confine_new(service, path)
        uri = path_to_uri(absolute)
        if await asyncio.to_thread(absolute.exists):
            return {"uri": uri, "path": path, "created": False}
        text = await asyncio.to_thread(new_note_for, service.notebook, path, title.strip())
        result = await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(
                edit=create_file_edit(uri, text), label=f"Create note {path}"
            )
        )
        if not result.applied:
            raise RequestFailed(f"the editor did not create {path}: {result.failure_reason}")
        await ls.update_notebook(service, [path])
        return {"uri": uri, "path": path, "created": True}

    @server.command("codex.reindex")
    async def reindex(ls: CodexServer, *args: Any) -> list[dict[str, Any]]:
        full = optional_field(command_argument(args), "full", bool, "true or false") or False
        results = []
        for service in list(ls.services.values()):
            stats = await ls.index_notebook(service, full=full)
            results.append({"notebook": str(service.notebook.root), **stats.as_dict()})
        return results

    @server.command("codex.notebooks")
    async def notebooks(ls: CodexServer, *args: Any) -> list[dict[str, Any]]:
        found = []
        for service, counts in await each(ls, lookups.notebook_counts):
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


def _choose_notebook(ls: CodexServer, value: str | None) -> NotebookService:
    if not ls.services:
        raise RequestFailed("no notebook is open")
    if value is None:
        # A workspace folder's notebook before one opened around a lone document: a command
        # that names no notebook acts where the user's workspace is.
        in_folders = {root for roots in ls.folder_roots.values() for root in roots}
        chosen = [service for root, service in ls.services.items() if root in in_folders]
        return (chosen or list(ls.services.values()))[0]
    path = uri_to_path(value) if value.startswith("file:") else Path(value)
    service = ls.services.get(path.resolve()) if path else None
    if service is None:
        raise RequestFailed(f"{value} is not an open notebook")
    return service
