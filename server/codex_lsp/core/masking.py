"""Blank out the parts of a Markdown text where links and tags do not count.

Code (fenced, indented and inline), HTML comments and Obsidian ``%%comments%%`` are replaced
by spaces, newlines kept, so that offsets in the masked text equal offsets in the original.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")
_INLINE_CODE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_PERCENT_COMMENT = re.compile(r"%%.*?(?:%%|\Z)", re.DOTALL)
_BLANK_LINE = re.compile(r"\n[ \t]*\r?\n")


def blank(segment: str) -> str:
    """Replace every character but newlines with a space."""
    if "\n" not in segment:
        return " " * len(segment)
    return "\n".join(" " * len(line) for line in segment.split("\n"))


def code_block_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of fenced and indented code blocks in ``text``."""
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


def _mask_pattern(text: str, pattern: re.Pattern[str], needle: str) -> str:
    if needle not in text:
        return text
    return pattern.sub(lambda m: blank(m.group(0)), text)


def _mask_inline_code(text: str) -> str:
    if "`" not in text:
        return text

    def repl(match: re.Match[str]) -> str:
        if _BLANK_LINE.search(match.group(2)):
            return match.group(0)
        return blank(match.group(0))

    return _INLINE_CODE.sub(repl, text)


def mask_markdown(text: str) -> str:
    """Return ``text`` with code, HTML comments and ``%%`` comments blanked out."""
    masked = (
        _mask_spans(text, code_block_spans(text))
        if ("```" in text or "~~~" in text or "    " in text or "\t" in text)
        else text
    )
    return mask_comments(_mask_inline_code(masked))


def mask_comments(text: str) -> str:
    """Return ``text`` with HTML comments and ``%%`` comments blanked out."""
    masked = _mask_pattern(text, _HTML_COMMENT, "<!--")
    return _mask_pattern(masked, _PERCENT_COMMENT, "%%")
