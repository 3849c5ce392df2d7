"""Extract and inline, the pure half (rules in docs/linking.md, "Extract and inline").

Extract moves a selection, or a heading's whole section, to a new note and leaves a link (or
an embed) in its place; links into what moved are pointed at the new note. Inline is the
reverse for an embed: the embedded note or section replaces it, heading levels adjusted.
Offsets are into the note's text; headings and blocks come from its parse.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .anchors import HeadingKey, anchor_of, heading_path
from .masking import mask_markdown
from .model import Heading, ParsedNote
from .syntax import ATX_HEADING, plain_text
from .textpos import LineIndex

MAX_TITLE = 80
"""A title taken from a line is cut at a word before this many characters."""
_UNSAFE = re.compile(r'[\\/:*?"<>|#^\[\]]+')
_SPACES = re.compile(r"\s+")
_BLOCK_ID = re.compile(r"\s\^[A-Za-z0-9-]+$")
_ATX_LINE = re.compile(r"^( {0,3})(#{1,6})(?=[ \t]|$)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class ExtractPlan:
    """What an extraction moves: ``[start, end)`` of the source text, the new note's title
    and the text appended below its template, which headings and blocks moved (by index
    into the note's headings, and by id), and the heading whose section moved (if any)."""

    start: int
    end: int
    title: str
    body: str
    moved_headings: frozenset[int]
    moved_blocks: frozenset[str]
    top: int | None


def section_end(text: str, headings: Sequence[Heading], number: int, index: LineIndex) -> int:
    """Offset where the section of heading ``number`` ends: the next heading of its level or
    higher, else the end of the text."""
    level = headings[number].level
    for later in headings[number + 1 :]:
        if later.level <= level:
            return index.offset(later.range.start)
    return len(text)


def title_of(line: str) -> str:
    """A note title from a line of Markdown: its plain text without its block id and the
    characters a file name or a link cannot hold, cut at a word boundary."""
    line = _BLOCK_ID.sub("", line.strip())
    text = plain_text(ATX_HEADING.sub(lambda m: m.group(2) or "", line))
    text = text.lstrip("-*+> \t").strip()
    text = _SPACES.sub(" ", _UNSAFE.sub(" ", text)).strip(" .")
    if len(text) > MAX_TITLE:
        text = text[:MAX_TITLE].rsplit(" ", 1)[0]
    return text


def shift_headings(text: str, delta: int) -> str:
    """``text`` with every ATX heading (outside code) moved ``delta`` levels, kept in 1-6."""
    if delta == 0 or "#" not in text:
        return text
    masked = mask_markdown(text)
    pieces: list[str] = []
    last = 0
    for found in _ATX_LINE.finditer(masked):
        level = min(6, max(1, len(found.group(2)) + delta))
        pieces.append(text[last : found.start(2)] + "#" * level)
        last = found.end(2)
    pieces.append(text[last:])
    return "".join(pieces)


def plan_section(text: str, note: ParsedNote, number: int, index: LineIndex) -> ExtractPlan | None:
    """Extract heading ``number`` with its section: the heading becomes the new note's title
    (the template writes it), what is under it its body, one level up per level below 1."""
    heading = note.headings[number]
    start = index.offset(heading.range.start)
    end = section_end(text, note.headings, number, index)
    return _plan(text, note, index, start, end, number)


def plan_selection(
    text: str, note: ParsedNote, start: int, end: int, index: LineIndex
) -> ExtractPlan | None:
    """Extract ``[start, end)``: titled by its first heading when it opens with one (then
    as a section), else by its first line. None when the selection holds no whole line (a
    word or a link is not worth a note, and a quick fix's range must not offer one)."""
    chosen = text[start:end].strip()
    if not chosen:
        return None
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    whole_line = text[line_start : len(text) if line_end == -1 else line_end].strip()
    if "\n" not in chosen and chosen != whole_line:
        return None
    opening = next(
        (
            n
            for n, h in enumerate(note.headings)
            if index.offset(h.range.start) == start + _leading_blank(text[start:end])
        ),
        None,
    )
    return _plan(text, note, index, start, end, opening)


def _leading_blank(text: str) -> int:
    return len(text) - len(text.lstrip())


def _plan(
    text: str, note: ParsedNote, index: LineIndex, start: int, end: int, top: int | None
) -> ExtractPlan | None:
    end = start + len(text[start:end].rstrip())  # blank lines after it stay where they are
    moved = frozenset(
        n for n, h in enumerate(note.headings) if start <= index.offset(h.range.start) < end
    )
    blocks = frozenset(b.id for b in note.blocks if start <= index.offset(b.range.start) < end)
    chosen = text[start:end]
    if top is not None:
        heading = note.headings[top]
        after_heading = index.offset(heading.range.end)
        title = title_of(heading.text)
        body = shift_headings(text[after_heading:end].lstrip("\r\n"), 1 - heading.level)
    else:
        first = next((line for line in chosen.splitlines() if line.strip()), "")
        title = title_of(first)
        body = chosen
    if not title:
        return None
    body = body.rstrip() + "\n" if body.strip() else ""
    return ExtractPlan(start, end, title, body, moved, blocks, top)


def retarget(
    anchor: str | None,
    is_block: bool,
    headings: Sequence[HeadingKey],
    plan: ExtractPlan,
) -> str | None:
    """The anchor a link into the source note gets when it leads into what moved (``""``:
    the new note itself); None when it leads elsewhere and keeps its target."""
    if not anchor:
        return None
    if is_block:
        return f"^{anchor}" if anchor in plan.moved_blocks else None
    read = anchor_of(anchor, False)
    if read.range_end is not None:
        return None  # a Dendron range may run out of the moved part: left as written
    path = heading_path(headings, read)
    if not path or path[-1] not in plan.moved_headings:
        return None
    if plan.top is not None and plan.top in path:
        kept = read.start[path.index(plan.top) + 1 :]
    else:
        kept = read.start[-1:]
    return "#".join(name.text for name in kept)


def inline_text(
    text: str, note: ParsedNote, index: LineIndex, number: int | None, level: int
) -> str:
    """The text an embed of ``note`` (heading ``number``, or the whole body when None) is
    replaced by, its headings moved so the first one sits at ``level``."""
    if number is None:
        body = note.body
        top = min((h.level for h in note.headings), default=level)
    else:
        start = index.offset(note.headings[number].range.start)
        body = text[start : section_end(text, note.headings, number, index)]
        top = note.headings[number].level
    return shift_headings(body.strip("\r\n"), level - top) + "\n"


def level_at(headings: Sequence[Heading], line: int) -> int:
    """The heading level an embed on ``line`` should start at: one below the heading whose
    section holds the line (1 outside any section)."""
    above = [h for h in headings if h.range.start.line < line]
    return min(6, above[-1].level + 1) if above else 1
