"""The fuzzy matcher of completion and workspace symbols: exact results, bounded time."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codex_lsp.core import fuzzy
from codex_lsp.core.fuzzy import FuzzyIndex, fuzzy_score


def test_a_long_query_that_almost_matches_is_answered_at_once() -> None:
    """Each character of the query written several times over, in order, but the query
    never complete: a backtracking search tries every way to pick the characters."""
    index = FuzzyIndex(["pppooolllyyymmmeeerrraaassseee " * 6, "polymerase"])
    start = time.perf_counter()
    found, more = index.search("polymerase chain", 5)
    assert time.perf_counter() - start < 2.0
    assert (found, more) == ([], False)


TEXTS = st.text(alphabet="abcAB -_é\n", max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXTS, max_size=30), st.text(alphabet="abcAB -_é", min_size=1, max_size=5))
def test_search_returns_the_best_scored_candidates(candidates: list[str], query: str) -> None:
    """The index answers as scoring every candidate with fuzzy_score would."""
    index = FuzzyIndex([c.replace("\n", " ") for c in candidates])
    found, _ = index.search(query, 5)
    scored = [
        (score, -number)
        for number, text in enumerate(c.replace("\n", " ") for c in candidates)
        if (score := fuzzy_score(query, text)) is not None
    ]
    expected = [-number for _, number in sorted(scored, reverse=True)[:5]]
    assert found == expected


def test_subsequence_matches_that_cannot_start_words_are_not_scored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Thousands of texts hold the query's characters mid-word, as far along as the few
    where they start words: once those are kept, the others are known to rank below them
    without being scored one by one."""
    good = [f"a-d {n:03}" for n in range(10)]  # "a" and "d" start words
    weak = [f"xaxd{n:04}" for n in range(3000)]  # the same offsets, mid-word
    index = FuzzyIndex(good + weak)
    calls = 0
    score = fuzzy._subsequence_score

    def counted(q: str, c: str) -> int | None:
        nonlocal calls
        calls += 1
        return score(q, c)

    monkeypatch.setattr(fuzzy, "_subsequence_score", counted)
    found, more = index.search("ad", 10)
    assert sorted(found) == list(range(10))
    assert more
    assert calls <= 20


def test_a_limit_of_zero_finds_nothing_but_says_more_matched() -> None:
    assert FuzzyIndex(["alpha beta", "alphabet"]).search("apt", 0) == ([], True)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet="abcd -_", max_size=30), min_size=20, max_size=80),
    st.text(alphabet="abcd", min_size=2, max_size=4),
    st.integers(min_value=1, max_value=12),
)
def test_many_subsequence_matches_keep_the_best_scored(
    candidates: list[str], query: str, limit: int
) -> None:
    """Many candidates matching only as subsequences: the search scores the most promising
    first and stops early, with the answer of scoring them all."""
    index = FuzzyIndex(candidates)
    found, _ = index.search(query, limit)
    scored = [
        (score, -number)
        for number, text in enumerate(candidates)
        if (score := fuzzy_score(query, text)) is not None
    ]
    assert found == [-negated for _, negated in sorted(scored, reverse=True)[:limit]]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet="abcAB -_é", max_size=14), max_size=40),
    st.text(alphabet="abcAB -_é", min_size=1, max_size=5),
    st.integers(min_value=0, max_value=8),
    st.one_of(st.none(), st.integers(min_value=9_900, max_value=50_000)),
)
def test_scored_keeps_the_best_above_the_floor(
    candidates: list[str], query: str, limit: int, floor: int | None
) -> None:
    """Scores and order as scoring every candidate, leaving out those at or below the floor;
    ``search`` says more matched exactly when a match was left out."""
    index = FuzzyIndex(candidates)
    scored = sorted(
        (
            (score, -number)
            for number, text in enumerate(candidates)
            if (score := fuzzy_score(query, text)) is not None
        ),
        reverse=True,
    )
    above = [(score, -negated) for score, negated in scored if floor is None or score > floor]
    assert index.scored(query, limit, floor) == above[:limit]
    found, more = index.search(query, limit)
    assert found == [-negated for _, negated in scored[:limit]]
    assert more == (len(scored) > limit)


def test_texts_grouped_by_their_lowered_length() -> None:
    """A character whose lower case is longer (İ: two characters) puts its text with the
    texts of its lowered length, where offsets and lengths are counted."""
    index = FuzzyIndex(["İstanbul", "istanbul", "xİstanbul"])
    assert index.scored("i̇s", 3) == [
        (fuzzy_score("i̇s", "İstanbul") or 0, 0),
        (fuzzy_score("i̇s", "xİstanbul") or 0, 2),
    ]
