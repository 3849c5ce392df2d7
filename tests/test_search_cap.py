"""Search past :data:`queries.RANKED_AT_MOST` matches: what is ranked, and nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_lsp.core.search_query import parse_query
from codex_lsp.storage import queries
from codex_lsp.storage.indexer import Indexer
from codex_lsp.storage.notebooks import Notebook

NAMED = {"Weekly meeting.md", "Old tagged.md"}


@pytest.fixture
def indexer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Indexer:
    """Two older notes holding the word in a title and a tag, then ten that hold it only in
    their text, added later (their rows come after)."""
    monkeypatch.setattr(queries, "RANKED_AT_MOST", 3)
    root = tmp_path / "nb"
    (root / ".codex").mkdir(parents=True)
    (root / "Weekly meeting.md").write_text("---\ntitle: Weekly meeting\n---\nAgenda.\n")
    (root / "Old tagged.md").write_text("---\ntags: [meeting]\n---\nNotes.\n")
    indexer = Indexer(Notebook(root, explicit=True))
    indexer.index()
    for n in range(10):
        tag = "\ntags: [odd]" if n % 2 else ""
        (root / f"Body {n}.md").write_text(f"---\ntitle: Body {n}{tag}\n---\nA meeting, {n}.\n")
        indexer.index()  # one run each: every later note gets a later row
    return indexer


def test_names_and_tags_rank_first_past_the_cap(indexer: Indexer) -> None:
    try:
        hits = [hit.path for hit in queries.search(indexer.conn, "meeting", limit=20)]
    finally:
        indexer.close()
    assert set(hits[:2]) == NAMED
    # The text-only matches ranked are the three added last; the others follow.
    assert set(hits[2:5]) == {"Body 7.md", "Body 8.md", "Body 9.md"}
    assert sorted(hits) == sorted([*NAMED, *(f"Body {n}.md" for n in range(10))])


def test_a_filter_still_finds_every_match_past_the_cap(indexer: Indexer) -> None:
    try:
        odd = {hit.path for hit in queries.search(indexer.conn, "meeting tag:odd", limit=20)}
        other = {hit.path for hit in queries.search(indexer.conn, "meeting -agenda", limit=20)}
    finally:
        indexer.close()
    assert odd == {f"Body {n}.md" for n in (1, 3, 5, 7, 9)}
    assert other == {"Old tagged.md", *(f"Body {n}.md" for n in range(10))}


def test_a_prefix_is_merged_once_when_the_other_words_are_few(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name being typed ("chamber ligation co"): the other words match fewer files than
    the cap, so the prefix's files (the merged lists of every word starting "co") are
    only looked up to rank them, not once more to count them first."""
    monkeypatch.setattr(queries, "RANKED_AT_MOST", 3)
    root = tmp_path / "nb"
    (root / ".codex").mkdir(parents=True)
    (root / "Chamber ligation control.md").write_text("Colony count.\n")
    (root / "Chamber ligation.md").write_text("Coverage.\n")
    for n in range(6):
        (root / f"Column {n}.md").write_text(f"Compare {n}, a colour.\n")
    indexer = Indexer(Notebook(root, explicit=True))
    indexer.index()
    expression = parse_query("chamber ligation co").fts()
    assert expression is not None
    evaluated: list[str] = []
    indexer.conn.set_trace_callback(evaluated.append)
    try:
        hits = [hit.path for hit in queries.search(indexer.conn, "chamber ligation co")]
    finally:
        indexer.conn.set_trace_callback(None)
        indexer.close()
    assert hits == ["Chamber ligation control.md", "Chamber ligation.md"]
    quoted = "'" + expression.replace("'", "''") + "'"
    assert sum(f"MATCH {quoted}" in sql for sql in evaluated) == 1
