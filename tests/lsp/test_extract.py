"""Extract and inline code actions end to end: the new note, what is left in place, links
into the moved section pointed at the new note, and an embed replaced by its text."""

from __future__ import annotations

import pytest
from lsp_session import Session, find
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

RUN = "notes/Run.md"
REFS = "notes/Refs.md"
RUN_TEXT = """# Run

Intro, see [[#Setup]] and [[#Results]].

## Setup

Mix the buffer. ^mix

### Reagents

- Tris

## Results

Bands.
"""
REFS_TEXT = "# Refs\n\n[[Run#Setup]], [[Run#Setup#Reagents|r]], [[Run#^mix]], [[Run#Results]].\n"


@pytest.fixture
def lab(fresh_lab: Session) -> Session:
    """These tests change files: one server per module, restored after each test."""
    return fresh_lab


async def refactorings(lab: Session, uri: str, rng: types.Range) -> list[types.CodeAction]:
    result = await lab.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=rng,
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.Refactor]),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


async def indexed(lab: Session) -> None:
    async def linked() -> bool:
        found = await lab.command("codex.backlinks", {"uri": lab.uri(RUN)})
        return len([f for f in found if f["uri"] == lab.uri(REFS)]) == 4

    await lab.wait_until(linked, "the links into Run in the index")


async def test_extract_a_section_and_retarget_the_links_into_it(lab: Session) -> None:
    lab.write(RUN, RUN_TEXT)
    lab.write(REFS, REFS_TEXT)
    await indexed(lab)
    uri = lab.open(RUN)
    at = find(RUN_TEXT, "## Setup")
    actions = await refactorings(lab, uri, types.Range(at, at))
    assert [a.title for a in actions] == [
        "Extract section 'Setup' to 'notes/Setup.md'",
        "Extract section 'Setup' to 'notes/Setup.md' (embed)",
    ]
    assert all(a.kind == types.CodeActionKind.RefactorExtract for a in actions)
    assert actions[0].edit is not None
    lab.apply_edit(actions[0].edit)
    assert lab.read(RUN) == (
        "# Run\n\nIntro, see [[Setup]] and [[#Results]].\n\n[[Setup]]\n\n## Results\n\nBands.\n"
    )
    created = (lab.root / "notes/Setup.md").read_text(encoding="utf-8")
    assert "# Setup\n" in created
    assert created.endswith("\n\nMix the buffer. ^mix\n\n## Reagents\n\n- Tris\n")
    assert (lab.root / REFS).read_text(encoding="utf-8") == (
        "# Refs\n\n[[Setup]], [[Setup#Reagents|r]], [[Setup#^mix]], [[Run#Results]].\n"
    )


async def test_extract_a_selection_as_an_embed(lab: Session) -> None:
    text = "# Log\n\nBefore.\n- Buffer recipe: 50 mM Tris\n- pH 8\nAfter.\n"
    uri = lab.open("notes/Log.md", text)
    start, end = find(text, "- Buffer"), find(text, "After.")
    actions = await refactorings(lab, uri, types.Range(start, end))
    embed = next(a for a in actions if a.title.endswith("(embed)"))
    assert embed.title == "Extract selection to 'notes/Buffer recipe 50 mM Tris.md' (embed)"
    assert embed.edit is not None
    lab.apply_edit(embed.edit)
    assert lab.read("notes/Log.md") == ("# Log\n\nBefore.\n![[Buffer recipe 50 mM Tris]]\nAfter.\n")
    created = (lab.root / "notes/Buffer recipe 50 mM Tris.md").read_text(encoding="utf-8")
    assert created.endswith("\n\n- Buffer recipe: 50 mM Tris\n- pH 8\n")


async def test_inline_an_embedded_section(lab: Session) -> None:
    lab.write(RUN, RUN_TEXT)
    text = "# Week\n\n## Monday\n\n![[Run#Setup]]\n"
    uri = lab.open("notes/Week.md", text)

    async def offered() -> list[types.CodeAction]:
        at = find(text, "Run#Setup")
        return [
            a
            for a in await refactorings(lab, uri, types.Range(at, at))
            if a.kind == types.CodeActionKind.RefactorInline
        ]

    await lab.wait_until(offered, "the inline action once Run is indexed")
    (inline,) = await offered()
    assert inline.title == "Inline 'Run#Setup'"
    assert inline.edit is not None
    lab.apply_edit(inline.edit)
    assert lab.read("notes/Week.md") == (
        "# Week\n\n## Monday\n\n### Setup\n\nMix the buffer. ^mix\n\n#### Reagents\n\n- Tris\n"
    )


async def test_no_refactoring_where_there_is_nothing_to_move(lab: Session) -> None:
    uri = lab.open("notes/Plain.md", "# Plain\n\nText [[Run]].\n")
    at = types.Position(2, 2)
    assert await refactorings(lab, uri, types.Range(at, at)) == []
