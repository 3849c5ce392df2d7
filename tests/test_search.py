"""Full-text search (storage.queries.search): ranking, tag filters, snippets, hit positions."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codex_lsp.core.search_query import fold, parse_query, tokens
from codex_lsp.storage import queries
from codex_lsp.storage.database import SCHEMA_VERSION
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
        assert any(fold(word).startswith(term) for term in tokens(query)), word


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


def test_snippets_mark_matches_by_offsets(conn: sqlite3.Connection) -> None:
    hits = queries.search(conn, "miniprep")
    assert hits
    for hit in hits:
        assert "[" not in hit.snippet.replace("[[", "")
        assert hit.snippet_matches
        for start, end in hit.snippet_matches:
            assert hit.snippet[start:end].lower().startswith("miniprep")  # ASCII: units = chars


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


def test_a_full_text_row_without_its_file_is_no_hit(tmp_path: Path) -> None:
    write_notes(tmp_path, {"Kept.md": "# Kept\nunique-word-xyz\n"})
    indexer = index_folder(tmp_path)
    try:
        indexer.conn.execute(
            "INSERT INTO search_index (rowid, file_id, name, content) VALUES (999, 'gone', 'x',"
            " 'unique-word-xyz')"
        )
        assert paths(queries.search(indexer.conn, "xyz")) == ["Kept.md"]
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


def test_words_joined_by_underscores_or_dots_are_found_side_by_side(tmp_path: Path) -> None:
    """``od_600`` and ``v1.2`` are several tokens in the index: they must follow each other."""
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
        assert tokens("od_600 v1.2") == ["od", "600", "v1", "2"]
        assert paths(queries.search(indexer.conn, "od_600", [], limit=5)) == ["assay.md"]
        assert paths(queries.search(indexer.conn, "od_600 v1.2", [], limit=5)) == ["assay.md"]
    finally:
        indexer.close()


# -- names, folders and the order of hits (docs/cli.md, "Ranking") --------------------------


def search_in(root: Path, notes: dict[str, str], query: str, **kwargs: Any) -> list[str]:
    """Paths found for ``query`` in a new notebook of ``notes``."""
    write_notes(root, notes)
    indexer = index_folder(root)
    try:
        return paths(queries.search(indexer.conn, query, **kwargs))
    finally:
        indexer.close()


def test_a_note_is_found_by_its_name_when_its_title_differs(tmp_path: Path) -> None:
    found = search_in(
        tmp_path,
        {
            "Graph Theory.md": "# Stories\n\nTales of nodes.\n",
            "Other.md": "# Other\n\nGraph drawing and set theory.\n",
        },
        "graph theory",
    )
    assert found == ["Graph Theory.md", "Other.md"]


def test_a_note_is_found_by_its_folder(tmp_path: Path) -> None:
    found = search_in(
        tmp_path,
        {"projects/Alpha/Kickoff.md": "# Kickoff\n\nFirst meeting.\n", "Beta.md": "# Beta\n"},
        "alpha",
    )
    assert found == ["projects/Alpha/Kickoff.md"]


def test_exact_name_title_or_alias_first_then_prefix_then_relevance(tmp_path: Path) -> None:
    found = search_in(
        tmp_path,
        {
            "Heavy.md": "# Heavy\n\nGraph graph graph graph, the graph of graphs.\n",
            "Graph theory.md": "# Graph theory\n\nOne graph.\n",
            "Graph.md": "# Graph\n\nNothing else here but a graph.\n",
            "Networks.md": "---\naliases: [graph]\n---\n# Networks\n\nText.\n",
            "Charts.md": "---\ntitle: Graph\n---\n# Charts\n\nText.\n",
            "Plots.md": "# Plots\n\nA graph, once.\n",
        },
        "graph",
    )
    assert found[0] == "Graph.md"  # the name: a file's identity
    assert set(found[1:3]) == {"Networks.md", "Charts.md"}  # an alias, a title
    assert found[3] == "Graph theory.md"  # prefix
    assert set(found[4:]) == {"Heavy.md", "Plots.md"}


def test_a_name_as_typed_comes_before_names_of_the_same_words(tmp_path: Path) -> None:
    found = search_in(
        tmp_path,
        {
            "dendron._ref.md": "# Ref\n",
            "dendron.ref.md": "# Ref\n",
        },
        "dendron.ref",
    )
    assert found == ["dendron.ref.md", "dendron._ref.md"]
    found = search_in(
        tmp_path / "b",
        {
            "templates.changelog.md": "---\ntitle: Changelog\n---\nchangelog template\n",
            "changelog.md": "---\ntitle: Changelog\n---\nthe changelog\n",
        },
        "changelog",
    )
    assert found == ["changelog.md", "templates.changelog.md"]


def test_exact_name_match_is_folded_and_needs_the_whole_query(tmp_path: Path) -> None:
    found = search_in(
        tmp_path,
        {
            "Café Crème.md": "# Café Crème\n\nRecipe.\n",
            "Cafe creme recipes.md": "# Cafe creme recipes\n\nCafe creme cafe creme.\n",
        },
        "CAFE CREME",
    )
    assert found == ["Café Crème.md", "Cafe creme recipes.md"]


def test_a_note_comes_before_an_attachment_of_the_same_name(tmp_path: Path) -> None:
    found = search_in(
        tmp_path,
        {
            "Backlinks.png": "png",
            "Backlinks.md": "# Backlinks\n\nLinks that point here. ![[Backlinks.png]]\n",
        },
        "backlinks",
    )
    assert found == ["Backlinks.md", "Backlinks.png"]


def test_an_attachment_never_outranks_a_note_whose_name_matches(tmp_path: Path) -> None:
    notes = {
        "Graph view.webp": "webp",
        "Graph view options.md": "# Graph view options\n\nSettings of the view.\n",
        "Mention.md": "# Mention\n\nThe graph view, illustrated.\n",
    }
    found = search_in(tmp_path, notes, "graph view")
    assert found == ["Graph view options.md", "Graph view.webp", "Mention.md"]


def test_an_attachment_matches_by_its_file_name(tmp_path: Path) -> None:
    notes = {"assets/diagram-flow.svg": "<svg/>", "Flow.md": "# Flow\n\nNo picture.\n"}
    assert search_in(tmp_path, notes, "diagram") == ["assets/diagram-flow.svg"]
    assert search_in(tmp_path / "b", notes, "svg") == ["assets/diagram-flow.svg"]


def test_scores_keep_the_order_across_bands(tmp_path: Path) -> None:
    write_notes(
        tmp_path,
        {
            "Graph.md": "# Graph\n",
            "Graph notes.md": "# Graph notes\n",
            "Body.md": "# Body\n\ngraph graph graph\n",
            "Graph.png": "png",
        },
    )
    indexer = index_folder(tmp_path)
    try:
        hits = queries.search(indexer.conn, "graph")
    finally:
        indexer.close()
    assert paths(hits) == ["Graph.md", "Graph notes.md", "Graph.png", "Body.md"]
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 4


# -- query syntax (docs/cli.md, "Query syntax") ----------------------------------------------

SYNTAX_NOTES = {
    "Phrase.md": "# Phrase\n\nThe quick brown fox.\n",
    "Scattered.md": "# Scattered\n\nA brown dog, quick as a fox.\n",
    "Cpp.md": "# Cpp\n\nWe write c++ and some C# code for .NET on node.js.\n",
    "Letters.md": "# Letters\n\nPlan c, b and a; the net; node and js apart.\n",
    "Draft.md": "---\ntags: [draft]\n---\n# Draft\n\nA quick fox idea.\n",
    "projects/Alpha/Plan.md": "# Plan\n\nQuick notes on the fox project.\n",
}


@pytest.fixture(scope="module")
def syntax(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    root = tmp_path_factory.mktemp("syntax")
    write_notes(root, SYNTAX_NOTES)
    indexer = index_folder(root)
    yield indexer.conn
    indexer.close()


def found(conn: sqlite3.Connection, query: str) -> set[str]:
    return set(paths(queries.search(conn, query, limit=50)))


def test_a_quoted_phrase_needs_its_words_side_by_side(syntax: sqlite3.Connection) -> None:
    assert found(syntax, '"quick brown"') == {"Phrase.md"}
    assert found(syntax, "quick brown") == {"Phrase.md", "Scattered.md"}


def test_a_minus_excludes_a_word_or_a_phrase(syntax: sqlite3.Connection) -> None:
    assert found(syntax, "fox -dog") == {"Phrase.md", "Draft.md", "projects/Alpha/Plan.md"}
    assert found(syntax, 'fox -"quick brown"') == {
        "Scattered.md",
        "Draft.md",
        "projects/Alpha/Plan.md",
    }
    assert found(syntax, "-fox") == set()


def test_or_offers_alternatives(syntax: sqlite3.Connection) -> None:
    assert found(syntax, "dog OR idea") == {"Scattered.md", "Draft.md"}
    assert found(syntax, "dog OR idea quick") == {"Scattered.md", "Draft.md"}
    assert found(syntax, "dog or idea") == set()  # lowercase "or" is a word


def test_a_trailing_and_or_or_is_text(syntax: sqlite3.Connection) -> None:
    assert parse_query("fox OR").groups == parse_query("fox or").groups
    assert [t.tokens for (t,) in parse_query("rock AND").groups] == [("rock",), ("and",)]
    assert found(syntax, "brown dog OR") == set()  # "or" is required as a word
    assert found(syntax, "brown AND dog") == {"Scattered.md"}  # AND between words: nothing
    assert found(syntax, "AND brown") == set()  # a leading AND is a word


def test_a_star_asks_for_a_prefix(syntax: sqlite3.Connection) -> None:
    assert found(syntax, "scatter* brown") == {"Scattered.md"}
    assert found(syntax, "scatter brown") == set()  # an implicit prefix only on the last word


def test_implicit_prefix_only_on_the_last_word_from_two_letters(
    syntax: sqlite3.Connection,
) -> None:
    assert found(syntax, "phra") == {"Phrase.md"}
    last = parse_query("qui br").groups
    assert [(t.tokens, t.prefix) for (t,) in last] == [(("qui",), False), (("br",), True)]
    assert not parse_query("b").groups[0][0].prefix
    assert "Letters.md" in found(syntax, "b")
    assert found(syntax, "b") <= {"Letters.md"}


def test_tag_and_path_filters(syntax: sqlite3.Connection) -> None:
    assert found(syntax, "fox tag:draft") == {"Draft.md"}
    assert found(syntax, "fox tag:#draft") == {"Draft.md"}
    assert "Draft.md" not in found(syntax, "fox -tag:draft")
    assert found(syntax, "fox path:projects/") == {"projects/Alpha/Plan.md"}
    assert found(syntax, "fox path:projects/alpha/") == {"projects/Alpha/Plan.md"}
    assert found(syntax, "fox path:alp") == {"projects/Alpha/Plan.md"}
    assert found(syntax, "fox path:jects") == set()  # from the start of a folder name
    assert "projects/Alpha/Plan.md" not in found(syntax, "fox -path:projects")
    assert found(syntax, "path:projects/") == {"projects/Alpha/Plan.md"}  # a listing
    assert found(syntax, "tag:draft") == {"Draft.md"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("c++", {"Cpp.md"}),
        ("C#", {"Cpp.md"}),
        (".NET", {"Cpp.md"}),
        ("node.js", {"Cpp.md"}),
        ("c", {"Cpp.md", "Letters.md"}),
        ("net", {"Cpp.md", "Letters.md"}),
    ],
)
def test_words_with_symbols_search_for_themselves(
    syntax: sqlite3.Connection, query: str, expected: set[str]
) -> None:
    assert found(syntax, query) == expected


def test_symbols_that_are_not_syntax_are_text(syntax: sqlite3.Connection) -> None:
    assert found(syntax, "title:quick") == set()  # the words "title" and "quick"
    assert found(syntax, "(quick") == found(syntax, "quick")
    assert found(syntax, '"quick brown') == {"Phrase.md"}  # an open quote runs to the end


# -- snippets --------------------------------------------------------------------------------


def only_hit(root: Path, notes: dict[str, str], query: str) -> queries.SearchHit:
    write_notes(root, notes)
    indexer = index_folder(root)
    try:
        [hit] = queries.search(indexer.conn, query)
    finally:
        indexer.close()
    return hit


def marked(hit: queries.SearchHit) -> list[str]:
    """The snippet's matches (UTF-16 offsets read as such)."""
    units = hit.snippet.encode("utf-16-le")
    return [units[2 * s : 2 * e].decode("utf-16-le") for s, e in hit.snippet_matches]


def test_snippet_is_body_text_without_frontmatter_values(tmp_path: Path) -> None:
    hit = only_hit(
        tmp_path,
        {"Note.md": "---\nstatus: zanzibar pending\n---\n# Note\n\nBody words only here.\n"},
        "zanzibar",
    )
    assert "zanzibar" not in hit.snippet
    assert hit.snippet == "# Note Body words only here."
    assert hit.snippet_matches == ()


def test_snippet_leaves_comments_out(tmp_path: Path) -> None:
    hit = only_hit(
        tmp_path,
        {
            "Note.md": "# Note\n\n%% secret zebra plan %%\n<!-- hidden zebra -->\n"
            "A zebra in the open.\n"
        },
        "zebra",
    )
    assert "secret" not in hit.snippet and "hidden" not in hit.snippet and "%%" not in hit.snippet
    assert marked(hit) == ["zebra"]


def test_snippet_match_offsets_count_utf16_units(tmp_path: Path) -> None:
    hit = only_hit(tmp_path, {"Emoji.md": "😀 Ελληνικά κείμενα και ελληνικα\n"}, "ελληνικα")
    assert hit.snippet == "😀 Ελληνικά κείμενα και ελληνικα"
    assert marked(hit) == ["Ελληνικά", "ελληνικα"]
    assert hit.snippet_matches[0] == (3, 11)


def test_snippet_is_cut_around_the_first_match(tmp_path: Path) -> None:
    words = " ".join(f"w{n}" for n in range(40))
    hit = only_hit(tmp_path, {"Long.md": f"{words} target {words}\n"}, "target")
    assert hit.snippet.startswith("…w37 w38 w39 target w0")
    assert hit.snippet.endswith("…")
    assert marked(hit) == ["target"]


# -- folding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("ελληνικα", "Ελληνικά"),
        ("ΕΛΛΗΝΙΚΆ", "Ελληνικά"),
        ("ткачев", "Ткачёв"),
        ("tieng viet", "Tiếng"),
        ("grosse", "Größe"),
        ("größe", "Größe"),
    ],
)
def test_case_and_diacritics_fold_in_every_script(tmp_path: Path, query: str, word: str) -> None:
    text = "# Words\n\nFirst line.\n  Here: Ελληνικά, Ткачёв, Tiếng Việt, Größe.\n"
    hit = only_hit(tmp_path, {"Words.md": text}, query)
    line = text.split("\n")[hit.line]
    assert hit.line == 3
    assert line[hit.character : hit.end_character] == word


def test_folded_names_rank_as_exact(tmp_path: Path) -> None:
    found = search_in(
        tmp_path,
        {"Ελληνικά.md": "# Ελληνικά\n", "Κείμενα.md": "# Κείμενα\n\nΕλληνικά κείμενα.\n"},
        "ελληνικα",
    )
    assert found == ["Ελληνικά.md", "Κείμενα.md"]


def test_a_phrase_is_found_through_folding(tmp_path: Path) -> None:
    notes = {
        "A.md": "Τα Ελληνικά κείμενα and more.\n",
        "B.md": "Κείμενα, όχι ελληνικά.\n",
        "C.md": "Ελληνικά and English side by side.\n",
    }
    assert search_in(tmp_path, notes, '"ελληνικα κειμενα"') == ["A.md"]
    assert search_in(tmp_path / "b", notes, '"ελληνικα and english"') == ["C.md"]


# -- the index -------------------------------------------------------------------------------


def test_a_version_5_index_is_rebuilt_with_searchable_names(tmp_path: Path) -> None:
    write_notes(tmp_path, {"Graph Theory.md": "# Stories\n"})
    index_folder(tmp_path).close()
    db_path = tmp_path / ".codex" / "notebook.db"
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TABLE search_index")
    conn.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5(file_id UNINDEXED, path UNINDEXED, title,"
        " content, tags, tokenize = 'unicode61 remove_diacritics 2', detail = column)"
    )
    conn.execute("PRAGMA user_version = 5")
    conn.commit()
    conn.close()
    indexer = index_folder(tmp_path)
    try:
        assert paths(queries.search(indexer.conn, "graph theory")) == ["Graph Theory.md"]
        assert indexer.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        indexer.close()


def test_a_later_alias_or_a_name_starting_with_the_words_ranks_first(tmp_path: Path) -> None:
    """Names are candidates for the first bands when they start with the words; aliases when
    any of them holds the words (an alias column holds every alias of the note)."""
    found = search_in(
        tmp_path,
        {
            "Networks.md": "---\naliases: [web, graph theory]\n---\n# Networks\n\nText.\n",
            "Applied graph theory.md": "# Applied graph theory\n\nGraph theory, graph theory.\n",
            "Graph theory notes.md": "# Graph theory notes\n\nText.\n",
        },
        "graph theory",
    )
    assert found == ["Networks.md", "Graph theory notes.md", "Applied graph theory.md"]
