"""What a link's anchor names: the one rule for headings and blocks (docs/linking.md).

An anchor (the text after a link's first ``#``) is read once into :class:`Anchor`:

- a heading, by its text or slug (``Setup``, ``setup``), or a heading path ``A#B#C``;
- a block id, ``^id``;
- either followed by a Dendron note-reference range: an offset ``,1`` and an end ``:#end``
  (``:#*`` is the end of the note). The start decides where the link leads; the end names
  a heading or block too, so references and renames find it.

Resolution, definition, references, rename and diagnostics all match anchors here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from .syntax import slugify

HeadingKey = tuple[str, str, int]
"""What an anchor is matched with: a heading's text, slug and level."""

# A Dendron offset just before the range end (or at the end of the anchor).
_OFFSET = re.compile(r",\d+$")
_RANGE_END = ":#"
_WHOLE_NOTE = "*"


class NamedHeading(Protocol):
    """A heading as the parser or the index gives it."""

    @property
    def text(self) -> str:
        """The heading's text as written."""
        ...

    @property
    def slug(self) -> str:
        """Its GitHub-style slug."""
        ...

    @property
    def level(self) -> int:
        """1 to 6."""
        ...


def heading_keys(headings: Iterable[NamedHeading]) -> tuple[HeadingKey, ...]:
    """(text, slug, level) of each heading, in order: what anchors are matched with."""
    return tuple((h.text, h.slug, h.level) for h in headings)


@dataclass(frozen=True, slots=True)
class Name:
    """One name inside an anchor: a heading (a part of a heading path) or a block id.

    ``start`` and ``end`` are offsets into the anchor text it was read from (a block id's
    ``^`` is not part of its name).
    """

    text: str
    start: int
    end: int
    is_block: bool
    is_range_end: bool
    key: str = ""
    """``text`` lowercased."""
    slug: str = ""
    """The slug of ``text``."""


@dataclass(frozen=True, slots=True)
class Anchor:
    """An anchor read: the names of its start (a heading path or one block id) and the
    Dendron range end, if any."""

    start: tuple[Name, ...]
    range_end: Name | None

    @property
    def is_block(self) -> bool:
        """True when the start is a block id."""
        return bool(self.start) and self.start[0].is_block

    @property
    def names(self) -> tuple[Name, ...]:
        """Every name, in the order written."""
        return self.start + ((self.range_end,) if self.range_end is not None else ())


def _name(text: str, start: int, end: int, *, range_end: bool) -> Name | None:
    """The name written in ``text[start:end]`` (spaces around it left out); None if empty."""
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return None
    at = start + piece.index(stripped)
    if stripped.startswith("^"):
        block = stripped[1:].strip()
        if not block:
            return None
        at += stripped.index(block)
        return Name(block, at, at + len(block), True, range_end)
    return Name(
        stripped, at, at + len(stripped), False, range_end, stripped.lower(), slugify(stripped)
    )


@lru_cache(maxsize=4096)
def read_anchor(text: str) -> Anchor:
    """Read an anchor as written after the link's first ``#`` (a block id with its ``^``)."""
    cut = text.find(_RANGE_END)
    head = text if cut == -1 else text[:cut]
    offset = _OFFSET.search(head)
    if offset is not None:
        head = head[: offset.start()]
    range_end = None
    if cut != -1:
        found = _name(text, cut + len(_RANGE_END), len(text), range_end=True)
        if found is not None and found.text != _WHOLE_NOTE:
            range_end = found
    if head.lstrip().startswith("^"):
        block = _name(text, 0, len(head), range_end=False)
        return Anchor((block,) if block is not None else (), range_end)
    parts: list[Name] = []
    at = 0
    for piece in head.split("#"):
        found = _name(text, at, at + len(piece), range_end=False)
        if found is not None:
            parts.append(found)
        at += len(piece) + 1
    return Anchor(tuple(parts), range_end)


def block_of(anchor: Anchor) -> str | None:
    """The block id an anchor leads to; None when it leads to a heading (or nothing)."""
    return anchor.start[0].text if anchor.is_block else None


def anchor_of(anchor: str, is_block: bool) -> Anchor:
    """:func:`read_anchor` for an anchor as links store it (a block id without its ``^``)."""
    return read_anchor("^" + anchor if is_block else anchor)


def _matches(heading: HeadingKey, name: Name) -> bool:
    """True when ``name`` names ``heading``: its text or slug, case-insensitively."""
    return heading[0].lower() == name.key or heading[1] in (name.slug, name.key)


def heading_path(headings: Sequence[HeadingKey], anchor: Anchor) -> list[int]:
    """Index of the heading each part of a heading anchor's start names; empty when a part
    names none (or the anchor names a block).

    Each part matches a heading by its text or slug, case-insensitively. ``A#B`` is the first
    ``B`` inside the section of the first ``A`` (below it, before the next heading of ``A``'s
    level or higher), as in Obsidian; ``A#B#C`` goes on the same way.
    """
    if anchor.is_block:
        return []
    found: list[int] = []
    start, end, floor = 0, len(headings), 0
    for part in anchor.start:
        if found:  # the section of the part before: up to its level's next heading
            floor = headings[found[-1]][2]
            start = found[-1] + 1
            end = next((n for n in range(start, end) if headings[n][2] <= floor), end)
        key, slug = part.key, part.slug
        # Plain loops, not ``_matches``: link resolution asks this for every anchored link.
        for number in range(start, end):
            text, heading_slug, level = headings[number]
            if level > floor and (heading_slug in (slug, key) or text.lower() == key):
                found.append(number)
                break
        else:
            return []
    return found


def heading_for_anchor(headings: Sequence[HeadingKey], anchor: Anchor) -> int | None:
    """Index of the heading a heading anchor leads to (the last part of its start)."""
    path = heading_path(headings, anchor)
    return path[-1] if path else None


def range_end_heading(headings: Sequence[HeadingKey], anchor: Anchor) -> int | None:
    """Index of the heading a Dendron range ends at: the first heading after the start that
    the end names; None without a heading end or when the start leads nowhere."""
    end = anchor.range_end
    if end is None or end.is_block:
        return None
    path = heading_path(headings, anchor)
    first = path[-1] + 1 if path else None
    if first is None and anchor.is_block:
        first = 0  # a block start: any heading of the note
    if first is None:
        return None
    return next((n for n in range(first, len(headings)) if _matches(headings[n], end)), None)


def leads_to(headings: Sequence[HeadingKey], blocks: Collection[str], anchor: Anchor) -> int | None:
    """Index of the heading (or 0 for a block) the anchor leads to; None if absent."""
    if anchor.is_block:
        return 0 if anchor.start[0].text in blocks else None
    return heading_for_anchor(headings, anchor)


def names_of_heading(headings: Sequence[HeadingKey], anchor: Anchor, number: int) -> list[Name]:
    """The names in ``anchor`` that name heading ``number``: a part of its heading path (a
    path names its parents too) and the range end."""
    found = [
        anchor.start[n] for n, index in enumerate(heading_path(headings, anchor)) if index == number
    ]
    end = anchor.range_end
    if end is not None and range_end_heading(headings, anchor) == number:
        found.append(end)
    return found


def names_of_block(anchor: Anchor, block_id: str) -> list[Name]:
    """The names in ``anchor`` that name block ``block_id`` (the start, the range end)."""
    return [name for name in anchor.names if name.is_block and name.text == block_id]
