"""Markdown previews of notes for hover and completion documentation (reader thread)."""

from __future__ import annotations

import sqlite3

from ..core.parser import parse_note
from ..core.resolve import find_anchor, strip_note_suffix, target_of_note
from ..core.syntax import is_note_name
from . import lookups
from .service import NotebookService

PREVIEW_LINES = 12
SUMMARY_KEYS = 6


def preview_markdown(
    service: NotebookService,
    conn: sqlite3.Connection,
    path: str,
    anchor: str | None = None,
    is_block: bool = False,
) -> str | None:
    """Title, metadata summary, first lines (or the linked section) and backlink count."""
    summary = lookups.file_summary(conn, path)
    if summary is None:
        return None
    title, properties = summary
    parts = [f"**{title}**  \n`{path}`"]
    shown = {k: v for k, v in properties.items() if k not in ("title",)}
    if shown:
        rows = [f"- **{k}**: {_short(v)}" for k, v in list(shown.items())[:SUMMARY_KEYS]]
        parts.append("\n".join(rows))
    if is_note_name(path):
        excerpt = _excerpt(service, path, anchor, is_block)
        if excerpt:
            parts.append("---\n\n" + excerpt)
    count = lookups.backlink_counts(conn, [path]).get(path, 0)
    parts.append(f"*{count} backlink{'s' * (count != 1)}*")
    return "\n\n".join(parts)


def _short(value: object) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _excerpt(service: NotebookService, path: str, anchor: str | None, is_block: bool) -> str:
    try:
        text = (service.notebook.root / path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    note = parse_note(text, strip_note_suffix(path.rsplit("/", 1)[-1]))
    lines = text.split("\n")
    start = note.frontmatter_range.end.line if note.frontmatter_range else 0
    end = len(lines)
    if anchor:
        target = target_of_note(path, (), note.headings, [b.id for b in note.blocks])
        found = find_anchor(target, anchor, is_block)
        if found is not None and is_block:
            block = next(b for b in note.blocks if b.id == anchor)
            start = block.range.start.line
            while start > 0 and lines[start - 1].strip():
                start -= 1
            end = block.range.start.line + 1
        elif found is not None:
            heading = note.headings[found]
            start = heading.range.start.line
            end = next(
                (
                    h.range.start.line
                    for h in note.headings[found + 1 :]
                    if h.level <= heading.level
                ),
                len(lines),
            )
    chosen = [line.rstrip("\r") for line in lines[start:end]]
    while chosen and not chosen[0].strip():
        chosen.pop(0)
    if len(chosen) > PREVIEW_LINES:
        chosen = [*chosen[:PREVIEW_LINES], "…"]
    return "\n".join(chosen).strip()
