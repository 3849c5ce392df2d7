"""Fuzzy matching for completion and symbol search: subsequence match with a score."""

from __future__ import annotations

import heapq
import re
from array import array
from bisect import bisect_left, bisect_right
from operator import methodcaller

# Score bands, best first. Within a band, shorter candidates (and earlier matches) win.
EXACT = 100_000
PREFIX = 50_000
WORD_START = 30_000  # the query as a substring that starts a word
INSIDE = 20_000  # the query as a substring anywhere else
SUBSEQUENCE = 10_000  # the query's characters in order, with gaps
_RUN_BONUS = 15  # a character right after the previous match
_BOUNDARY_BONUS = 10  # a character at the start of a word


def fuzzy_score(query: str, candidate: str) -> int | None:
    """Score how well ``query`` matches ``candidate`` (higher is better); None if it does not.

    Every query character must appear in order (case-insensitive). Exact and prefix matches
    score highest, then matches at word starts and runs of consecutive characters; shorter
    candidates win ties.
    """
    if not query:
        return _nothing_typed(len(candidate))
    q = query.lower()
    c = candidate.lower()
    if c == q:
        return EXACT
    if c.startswith(q):
        return PREFIX - len(c)
    found = c.find(q)
    if found != -1:
        boundary = found == 0 or not c[found - 1].isalnum()
        return (WORD_START if boundary else INSIDE) - found * 10 - len(c)
    return _subsequence_score(q, c)


def _nothing_typed(length: int) -> int:
    """The score of any candidate ``length`` characters long for an empty query: shorter
    first."""
    return 1000 - min(length, 999)


def _subsequence_score(q: str, c: str) -> int | None:
    """The score of lowered ``c`` for lowered ``q`` when ``q`` is not a substring of it."""
    score = 0
    position = 0
    previous = -2
    for char in q:
        index = c.find(char, position)
        if index == -1:
            return None
        if index == previous + 1:
            score += _RUN_BONUS
        if index == 0 or not c[index - 1].isalnum():
            score += _BOUNDARY_BONUS
        score -= index - position
        previous = index
        position = index + 1
    return SUBSEQUENCE + score - len(c)


def _subsequence_ceiling(query_length: int, length: int) -> int:
    """A score no subsequence-only match of a query this long in a text this long reaches:
    every character at a word start, each after the previous, nothing skipped."""
    return SUBSEQUENCE + _BOUNDARY_BONUS * query_length + _RUN_BONUS * (query_length - 1) - length


def _subsequence_pattern(q: str) -> re.Pattern[str]:
    """One match per line holding the characters of ``q`` in order; group 1 ends just after
    the last of them.

    The first character is a literal, so the regex engine jumps between its occurrences; the
    trailing ``[^\n]*`` consumes the rest of the line. Each next character is its first
    occurrence (a run of anything else, then it), as :func:`fuzzy_score` picks them: taking
    the earliest is never wrong for "in order", and backtracking into such a run finds
    nothing, where a lazy ``.*?`` would try every way to pick the characters.
    """
    return re.compile(
        "("
        + re.escape(q[0])
        + "".join(f"[^\n{re.escape(ch)}]*{re.escape(ch)}" for ch in q[1:])
        + ")[^\n]*"
    )


# The span of a match's first group, called from C.
_first_span = methodcaller("span", 1)


class _Best:
    """The best ``limit`` (score, -number) pairs seen, all scoring above ``floor``."""

    def __init__(self, limit: int, floor: int | None) -> None:
        self.limit = limit
        self.floor = floor
        self.heap: list[tuple[int, int]] = []  # the worst kept pair on top
        self.dropped = False  # a match was left out for the limit
        self.skipped = False  # texts were not looked at, their best beaten by what is kept

    def beaten(self, ceiling: int) -> bool:
        """True when no text scoring at most ``ceiling`` can be kept (noting texts skipped
        for the limit)."""
        if self.floor is not None and ceiling <= self.floor:
            return True
        if len(self.heap) >= self.limit and ceiling < self.heap[0][0]:
            self.skipped = True
            return True
        return False

    def offer(self, score: int, number: int) -> bool:
        """Keep the match if it is among the best; False when it is not (nor, in the same
        band and length, any later one of a higher number)."""
        if self.floor is not None and score <= self.floor:
            return False
        pair = (score, -number)
        if len(self.heap) < self.limit:
            heapq.heappush(self.heap, pair)
            return True
        self.dropped = True
        if pair > self.heap[0]:
            heapq.heapreplace(self.heap, pair)
            return True
        return False

    def pairs(self) -> list[tuple[int, int]]:
        """(score, number) of the kept matches, best first."""
        return [(score, -negated) for score, negated in sorted(self.heap, reverse=True)]


class FuzzyIndex:
    """Many candidate strings searched at once, best matches first.

    Results are exactly those of scoring every candidate with :func:`fuzzy_score`, but most
    candidates are never scored. The lowered candidates are kept grouped by length, one string
    per length (each text after a line break, in text order), and every score band ranks
    shorter texts first: a search goes through the bands (exact and prefix, then substring,
    then subsequence) and in each through the lengths, shortest first, and leaves a band as
    soon as the best score its next length could reach is beaten by the ``limit`` matches
    kept. Within a length, a text's line is its position divided by the length plus one, so
    a match costs a few operations; prefix matches are a range of lines found by binary
    search, substring matches are found with ``str.find``, subsequence matches with one
    regular expression per length.
    """

    def __init__(self, candidates: list[str]) -> None:
        # What an empty query scores: the candidates' lengths (the texts are not kept).
        self._sizes = list(map(len, candidates))
        lowered = [c.lower().replace("\n", " ") for c in candidates]
        lengths = list(map(len, lowered))
        # By length, and within a length in text order (prefixes are bisected): two stable
        # sorts, done in C.
        order = sorted(range(len(lowered)), key=lowered.__getitem__)
        order.sort(key=lengths.__getitem__)
        ordered_lengths = list(map(lengths.__getitem__, order))
        self._lengths = sorted(set(lengths))
        self._texts: list[str] = []
        self._numbers: list[array[int]] = []
        for length in self._lengths:
            low = bisect_left(ordered_lengths, length)
            high = bisect_right(ordered_lengths, length, low)
            self._texts.append("\n" + "\n".join(map(lowered.__getitem__, order[low:high])))
            self._numbers.append(array("l", order[low:high]))

    def __len__(self) -> int:
        return len(self._sizes)

    def search(self, query: str, limit: int) -> tuple[list[int], bool]:
        """Indices of the best ``limit`` matches, best first, and whether more matched."""
        q = query.lower()
        if not q:
            return list(range(min(limit, len(self)))), len(self) > limit
        if limit <= 0:
            return [], self._matches_beyond(q, set())
        best = self._search(q, limit, None)
        found = [number for _, number in best.pairs()]
        more = best.dropped or (best.skipped and self._matches_beyond(q, set(found)))
        return found, more

    def scored(self, query: str, limit: int, floor: int | None = None) -> list[tuple[int, int]]:
        """(score, index) of the best ``limit`` matches scoring above ``floor``, best first
        (ties: the lower index first), as :func:`fuzzy_score` scores them."""
        q = query.lower()
        if not q:  # nothing typed: the first candidates, in order
            found = enumerate(self._sizes[: max(limit, 0)])
            scores = [(_nothing_typed(size), number) for number, size in found]
            return [(score, n) for score, n in scores if floor is None or score > floor]
        if limit <= 0:
            return []
        return self._search(q, limit, floor).pairs()

    def _search(self, q: str, limit: int, floor: int | None) -> _Best:
        best = _Best(limit, floor)
        if "\n" not in q:  # candidates never contain a line break
            first = bisect_left(self._lengths, len(q))
            self._prefixes(q, first, best)
            self._substrings(q, first, best)
            self._subsequences(q, first, best)
        return best

    def _prefixes(self, q: str, first: int, best: _Best) -> None:
        """Texts equal to ``q`` or starting with it."""
        for at in range(first, len(self._lengths)):
            length = self._lengths[at]
            score = EXACT if length == len(q) else PREFIX - length
            if best.beaten(score):
                return
            text, numbers, width = self._texts[at], self._numbers[at], length + 1

            def start(line: int, text: str = text, width: int = width) -> str:
                return text[line * width + 1 : line * width + 1 + len(q)]

            lines = range(len(numbers))
            low = bisect_left(lines, q, key=start)
            high = bisect_right(lines, q, low, key=start)
            # Same score: the lowest numbers first; once one is not kept, no later one is.
            for number in sorted(numbers[low:high]):
                if not best.offer(score, number):
                    break

    def _substrings(self, q: str, first: int, best: _Best) -> None:
        """Texts holding ``q`` other than at their start, scored by its first occurrence."""
        for at in range(first, len(self._lengths)):
            length = self._lengths[at]
            if length == len(q):
                continue
            if best.beaten(WORD_START - 10 - length):
                return
            text, numbers, width = self._texts[at], self._numbers[at], length + 1
            found = text.find(q)
            while found != -1:
                line = found // width
                offset = found - line * width - 1
                if offset:  # else a prefix match, counted already
                    band = INSIDE if text[found - 1].isalnum() else WORD_START
                    best.offer(band - offset * 10 - length, numbers[line])
                found = text.find(q, (line + 1) * width)

    def _subsequences(self, q: str, first: int, best: _Best) -> None:
        """Texts holding the characters of ``q`` in order but not ``q`` itself."""
        if len(q) < 2:
            return  # one character is a substring match or none
        pattern: re.Pattern[str] | None = None
        for at in range(first, len(self._lengths)):
            length = self._lengths[at]
            ceiling = _subsequence_ceiling(len(q), length)
            if best.beaten(ceiling):
                return
            pattern = pattern or _subsequence_pattern(q)
            text, numbers, width = self._texts[at], self._numbers[at], length + 1
            # What a match from ``start`` to ``end`` could score at best, less the ceiling of
            # its length and plus one: every character skipped before the last one costs a
            # point, the first and last characters lose their bonus where they do not start
            # a word, and characters spread wider than the query miss a run at least. The
            # matches of a length are scored in this order, until the ones kept beat it.
            reach_base = ceiling + len(q) + 1  # plus the line's start less the last's end
            promising = [
                (
                    start
                    - start % width
                    - end
                    - _BOUNDARY_BONUS * text[start - 1].isalnum()
                    - _BOUNDARY_BONUS * text[end - 2].isalnum()
                    - _RUN_BONUS * (end - start > len(q)),
                    start,
                )
                for start, end in map(_first_span, pattern.finditer(text))
            ]
            promising.sort(reverse=True)
            for reach, start in promising:
                if best.beaten(reach_base + reach):
                    break
                line = start // width
                begin = line * width + 1
                candidate = text[begin : begin + length]
                if q not in candidate:
                    score = _subsequence_score(q, candidate)
                    if score is not None:
                        best.offer(score, numbers[line])

    def _matches_beyond(self, q: str, kept: set[int]) -> bool:
        """Whether a candidate other than those ``kept`` matches ``q``."""
        if "\n" in q:
            return False
        pattern = _subsequence_pattern(q)
        for at in range(bisect_left(self._lengths, len(q)), len(self._lengths)):
            width, numbers = self._lengths[at] + 1, self._numbers[at]
            for match in pattern.finditer(self._texts[at]):
                if numbers[match.start() // width] not in kept:
                    return True
        return False
