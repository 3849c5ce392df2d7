"""Conversion between string offsets and LSP positions (0-based line, UTF-16 column)."""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

from .model import Position, Range


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def utf16_offset(text: str, character: int) -> int:
    """Index in ``text`` (one line) of the UTF-16 column ``character``, clamped to its end."""
    if text.isascii():
        return min(max(character, 0), len(text))
    units = 0
    for index, char in enumerate(text):
        if units >= character:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


_new = tuple.__new__
# Characters outside the Basic Multilingual Plane take two UTF-16 code units; every other
# character takes one, so on a line without them a UTF-16 column is a character offset.
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class LineIndex:
    """Maps character offsets of one text to LSP positions and back."""

    __slots__ = ("_astral_lines", "_starts", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        # Each line starts one past the end of the one before (its length plus the "\n").
        starts = list(accumulate(map((1).__add__, map(len, text.split("\n"))), initial=0))
        starts.pop()  # where a line after the last one would start
        self._starts = starts
        self._astral_lines: frozenset[int] = (
            frozenset(bisect_right(starts, m.start()) - 1 for m in _ASTRAL.finditer(text))
            if not text.isascii() and utf16_len(text) != len(text)
            else frozenset()
        )

    @property
    def starts(self) -> list[int]:
        """The offset where each line starts (not to be changed): a caller on a hot path finds
        a line by bisection and, on a line not in :attr:`astral_lines`, its columns by
        subtraction."""
        return self._starts

    @property
    def astral_lines(self) -> frozenset[int]:
        """The lines holding characters beyond the BMP, where UTF-16 columns are not offsets."""
        return self._astral_lines

    @property
    def line_count(self) -> int:
        """Number of lines (a trailing newline starts a last, empty line)."""
        return len(self._starts)

    def line_start(self, line: int) -> int:
        """Offset of the first character of ``line``."""
        return self._starts[line]

    def line_text(self, line: int) -> str:
        """The text of ``line`` without its line break."""
        start = self._starts[line]
        end = self._starts[line + 1] - 1 if line + 1 < len(self._starts) else len(self._text)
        return self._text[start:end].rstrip("\r")

    def position(self, offset: int) -> Position:
        """LSP position of the character at ``offset``."""
        line = bisect_right(self._starts, offset) - 1
        start = self._starts[line]
        if line in self._astral_lines:
            return Position(line, utf16_len(self._text[start:offset]))
        return Position(line, offset - start)

    def range(self, start: int, end: int) -> Range:
        """LSP range covering offsets ``start`` to ``end``."""
        line, column, end_line, end_column = self.cols(start, end)
        # tuple.__new__ skips the named tuples' Python-level __new__.
        return _new(Range, (_new(Position, (line, column)), _new(Position, (end_line, end_column))))

    def cols(self, start: int, end: int) -> tuple[int, int, int, int]:
        """:meth:`range` as four integers (start line, start column, end line, end column):
        what the parser makes tens of times a note, without a range and positions."""
        if self._astral_lines:
            (line, column), (end_line, end_column) = self.position(start), self.position(end)
            return line, column, end_line, end_column
        starts = self._starts
        line = bisect_right(starts, start) - 1
        first = starts[line]
        if line + 1 == len(starts) or end < starts[line + 1]:
            return line, start - first, line, end - first
        end_line = bisect_right(starts, end) - 1
        return line, start - first, end_line, end - starts[end_line]

    def line_cols(
        self, start: int, end: int, inner_start: int, inner_end: int
    ) -> tuple[int, int, int, int, int, int, int, int]:
        """:meth:`cols` of a span that lies on one line, then of a span inside it (a wiki
        link and its target): the line is looked up once."""
        if self._astral_lines:
            return (*self.cols(start, end), *self.cols(inner_start, inner_end))
        starts = self._starts
        line = bisect_right(starts, start) - 1
        first = starts[line]
        return (
            line,
            start - first,
            line,
            end - first,
            line,
            inner_start - first,
            line,
            inner_end - first,
        )

    def offset(self, pos: Position) -> int:
        """Character offset of an LSP position, clamped to the text."""
        if pos.line >= len(self._starts):
            return len(self._text)
        line = max(pos.line, 0)
        start = self._starts[line]
        line_end = self._text.find("\n", start)
        if line_end == -1:
            line_end = len(self._text)
        if line not in self._astral_lines:
            return min(start + max(pos.character, 0), line_end)
        return start + utf16_offset(self._text[start:line_end], pos.character)
