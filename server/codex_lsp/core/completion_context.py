"""What kind of completion the text before the cursor asks for (pure text analysis)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from .textpos import utf16_len, utf16_offset

_TAG_BEFORE = re.compile(r"(?:^|\s)#([^\s#\[\]()]*)$")
_FM_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:")
_FM_LIST_ITEM = re.compile(r"^\s*-\s*([^\s,\[\]]*)$")
_FM_INLINE = re.compile(r"^[A-Za-z_][\w-]*\s*:\s*(?:\[)?(?:[^\]]*,\s*)?([^\s,\[\]]*)$")


class CompletionKind(str, Enum):
    """What is being completed."""

    NOTE = "note"
    HEADING = "heading"
    BLOCK = "block"
    TAG = "tag"
    PATH = "path"


@dataclass(frozen=True, slots=True)
class CompletionContext:
    """The completion asked for: ``query`` typed so far, replaced from column ``start``."""

    kind: CompletionKind
    query: str
    start: int
    target: str = ""
    closed: bool = False
    in_frontmatter: bool = False
    embed: bool = False  # ``![[`` or ``![...](``: what is chosen is shown in the note


def completion_context(
    lines: list[str], line: int, character: int, frontmatter_end: int | None
) -> CompletionContext | None:
    """The completion context at (``line``, UTF-16 ``character``); None if nothing applies.

    ``frontmatter_end`` is the line of the closing ``---`` when the note has frontmatter.
    """
    if line >= len(lines):
        return None
    text = lines[line].rstrip("\r\n")
    cut = utf16_offset(text, character)
    before, after = text[:cut], text[cut:]
    if frontmatter_end is not None and 0 < line < frontmatter_end:
        return _frontmatter_context(lines, line, before, after)
    return _wiki_context(before, after) or _path_context(before) or _tag_context(before)


def _wiki_context(before: str, after: str) -> CompletionContext | None:
    opening = before.rfind("[[")
    if opening == -1 or "]]" in before[opening:]:
        return None
    inner = before[opening + 2 :]
    if "|" in inner:
        return None
    closed = after.startswith("]]") or (
        "]]" in after
        and "[[" not in after[: after.find("]]")]
        and "\n" not in after[: after.find("]]")]
        and "|" not in after[: after.find("]]")]
        and " " not in after[: after.find("]]")]
    )
    target, hash_sign, anchor = inner.partition("#")
    if not hash_sign:
        embed = before[opening - 1 : opening] == "!"
        return CompletionContext(
            CompletionKind.NOTE, inner, utf16_len(before[: opening + 2]), closed=closed, embed=embed
        )
    anchor_start = opening + 2 + len(target) + 1
    if anchor.startswith("^"):
        return CompletionContext(
            CompletionKind.BLOCK,
            anchor[1:],
            utf16_len(before[: anchor_start + 1]),
            target.strip(),
            closed,
        )
    return CompletionContext(
        CompletionKind.HEADING, anchor, utf16_len(before[:anchor_start]), target.strip(), closed
    )


def _path_context(before: str) -> CompletionContext | None:
    opening = before.rfind("](")
    if opening == -1 or ")" in before[opening:] or " " in before[opening + 2 :]:
        return None
    query = before[opening + 2 :]
    label = before.rfind("[", 0, opening)
    embed = label > 0 and before[label - 1] == "!"
    return CompletionContext(
        CompletionKind.PATH, query, utf16_len(before[: opening + 2]), embed=embed
    )


def _tag_context(before: str) -> CompletionContext | None:
    found = _TAG_BEFORE.search(before)
    if found is None:
        return None
    return CompletionContext(
        CompletionKind.TAG, found.group(1), utf16_len(before[: found.start(1)])
    )


def _frontmatter_context(
    lines: list[str], line: int, before: str, after: str
) -> CompletionContext | None:
    wiki = _wiki_context(before, after)
    if wiki is not None:
        return wiki
    key = None
    for number in range(line, 0, -1):
        found = _FM_KEY.match(lines[number])
        if found:
            key = found.group(1)
            break
    if key not in ("tags", "tag"):
        return None
    item = _FM_LIST_ITEM.match(before) if number != line else _FM_INLINE.match(before)
    if item is None:
        return None
    query = item.group(1).lstrip("#")
    start = utf16_len(before[: len(before) - len(query)])
    return CompletionContext(CompletionKind.TAG, query, start, in_frontmatter=True)
