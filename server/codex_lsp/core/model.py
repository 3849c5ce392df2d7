"""Plain data produced by the parser and consumed by every other layer.

Positions follow the Language Server Protocol: 0-based lines and UTF-16 code-unit columns.
Everything here is immutable plain data: no I/O, no SQLite, no pygls. What the parser makes
by the thousand (positions, ranges, links, headings, tags...) are named tuples: as immutable
as frozen dataclasses and several times cheaper to create.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple


class Position(NamedTuple):
    """A 0-based line and UTF-16 column."""

    line: int
    character: int


class Range(NamedTuple):
    """A half-open span between two positions."""

    start: Position
    end: Position

    @staticmethod
    def of(line: int, start: int, end_line: int, end: int) -> Range:
        """Build a range from four integers."""
        return Range(Position(line, start), Position(end_line, end))

    def contains(self, pos: Position) -> bool:
        """True when ``pos`` lies inside the range (end inclusive, as cursors sit after text)."""
        return self.start <= pos <= self.end


class Severity(str, Enum):
    """How serious a problem is (maps onto LSP diagnostic severities)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    HINT = "hint"


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in a file, found while parsing or checking it."""

    code: str
    message: str
    range: Range
    severity: Severity = Severity.ERROR
    related: tuple[str, ...] = ()


class LinkKind(str, Enum):
    """The syntax a link was written in."""

    WIKI = "wiki"
    EMBED = "embed"
    MARKDOWN = "markdown"
    MARKDOWN_EMBED = "markdown-embed"
    FRONTMATTER = "frontmatter"

    @property
    def is_markdown(self) -> bool:
        """True for ``[text](path)`` and ``![alt](path)``, whose paths are relative."""
        return self in (LinkKind.MARKDOWN, LinkKind.MARKDOWN_EMBED)


class Link(NamedTuple):
    """A link as written in a note.

    ``target`` is the path or name part (empty for a same-note anchor such as ``[[#Heading]]``),
    ``anchor`` the heading text or block id after ``#`` (without ``^``), ``is_block`` whether the
    anchor names a block, ``label`` the display text, ``range`` the whole link and
    ``target_range`` the target-and-anchor text inside it.
    """

    kind: LinkKind
    target: str
    anchor: str | None
    is_block: bool
    label: str | None
    range: Range
    target_range: Range


class Heading(NamedTuple):
    """An ATX or setext heading."""

    level: int
    text: str
    slug: str
    range: Range


class Block(NamedTuple):
    """A block id (``^id``) at the end of a paragraph or list item."""

    id: str
    range: Range


class TagSource(str, Enum):
    """Where a tag was written."""

    FRONTMATTER = "frontmatter"
    INLINE = "inline"


class TagOccurrence(NamedTuple):
    """One place a tag is written; ``name`` has no leading ``#``."""

    name: str
    source: TagSource
    range: Range


class FrontmatterField(NamedTuple):
    """A top-level frontmatter key with the ranges of its key and value."""

    key: str
    key_range: Range
    value_range: Range


FieldSpan = tuple[str, int, int, int, int]
"""A top-level frontmatter key: its name, then the start and end offsets of key and value."""


Cols = tuple[int, int, int, int]
"""A range as four integers: start line, start column, end line, end column."""
LinkRow = tuple[
    str, str, str | None, int, str | None, int, int, int, int, int, int, int, int, str, str | None
]
"""A :class:`Link` as plain values: the kind's value, target, anchor, 1 for a block anchor
(else 0), label, the range and the target range as :data:`Cols`, then the look-up keys
(``resolve.lookup_key``) of the target ("" for none) and of a wiki link's label, which may
name the target (Dendron order; None for none)."""
HeadingRow = tuple[int, str, str, int, int, int, int]
"""A :class:`Heading` as plain values: level, text, slug and the range as :data:`Cols`."""
TagRow = tuple[str, str, int, int, int, int]
"""A :class:`TagOccurrence` as plain values: name, the source's value, the range."""
BlockRow = tuple[str, int, int, int, int]
"""A :class:`Block` as plain values: id and range."""


@dataclass(slots=True)
class NoteRows:
    """What the parser finds in a note, in the plain form the index stores: every range as
    four integers, every kind as its value (``parser.note_rows``).

    The tokens of :class:`ParsedNote` without one object per range, position or token, which
    the index workers would only take apart again.
    """

    title: str
    frontmatter: dict[str, Any] | None
    frontmatter_end_line: int | None
    """The line the frontmatter block ends on (None without frontmatter)."""
    aliases: list[str]
    tags: list[TagRow]
    headings: list[HeadingRow]
    blocks: list[BlockRow]
    links: list[LinkRow]
    problems: list[Problem]
    body: str

    @property
    def tag_names(self) -> list[str]:
        """Distinct tag names in order of first appearance."""
        return list(dict.fromkeys(tag[0] for tag in self.tags))


@dataclass(slots=True)
class ParsedNote:
    """Everything the parser extracts from one note's text."""

    title: str
    frontmatter: dict[str, Any] | None
    frontmatter_range: Range | None
    field_spans: list[FieldSpan] = field(default_factory=list)
    """Top-level frontmatter keys as offsets in the text; ``fields`` gives them as ranges."""
    ranger: Callable[[int, int], Range] | None = None
    """The range between two offsets of the text (the parser's line index), for ``fields``."""
    aliases: list[str] = field(default_factory=list)
    tags: list[TagOccurrence] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    body: str = ""
    title_heading: Heading | None = None
    """The level-1 heading that opens the note (its title when frontmatter has none)."""

    @property
    def fields(self) -> list[FrontmatterField]:
        """Top-level frontmatter keys with the ranges of their key and value.

        Made when asked: the indexer never needs them, and they are a tenth of its ranges.
        """
        to_range = self.ranger
        if to_range is None:
            return []
        return [
            FrontmatterField(key, to_range(key_start, key_end), to_range(start, end))
            for key, key_start, key_end, start, end in self.field_spans
        ]

    @property
    def tag_names(self) -> list[str]:
        """Distinct tag names in order of first appearance."""
        return list(dict.fromkeys(t.name for t in self.tags))
