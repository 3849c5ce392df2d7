"""``codex.connections``: a note's backlinks (with the line around each), outgoing links and
tags, for sidebars and side buffers (shape in docs/protocol.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...core.model import Range
from ...core.textpos import utf16_len
from ..feature import Feature, command
from ..requests import command_argument, required_field

if TYPE_CHECKING:
    from ...storage.connections import Connections

# Notes larger than this are not read for a backlink's context (the line is left empty).
MAX_CONTEXT_FILE_BYTES = 4 * 1024 * 1024


def _range_json(r: Range) -> dict[str, Any]:
    return {
        "start": {"line": r.start.line, "character": r.start.character},
        "end": {"line": r.end.line, "character": r.end.character},
    }


class NoteConnections(Feature):
    """A note's connections for sidebars."""

    @command("codex.connections")
    async def note_connections(self, *args: Any) -> dict[str, Any]:
        """``codex.connections``: backlinks with their lines, outgoing links and tags."""
        from ...storage.connections import connections

        ls = self.server
        uri = required_field(command_argument(args), "uri", str, "a string (a note URI)")
        where = await ls.confine(uri)
        service = where.service
        found: Connections = await ls.read(service, lambda conn: connections(conn, where.rel))
        # Open buffers win over the disk; the other sources are read on a thread.
        sources = {link.path for link in found.backlinks}
        lines: dict[str, list[str]] = {}
        for rel in sources:
            buffer = ls.open_document(ls.uri_of(service, rel))
            if buffer is not None:
                lines[rel] = _lines(buffer.source)
        unread = sorted(sources - set(lines))
        root = service.notebook.root
        lines.update(await asyncio.to_thread(_read_lines, root, unread))
        return {
            "backlinks": [
                {
                    "uri": ls.uri_of(service, link.path),
                    "range": _range_json(link.range),
                    "context": _context(lines.get(link.path, []), link.range),
                    "title": link.title,
                }
                for link in found.backlinks
            ],
            "links": [
                {
                    "target": link.target,
                    "uri": ls.uri_of(service, link.path) if link.path is not None else None,
                    "range": _range_json(link.range),
                    "title": link.title,
                    "broken": link.broken,
                }
                for link in found.links
            ],
            "tags": found.tags,
        }


def _lines(text: str) -> list[str]:
    """The lines of a note as the index numbers them (split at ``\\n``)."""
    return text.split("\n")


def _context(lines: list[str], r: Range) -> str:
    """The trimmed line of a backlink ('' when the file no longer has that line)."""
    from ...core.excerpt import line_context

    if r.start.line >= len(lines):
        return ""
    line = lines[r.start.line]
    # A link running onto the next line is shown from its start to the end of this one.
    end = r.end.character if r.end.line == r.start.line else utf16_len(line)
    return line_context(line, r.start.character, end)


def _read_lines(root: Path, rels: list[str]) -> dict[str, list[str]]:
    """The lines of indexed files (blocking); unreadable or huge files give no lines."""
    found: dict[str, list[str]] = {}
    for rel in rels:
        path = root / rel
        try:
            if path.stat().st_size > MAX_CONTEXT_FILE_BYTES:
                continue
            found[rel] = _lines(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return found
