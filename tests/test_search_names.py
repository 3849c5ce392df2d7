"""Search's name bands at scale: exact names wherever they are, closest names first, and
no relevance computed for the candidates (docs/cli.md, "Ranking")."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_lsp.core.search_query import parse_query
from codex_lsp.storage import queries
from codex_lsp.storage.indexer import Indexer
from codex_lsp.storage.notebooks import Notebook

# Notes without the searched words: with them, a word is rare enough for relevance to count.
OTHERS = {f"Other {n}.md": f"# Other {n}\n\nNothing to see.\n" for n in range(30)}


def indexed(root: Path, notes: dict[str, str]) -> Indexer:
    """:data:`OTHERS` indexed, then ``notes`` written and indexed one run each, in order:
    later ones get later rows."""
    (root / ".codex").mkdir(parents=True)
    for rel, text in OTHERS.items():
        (root / rel).write_text(text, encoding="utf-8")
    indexer = Indexer(Notebook(root, explicit=True))
    indexer.index()
    for rel, text in notes.items():
        (root / rel).write_text(text, encoding="utf-8")
        indexer.index()
    return indexer


def search(indexer: Indexer, query: str, limit: int = 20) -> list[str]:
    try:
        return [hit.path for hit in queries.search(indexer.conn, query, limit=limit)]
    finally:
        indexer.close()


# A word in a tag, an alias and the text, again and again: what relevance (bm25) favours.
REPEATED = "---\ntags: [run]\naliases: [runs]\n---\n" + "run " * 30 + "\n"
# An old note named as the query, then newer notes whose names start with it and repeat it:
# by relevance, the exact name would come after them.
CROWD = {
    "Run.md": "# Run\n\nShort.\n",
    "Also named.md": "---\naliases: [run]\n---\nNothing here.\n",
    **{f"Run run run run {n}.md": f"{REPEATED}# Run run run run {n}\n\n" for n in range(6)},
}


def test_an_exact_name_comes_first_past_the_candidate_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "_NAME_CANDIDATES", 3)
    found = search(indexed(tmp_path, CROWD), "run")
    assert found[:2] == ["Run.md", "Also named.md"]  # the name, then the alias
    assert sorted(found) == sorted(CROWD)  # nothing else holds the word


def test_within_a_band_the_closest_name_comes_first(tmp_path: Path) -> None:
    notes = {
        "Graph notes.md": "# Graph notes\n\nText.\n",
        "Graph graph graph graph.md": REPEATED.replace("run", "graph"),
        "Graph.md": "# Graph\n\nA graph.\n",
    }
    assert search(indexed(tmp_path, notes), "graph") == [
        "Graph.md",
        "Graph notes.md",
        "Graph graph graph graph.md",
    ]


def test_name_bands_rank_without_relevance_scores(tmp_path: Path) -> None:
    """The names answer alone, so no full-text relevance (bm25, a score per matching file)
    is computed: the cost of a word most names start with is a look-up per name."""
    indexer = indexed(tmp_path, CROWD)
    statements: list[str] = []
    indexer.conn.set_trace_callback(statements.append)
    found = search(indexer, "run", limit=5)
    assert found[:2] == ["Run.md", "Also named.md"] and len(found) == 5
    assert statements and not [sql for sql in statements if "bm25" in sql]


def test_past_the_cap_files_named_with_the_words_come_closest_first_without_scores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past :data:`queries.RANKED_AT_MOST` matches, the files holding the words in a name come
    first, ordered as the name bands are: no relevance is computed for them."""
    monkeypatch.setattr(queries, "RANKED_AT_MOST", 3)
    notes = {
        "Weekly meeting.md": "# Weekly meeting\n\nAgenda.\n",
        "A meeting meeting meeting.md": REPEATED.replace("run", "meeting"),
        **{f"Body {n}.md": f"# Body {n}\n\nA meeting.\n" for n in range(5)},
    }
    indexer = indexed(tmp_path, notes)
    statements: list[str] = []
    indexer.conn.set_trace_callback(statements.append)
    found = search(indexer, "meeting", limit=2)
    assert found == ["Weekly meeting.md", "A meeting meeting meeting.md"]
    assert not [sql for sql in statements if "bm25" in sql]


def test_whole_words_match_some_of_the_files_a_prefix_does() -> None:
    """What tells cheaply that a query is past the cap: its words taken whole."""
    assert parse_query("graph th").whole_words_fts() == '"graph" AND "th"'
    assert (
        parse_query('run* OR walk "the end"').whole_words_fts() == '("run" OR "walk") AND "the end"'
    )
    assert parse_query('"graph theory"').whole_words_fts() is None  # no prefix: the same query


def test_a_name_folded_to_ascii_comes_first_by_its_ascii_spelling(tmp_path: Path) -> None:
    notes = {
        "Straße.md": "# Straße\n\nA street.\n",
        "Strassen notes.md": "# Strassen notes\n\n" + "strasse " * 10 + "\n",
    }
    assert search(indexed(tmp_path, notes), "strasse") == ["Straße.md", "Strassen notes.md"]


def test_a_name_as_typed_comes_first_when_it_repeats_a_word(tmp_path: Path) -> None:
    """A repeated word is searched once, so both names start with the words: the one that
    is the query as typed comes first, though it is the longer."""
    notes = {
        "Freezer inhibitor inhibitor.md": "# Freezer inhibitor inhibitor\n",
        "Freezer inhibitor band.md": "# Freezer inhibitor band\n",
    }
    found = search(indexed(tmp_path, notes), "Freezer inhibitor inhibitor")
    assert found[0] == "Freezer inhibitor inhibitor.md"
