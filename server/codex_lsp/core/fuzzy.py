"""Fuzzy matching for completion and symbol search: subsequence match with a score."""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right

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
        return 1000 - min(len(candidate), 999)
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


def _subsequence_ceiling(query_length: int) -> int:
    """A score that no subsequence-only match of a query this long can reach."""
    return SUBSEQUENCE + (_RUN_BONUS + _BOUNDARY_BONUS) * query_length


def _best(scored: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """The ``limit`` best (score, -number) pairs: highest score first, then lowest number.

    Pairs hold the number negated so that they compare as they rank, with no key function
    (a sort done wholly in C: faster than a heap of ``limit`` fed from Python).
    """
    return sorted(scored, reverse=True)[:limit]


class FuzzyIndex:
    """Many candidate strings searched at once, best matches first.

    Results are exactly those of scoring every candidate with :func:`fuzzy_score`, but a search
    looks at score bands in turn and stops as soon as ``limit`` matches of a band beat anything
    the remaining bands could score: prefix matches come from a sorted copy of the candidates
    (binary search), substring matches from one literal regex scan, and only when those are
    too few is every subsequence match scored. Short queries, the common case while typing,
    usually stop after the first band.
    """

    def __init__(self, candidates: list[str]) -> None:
        self._candidates = candidates
        self._lowered = [c.lower().replace("\n", " ") for c in candidates]
        self._joined = "\n".join(self._lowered)
        # Numbers per candidate are held in arrays: a list would hold an object per number.
        self._starts = array("l")
        offset = 0
        for text in self._lowered:
            self._starts.append(offset)
            offset += len(text) + 1
        order = sorted(range(len(self._lowered)), key=self._lowered.__getitem__)
        self._sorted = [self._lowered[number] for number in order]
        # Per sorted position: the prefix score of its text and its number negated.
        self._sorted_scores = array("l", [PREFIX - len(text) for text in self._sorted])
        self._sorted_negated = array("l", [-number for number in order])

    def __len__(self) -> int:
        return len(self._candidates)

    def search(self, query: str, limit: int) -> tuple[list[int], bool]:
        """Indices of the best ``limit`` matches, best first, and whether more matched."""
        q = query.lower()
        if not q:
            return list(range(min(limit, len(self._candidates)))), len(self._candidates) > limit
        if "\n" in q:
            return [], False  # candidates never contain a line break
        if limit > 0:
            found = self._prefix_matches(q)
            if len(found) > limit:
                best = _best(found, limit)
                if best[-1][0] > max(WORD_START, _subsequence_ceiling(len(q))):
                    return [-negated for _, negated in best], True
            found += self._substring_matches(q)
            if len(found) > limit:
                best = _best(found, limit)
                if best[-1][0] > _subsequence_ceiling(len(q)):
                    return [-negated for _, negated in best], True
        return self._search_all(q, limit)

    def _prefix_matches(self, q: str) -> list[tuple[int, int]]:
        """(score, -number) of every candidate that equals or starts with ``q``."""
        low = bisect_left(self._sorted, q)
        if ord(q[-1]) == 0x10FFFF:  # no character sorts after: walk the range
            high = low
            while high < len(self._sorted) and self._sorted[high].startswith(q):
                high += 1
        else:  # the texts starting with q sort before q with its last character the next one
            high = bisect_left(self._sorted, q[:-1] + chr(ord(q[-1]) + 1), low)
        found = list(
            zip(self._sorted_scores[low:high], self._sorted_negated[low:high], strict=True)
        )
        for position in range(bisect_right(self._sorted, q, low, high) - low):
            found[position] = (EXACT, found[position][1])  # the texts equal to q sort first
        return found

    def _substring_matches(self, q: str) -> list[tuple[int, int]]:
        """(score, -number) of every candidate containing ``q`` other than at its start."""
        found = []
        # One match per line: the first occurrence of q, then the rest of the line.
        for match in re.finditer(re.escape(q) + "[^\n]*", self._joined):
            start = match.start()
            number = bisect_right(self._starts, start) - 1
            offset = start - self._starts[number]
            if offset == 0:
                continue  # a prefix match
            text = self._lowered[number]
            band = INSIDE if text[offset - 1].isalnum() else WORD_START
            found.append((band - offset * 10 - len(text), -number))
        return found

    def _search_all(self, q: str, limit: int) -> tuple[list[int], bool]:
        """Score every candidate that contains the characters of ``q`` in order."""
        # The first character is a literal, so the regex engine jumps between its occurrences;
        # the trailing [^\n]* consumes the rest of the line: one match per matching line. Each
        # next character is its first occurrence (a run of anything else, then it): taking
        # the earliest is never wrong for "in order", and backtracking into such a run finds
        # nothing, where a lazy ``.*?`` would try every way to pick the characters.
        pattern = re.compile(
            re.escape(q[0])
            + "".join(f"[^\n{re.escape(ch)}]*{re.escape(ch)}" for ch in q[1:])
            + "[^\n]*"
        )
        scored = []
        for match in pattern.finditer(self._joined):
            number = bisect_right(self._starts, match.start()) - 1
            score = fuzzy_score(q, self._lowered[number])
            if score is not None:
                scored.append((score, -number))
        best = _best(scored, limit)
        return [-negated for _, negated in best], len(scored) > limit
