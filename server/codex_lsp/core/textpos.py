"""Conversion between string offsets and LSP positions (0-based line, UTF-16 column)."""

from __future__ import annotations

from bisect import bisect_right

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


class LineIndex:
    """Maps character offsets of one text to LSP positions and back."""

    __slots__ = ("_ascii", "_line_ascii", "_starts", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._ascii = text.isascii()
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self._starts = starts
        self._line_ascii: dict[int, bool] = {}

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
        if self._ascii or self._is_ascii_line(line):
            return Position(line, offset - start)
        return Position(line, utf16_len(self._text[start:offset]))

    def _is_ascii_line(self, line: int) -> bool:
        known = self._line_ascii.get(line)
        if known is None:
            end = self._starts[line + 1] if line + 1 < len(self._starts) else len(self._text)
            known = self._line_ascii[line] = self._text[self._starts[line] : end].isascii()
        return known

    def range(self, start: int, end: int) -> Range:
        """LSP range covering offsets ``start`` to ``end``."""
        starts = self._starts
        line = bisect_right(starts, start) - 1
        first = starts[line]
        if (line + 1 == len(starts) or end < starts[line + 1]) and (
            self._ascii or self._is_ascii_line(line)
        ):
            return Range(Position(line, start - first), Position(line, end - first))
        return Range(self.position(start), self.position(end))

    def offset(self, pos: Position) -> int:
        """Character offset of an LSP position, clamped to the text."""
        if pos.line >= len(self._starts):
            return len(self._text)
        start = self._starts[max(pos.line, 0)]
        line_end = self._text.find("\n", start)
        if line_end == -1:
            line_end = len(self._text)
        if self._ascii:
            return min(start + max(pos.character, 0), line_end)
        units = 0
        i = start
        while i < line_end and units < pos.character:
            units += 2 if ord(self._text[i]) > 0xFFFF else 1
            i += 1
        return i
