"""Full-text search (storage.queries.search): ranking, tag filters, snippets, hit positions."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codex_lsp.core.search_query import query_terms
from codex_lsp.storage import queries
from codex_lsp.storage.indexer import Indexer
from codex_lsp.storage.notebooks import Notebook
from codex_testing import EXAMPLE_NOTEBOOK, utf16_len

EXP_014 = "experiments/EXP-014 HEK293 transfection.md"


def index_folder(root: Path) -> Indexer:
    indexer = Indexer(Notebook(root, explicit=True))
    indexer.index()
    return indexer


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, sqlite3.Connection]]:
    """The example notebook, indexed once for the whole module (read-only tests)."""
    root = tmp_path_factory.mktemp("search") / "lab-notebook"
    shutil.copytree(EXAMPLE_NOTEBOOK, root, ignore=shutil.ignore_patterns("notebook.db*"))
    indexer = index_folder(root)
    yield root, indexer.conn
    indexer.close()


@pytest.fixture
def conn(lab: tuple[Path, sqlite3.Connection]) -> sqlite3.Connection:
    return lab[1]


def write_notes(root: Path, notes: dict[str, str]) -> None:
    (root / ".codex").mkdir(parents=True)
    for rel, text in notes.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def paths(hits: list[queries.SearchHit]) -> list[str]:
    return [hit.path for hit in hits]


def assert_hit_points_at_a_match(root: Path, hit: queries.SearchHit, query: str) -> None:
    """The hit position is inside the file; when it spans text, that text is a matching word."""
    if not hit.path.endswith(".md"):  # attachments: only their metadata is searchable
        assert (hit.line, hit.character, hit.end_character) == (0, 0, 0)
        return
    lines = (root / hit.path).read_text(encoding="utf-8").split("\n")
    assert 0 <= hit.line < len(lines), f"{hit.path}: line {hit.line} of {len(lines)}"
    line = lines[hit.line]
    assert 0 <= hit.character <= hit.end_character <= utf16_len(line)
    if hit.end_character > hit.character:
        encoded = line.encode("utf-16-le")
        word = encoded[2 * hit.character : 2 * hit.end_character].decode("utf-16-le")
        assert any(word.lower().startswith(term) for term in query_terms(query)), word


# -- ranking -------------------------------------------------------------------------------------


def test_title_match_ranks_above_body_matches(tmp_path: Path) -> None:
    write_notes(
        tmp_path,
        {
            "Body heavy.md": "# Notes\n\nZebrafish zebrafish zebrafish, more zebrafish here.\n",
            "Zebrafish husbandry.md": "# Zebrafish husbandry\n\nFeeding schedule.\n",
            "Mention.md": "# Other\n\nOne zebrafish.\n",
            **{f"Unrelated {n}.md": f"# Mice {n}\n\nNothing.\n" for n in range(8)},
        },
    )
    indexer = index_folder(tmp_path)
    try:
        hits = queries.search(indexer.conn, "zebrafish")
    finally:
        indexer.close()
    assert paths(hits)[0] == "Zebrafish husbandry.md"
    assert set(paths(hits)) == {"Zebrafish husbandry.md", "Body heavy.md", "Mention.md"}
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(score > 0 for score in scores)


def test_title_match_first_in_example(conn: sqlite3.Connection) -> None:
    hits = queries.search(conn, "transfection")
    assert paths(hits)[0] == EXP_014
    assert len(hits) > 1


def test_tag_match_ranks_above_body_match(tmp_path: Path) -> None:
    write_notes(
        tmp_path,
        {
            "A.md": "# A\n\nWe used a microscope and a microscope again, microscope.\n",
            "B.md": "---\ntags: [microscope]\n---\n# B\n\nImaging day.\n",
        },
    )
    indexer = index_folder(tmp_path)
    try:
        assert paths(queries.search(indexer.conn, "microscope")) == ["B.md", "A.md"]
    finally:
        indexer.close()


def test_all_words_are_required(conn: sqlite3.Connection) -> None:
    both = set(paths(queries.search(conn, "annealing gradient")))
    assert both
    assert both <= set(paths(queries.search(conn, "annealing")))
    assert both <= set(paths(queries.search(conn, "gradient")))
    assert queries.search(conn, "annealing xylophone") == []


def test_prefix_matching(conn: sqlite3.Connection) -> None:
    assert "protocols/PCR amplification.md" in paths(queries.search(conn, "amplif"))
    assert "equipment/T100 Thermocycler.md" in paths(queries.search(conn, "THERMOCYC"))
    assert queries.search(conn, "xylophon") == []


def test_diacritics_are_ignored(conn: sqlite3.Connection) -> None:
    exact = paths(queries.search(conn, "Größenstandard"))
    assert "protocols/Gel electrophoresis.md" in exact
    assert paths(queries.search(conn, "großenstandard")) == exact


def test_limit(conn: sqlite3.Connection) -> None:
    assert len(queries.search(conn, "pcr", limit=2)) == 2
    assert len(queries.search(conn, "pcr", limit=50)) > 2


def test_snippets_have_markers(conn: sqlite3.Connection) -> None:
    hits = queries.search(conn, "miniprep")
    assert hits
    assert all("[" in hit.snippet and "]" in hit.snippet for hit in hits)
    marked = queries.search(conn, "miniprep", marks=("<b>", "</b>"))
    assert any(
        "<b>Miniprep</b>" in hit.snippet or "<b>miniprep</b>" in hit.snippet for hit in marked
    )
    assert all("<b>" in hit.snippet for hit in marked)


def test_hit_carries_title_and_tags(conn: sqlite3.Connection) -> None:
    [hit] = [h for h in queries.search(conn, "transfection") if h.path == EXP_014]
    assert hit.title == "EXP-014 HEK293 transfection"
    assert set(hit.tags) == {"experiment", "cell-line/hek293", "sample/plasmid"}
    assert hit.as_dict()["tags"] == list(hit.tags)


# -- tag filters ---------------------------------------------------------------------------------


def test_empty_query_with_tag_lists_tagged_files(conn: sqlite3.Connection) -> None:
    hits = queries.search(conn, "", ["daily"])
    assert len(hits) == 6
    assert all(hit.path.startswith("daily/") for hit in hits)
    titles = [hit.title for hit in hits]
    assert titles == sorted(titles, key=str.lower)
    assert queries.search(conn, "") == []
    assert queries.search(conn, "  ...  ") == []


def test_nested_tag_filter(conn: sqlite3.Connection) -> None:
    parent = set(paths(queries.search(conn, "", ["assay"], limit=100)))
    children = [t.name for t in queries.list_tags(conn) if t.name.startswith("assay/")]
    assert {"assay/pcr", "assay/qpcr", "assay/imaging"} <= set(children)
    union: set[str] = set()
    for child in children:
        union |= set(paths(queries.search(conn, "", [child], limit=100)))
    qpcr = set(paths(queries.search(conn, "", ["assay/qpcr"], limit=100)))
    assert qpcr and qpcr < parent
    assert parent == union
    assert set(paths(queries.search(conn, "", ["#Assay"], limit=100))) == parent
    assert set(paths(queries.search(conn, "", ["assay/"], limit=100))) == parent
    assert queries.search(conn, "", ["assa"]) == []
    assert queries.search(conn, "", ["say/qpcr"]) == []
    assert parent == set(queries.files_with_tags(conn, ["assay"], match_all=True))


def test_tag_filter_with_words_and_several_tags(conn: sqlite3.Connection) -> None:
    with_word = paths(queries.search(conn, "run", ["assay/qpcr"], limit=100))
    assert with_word
    qpcr = set(paths(queries.search(conn, "", ["assay/qpcr"], limit=100)))
    assert set(with_word) <= qpcr
    both = set(paths(queries.search(conn, "", ["experiment", "assay/qpcr"], limit=100)))
    experiments = set(paths(queries.search(conn, "", ["experiment"], limit=100)))
    assert both == experiments & qpcr
    assert set(queries.files_with_tags(conn, ["experiment", "daily"], match_all=False)) == (
        experiments | set(paths(queries.search(conn, "", ["daily"], limit=100)))
    )


def test_tag_filter_wildcards_are_literal(tmp_path: Path) -> None:
    write_notes(
        tmp_path,
        {
            "a.md": "#lab_x/one\n",
            "b.md": "#labyx/two\n",
            "c.md": "#100%/sure\n",
            "d.md": "#1000/x\n",
        },
    )
    indexer = index_folder(tmp_path)
    try:
        assert paths(queries.search(indexer.conn, "", ["lab_x"])) == ["a.md"]
        assert paths(queries.search(indexer.conn, "", ["100%"])) == []
    finally:
        indexer.close()


def test_sidecar_tags_filter_attachments(conn: sqlite3.Connection) -> None:
    assert "data/qpcr-run-07.csv" in paths(queries.search(conn, "", ["data/qpcr"]))
    assert "data/qpcr-run-07.csv" in paths(queries.search(conn, "", ["data"]))


def test_list_tags_counts(conn: sqlite3.Connection) -> None:
    counts = {tag.name: tag.count for tag in queries.list_tags(conn)}
    assert counts["daily"] == 6
    assert counts["experiment"] == 7
    assert "not-a-tag" not in counts  # written inside a fenced block of the README
    ordered = [tag.count for tag in queries.list_tags(conn)]
    assert ordered == sorted(ordered, reverse=True)


# -- hit positions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["transfection", "Overview", "amplif", "planned", "QuantStudio", "Ribeiro", "zinc", "done"],
)
def test_hits_point_at_the_matching_word(lab: tuple[Path, sqlite3.Connection], query: str) -> None:
    root, conn = lab
    hits = queries.search(conn, query, limit=100)
    assert hits or query == "zinc"
    for hit in hits:
        assert_hit_points_at_a_match(root, hit, query)


def test_hit_position_in_body_is_exact(lab: tuple[Path, sqlite3.Connection]) -> None:
    root, conn = lab
    [hit] = [h for h in queries.search(conn, "pyrithione") if h.path == EXP_014]
    lines = (root / EXP_014).read_text(encoding="utf-8").split("\n")
    assert hit.line == 17
    assert lines[hit.line][hit.character : hit.end_character] == "pyrithione"


def test_hit_position_counts_utf16_units(tmp_path: Path) -> None:
    write_notes(
        tmp_path,
        {"Emoji.md": "---\ntitle: E\n---\n😀😀 实验 zebrafish\n", "Plain.md": "zebrafish\n"},
    )
    indexer = index_folder(tmp_path)
    try:
        [hit] = [h for h in queries.search(indexer.conn, "zebra") if h.path == "Emoji.md"]
    finally:
        indexer.close()
    assert (hit.line, hit.character, hit.end_character) == (3, 8, 17)
    assert_hit_points_at_a_match(tmp_path, hit, "zebra")


def test_metadata_only_match_stays_inside_the_file(tmp_path: Path) -> None:
    write_notes(
        tmp_path,
        {
            "Short.md": "---\nstatus: quarantined\ninstrument: Spectramax\n---\nOne line.\n",
            "data/plate.csv": "a,b\n",
            "data/.plate.csv.json": '{"instrument": "Spectramax"}',
        },
    )
    indexer = index_folder(tmp_path)
    try:
        for query in ("quarantined", "spectramax"):
            hits = queries.search(indexer.conn, query)
            assert hits
            for hit in hits:
                assert_hit_points_at_a_match(tmp_path, hit, query)
    finally:
        indexer.close()


def test_deleted_files_are_not_found(tmp_path: Path) -> None:
    write_notes(tmp_path, {"Gone.md": "# Gone\nunique-word-xyz\n", "Kept.md": "# Kept\n"})
    indexer = index_folder(tmp_path)
    try:
        assert paths(queries.search(indexer.conn, "xyz")) == ["Gone.md"]
        (tmp_path / "Gone.md").unlink()
        indexer.index()
        assert queries.search(indexer.conn, "xyz") == []
        assert queries.search(indexer.conn, "gone") == []
    finally:
        indexer.close()


# -- any text is a valid query ------------------------------------------------------------------

SYNTAX = st.sampled_from(
    ['"', "'", "AND", "OR", "NOT", "NEAR", "NEAR(", "*", "-", "^", ":", "(", ")", "{", "}",
     "+", "title:", "content:", "\\", "\x00", "😀", "pcr", "run", " "]
)  # fmt: skip
user_text = st.one_of(st.text(), st.lists(st.one_of(SYNTAX, st.text(max_size=3))).map("".join))


@settings(max_examples=300, deadline=None)
@given(query=user_text, tags=st.lists(st.one_of(st.text(max_size=8), SYNTAX), max_size=2))
def test_any_text_is_a_valid_query(
    lab: tuple[Path, sqlite3.Connection], query: str, tags: list[str]
) -> None:
    root, conn = lab
    hits = queries.search(conn, query, tags, limit=5)
    assert len(hits) <= 5
    if not tags:
        for hit in hits:
            assert_hit_points_at_a_match(root, hit, query)


def test_words_joined_by_underscores_or_dots_are_found(tmp_path: Path) -> None:
    """``od_600`` and ``v1.2`` are several tokens in the index: the query splits them alike."""
    root = tmp_path / "nb"
    write_notes(
        root,
        {
            "assay.md": "# Assay\n\nRead od_600 at time point v1.2 after plating.\n",
            "other.md": "# Other\n\nThe od value and 600 more, unrelated.\n",
        },
    )
    indexer = index_folder(root)
    try:
        assert query_terms("od_600 v1.2") == ["od", "600", "v1", "2"]
        found = paths(queries.search(indexer.conn, "od_600", [], limit=5))
        assert sorted(found) == ["assay.md", "other.md"]
        assert paths(queries.search(indexer.conn, "od_600 v1.2", [], limit=5)) == ["assay.md"]
    finally:
        indexer.close()
