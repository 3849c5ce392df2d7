"""core/completion_rank.py: rows per note, their order, snippet escaping."""

from __future__ import annotations

from codex_lsp.core.completion_rank import (
    LINKED,
    RECENT,
    Completable,
    band,
    boosts_of,
    note_rows,
    shorten,
    snippet_text,
)
from codex_lsp.core.fuzzy import fuzzy_score


def score(query: str, text: str) -> int:
    found = fuzzy_score(query, text)
    assert found is not None
    return found


def test_bands_follow_match_quality() -> None:
    assert band(score("pcr", "PCR")) == 5
    assert band(score("pcr", "PCR amplification" + "x" * 200)) == 4
    assert band(score("amp", "PCR amplification")) == 3
    assert band(score("mpl", "PCR amplification")) == 2
    assert band(score("pcrfn", "PCR amplification")) == 1


# Entries: 0 "PCR amplification" (note 0), 1 alias "PCR" (note 0), 2 "qPCR setup" (note 1),
# 3 "pcr.csv" (attachment, owner 2).
COMPLETABLES = [
    Completable(0, False, False),
    Completable(0, True, False),
    Completable(1, False, False),
    Completable(2, False, True),
]
TEXTS = ["PCR amplification", "PCR", "qPCR setup", "pcr.csv"]


def rows_for(query: str, boosts: dict[int, int] | None = None) -> list[int]:
    matches = [(n, s) for n, t in enumerate(TEXTS) if (s := fuzzy_score(query, t)) is not None]
    return [row.entry for row in note_rows(matches, COMPLETABLES, boosts or {}, bool(query))]


def test_an_alias_gets_a_row_only_when_it_matches_better_than_the_name() -> None:
    assert rows_for("PCR") == [1, 0, 2, 3]  # exact alias, prefix name, inside, attachment
    assert rows_for("PCR a") == [0]
    assert sorted(rows_for("")) == [0, 2, 3]  # nothing typed: no alias rows


def test_attachments_come_last() -> None:
    assert rows_for("pcr")[-1] == 3  # the attachment's prefix match after the notes


def test_boosts_reorder_notes_of_the_same_band_only() -> None:
    texts = ["Plasmid library screen", "Plasmid miniprep", "Plasmid"]
    completables = [Completable(n, False, False) for n in range(3)]

    def order(query: str, boosts: dict[int, int]) -> list[int]:
        matches = [(n, score(query, t)) for n, t in enumerate(texts)]
        return [row.entry for row in note_rows(matches, completables, boosts, True)]

    assert order("Plasmid", {}) == [2, 1, 0]  # exact, then the shorter prefix match
    assert order("Plasmid", {0: RECENT}) == [2, 0, 1]
    assert order("Plasmid", {0: LINKED, 1: RECENT}) == [2, 0, 1]
    assert order("Plasmid", {0: RECENT, 1: LINKED}) == [2, 1, 0]


def test_boosts_add_up_by_path() -> None:
    owners = {"a.md": 0, "b.md": 1}
    assert boosts_of(owners.get, {"a.md", "gone.md"}, ["a.md", "b.md"]) == {
        0: LINKED + RECENT,
        1: RECENT,
    }


def test_snippet_text_is_literal() -> None:
    assert snippet_text("Cost $5 {x} \\ y]]") == "Cost \\$5 {x\\} \\\\ y]]"
    assert snippet_text("Gel electrophoresis]]") == "Gel electrophoresis]]"


def test_shorten() -> None:
    assert shorten("short") == "short"
    long = shorten("x" * 100)
    assert len(long) == 40 and long.endswith("…")
