"""Blank out the parts of a Markdown text where links and tags do not count.

Code (fenced, indented and inline), HTML comments and Obsidian ``%%comments%%`` are replaced
by spaces, newlines kept, so that offsets in the masked text equal offsets in the original.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from .syntax import WIKI_LINK

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# The marks of a fence, and a line that opens or closes one with its rest: the quick path of
# code_block_spans looks for the marks, then reads their lines. One pattern a mark: the regex
# engine skips ahead to a pattern's literal, and tries an alternation at every character.
_BACKTICK_MARK = re.compile("```")
_TILDE_MARK = re.compile("~~~")
_FENCE_AT = re.compile(r" {0,3}(`{3,}|~{3,})([^\n]*)")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
_BACKTICKS = re.compile(r"`+")
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_PERCENTS = re.compile("%%")  # a pattern finds a string sooner than ``in`` does
_NEWLINE_INDENT = re.compile("\n    ")
_PERCENT_COMMENT = re.compile(r"%%.*?(?:%%|\Z)", re.DOTALL)
_BLANK_LINE = re.compile(r"\n[ \t]*\r?\n")
# An HTML tag with its attributes. Nothing in it, quoted or not, may be a "<" or (quoted) a
# line break: a tag never written to its end costs the text up to the next "<", read once.
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:[^<>\"']|\"[^\"<\n]*\"|'[^'<\n]*')*>")
# CommonMark HTML blocks: raw text ones (type 1) run to their closing tag; the others
# (type 6, block-level tags) to the next blank line.
_RAW_HTML_BLOCK = re.compile(
    r"^ {0,3}<(script|pre|style|textarea)(?=[\s>]|$).*?(?:</\1>|\Z)",
    re.IGNORECASE | re.MULTILINE | re.DOTALL,
)
_HTML_BLOCK = re.compile(
    r"^ {0,3}</?(?:address|article|aside|blockquote|body|center|details|dialog|div|dl"
    r"|fieldset|figcaption|figure|footer|form|h[1-6]|header|hr|html|iframe|li|main|nav|ol|p"
    r"|section|summary|table|tbody|td|tfoot|th|thead|tr|ul)(?=[\s/>]|$)[^\n]*"
    r"(?:\n(?![ \t]*\r?(?:\n|\Z))[^\n]*)*",
    re.IGNORECASE | re.MULTILINE,
)


def blank(segment: str) -> str:
    """Replace every character but newlines with a space."""
    if "\n" not in segment:
        return " " * len(segment)
    if segment.isascii():  # one pass in C: ASCII text translates through a table
        return segment.translate(_ASCII_BLANKS)
    return "\n".join(" " * len(line) for line in segment.split("\n"))


_ASCII_BLANKS = {code: " " for code in range(128) if code != ord("\n")}


def code_block_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of fenced and indented code blocks in ``text``."""
    if _only_newlines(text) and not _has_indented_line(text):
        return _fenced_spans(text)  # no line is indented: only fences make code blocks
    spans: list[tuple[int, int]] = []
    offset = 0
    fence: str | None = None
    fence_start = 0
    prev_blank = True
    prev_context_list = False
    indented_start: int | None = None
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        if fence is not None:
            close = _FENCE.match(stripped)
            if (
                close
                and close.group(1)[0] == fence[0]
                and len(close.group(1)) >= len(fence)
                and not stripped[close.end() :].strip()
            ):
                spans.append((fence_start, offset + len(stripped)))
                fence = None
                # A closed fence ends its block: no paragraph goes on, so (as after a blank
                # line) an indented line next starts an indented code block (CommonMark).
                prev_blank = True
            offset += len(line)
            continue
        is_blank = not stripped.strip()
        is_indented = stripped.startswith(("    ", "\t"))
        if indented_start is not None and not is_blank and not is_indented:
            spans.append((indented_start, offset))
            indented_start = None
        opening = _FENCE.match(stripped)
        if opening and not (opening.group(1)[0] == "`" and "`" in stripped[opening.end() :]):
            fence = opening.group(1)
            fence_start = offset
        elif is_indented and indented_start is None and prev_blank and not prev_context_list:
            indented_start = offset
        if not is_blank:
            if indented_start is None:
                prev_context_list = bool(_LIST_ITEM.match(stripped)) or (
                    prev_context_list and stripped[:1] in (" ", "\t")
                )
            prev_blank = False
        else:
            prev_blank = True
        offset += len(line)
    if fence is not None:
        spans.append((fence_start, len(text)))
    if indented_start is not None:
        spans.append((indented_start, len(text)))
    return spans


def _fenced_spans(text: str) -> list[tuple[int, int]]:
    """:func:`code_block_spans` of a text whose lines all end with "\\n" and none of which is
    indented: only fences can open a block, so only the lines with a fence's mark are read.
    """
    spans: list[tuple[int, int]] = []
    fence: str | None = None
    fence_start = line_end = 0
    for found in _fence_marks(text):
        if found < line_end:
            continue  # a line is read once, from its first mark
        line_start = text.rfind("\n", 0, found) + 1
        line_end = text.find("\n", found)
        if line_end == -1:
            line_end = len(text)
        line = _FENCE_AT.match(text, line_start, line_end)
        if line is None:
            continue
        run, rest = line.group(1), line.group(2)
        if fence is not None:
            if run[0] == fence[0] and len(run) >= len(fence) and not rest.strip():
                spans.append((fence_start, line_end))
                fence = None
        elif not (run[0] == "`" and "`" in rest):
            fence, fence_start = run, line_start
    if fence is not None:
        spans.append((fence_start, len(text)))
    return spans


def _fence_marks(text: str) -> list[int]:
    """Where the marks of fences (``` and ~~~, which never overlap) start, in order."""
    marks = [mark.start() for mark in _BACKTICK_MARK.finditer(text)] if "`" in text else []
    if "~" in text:
        tildes = [mark.start() for mark in _TILDE_MARK.finditer(text)]
        if tildes:
            marks = sorted(marks + tildes)
    return marks


def _only_newlines(text: str) -> bool:
    """True when "\\n" is the only line break of ``text`` that ``str.splitlines`` knows."""
    if any(mark in text for mark in "\r\x0b\x0c\x1c\x1d\x1e"):
        return False
    return text.isascii() or not any(mark in text for mark in "\x85\u2028\u2029")


def _mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for start, end in sorted(spans):
        if start < last:
            start = last
        if end <= start:
            continue
        parts.append(text[last:start])
        parts.append(blank(text[start:end]))
        last = end
    parts.append(text[last:])
    return "".join(parts)


def _blank_match(match: re.Match[str]) -> str:
    return blank(match.group(0))


def _mask_pattern(text: str, pattern: re.Pattern[str], needle: str) -> str:
    if needle not in text:
        return text
    return pattern.sub(lambda m: blank(m.group(0)), text)


def inline_code_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of inline code spans: a run of backticks up to the next run of the same length.

    As in CommonMark, a run with no run of its length after it is plain text, and the search
    goes on after it; a span may not cross a blank line (the paragraph ends there), and is then
    not code, its closing run used up. Each run is looked at once: linear in the text.
    """
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    following: list[int | None] = [None] * len(runs)  # the next run of the same length
    last_of_length: dict[int, int] = {}
    for number in range(len(runs) - 1, -1, -1):
        start, end = runs[number]
        following[number] = last_of_length.get(end - start)
        last_of_length[end - start] = number
    spans: list[tuple[int, int]] = []
    number = 0
    while number < len(runs):
        closing = following[number]
        if closing is None:
            number += 1
            continue
        (start, inner_start), (inner_end, end) = runs[number], runs[closing]
        if not _BLANK_LINE.search(text, inner_start, inner_end):
            spans.append((start, end))
        number = closing + 1
    return spans


def mask_markdown(text: str) -> str:
    """Return ``text`` with code, HTML comments and ``%%`` comments blanked out."""
    if _only_newlines(text) and not _has_indented_line(text):
        masked = _mask_spans(text, _fenced_spans(text))  # only fences can make code blocks
    else:
        masked = _mask_spans(text, code_block_spans(text)) if _may_hold_code(text) else text
    if "`" in masked:
        spans = inline_code_spans(masked)
        if "[[" in masked:
            spans = _outside_wiki_links(masked, spans)
        masked = _mask_spans(masked, spans)
    return mask_comments(masked)


def _has_indented_line(text: str) -> bool:
    """True when a line of ``text`` starts with a tab or four spaces (lines end with "\\n").

    A tab is rare, and a single character is found faster than a string of them.
    """
    return (
        text.startswith(("    ", "\t"))
        or ("\t" in text and "\n\t" in text)
        or _NEWLINE_INDENT.search(text) is not None
    )


def _may_hold_code(text: str) -> bool:
    """False when ``text`` has no fence mark and no indented line: it holds no code block.

    Cheap tests first: a single character is found faster than a string of them.
    """
    return (
        ("`" in text and "```" in text)
        or ("~" in text and "~~~" in text)
        or "\t" in text
        or text.startswith("    ")
        or _NEWLINE_INDENT.search(text) is not None
        or (not _only_newlines(text) and "    " in text)
    )


def _outside_wiki_links(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The code ``spans`` that are not inside the brackets of a wiki link.

    Inline code in a link is part of it (``[[#`move`|move]]`` names the heading
    ``### `move` ``), as in Obsidian; a link that starts inside code is code.
    """
    starts = [start for start, _ in spans]

    def in_code(offset: int) -> bool:
        number = bisect_right(starts, offset) - 1
        return number >= 0 and spans[number][0] <= offset < spans[number][1]

    links = [(m.start(), m.end()) for m in WIKI_LINK.finditer(text) if "`" in m.group(1)]
    links = [(start, end) for start, end in links if not in_code(start)]
    if not links:
        return spans
    link_starts = [start for start, _ in links]
    kept: list[tuple[int, int]] = []
    for start, end in spans:
        number = bisect_right(link_starts, start) - 1
        if number < 0 or end > links[number][1]:
            kept.append((start, end))
    return kept


def mask_comments(text: str) -> str:
    """Return ``text`` with HTML comments and ``%%`` comments blanked out."""
    masked = _mask_pattern(text, _HTML_COMMENT, "<!--") if "<" in text else text
    return _PERCENT_COMMENT.sub(_blank_match, masked) if _PERCENTS.search(masked) else masked


def mask_html(text: str) -> str:
    """Return ``text`` with HTML blocks and HTML tags (their attributes too) blanked out.

    What the tag reader skips: ``<span style="color: #ccc">`` or ``#1a1a1a`` inside a
    ``<div>`` block is CSS, not a tag.
    """
    if "<" not in text:
        return text
    masked = _mask_pattern(text, _RAW_HTML_BLOCK, "<")
    masked = _mask_pattern(masked, _HTML_BLOCK, "<")
    return _mask_pattern(masked, _HTML_TAG, "<")
