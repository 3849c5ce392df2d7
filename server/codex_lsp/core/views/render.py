"""Results as text: Markdown (materialized views), aligned terminal tables, CSV; and markers.

A materialized view sits between ``<!-- codex:view PATH[#VIEW] -->`` and
``<!-- /codex:view -->`` lines of a note; :func:`materialize` replaces what lies between each
pair with fresh Markdown and leaves every other byte of the note alone. The target ``inline``
(``inline#VIEW``) names the nearest inline view block above the marker instead of a file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

from .engine import Result
from .values import display

_OPEN = re.compile(r"^<!--\s*codex:view\s+(?P<target>[^\s>][^>]*?)\s*-->[ \t]*\r?$", re.M)
_CLOSE = re.compile(r"^<!--\s*/codex:view\s*-->[ \t]*\r?$", re.M)
INLINE_TARGET = "inline"
"""The marker target of an inline view block's results (a view file path ends in .cdx/.base)."""
_WIKI_LINK = re.compile(r"!?\[\[([^\]|#]*)(?:#[^\]|]*)?(?:\|([^\]]*))?\]\]")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


@dataclass(frozen=True, slots=True)
class Marker:
    """A materialized view in a note: its target, and offsets of the text between its lines."""

    path: str
    view: str | None
    start: int
    end: int
    line: int


def markers(text: str) -> list[Marker]:
    """The well-formed marker pairs of a note (an opening line without its closing is skipped)."""
    out: list[Marker] = []
    pos = 0
    while True:
        m = _OPEN.search(text, pos)
        if m is None:
            return out
        close = _CLOSE.search(text, m.end())
        nxt = _OPEN.search(text, m.end())
        if close is None or (nxt is not None and nxt.start() < close.start()):
            pos = m.end()
            continue
        target = m.group("target")
        path, _, view = target.partition("#")
        start = m.end() + 1 if text[m.end() : m.end() + 1] == "\n" else m.end()
        out.append(
            Marker(
                path.strip(),
                view.strip() or None,
                start,
                close.start(),
                text.count("\n", 0, m.start()),
            )
        )
        pos = close.end()


def materialize(text: str, render: Callable[[Marker], str]) -> str:
    """``text`` with each marker pair's content replaced by ``render(marker)`` (ending in \\n)."""
    out: list[str] = []
    pos = 0
    for marker in markers(text):
        body = render(marker)
        out.append(text[pos : marker.start])
        out.append(body if body.endswith("\n") or not body else body + "\n")
        pos = marker.end
    out.append(text[pos:])
    return "".join(out)


def marker_pair(target: str, body: str) -> str:
    """The lines of a materialized view of ``target`` holding ``body`` (Markdown)."""
    body = body if body.endswith("\n") or not body else body + "\n"
    return f"<!-- codex:view {target} -->\n{body}<!-- /codex:view -->\n"


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", "")


def _unlinked(text: str) -> str:
    """Cell text that is no link: ``[[target|label]]`` shows its label, ``[x](url)`` its text.

    A materialized table is part of its note, so a link in it would be one more link of the
    note (a backlink of every row, a place a rename rewrites): results are plain text.
    """
    return _MD_LINK.sub(r"\1", _WIKI_LINK.sub(lambda m: m.group(2) or m.group(1), text))


def _row_cells(result: Result, index: int) -> list[str]:
    row = result.rows[index]
    return [_cell(_unlinked(display(row.values.get(col.id)))) for col in result.columns]


def _summary_cells(
    result: Result, summaries: dict[str, object], names: dict[str, str]
) -> list[str]:
    return [
        _cell(f"{names[c.id]}: {display(summaries.get(c.id))}") if c.id in summaries else ""
        for c in result.columns
    ]


def markdown(result: Result, summary_names: dict[str, str]) -> str:
    """The result as Markdown: a table per group (or a list for list views), as plain text."""
    if not result.rows:
        return "_No results._\n"
    sections = (
        [(display(g.key) or "(none)", g.rows, g.summaries) for g in result.groups]
        if result.groups
        else [(None, list(range(len(result.rows))), result.summaries)]
    )
    out: list[str] = []
    for title, rows, summaries in sections:
        if title is not None:
            label = next((c.name for c in result.columns if c.id == result.group_by), None)
            label = label or (result.group_by or "").partition(".")[2]
            out.append(f"**{_cell(label)}: {_cell(_unlinked(title))}** ({len(rows)})\n\n")
        if result.type == "list":
            for i in rows:
                cells = _row_cells(result, i)
                out.append("- " + " · ".join(c for c in cells if c) + "\n")
        else:
            out.append("| " + " | ".join(_cell(c.name) for c in result.columns) + " |\n")
            out.append("|" + "---|" * len(result.columns) + "\n")
            for i in rows:
                out.append("| " + " | ".join(_row_cells(result, i)) + " |\n")
            if summaries:
                out.append(
                    "| " + " | ".join(_summary_cells(result, summaries, summary_names)) + " |\n"
                )
        out.append("\n")
    if result.total > len(result.rows):
        out.append(f"_{len(result.rows)} of {result.total} rows._\n\n")
    return "".join(out).rstrip("\n") + "\n"


def terminal_table(result: Result) -> str:
    """The result as aligned plain text for a terminal, groups as headed sections."""
    header = [c.name for c in result.columns]
    sections = (
        [(display(g.key) or "(none)", g.rows) for g in result.groups]
        if result.groups
        else [(None, list(range(len(result.rows))))]
    )
    grid = [
        [display(r.values.get(c.id)).replace("\n", " ") for c in result.columns]
        for r in result.rows
    ]
    widths = [max([len(h), *(len(row[i]) for row in grid)]) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    for title, rows in sections:
        if title is not None:
            out.append(f"[{title}] ({len(rows)})")
        out.extend(line(grid[i]) for i in rows)
    count = f"{len(result.rows)} row" + ("" if len(result.rows) == 1 else "s")
    if result.total > len(result.rows):
        count += f" of {result.total}"
    out.append(count)
    return "\n".join(out) + "\n"


def csv_text(result: Result) -> str:
    """The result as CSV: a ``path`` column, then the view's columns (headers are their ids)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["path", *(c.id for c in result.columns)])
    for row in result.rows:
        writer.writerow([row.path, *(display(row.values.get(c.id)) for c in result.columns)])
    return buf.getvalue()
