"""Parse one note's text into a :class:`ParsedNote` (pure: text in, data out)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache
from operator import itemgetter
from typing import Any

from .frontmatter import FrontmatterBlock, load_frontmatter
from .masking import blank, mask_html, mask_markdown
from .model import (
    Block,
    BlockRow,
    Heading,
    HeadingRow,
    Link,
    LinkKind,
    LinkRow,
    NoteRows,
    ParsedNote,
    Position,
    Problem,
    Range,
    Severity,
    TagOccurrence,
    TagRow,
    TagSource,
)
from .resolve import lookup_key
from .syntax import (
    ALL_DIGITS,
    ATX_HEADING,
    BLOCK_ID,
    INLINE_TAG,
    MARKDOWN_LINK,
    SETEXT_UNDERLINE,
    WIKI_LINK,
    atx_heading_text,
    clean_tag,
    decode_markdown_destination,
    is_external,
    plain_text,
    preceded_by_space,
    slugify,
    split_target,
)
from .textpos import LineIndex

MAX_FRONTMATTER_TAGS = 1000
"""Frontmatter tags read per note (each is looked for in the text of the block)."""
_LINK_START = itemgetter(5, 6)  # a link row's first line and column
_LINE = itemgetter(3)  # a heading row's first line
_WIKI, _EMBED = LinkKind.WIKI._value_, LinkKind.EMBED._value_
_MARKDOWN, _MARKDOWN_EMBED = LinkKind.MARKDOWN._value_, LinkKind.MARKDOWN_EMBED._value_
_FRONTMATTER = LinkKind.FRONTMATTER._value_
_KINDS = {kind._value_: kind for kind in LinkKind}
_FROM_FRONTMATTER, _INLINE = TagSource.FRONTMATTER._value_, TagSource.INLINE._value_
_SOURCES = {source._value_: source for source in TagSource}
# tuple.__new__ skips the named tuples' Python-level __new__: the parser makes thousands.
_new = tuple.__new__
_NON_BLANK = re.compile(r"\S")
# Quick tests of whether a pass can find anything: a pattern finds a string sooner than ``in``.
# A line of "=" or "-" after the first: a setext underline may be there (one mark is one).
_UNDERLINE_HINT = re.compile(r"\n {0,3}(?:=+|-+)[ \t]*\r?(?:\n|\Z)")
_LINK_MIDDLE = re.compile(r"\]\(")
_WIKI_OPEN = re.compile(r"\[\[")
# An ATX heading line after the first: the regex engine skips from line break to line break.
_ATX_LINE = re.compile("\n" + ATX_HEADING.pattern)
_LIST_OR_BLOCK_START = re.compile(r"^\s*(?:[-*+>]|\d+[.)]|#|\||```|~~~)")


def parse_note(text: str, stem: str) -> ParsedNote:
    """Extract title, frontmatter, aliases, tags, headings, blocks and links from ``text``.

    ``stem`` is the file name without extension, the title of last resort. Never raises on
    any input; every range lies inside ``text``.
    """
    rows, index, block, opening = _scan(text, stem)
    headings = [_heading(row) for row in rows.headings]
    return ParsedNote(
        title=rows.title,
        frontmatter=rows.frontmatter,
        frontmatter_range=index.range(block.start, block.end) if block else None,
        field_spans=block.spans if block else [],
        ranger=index.range,
        aliases=rows.aliases,
        tags=[
            _new(TagOccurrence, (name, _SOURCES[source], _range(*cols)))
            for name, source, *cols in rows.tags
        ],
        headings=headings,
        blocks=[_new(Block, (name, _range(*cols))) for name, *cols in rows.blocks],
        links=[_link(row) for row in rows.links],
        problems=rows.problems,
        body=rows.body,
        # The first heading itself: whether a rename is a note's is told by identity.
        title_heading=headings[0] if opening else None,
    )


def note_rows(text: str, stem: str) -> NoteRows:
    """What :func:`parse_note` finds in ``text``, every range as four integers: the form the
    index stores, made without a range, position or link object per token."""
    return _scan(text, stem)[0]


def _scan(
    text: str, stem: str
) -> tuple[NoteRows, LineIndex, FrontmatterBlock | None, HeadingRow | None]:
    """The note's rows, its line index, its frontmatter block and its opening heading."""
    index = LineIndex(text)
    block = load_frontmatter(text, index)
    body_start = block.end if block else 0
    # A byte order mark is not text: blank it so a first-line heading, fence or tag counts.
    source = " " + text[1:] if text.startswith("\ufeff") else text
    masked = mask_markdown(source)
    if body_start:
        masked = blank(masked[:body_start]) + masked[body_start:]
    data = block.data if block else None
    problems: list[Problem] = list(block.problems) if block else []

    headings = _headings(source, masked, index)
    links = _wiki_links(masked, index, body_start, len(masked), _WIKI)
    links.extend(_markdown_links(masked, index))
    if block is not None and "[[" in block.yaml_text:
        links.extend(_wiki_links(text, index, block.yaml_start, block.end, _FRONTMATTER))
    links.sort(key=_LINK_START)

    tags = _frontmatter_tags(data, block, text, index) + _inline_tags(masked, index)
    blocks = _blocks(masked, index)
    problems.extend(_duplicate_block_problems(blocks))

    opening = _opening_heading(headings, _first_line(source, body_start))
    rows = NoteRows(
        title=_title(data, opening, stem),
        frontmatter=data,
        frontmatter_end_line=index.position(block.end).line if block else None,
        aliases=_aliases(data),
        tags=tags,
        headings=headings,
        blocks=blocks,
        links=links,
        problems=problems,
        body=text[body_start:],
    )
    return rows, index, block, opening


def _range(line: int, column: int, end_line: int, end_column: int) -> Range:
    return _new(Range, (_new(Position, (line, column)), _new(Position, (end_line, end_column))))


def _link(row: LinkRow) -> Link:
    kind, target, anchor, is_block, label, line, column, end_line, end_column = row[:9]
    target_cols = row[9:13]
    return _new(
        Link,
        (
            _KINDS[kind],
            target,
            anchor,
            is_block == 1,
            label,
            _range(line, column, end_line, end_column),
            _range(*target_cols),
        ),
    )


def _heading(row: HeadingRow) -> Heading:
    level, text, slug, *cols = row
    return _new(Heading, (level, text, slug, _range(*cols)))


def _title(data: dict[str, Any] | None, opening: HeadingRow | None, stem: str) -> str:
    """Frontmatter ``title``, else the heading opening the body, else the file stem."""
    if data:
        title = data.get("title")
        if isinstance(title, (str, int, float)) and str(title).strip():
            return plain_text(str(title)) or stem
    if opening is not None:
        return plain_text(opening[1]) or stem
    return stem


def _opening_heading(headings: list[HeadingRow], first_line: int) -> HeadingRow | None:
    """The level-1 heading on ``first_line``; an H1 further down is a section, not a title."""
    if headings and headings[0][3] == first_line:
        heading = headings[0]
        if heading[0] == 1 and heading[1]:
            return heading
    return None


def _first_line(source: str, body_start: int) -> int:
    """Number of the first non-blank line from ``body_start`` on (-1 when there is none)."""
    found = _NON_BLANK.search(source, body_start)
    return source.count("\n", 0, found.start()) if found else -1


def _string_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, (str, int, float)) and str(v).strip()]
    return []


def _aliases(data: dict[str, Any] | None) -> list[str]:
    if not data:
        return []
    found: list[str] = []
    for key in ("aliases", "alias"):
        value = data.get(key)
        items = (
            [a for v in _string_list(value) for a in v.split(",")]
            if isinstance(value, str)
            else _string_list(value)
        )
        found.extend(a.strip() for a in items if a.strip())
    return list(dict.fromkeys(found))


def _frontmatter_tags(
    data: dict[str, Any] | None, block: FrontmatterBlock | None, text: str, index: LineIndex
) -> list[TagRow]:
    if not data or block is None:
        return []
    names: list[str] = []
    for key in ("tags", "tag"):
        value = data.get(key)
        if isinstance(value, str):
            names.extend(re.split(r"[,\s]+", value))
        else:
            names.extend(_string_list(value))
    occurrences: list[TagRow] = []
    to_cols = index.cols
    values = {key: (start, end) for key, _, _, start, end in block.spans}  # the last one wins
    for key in ("tags", "tag"):
        if key not in values:
            continue
        start, end = values[key]
        region = text[start:end]
        cursor = 0
        missing: set[str] = set()  # not written after the cursor, which only moves on
        for raw in names[:MAX_FRONTMATTER_TAGS]:
            name = clean_tag(raw)
            if name is None or name in missing:
                continue
            found = region.find(name, cursor)
            if found == -1:
                missing.add(name)  # spelt with escapes: each search reads the rest of the block
                continue
            cursor = found + len(name)
            occurrences.append(
                (name, _FROM_FRONTMATTER, *to_cols(start + found, start + found + len(name)))
            )
    return occurrences


def _inline_tags(masked: str, index: LineIndex) -> list[TagRow]:
    if "#" not in masked:
        return []
    to_cols = index.cols
    inline = _INLINE
    tags: list[TagRow] = []
    for match in INLINE_TAG.finditer(mask_html(masked)):
        start = match.start(1)  # one past the "#"
        if start > 1 and not masked[start - 2].isspace():
            continue  # only whitespace or the start of the text may come before a tag
        raw = match.group(1)
        # clean_tag's rule for a name that holds no whitespace and no "#": no trailing "/",
        # not only digits; and "#/x" is no tag, the name must follow the "#" as written.
        if raw[0] == "/":
            continue
        name = raw.rstrip("/")
        if not name or ALL_DIGITS.match(name):
            continue
        tags.append((name, inline, *to_cols(start - 1, start + len(name))))
    return tags


def _headings(source: str, masked: str, index: LineIndex) -> list[HeadingRow]:
    """Headings found in ``masked`` (so none in code), their text read from ``source``."""
    headings: list[HeadingRow] = []
    if "#" in masked:
        to_cols = index.cols
        for line_start in _heading_line_starts(masked):
            match = ATX_HEADING.match(source, line_start)  # inline code is kept here
            if match is None:
                continue  # e.g. "##`code`": blanking made it look like a heading
            rest = match.group(2)
            if rest is None or len(rest) <= _CACHED_LENGTH:
                text, slug = _atx_names(rest)
            else:
                text = _strip_block_id(atx_heading_text(rest).strip())
                slug = slugify(text)
            start, end = match.span()
            if masked[end - 1 : end] == "\r":
                end -= 1
            level = match.end(1) - match.start(1)
            headings.append((level, text, slug, *to_cols(start, end)))
    if _UNDERLINE_HINT.search(masked):
        underlined = list(_setext_headings(source, masked, index))
        if underlined:
            headings.extend(underlined)
            headings.sort(key=_LINE)
    return headings


def _heading_line_starts(masked: str) -> list[int]:
    """Offsets of the lines of ``masked`` that are ATX headings."""
    starts = [found.start() + 1 for found in _ATX_LINE.finditer(masked)]
    if masked[:4].lstrip(" ").startswith("#") and ATX_HEADING.match(masked):
        starts.insert(0, 0)
    return starts


def _setext_headings(source: str, masked: str, index: LineIndex) -> Iterable[HeadingRow]:
    """Headings underlined with ``===`` or ``---``, found from their underlines."""
    for underline in SETEXT_UNDERLINE.finditer(masked):
        if source[underline.start() : underline.end()] != underline.group():
            continue  # a line that only blanking made one: "- `code`" is a list item
        number = index.position(underline.start()).line
        if number == 0:
            continue
        start = index.line_start(number - 1)
        previous = masked[start : underline.start() - 1].rstrip("\r")
        if not previous.strip() or _LIST_OR_BLOCK_START.match(previous):
            continue
        if previous.startswith(("    ", "\t")):
            continue
        dash = underline.group(1)[0] == "-"
        if dash and number >= 2 and masked[index.line_start(number - 2) : start].strip():
            continue
        text = _strip_block_id(source[start : start + len(previous)].strip())
        yield (
            1 if underline.group(1)[0] == "=" else 2,
            text,
            slugify(text),
            *index.cols(start, start + len(previous)),
        )


def _strip_block_id(text: str) -> str:
    match = BLOCK_ID.search(text)
    if match and preceded_by_space(text, match.start()) and match.start():
        return text[: match.start()].rstrip()
    return text


def _blocks(masked: str, index: LineIndex) -> list[BlockRow]:
    if "^" not in masked:
        return []
    return [
        (m.group(1), *index.cols(m.start(), m.end(1)))
        for m in BLOCK_ID.finditer(masked)
        if preceded_by_space(masked, m.start())
    ]


def _duplicate_block_problems(blocks: list[BlockRow]) -> list[Problem]:
    seen: set[str] = set()
    problems: list[Problem] = []
    for name, *cols in blocks:
        if name in seen:
            problems.append(
                Problem(
                    "duplicate-block-id",
                    f"Block id ^{name} is defined more than once in this note",
                    _range(*cols),
                    Severity.WARNING,
                )
            )
        seen.add(name)
    return problems


def _wiki_links(source: str, index: LineIndex, start: int, end: int, kind: str) -> list[LinkRow]:
    opening = _WIKI_OPEN.search(source, start, end)
    if not opening:
        return []
    starts, astral = index.starts, index.astral_lines
    may_embed = kind == _WIKI
    links: list[LinkRow] = []
    for match in WIKI_LINK.finditer(source, opening.start(), end):
        inner = match.group(1)
        read = _wiki_inner(inner) if len(inner) <= _CACHED_LENGTH else _read_wiki_inner(inner)
        if read is None:
            continue
        path, anchor, is_block, label, target_length, path_key, label_key = read
        begin, finish = match.span()
        target_start = begin + 2
        link_kind = kind
        if may_embed and begin > start and source[begin - 1] == "!":
            link_kind = _EMBED
            begin -= 1
        # A wiki link lies on one line (its pattern takes no line break): one look-up of it,
        # then columns by subtraction, unless UTF-16 counts them otherwise on that line.
        line = bisect_right(starts, begin) - 1
        if line in astral:
            cols = index.line_cols(begin, finish, target_start, target_start + target_length)
            links.append((link_kind, path, anchor, is_block, label, *cols, path_key, label_key))
            continue
        first = starts[line]
        target_start -= first
        links.append(
            (
                link_kind,
                path,
                anchor,
                is_block,
                label,
                line,
                begin - first,
                line,
                finish - first,
                line,
                target_start,
                line,
                target_start + target_length,
                path_key,
                label_key,
            )
        )
    return links


def _read_wiki_inner(
    inner: str,
) -> tuple[str, str | None, int, str | None, int, str, str | None] | None:
    """Path, anchor, block flag, label, the length of the target text, and the look-up keys
    of the path and the label of what is between a wiki link's brackets; None when it names
    nothing."""
    target_part, bar, text = inner.partition("|")
    if target_part.endswith("\\"):
        target_part = target_part[:-1]
    path, anchor, is_block = split_target(target_part)
    if not path and anchor is None:
        return None
    label = text.strip() if bar else None
    return (
        path,
        anchor,
        int(is_block),
        label,
        len(target_part),
        lookup_key(path) if path else "",
        _label_key(label) if label else None,
    )


def _label_key(label: str) -> str | None:
    """Look-up key of a wiki link's label, which may be its target (Dendron order)."""
    path = split_target(label)[0]
    return lookup_key(path) if path else None


def _markdown_links(masked: str, index: LineIndex) -> list[LinkRow]:
    middle = _LINK_MIDDLE.search(masked)
    if not middle:
        return []
    to_cols = index.cols
    links: list[LinkRow] = []
    # A label takes no line break: no link starts before the line of the first "](".
    for match in MARKDOWN_LINK.finditer(masked, masked.rfind("\n", 0, middle.start()) + 1):
        destination = match.group("dest")
        if len(destination) <= _CACHED_LENGTH:
            target = _markdown_target(destination)
        else:
            target = _read_destination(destination)
        if target is None:
            continue
        begin = match.start()
        embed = begin > 0 and masked[begin - 1] == "!"
        dest_start, dest_end = match.span("dest")
        path, anchor, is_block, path_key = target
        links.append(
            (
                _MARKDOWN_EMBED if embed else _MARKDOWN,
                path,
                anchor,
                is_block,
                match.group("label"),
                *to_cols(begin - embed, match.end()),
                *to_cols(dest_start, dest_end),
                path_key,
                None,  # the label of a Markdown link is never its target
            )
        )
    return links


def _read_destination(destination: str) -> tuple[str, str | None, int, str] | None:
    """Path, anchor, block flag and the path's look-up key a Markdown link destination names;
    None when it names no note of the notebook (an URL, nothing)."""
    decoded = decode_markdown_destination(destination)
    if not decoded or is_external(decoded):
        return None
    path, anchor, is_block = split_target(decoded)
    if not path and anchor is None:
        return None
    return path, anchor, int(is_block), lookup_key(path) if path else ""


# Notes link to the same files and headings again and again: short names and destinations
# are read once (bounded caches; long ones are read each time and not kept).
_CACHED_LENGTH = 200
_markdown_target = lru_cache(maxsize=4096)(_read_destination)
_wiki_inner = lru_cache(maxsize=4096)(_read_wiki_inner)


@lru_cache(maxsize=4096)
def _atx_names(rest: str | None) -> tuple[str, str]:
    """Text and slug of an ATX heading from the rest of its line (``ATX_HEADING``'s group 2)."""
    text = _strip_block_id(atx_heading_text(rest).strip())
    return text, slugify(text)
