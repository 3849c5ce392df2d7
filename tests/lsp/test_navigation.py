"""Go to definition, find references and hover through a real client."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from lsp_session import Session, find, text_in
from lsprotocol import types
from pygls.exceptions import JsonRpcException

pytestmark = pytest.mark.asyncio(loop_scope="module")

PCR = "protocols/PCR amplification.md"
EXP012 = "experiments/EXP-012 Annealing gradient.md"
DAILY4 = "daily/2026-03-04.md"
REQUEST_FAILED = -32803
OPTIMISATION = "experiments/2026-03-04 PCR optimisation.md"
GEL_CHECK = "experiments/2026-03-05 Gel check of PCR products.md"
START = types.Range(types.Position(0, 0), types.Position(0, 0))

# Every link to the PCR protocol in the example notebook: (file, 0-based line), one per link.
PCR_BACKLINKS = sorted(
    [
        ("README.md", 19),
        ("README.md", 19),
        ("projects/Plasmid library screen.md", 18),
        ("projects/Plasmid library screen.md", 32),
        ("projects/sequencing/Overview.md", 13),
        (EXP012, 5),
        (EXP012, 18),
        (EXP012, 35),
        (OPTIMISATION, 5),
        (OPTIMISATION, 19),
        (OPTIMISATION, 35),
        (GEL_CHECK, 30),
        ("experiments/EXP-011 Template titration.md", 5),
        ("daily/2026-03-05.md", 13),
        ("daily/2026-03-09.md", 14),
        ("daily/2026-03-04.md", 10),
        ("equipment/T100 Thermocycler.md", 10),
        ("people/Ana Ribeiro.md", 15),
    ]
)
THERMAL_CYCLING_LINKS = sorted(
    [("daily/2026-03-09.md", 14), ("projects/Plasmid library screen.md", 32), (EXP012, 18)]
)


def rel_of(lab: Session, uri: str) -> str:
    prefix = lab.root.as_uri() + "/"
    assert uri.startswith(prefix), uri
    return unquote(uri[len(prefix) :])


def places(lab: Session, locations: list[types.Location]) -> list[tuple[str, int]]:
    """(file, 0-based line) of each location, sorted."""
    return sorted((rel_of(lab, loc.uri), loc.range.start.line) for loc in locations)


async def definition_of(lab: Session, rel: str, needle: str, occurrence: int = 0) -> types.Location:
    uri = lab.open(rel)
    found = await lab.definition(uri, lab.find(rel, needle, occurrence=occurrence, delta=3))
    assert len(found) == 1, found
    return found[0]


# -- definition ------------------------------------------------------------------------------


async def test_definition_of_a_note_link(shared_lab: Session) -> None:
    found = await definition_of(shared_lab, "README.md", "[[Plasmid library screen]]")
    assert rel_of(shared_lab, found.uri) == "projects/Plasmid library screen.md"
    assert found.range == START


async def test_definition_of_an_alias_link(shared_lab: Session) -> None:
    found = await definition_of(shared_lab, "daily/2026-03-09.md", "[[Home|notebook index]]")
    assert rel_of(shared_lab, found.uri) == "README.md"
    found = await definition_of(shared_lab, "experiments/2026-03-06 qPCR run 07.md", "[[QS5]]")
    assert rel_of(shared_lab, found.uri) == "equipment/QuantStudio 5.md"


async def test_definition_of_a_heading_link(shared_lab: Session) -> None:
    found = await definition_of(shared_lab, EXP012, "[[PCR amplification#Thermal cycling]]")
    assert rel_of(shared_lab, found.uri) == PCR
    target = (shared_lab.root / PCR).read_text(encoding="utf-8")
    assert found.range.start.line == 27
    assert "Thermal cycling" in text_in(target, found.range)


async def test_definition_of_a_block_link(shared_lab: Session) -> None:
    found = await definition_of(shared_lab, "daily/2026-03-04.md", "![[EXP-012")
    assert rel_of(shared_lab, found.uri) == EXP012
    target = (shared_lab.root / EXP012).read_text(encoding="utf-8")
    assert found.range.start.line == 30
    assert text_in(target, found.range) == "^best-ta"


async def test_definition_of_an_attachment(shared_lab: Session) -> None:
    found = await definition_of(
        shared_lab, "experiments/2026-03-06 qPCR run 07.md", "[[qpcr-run-07.csv]]"
    )
    assert rel_of(shared_lab, found.uri) == "data/qpcr-run-07.csv"
    assert found.range == START


async def test_definition_of_a_same_note_heading(shared_lab: Session) -> None:
    found = await definition_of(shared_lab, EXP012, "[[#Results]]")
    assert rel_of(shared_lab, found.uri) == EXP012
    assert found.range.start.line == 20
    target = (shared_lab.root / EXP012).read_text(encoding="utf-8")
    assert "Results" in text_in(target, found.range)


async def test_definition_of_a_heading_link_written_with_inline_code(shared_lab: Session) -> None:
    rel = "notes/Commands.md"
    text = "# Commands\n\n## Intro\n\n### `move`\n\nSee [[#`move`|move]].\n"
    uri = shared_lab.open(rel, text)
    try:
        found = await shared_lab.definition(uri, find(text, "[[#`move`", delta=4))
        assert [(rel_of(shared_lab, loc.uri), loc.range.start.line) for loc in found] == [(rel, 4)]
    finally:
        shared_lab.close(uri)


async def test_definition_of_a_heading_path(shared_lab: Session) -> None:
    rel = "notes/Guide.md"
    text = "# Guide\n\n## Setup\n\n### Notes\n\n## Usage\n\n### Notes\n\n[[#Usage#Notes]]\n"
    uri = shared_lab.open(rel, text)
    try:
        found = await shared_lab.definition(uri, find(text, "[[#Usage", delta=4))
        assert [(rel_of(shared_lab, loc.uri), loc.range.start.line) for loc in found] == [(rel, 8)]
    finally:
        shared_lab.close(uri)


async def test_definition_of_a_relative_markdown_link(shared_lab: Session) -> None:
    found = await definition_of(shared_lab, GEL_CHECK, "(../protocols/Gel%20electrophoresis.md")
    assert rel_of(shared_lab, found.uri) == "protocols/Gel electrophoresis.md"
    target = (shared_lab.root / "protocols/Gel electrophoresis.md").read_text(encoding="utf-8")
    assert text_in(target, found.range).lower().endswith("loading")


async def test_definition_of_a_frontmatter_link(shared_lab: Session) -> None:
    found = await definition_of(shared_lab, EXP012, '"[[PCR amplification]]"')
    assert rel_of(shared_lab, found.uri) == PCR


async def test_definition_after_an_emoji_uses_utf16_columns(shared_lab: Session) -> None:
    rel = "daily/2026-03-04.md"
    line = shared_lab.read(rel).split("\n")[10]
    assert "🧪" in line
    found = await definition_of(shared_lab, rel, "[[PCR]]")
    assert rel_of(shared_lab, found.uri) == PCR
    found = await definition_of(shared_lab, rel, "[[2026-03-04 PCR optimisation]]")
    assert rel_of(shared_lab, found.uri) == OPTIMISATION
    # One column past the end of `[[PCR]]` (in UTF-16) is no longer on the link.
    end = shared_lab.find(rel, "[[PCR]]", delta=len("[[PCR]]") + 1)
    assert await shared_lab.definition(shared_lab.uri(rel), end) == []


async def test_definition_of_broken_ambiguous_and_plain_text(shared_lab: Session) -> None:
    rel = "experiments/EXP-014 HEK293 transfection.md"
    uri = shared_lab.open(rel)
    assert await shared_lab.definition(uri, shared_lab.find(rel, "[[Western blot]]", delta=3)) == []
    assert await shared_lab.definition(uri, shared_lab.find(rel, "First transfection")) == []
    found = await definition_of(shared_lab, "daily/2026-03-09.md", "[[Overview]]")
    assert rel_of(shared_lab, found.uri) in (
        "projects/imaging/Overview.md",
        "projects/sequencing/Overview.md",
    )


# -- references ------------------------------------------------------------------------------


async def test_references_of_a_note_from_anywhere_in_it(shared_lab: Session) -> None:
    uri = shared_lab.open(PCR)
    found = await shared_lab.references(uri, shared_lab.find(PCR, "Assemble on ice"))
    assert places(shared_lab, found) == PCR_BACKLINKS
    for location in found:
        text = (shared_lab.root / rel_of(shared_lab, location.uri)).read_text(encoding="utf-8")
        assert text_in(text, location.range).lstrip("!").startswith("[[")


async def test_references_of_a_note_from_its_title(shared_lab: Session) -> None:
    uri = shared_lab.open(PCR)
    found = await shared_lab.references(uri, shared_lab.find(PCR, "# PCR amplification", delta=4))
    assert places(shared_lab, found) == PCR_BACKLINKS


async def test_references_of_a_heading(shared_lab: Session) -> None:
    uri = shared_lab.open(PCR)
    position = shared_lab.find(PCR, "## Thermal cycling", delta=5)
    found = await shared_lab.references(uri, position)
    assert places(shared_lab, found) == THERMAL_CYCLING_LINKS
    with_declaration = await shared_lab.references(uri, position, declaration=True)
    assert (PCR, 27) in places(shared_lab, with_declaration)
    assert len(with_declaration) == 4


async def test_references_of_a_block(shared_lab: Session) -> None:
    uri = shared_lab.open(OPTIMISATION)
    found = await shared_lab.references(uri, shared_lab.find(OPTIMISATION, "^result-summary"))
    assert places(shared_lab, found) == sorted(
        [(GEL_CHECK, 26), ("README.md", 29), ("projects/Plasmid library screen.md", 25)]
    )


async def test_references_of_a_tag(shared_lab: Session) -> None:
    rel = "daily/2026-03-04.md"
    uri = shared_lab.open(rel)
    found = await shared_lab.references(uri, shared_lab.find(rel, "#assay/pcr", delta=2))
    files = {rel_of(shared_lab, loc.uri) for loc in found}
    assert files == {
        rel,
        PCR,
        OPTIMISATION,
        GEL_CHECK,
        EXP012,
        "experiments/EXP-011 Template titration.md",
        "equipment/T100 Thermocycler.md",
    }
    # Frontmatter and inline occurrences are both found, each range covers the tag.
    for location in found:
        text = (shared_lab.root / rel_of(shared_lab, location.uri)).read_text(encoding="utf-8")
        assert text_in(text, location.range).lstrip("#") == "assay/pcr"
    assert (OPTIMISATION, 7) in places(shared_lab, found)  # tags: [..., assay/pcr, ...]
    assert (OPTIMISATION, 21) in places(shared_lab, found)  # inline #assay/pcr


async def test_references_on_a_link_are_those_of_its_target(shared_lab: Session) -> None:
    rel = "daily/2026-03-04.md"
    uri = shared_lab.open(rel)
    found = await shared_lab.references(uri, shared_lab.find(rel, "[[PCR]]", delta=3))
    assert places(shared_lab, found) == PCR_BACKLINKS
    rel = "daily/2026-03-09.md"
    uri = shared_lab.open(rel)
    found = await shared_lab.references(uri, shared_lab.find(rel, "[[PCR amplification#", delta=3))
    assert places(shared_lab, found) == THERMAL_CYCLING_LINKS


# -- hover -----------------------------------------------------------------------------------


async def hover_text(lab: Session, rel: str, needle: str, delta: int = 3) -> types.Hover:
    uri = lab.open(rel)
    found = await lab.hover(uri, lab.find(rel, needle, delta=delta))
    assert found is not None
    assert isinstance(found.contents, types.MarkupContent)
    assert found.contents.kind == types.MarkupKind.Markdown
    return found


async def test_hover_on_a_link(shared_lab: Session) -> None:
    rel = "experiments/2026-03-06 qPCR run 07.md"
    found = await hover_text(shared_lab, rel, "[[QS5]]")
    assert isinstance(found.contents, types.MarkupContent)
    value = found.contents.value
    assert "**QuantStudio 5**" in value
    assert "equipment/QuantStudio 5.md" in value
    assert "Core facility, room 0.07" in value  # frontmatter summary
    assert "Applied Biosystems" in value  # first lines
    # README, daily/2026-03-06, qPCR setup, and this note twice (frontmatter and [[QS5]]).
    assert "*5 backlinks*" in value
    assert found.range is not None
    assert text_in(shared_lab.read(rel), found.range) == "[[QS5]]"


async def test_hover_on_a_heading_link_shows_the_section(shared_lab: Session) -> None:
    found = await hover_text(shared_lab, EXP012, "[[PCR amplification#Thermal cycling]]")
    assert isinstance(found.contents, types.MarkupContent)
    value = found.contents.value
    assert "## Thermal cycling" in value
    assert "Initial denaturation" in value
    assert "Assemble on ice" not in value  # the section only
    assert f"*{len(PCR_BACKLINKS)} backlinks*" in value


async def test_hover_on_a_tag(shared_lab: Session) -> None:
    rel = "experiments/2026-03-06 qPCR run 07.md"
    found = await hover_text(shared_lab, rel, "#assay/qpcr", delta=2)
    assert isinstance(found.contents, types.MarkupContent)
    assert found.contents.value == "**#assay/qpcr** — 6 notes"


async def test_hover_on_a_broken_link_and_on_text(shared_lab: Session) -> None:
    rel = "experiments/EXP-014 HEK293 transfection.md"
    found = await hover_text(shared_lab, rel, "[[Western blot]]")
    assert isinstance(found.contents, types.MarkupContent)
    assert "Broken link" in found.contents.value
    uri = shared_lab.uri(rel)
    assert await shared_lab.hover(uri, shared_lab.find(rel, "First transfection")) is None


async def prepare(lab: Session, rel: str, position: types.Position) -> types.Range:
    result = await lab.client.text_document_prepare_rename_async(
        types.PrepareRenameParams(types.TextDocumentIdentifier(lab.open(rel)), position)
    )
    assert isinstance(result, types.PrepareRenamePlaceholder), result
    return result.range


# -- prepareRename ---------------------------------------------------------------------------


async def test_prepare_rename_placeholders(shared_lab: Session) -> None:
    result = await shared_lab.client.text_document_prepare_rename_async(
        types.PrepareRenameParams(
            types.TextDocumentIdentifier(shared_lab.open(DAILY4)),
            shared_lab.find(DAILY4, "[[PCR]]", delta=3),
        )
    )
    assert isinstance(result, types.PrepareRenamePlaceholder)
    assert result.placeholder == "PCR amplification"  # the note, not the alias
    assert text_in(shared_lab.read(DAILY4), result.range) == "PCR"
    where = await prepare(shared_lab, PCR, shared_lab.find(PCR, "# PCR amplification", delta=3))
    assert text_in(shared_lab.read(PCR), where).endswith("PCR amplification")
    where = await prepare(shared_lab, PCR, shared_lab.find(PCR, "## Thermal cycling", delta=4))
    assert "Thermal cycling" in text_in(shared_lab.read(PCR), where)
    where = await prepare(shared_lab, EXP012, shared_lab.find(EXP012, "^best-ta", delta=2))
    assert text_in(shared_lab.read(EXP012), where) == "^best-ta"
    where = await prepare(shared_lab, DAILY4, shared_lab.find(DAILY4, "#assay/pcr", delta=3))
    assert text_in(shared_lab.read(DAILY4), where) == "#assay/pcr"


@pytest.mark.parametrize(
    ("rel", "needle", "message"),
    [
        (PCR, "High-fidelity", "Nothing to rename here"),
        ("experiments/EXP-014 HEK293 transfection.md", "[[Western blot]]", "does not exist"),
        (EXP012, "[[#Results]]", "Rename the heading"),
    ],
)
async def test_prepare_rename_refuses_with_a_message(
    shared_lab: Session, rel: str, needle: str, message: str
) -> None:
    uri = shared_lab.open(rel)
    with pytest.raises(JsonRpcException) as info:
        await shared_lab.client.text_document_prepare_rename_async(
            types.PrepareRenameParams(
                types.TextDocumentIdentifier(uri), shared_lab.find(rel, needle, delta=3)
            )
        )
    assert info.value.code == REQUEST_FAILED
    assert message in str(info.value)
