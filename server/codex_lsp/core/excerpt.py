"""The text around a place in a note, as a connections panel shows it (one trimmed line)."""

from __future__ import annotations

from .textpos import utf16_offset

CONTEXT_WIDTH = 160
ELLIPSIS = "…"


def line_context(line: str, start: int, end: int, width: int = CONTEXT_WIDTH) -> str:
    """``line`` with surrounding white space removed, cut to about ``width`` characters around
    the span between UTF-16 columns ``start`` and ``end`` (the span is kept whole when it
    fits), with ``…`` where text was cut off."""
    text = line.rstrip("\r\n")
    lo = utf16_offset(text, start)
    hi = max(lo, utf16_offset(text, end))
    stripped = text.strip()
    if len(stripped) <= width:
        return stripped
    # Centre the window on the span, then slide it back inside the line.
    span = hi - lo
    room = max(width - span, 0)
    first = max(lo - room // 2, 0)
    last = min(first + max(width, span), len(text))
    first = max(min(first, last - width), 0)
    piece = text[first:last].strip()
    prefix = ELLIPSIS if text[:first].strip() else ""
    suffix = ELLIPSIS if text[last:].strip() else ""
    return f"{prefix}{piece}{suffix}"
