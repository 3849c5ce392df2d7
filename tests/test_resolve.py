"""Link resolution rules (core.resolve) against an in-memory catalog."""

from __future__ import annotations

import pytest

from codex_lsp.core.anchors import (
    anchor_of,
    names_of_block,
    names_of_heading,
    range_end_heading,
    read_anchor,
)
from codex_lsp.core.parser import parse_note
from codex_lsp.core.resolve import (
    LinkStatus,
    MemoryCatalog,
    Resolution,
    Target,
    find_anchor,
    has_clear_winner,
    lookup_key,
    resolve_link,
    strip_note_suffix,
)
from codex_lsp.core.rewrite import renamed_names
from codex_lsp.core.syntax import slugify


def note(path: str, *, aliases: tuple[str, ...] = (), headings: tuple[str, ...] = (),
         blocks: tuple[str, ...] = ()) -> Target:  # fmt: skip
    return Target(
        path,
        True,
        aliases,
        tuple(_heading(h) for h in headings),
        frozenset(blocks),
        ref=path,
    )


def _heading(written: str) -> tuple[str, str, int]:
    """(text, slug, level) of a heading written "## Text" (a bare text is level 2)."""
    text = written.lstrip("#").strip()
    level = len(written) - len(written.lstrip("#")) or 2
    return text, slugify(text), level


def attachment(path: str) -> Target:
    return Target(path, False, ref=path)


@pytest.fixture
def catalog() -> MemoryCatalog:
    return MemoryCatalog(
        [
            note("Home.md", aliases=("Start", "Index page")),
            note(
                "protocols/PCR amplification.md",
                aliases=("PCR",),
                headings=("# PCR amplification", "Thermal cycling", "Ladder (Größenstandard)"),
                blocks=("best-ta",),
            ),
            note("protocols/Gel electrophoresis.md", headings=("Loading",)),
            note("projects/Overview.md"),
            note("projects/imaging/Overview.md"),
            note("projects/imaging/Plan.md"),
            note("archive/old/deep/Overview.md"),
            note("daily/2026-03-09.md"),
            note("etc/passwd.md"),
            attachment("data/gel-2026-03-05.png"),
            attachment("data/qpcr-run-07.csv"),
        ]
    )


def resolve(
    catalog: MemoryCatalog,
    written: str,
    source: str = "daily/2026-03-09.md",
    *,
    relative: bool = False,
) -> Resolution:
    """Resolve a link written as in a note: ``target#anchor`` or ``target#^block``."""
    target, _, anchor = written.partition("#")
    is_block = anchor.startswith("^")
    return resolve_link(
        target,
        (anchor[1:] if is_block else anchor) or None,
        is_block,
        source,
        catalog,
        relative=relative,
    )


def resolved(result: Resolution, path: str) -> bool:
    return result.status is LinkStatus.RESOLVED and result.target == path


# -- by name -------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["Home", "home", "HOME", "Home.md", "home.MD"])
def test_stem_match_is_case_insensitive_with_optional_suffix(
    catalog: MemoryCatalog, written: str
) -> None:
    assert resolved(resolve(catalog, written), "Home.md")


def test_stem_match_anywhere_in_the_notebook(catalog: MemoryCatalog) -> None:
    assert resolved(resolve(catalog, "PCR amplification"), "protocols/PCR amplification.md")
    assert resolved(resolve(catalog, "pcr AMPLIFICATION.md"), "protocols/PCR amplification.md")


@pytest.mark.parametrize("written", ["Start", "start", "Index page", "PCR", "pcr"])
def test_alias_match(catalog: MemoryCatalog, written: str) -> None:
    result = resolve(catalog, written)
    assert result.status is LinkStatus.RESOLVED
    assert result.target in ("Home.md", "protocols/PCR amplification.md")


def test_alias_only_when_no_stem_matches(catalog: MemoryCatalog) -> None:
    catalog.add(note("notes/PCR.md"))
    result = resolve(catalog, "PCR")
    assert resolved(result, "notes/PCR.md")
    assert result.candidates == ()


def test_same_alias_on_two_notes_is_ambiguous(catalog: MemoryCatalog) -> None:
    catalog.add(note("Other start.md", aliases=("start",)))
    result = resolve(catalog, "Start")
    assert result.status is LinkStatus.AMBIGUOUS
    assert result.candidates == ("Home.md", "Other start.md")


def test_unknown_name_is_broken(catalog: MemoryCatalog) -> None:
    result = resolve(catalog, "Western blot")
    assert result == Resolution(LinkStatus.BROKEN)


# -- by path -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("imaging/Overview", "projects/imaging/Overview.md"),
        ("projects/imaging/Overview", "projects/imaging/Overview.md"),
        ("projects/imaging/Overview.md", "projects/imaging/Overview.md"),
        ("Projects/Imaging/overview", "projects/imaging/Overview.md"),
        ("protocols/PCR amplification", "protocols/PCR amplification.md"),
        ("deep/Overview", "archive/old/deep/Overview.md"),
    ],
)
def test_path_suffix_match(catalog: MemoryCatalog, written: str, expected: str) -> None:
    assert resolved(resolve(catalog, written), expected)


@pytest.mark.parametrize("written", ["maging/Overview", "other/Overview", "imaging/Overview/x"])
def test_path_suffix_must_match_whole_folders(catalog: MemoryCatalog, written: str) -> None:
    assert resolve(catalog, written).status is LinkStatus.BROKEN


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("gel-2026-03-05.png", "data/gel-2026-03-05.png"),
        ("GEL-2026-03-05.PNG", "data/gel-2026-03-05.png"),
        ("data/qpcr-run-07.csv", "data/qpcr-run-07.csv"),
        ("qpcr-run-07.csv", "data/qpcr-run-07.csv"),
    ],
)
def test_attachment_by_file_name(catalog: MemoryCatalog, written: str, expected: str) -> None:
    assert resolved(resolve(catalog, written), expected)


def test_attachment_needs_its_extension(catalog: MemoryCatalog) -> None:
    assert resolve(catalog, "gel-2026-03-05").status is LinkStatus.BROKEN
    assert resolve(catalog, "gel-2026-03-05.png.md").status is LinkStatus.BROKEN


def test_anchor_on_attachment_is_not_checked(catalog: MemoryCatalog) -> None:
    assert resolved(resolve(catalog, "qpcr-run-07.csv#row-3"), "data/qpcr-run-07.csv")


@pytest.mark.parametrize(
    ("written", "source", "expected"),
    [
        ("../protocols/PCR amplification.md", "experiments/x.md", "protocols/PCR amplification.md"),
        ("../protocols/PCR%20amplification.md", "experiments/x.md", None),
        ("./Plan.md", "projects/imaging/Overview.md", "projects/imaging/Plan.md"),
        ("Plan.md", "projects/imaging/Overview.md", "projects/imaging/Plan.md"),
        ("imaging/Plan.md", "projects/Overview.md", "projects/imaging/Plan.md"),
        ("../../Home.md", "projects/imaging/Plan.md", "Home.md"),
        ("data/gel-2026-03-05.png", "Home.md", "data/gel-2026-03-05.png"),
        (
            "/protocols/Gel electrophoresis.md",
            "projects/imaging/Plan.md",
            "protocols/Gel electrophoresis.md",
        ),
    ],
)
def test_relative_markdown_links(
    catalog: MemoryCatalog, written: str, source: str, expected: str | None
) -> None:
    # (%-escapes are decoded by the parser, so an escaped target reaching the resolver is literal.)
    result = resolve(catalog, written, source, relative=True)
    if expected is None:
        assert result.status is LinkStatus.BROKEN
    else:
        assert resolved(result, expected)


def test_markdown_link_without_folder_falls_back_to_name(catalog: MemoryCatalog) -> None:
    result = resolve(catalog, "Gel electrophoresis.md", "daily/2026-03-09.md", relative=True)
    assert resolved(result, "protocols/Gel electrophoresis.md")


def test_relative_markdown_link_with_missing_folder_is_broken(catalog: MemoryCatalog) -> None:
    result = resolve(catalog, "nowhere/Home.md", "daily/2026-03-09.md", relative=True)
    assert result.status is LinkStatus.BROKEN


def test_markdown_link_with_a_vault_absolute_path(catalog: MemoryCatalog) -> None:
    # Written in daily/, "protocols/..." does not exist beside it: the vault root reading does.
    result = resolve(catalog, "protocols/PCR amplification.md", relative=True)
    assert resolved(result, "protocols/PCR amplification.md")
    assert resolved(
        resolve(catalog, "projects/imaging/Plan.md", "projects/Overview.md", relative=True),
        "projects/imaging/Plan.md",
    )
    # The relative reading wins where it exists.
    assert resolved(
        resolve(catalog, "imaging/Plan.md", "projects/Overview.md", relative=True),
        "projects/imaging/Plan.md",
    )


def test_relative_wiki_links(catalog: MemoryCatalog) -> None:
    assert resolved(
        resolve(catalog, "../protocols/PCR amplification", "experiments/x.md"),
        "protocols/PCR amplification.md",
    )
    assert resolved(
        resolve(catalog, "./Plan", "projects/imaging/Overview.md"), "projects/imaging/Plan.md"
    )
    assert resolve(catalog, "./Plan", "daily/x.md").status is LinkStatus.BROKEN


@pytest.mark.parametrize(
    "written", ["/protocols/PCR amplification", "/protocols/PCR amplification.md"]
)
def test_rooted_paths(catalog: MemoryCatalog, written: str) -> None:
    for relative in (False, True):
        result = resolve(catalog, written, "projects/imaging/Plan.md", relative=relative)
        assert resolved(result, "protocols/PCR amplification.md")


@pytest.mark.parametrize(
    ("written", "source", "relative"),
    [
        ("../../etc/passwd", "daily/2026-03-09.md", False),
        ("../../etc/passwd", "Home.md", False),
        ("../etc/passwd", "Home.md", False),
        ("../../etc/passwd.md", "daily/2026-03-09.md", True),
        ("../../x.md", "daily/2026-03-09.md", True),
        ("../Home.md", "Home.md", True),
        ("/../etc/passwd", "Home.md", False),
        ("/../../etc/passwd.md", "daily/2026-03-09.md", True),
        ("./../../etc/passwd", "daily/2026-03-09.md", False),
    ],
)
def test_paths_escaping_the_notebook_are_broken(
    catalog: MemoryCatalog, written: str, source: str, relative: bool
) -> None:
    result = resolve(catalog, written, source, relative=relative)
    assert result.status is LinkStatus.BROKEN
    assert result.target is None


# -- ambiguity -----------------------------------------------------------------------------

OVERVIEWS = ("archive/old/deep/Overview.md", "projects/Overview.md", "projects/imaging/Overview.md")


def test_ambiguous_prefers_shortest_path(catalog: MemoryCatalog) -> None:
    result = resolve(catalog, "Overview", "daily/2026-03-09.md")
    assert result.status is LinkStatus.AMBIGUOUS
    assert result.target == "projects/Overview.md"
    assert result.candidates == OVERVIEWS


def test_ambiguous_prefers_same_folder(catalog: MemoryCatalog) -> None:
    result = resolve(catalog, "overview", "projects/imaging/Plan.md")
    assert result.status is LinkStatus.AMBIGUOUS
    assert result.target == "projects/imaging/Overview.md"
    assert result.candidates == OVERVIEWS
    deep = resolve(catalog, "Overview", "archive/old/deep/Other.md")
    assert deep.target == "archive/old/deep/Overview.md"


def test_ambiguous_between_equally_deep_paths_is_deterministic() -> None:
    catalog = MemoryCatalog(
        [note("projects/sequencing/Overview.md"), note("projects/imaging/Overview.md")]
    )
    result = resolve(catalog, "Overview", "daily/2026-03-09.md")
    assert result.status is LinkStatus.AMBIGUOUS
    assert result.target == "projects/imaging/Overview.md"
    assert result.candidates == ("projects/imaging/Overview.md", "projects/sequencing/Overview.md")


@pytest.mark.parametrize(
    ("target", "candidates", "source", "clear"),
    [
        ("a/X.md", ("a/X.md", "b/X.md"), "a/Note.md", True),  # beside the linking note
        ("X.md", ("X.md", "b/c/X.md"), "d/Note.md", True),  # the only shallowest
        ("b/X.md", ("b/X.md", "c/X.md"), "d/Note.md", False),  # as deep as another
        ("X.md", ("X.md", "a/X.md"), "a/Note.md", False),  # shallower, but one is beside
        ("a/X.md", ("a/X.md",), "a/Note.md", False),  # not ambiguous at all
    ],
)
def test_clear_winner_of_an_ambiguous_link(
    target: str, candidates: tuple[str, ...], source: str, clear: bool
) -> None:
    assert has_clear_winner(target, candidates, source) is clear


def test_path_link_resolves_ambiguity(catalog: MemoryCatalog) -> None:
    result = resolve(catalog, "imaging/Overview")
    assert result.status is LinkStatus.RESOLVED
    assert result.candidates == ()


def test_note_wins_over_attachment_with_same_key() -> None:
    catalog = MemoryCatalog([note("notes/data.csv.md"), attachment("files/data.csv")])
    assert resolved(resolve(catalog, "data.csv"), "notes/data.csv.md")


# -- anchors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "anchor",
    [
        "Thermal cycling",
        "thermal cycling",
        "THERMAL CYCLING",
        "thermal-cycling",
        "Thermal-Cycling",
        "Ladder (Größenstandard)",
        "ladder-größenstandard",
        "PCR amplification#Thermal cycling",
    ],
)
def test_heading_anchor_by_text_or_slug(catalog: MemoryCatalog, anchor: str) -> None:
    result = resolve(catalog, f"PCR amplification#{anchor}")
    assert resolved(result, "protocols/PCR amplification.md")


HEADING_PATHS = MemoryCatalog(
    [
        note(
            "Guide.md",
            headings=("# Guide", "## Setup", "### Notes", "## Usage", "### Notes", "#### Deep"),
        )
    ]
)


@pytest.mark.parametrize(
    ("anchor", "number"),
    [
        ("Notes", 2),  # a single part: the first such heading
        ("Usage#Notes", 4),  # the Notes under Usage, not the first Notes
        ("Setup#Notes", 2),
        ("Guide#Usage#Notes#Deep", 5),
        ("Usage#Deep", 5),  # anywhere inside the section, not only one level down
        ("usage#notes", 4),  # text or slug, any case
        ("Setup#Deep", None),  # Deep is not inside Setup
        ("Notes#Usage", None),  # Usage is not inside Notes
    ],
)
def test_heading_path_names_the_heading_inside_the_section(anchor: str, number: int | None) -> None:
    target = HEADING_PATHS.get("Guide.md")
    assert target is not None
    assert find_anchor(target, anchor, False) == number
    status = resolve(HEADING_PATHS, f"Guide#{anchor}").status
    assert status is (LinkStatus.RESOLVED if number is not None else LinkStatus.BROKEN_ANCHOR)


def test_heading_anchor_with_inline_code() -> None:
    catalog = MemoryCatalog([note("Cmds.md", headings=("Intro", "`move`"))])
    assert resolved(resolve(catalog, "Cmds#`move`"), "Cmds.md")
    assert resolved(resolve(catalog, "Cmds#move"), "Cmds.md")


@pytest.mark.parametrize("anchor", ["Nonexistent section", "Thermal", "cycling"])
def test_missing_heading_is_broken_anchor(catalog: MemoryCatalog, anchor: str) -> None:
    result = resolve(catalog, f"PCR amplification#{anchor}")
    assert result.status is LinkStatus.BROKEN_ANCHOR
    assert result.target == "protocols/PCR amplification.md"


def test_block_anchor_is_exact(catalog: MemoryCatalog) -> None:
    assert resolved(resolve(catalog, "PCR#^best-ta"), "protocols/PCR amplification.md")
    for wrong in ("PCR#^Best-TA", "PCR#^best", "PCR#^nope"):
        result = resolve(catalog, wrong)
        assert result.status is LinkStatus.BROKEN_ANCHOR, wrong
        assert result.target == "protocols/PCR amplification.md"


def test_heading_text_is_not_a_block_id(catalog: MemoryCatalog) -> None:
    assert resolve(catalog, "PCR#^thermal-cycling").status is LinkStatus.BROKEN_ANCHOR


def test_ambiguous_link_with_missing_anchor_is_broken_anchor(catalog: MemoryCatalog) -> None:
    result = resolve(catalog, "Overview#Nothing here")
    assert result.status is LinkStatus.BROKEN_ANCHOR
    assert result.target == "projects/Overview.md"


def test_anchor_on_relative_markdown_link(catalog: MemoryCatalog) -> None:
    good = resolve(catalog, "../protocols/Gel electrophoresis.md#loading", "experiments/x.md",
                   relative=True)  # fmt: skip
    assert resolved(good, "protocols/Gel electrophoresis.md")
    bad = resolve(catalog, "../protocols/Gel electrophoresis.md#unloading", "experiments/x.md",
                  relative=True)  # fmt: skip
    assert bad.status is LinkStatus.BROKEN_ANCHOR


def test_same_note_anchors(catalog: MemoryCatalog) -> None:
    source = "protocols/PCR amplification.md"
    assert resolved(resolve(catalog, "#Thermal cycling", source), source)
    assert resolved(resolve(catalog, "#^best-ta", source), source)
    assert resolve(catalog, "#Nope", source).status is LinkStatus.BROKEN_ANCHOR
    assert resolve(catalog, "#^nope", source).status is LinkStatus.BROKEN_ANCHOR
    assert resolve(catalog, "#Anything", "not/in/catalog.md").status is LinkStatus.BROKEN


# -- catalog -------------------------------------------------------------------------------


def test_memory_catalog_add_replace_remove(catalog: MemoryCatalog) -> None:
    assert resolve(catalog, "Western blot").status is LinkStatus.BROKEN
    catalog.add(note("protocols/Western blot.md"))
    assert resolved(resolve(catalog, "western blot"), "protocols/Western blot.md")
    catalog.add(note("Home.md", aliases=("Landing",)))
    assert resolve(catalog, "Start").status is LinkStatus.BROKEN
    assert resolved(resolve(catalog, "Landing"), "Home.md")
    catalog.remove("protocols/Western blot.md")
    assert resolve(catalog, "Western blot").status is LinkStatus.BROKEN
    catalog.remove("never/there.md")


@pytest.mark.parametrize(
    ("target", "key"),
    [
        ("Note", "note"),
        ("Note.md", "note"),
        ("folder/Sub Note.markdown", "sub note"),
        ("../up/x.MD", "x"),
        ("data/file.csv", "file.csv"),
        ("folder/", "folder"),
    ],
)
def test_lookup_key(target: str, key: str) -> None:
    assert lookup_key(target) == key


def test_strip_note_suffix() -> None:
    assert strip_note_suffix("a.b.c.md") == "a.b.c"
    assert strip_note_suffix("x.MARKDOWN") == "x"
    assert strip_note_suffix("pic.png") == "pic.png"


def test_replacing_a_target_updates_every_key() -> None:
    """A file written again with other aliases: found under its new keys only, once each."""
    catalog = MemoryCatalog([Target("a/Note.md", True, ("Old", "Both")), Target("b/Note.md", True)])
    catalog.add(Target("a/Note.md", True, ("Both", "New"), ref="second"))
    assert [t.ref for t in catalog.candidates("new")] == ["second"]
    assert [t.ref for t in catalog.candidates("both")] == ["second"]
    assert catalog.candidates("old") == ()
    assert sorted(t.ref or t.path for t in catalog.candidates("note")) == ["b/Note.md", "second"]
    catalog.remove("a/Note.md")
    assert catalog.candidates("both") == () and len(catalog.candidates("note")) == 1


# -- anchors (core.anchors): what an anchor names ---------------------------------------------

RANGE_NOTE = note("b.md", headings=("# B", "Setup", "Results", "Setup"), blocks=("one", "two"))


@pytest.mark.parametrize(
    ("written", "start", "end"),
    [
        ("Setup", ["Setup"], None),
        (" A # B ", ["A", "B"], None),
        ("setup,1:#results", ["setup"], "results"),
        ("setup:#*", ["setup"], None),  # to the end of the note
        ("setup,2", ["setup"], None),
        ("^one:#^two", ["one"], "two"),
        ("a:#b:#c", ["a"], "b:#c"),  # the first ":#" starts the range end
    ],
)
def test_read_anchor_splits_start_and_range_end(
    written: str, start: list[str], end: str | None
) -> None:
    anchor = read_anchor(written)
    assert [name.text for name in anchor.start] == start
    assert (anchor.range_end.text if anchor.range_end else None) == end
    for name in anchor.names:  # offsets point at the name as written
        assert written[name.start : name.end] == name.text


def test_a_range_anchor_leads_to_its_start_and_names_its_end() -> None:
    keys = RANGE_NOTE.headings
    anchor = anchor_of("setup,1:#results", False)
    assert find_anchor(RANGE_NOTE, "setup,1:#results", False) == 1
    assert [n.text for n in names_of_heading(keys, anchor, 1)] == ["setup"]
    assert [n.text for n in names_of_heading(keys, anchor, 2)] == ["results"]
    assert names_of_heading(keys, anchor, 3) == []
    # The end is the first such heading after the start.
    assert range_end_heading(keys, anchor_of("results:#setup", False)) == 3


def test_a_dendron_block_range_leads_to_its_first_block() -> None:
    assert find_anchor(RANGE_NOTE, "one:#^two", True) == 0
    assert find_anchor(RANGE_NOTE, "nope:#^two", True) is None
    anchor = anchor_of("one:#^two", True)
    assert [n.text for n in names_of_block(anchor, "two")] == ["two"]
    assert [n.text for n in names_of_block(anchor, "one")] == ["one"]


@pytest.mark.parametrize(
    ("written", "names", "renamed"),
    [
        ("b#setup,1:#results", [0], "b#Preparation,1:#results"),
        ("b#setup,1:#results", [1], "b#setup,1:#Preparation"),
        ("b#Guide # Setup", [1], "b#Guide # Preparation"),
        ("b#^one:#^two", [1], "b#^one:#^Preparation"),
    ],
)
def test_renamed_names_rewrite_only_the_named_parts(
    written: str, names: list[int], renamed: str
) -> None:
    link = parse_note(f"[[{written}]]", "a").links[0]
    assert renamed_names(written, link, names, "Preparation") == renamed


def test_renamed_names_slug_headings_in_markdown_links() -> None:
    written = "<b.md#setup>"
    link = parse_note(f"[x]({written})", "a").links[0]
    assert renamed_names(written, link, [0], "Mise en place") == "<b.md#mise-en-place>"
