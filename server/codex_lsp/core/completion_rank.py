"""Which rows a note-name completion shows, in what order, and how its text is inserted.

Pure: the caller gives the fuzzy matches of every completable string (names, titles,
aliases), which note each string belongs to, and which notes are boosted; this module turns
them into one row per note (plus an alias row where the typed text matches an alias better
than any name of the note), ranked: notes before attachments, then match quality, then boost,
then score. The rules are written down in docs/protocol.md ("Completion").
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from .fuzzy import EXACT, INSIDE, PREFIX, SUBSEQUENCE, WORD_START

# Boosts, added together: a note the current note links to or is linked from, and a note
# edited recently. They reorder notes of the same match quality only.
LINKED = 2
RECENT = 1


def band(score: int) -> int:
    """The match quality of a :func:`fuzzy.fuzzy_score` score: 5 exact, 4 prefix ... 1 fuzzy.

    Scores fall below their band's base by the candidate's length and match offset; the cut
    between two bands lies halfway between their bases, which names never cross.
    """
    if score >= EXACT:
        return 5
    if score > (PREFIX + WORD_START) // 2:
        return 4
    if score > (WORD_START + INSIDE) // 2:
        return 3
    if score > (INSIDE + SUBSEQUENCE) // 2:
        return 2
    return 1


@dataclass(frozen=True, slots=True)
class Completable:
    """One completable string: the note it names (``owner``) and whether it is an alias."""

    owner: int
    is_alias: bool
    is_attachment: bool


@dataclass(frozen=True, slots=True)
class Row:
    """A row to show: the string it was chosen for (``entry``), its score and boost."""

    entry: int
    score: int
    boost: int
    is_attachment: bool


def note_rows(
    matches: Iterable[tuple[int, int]],
    completables: Sequence[Completable],
    boosts: dict[int, int],
    typed: bool,
) -> list[Row]:
    """Rows for ``matches`` ((entry, score) pairs), best first.

    Each note gets the row of its best-matching name (file name or title). Its best alias gets
    a row of its own only when ``typed`` is true and the alias matches in a better band than
    every name of the note (an alias matching when no name does included): typing "PCR" shows
    the alias "PCR" of "PCR amplification" next to that note, while typing "PCR a" shows the
    note alone.
    """
    best_name: dict[int, tuple[int, int]] = {}
    best_alias: dict[int, tuple[int, int]] = {}
    for entry, score in matches:
        completable = completables[entry]
        table = best_alias if completable.is_alias else best_name
        current = table.get(completable.owner)
        if current is None or score > current[1]:
            table[completable.owner] = (entry, score)
    rows = []
    for owner, (entry, score) in best_name.items():
        rows.append(Row(entry, score, boosts.get(owner, 0), completables[entry].is_attachment))
    if typed:
        for owner, (entry, score) in best_alias.items():
            name = best_name.get(owner)
            if name is None or band(score) > band(name[1]):
                attachment = completables[entry].is_attachment
                rows.append(Row(entry, score, boosts.get(owner, 0), attachment))
    rows.sort(key=_rank_key)
    return rows


def _rank_key(row: Row) -> tuple[bool, int, int, int, int]:
    return (row.is_attachment, -band(row.score), -row.boost, -row.score, row.entry)


def boosts_of(
    owner_of: Callable[[str], int | None], linked: Collection[str], recent: Collection[str]
) -> dict[int, int]:
    """The boost of each note (by owner number, which ``owner_of`` gives a path), from the
    paths linked and recently edited."""
    boosts: dict[int, int] = {}
    for paths, amount in ((linked, LINKED), (recent, RECENT)):
        for path in paths:
            owner = owner_of(path)
            if owner is not None:
                boosts[owner] = boosts.get(owner, 0) + amount
    return boosts


def snippet_text(text: str) -> str:
    """``text`` as an LSP snippet that inserts it literally (``$``, ``}`` and ``\\`` escaped)."""
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")


def shorten(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (details must not hide labels)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
