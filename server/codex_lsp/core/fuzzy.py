"""Fuzzy matching for completion and symbol search: subsequence match with a score."""

from __future__ import annotations

import heapq
import re
from bisect import bisect_right


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
        return 100_000
    if c.startswith(q):
        return 50_000 - len(c)
    found = c.find(q)
    if found != -1:
        boundary = found == 0 or not c[found - 1].isalnum()
        return (30_000 if boundary else 20_000) - found * 10 - len(c)
    score = 0
    position = 0
    previous = -2
    for char in q:
        index = c.find(char, position)
        if index == -1:
            return None
        if index == previous + 1:
            score += 15
        if index == 0 or not c[index - 1].isalnum():
            score += 10
        score -= index - position
        previous = index
        position = index + 1
    return 10_000 + score - len(c)


class FuzzyIndex:
    """Many candidate strings searched at once: the regex engine filters, then we score."""

    def __init__(self, candidates: list[str]) -> None:
        self._candidates = candidates
        self._lowered = [c.lower().replace("\n", " ") for c in candidates]
        self._joined = "\n".join(self._lowered)
        self._starts: list[int] = []
        offset = 0
        for text in self._lowered:
            self._starts.append(offset)
            offset += len(text) + 1

    def __len__(self) -> int:
        return len(self._candidates)

    def search(self, query: str, limit: int) -> tuple[list[int], bool]:
        """Indices of the best ``limit`` matches, best first, and whether more matched."""
        q = query.lower()
        if not q:
            return list(range(min(limit, len(self._candidates)))), len(self._candidates) > limit
        pattern = re.compile("^[^\n]*?" + "[^\n]*?".join(re.escape(ch) for ch in q), re.MULTILINE)
        matched: list[int] = []
        for found in pattern.finditer(self._joined):
            matched.append(bisect_right(self._starts, found.start()) - 1)
        scored = []
        for number in dict.fromkeys(matched):
            score = fuzzy_score(q, self._lowered[number])
            if score is not None:
                scored.append((score, number))
        best = heapq.nlargest(limit, scored, key=lambda pair: (pair[0], -pair[1]))
        return [number for _, number in best], len(scored) > limit
