"""Inline views: fenced ```` ```base ```` and ```` ```codex-view ```` blocks inside a note."""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPEN = re.compile(r"^([ \t]{0,3})(`{3,}|~{3,})[ \t]*(base|codex-view)[ \t]*\r?$")
INLINE_LANGUAGES = ("base", "codex-view")


@dataclass(frozen=True, slots=True)
class InlineBlock:
    """One inline view: its body text, where the body starts (offset), its fence line (0-based)."""

    body: str
    start: int
    line: int
    index: int


def inline_blocks(text: str) -> list[InlineBlock]:
    """The inline view blocks of a note, in order (an unclosed block runs to the end)."""
    out: list[InlineBlock] = []
    if "base" not in text and "codex-view" not in text:
        return out
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    i = 0
    fence: str | None = None
    while i < len(lines):
        line = lines[i]
        m = _OPEN.match(line)
        if fence is None and m is not None:
            marker = m.group(2)
            j = i + 1
            while j < len(lines):
                stripped = lines[j].strip()
                if stripped.startswith(marker[0] * len(marker)) and set(stripped) == {marker[0]}:
                    break
                j += 1
            start = offsets[i + 1] if i + 1 < len(lines) else len(text)
            end = offsets[j] if j < len(lines) else len(text)
            out.append(InlineBlock(text[start:end], start, i, len(out)))
            i = j + 1
            continue
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            mark = stripped[:3]
            if fence is None:
                fence = mark
            elif fence == mark and set(stripped) == {mark[0]}:
                fence = None
        i += 1
    return out


def block_above(blocks: list[InlineBlock], offset: int) -> InlineBlock | None:
    """The last of ``blocks`` that starts before ``offset``: the block that a materialized
    ``inline`` marker at ``offset`` shows."""
    found = None
    for block in blocks:
        if block.start >= offset:
            break
        found = block
    return found


def block_end(text: str, block: InlineBlock) -> int | None:
    """The offset just after ``block``'s closing fence line (the end of ``text`` when that
    line is the last), or None when the block is not closed (it runs to the end)."""
    close = block.start + len(block.body)
    if close >= len(text):
        return None
    newline = text.find("\n", close)
    return len(text) if newline < 0 else newline + 1
