"""Diagnostics: what is reported, severities, and recomputation after changes elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsp_session import Diagnostics, Session, codes, start_session, stop_session, text_in
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

EXP014 = "experiments/EXP-014 HEK293 transfection.md"
GEL_CHECK = "experiments/2026-03-05 Gel check of PCR products.md"
DAILY = "daily/2026-03-09.md"
PCR = "protocols/PCR amplification.md"
Severity = types.DiagnosticSeverity


@pytest.fixture
def lab(fresh_lab: Session) -> Session:
    """This module's tests change files: one server per module, restored after each test."""
    return fresh_lab


def has(code: str) -> Any:
    return lambda found: code in codes(found)


def lacks(code: str) -> Any:
    return lambda found: code not in codes(found)


def only(found: Diagnostics, code: str) -> types.Diagnostic:
    matching = [d for d in found if d.code == code]
    assert len(matching) == 1, [(d.code, d.message) for d in found]
    return matching[0]


async def test_problems_of_the_example_notebook(lab: Session) -> None:
    uri = lab.open(EXP014)
    broken = only(await lab.wait_for_diagnostics(uri, has("link-broken")), "link-broken")
    assert broken.severity == Severity.Error
    assert broken.source == "codex"
    assert broken.range.start.line == 18
    assert text_in(lab.read(EXP014), broken.range) == "[[Western blot]]"
    assert "Western blot" in broken.message

    uri = lab.open(GEL_CHECK)
    found = await lab.wait_for_diagnostics(uri, has("link-broken-anchor"))
    anchor = only(found, "link-broken-anchor")
    assert anchor.severity == Severity.Error
    assert anchor.range.start.line == 30
    assert text_in(lab.read(GEL_CHECK), anchor.range) == "[[PCR amplification#Nonexistent section]]"
    assert "Nonexistent section" in anchor.message
    assert codes(found) == ["link-broken-anchor"]  # every other link there resolves

    uri = lab.open(DAILY)
    ambiguous = only(await lab.wait_for_diagnostics(uri, has("link-ambiguous")), "link-ambiguous")
    assert ambiguous.severity == Severity.Warning
    assert ambiguous.range.start.line == 12
    assert text_in(lab.read(DAILY), ambiguous.range) == "[[Overview]]"
    related = ambiguous.related_information or []
    assert sorted(r.location.uri for r in related) == [
        lab.uri("projects/imaging/Overview.md"),
        lab.uri("projects/sequencing/Overview.md"),
    ]
    assert all(r.message for r in related)


async def test_notes_without_problems_get_empty_diagnostics(lab: Session) -> None:
    uri = lab.open(PCR)
    assert list(await lab.wait_for_diagnostics(uri)) == []


async def test_buffer_problems_yaml_blocks_and_anchors(lab: Session) -> None:
    text = (
        "---\ntitle: [unclosed\n---\n\n# Scratch\n\n"
        "First claim. ^claim\n\nSecond claim. ^claim\n\n"
        "See [[EXP-012 Annealing gradient#^no-such-block]] and [[PCR amplification#Nope]].\n"
        "Also [[#Missing here]] and [[#Scratch]].\n"
    )
    uri = lab.open("notes/scratch.md", text)
    found = await lab.wait_for_diagnostics(uri, has("yaml-invalid"))
    assert sorted(codes(found)) == sorted(
        [
            "yaml-invalid",
            "duplicate-block-id",
            "link-broken-anchor",
            "link-broken-anchor",
            "link-broken-anchor",
        ]
    )
    assert only(found, "yaml-invalid").severity == Severity.Error
    duplicate = only(found, "duplicate-block-id")
    assert duplicate.severity == Severity.Warning
    assert duplicate.range.start.line == 8
    anchors = sorted(
        (d for d in found if d.code == "link-broken-anchor"), key=lambda d: d.range.start
    )
    assert "block" in anchors[0].message and "no-such-block" in anchors[0].message
    assert "heading" in anchors[1].message and "Nope" in anchors[1].message
    assert text_in(text, anchors[2].range) == "[[#Missing here]]"


async def test_typing_a_link_updates_diagnostics(lab: Session) -> None:
    text = "# Scratch\n\nNothing yet.\n"
    uri = lab.open("scratch.md", text)
    await lab.wait_for_diagnostics(uri, lambda found: not found)
    lab.insert(uri, types.Position(2, 0), "See [[Nowhere to be found]]. ")
    broken = only(await lab.wait_for_diagnostics(uri, has("link-broken")), "link-broken")
    assert broken.range == types.Range(types.Position(2, 4), types.Position(2, 27))
    # Complete the name into an existing note: the diagnostic goes away.
    lab.edit(uri, broken.range, "[[Plasmid miniprep]]")
    await lab.wait_for_diagnostics(uri, lambda found: not found)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {
                "brokenLinks": "hint",
                "brokenAnchors": "information",
                "ambiguousLinks": "off",
                "yamlErrors": "off",
                "duplicateBlockIds": "error",
            },
            {
                "link-broken": Severity.Hint,
                "link-broken-anchor": Severity.Information,
                "duplicate-block-id": Severity.Error,
            },
        ),
        (
            {"brokenLinks": "off", "brokenAnchors": "off", "duplicateBlockIds": "off"},
            {"link-ambiguous": Severity.Warning, "yaml-invalid": Severity.Error},
        ),
    ],
)
async def test_configurable_severities(
    lab_notebook: Path, profile: str, settings: dict[str, str], expected: dict[str, Severity]
) -> None:
    session = await start_session(lab_notebook, profile, {"diagnostics": settings})
    try:
        text = (
            "---\ntitle: [x\n---\n[[Western blot]] [[PCR amplification#Nope]] [[Overview]]\n"
            "a ^b\n\nc ^b\n"
        )
        uri = session.open("scratch.md", text)
        found = await session.wait_for_diagnostics(uri)
        assert {str(d.code): d.severity for d in found} == expected
        assert len(found) == len(expected)
        assert session.client.messages == []
    finally:
        await stop_session(session)


SAME_FOLDER = "projects/imaging/Scratch.md"  # [[Overview]] here: the imaging one, no choice
SAME_FOLDER_TEXT = "[[Overview]] and [[Western blot]]\n"


async def test_an_ambiguous_link_resolved_without_a_choice_is_not_reported(lab: Session) -> None:
    uri = lab.open(SAME_FOLDER, SAME_FOLDER_TEXT)
    found = await lab.wait_for_diagnostics(uri, has("link-broken"))
    assert codes(found) == ["link-broken"]
    lab.close(uri)


async def test_ambiguity_with_a_winner_is_an_opt_in_hint(lab_notebook: Path, profile: str) -> None:
    settings = {"diagnostics": {"ambiguousResolvedLinks": "hint"}}
    session = await start_session(lab_notebook, profile, settings)
    try:
        uri = session.open(SAME_FOLDER, SAME_FOLDER_TEXT)
        found = await session.wait_for_diagnostics(uri, has("link-ambiguous"))
        hint = only(found, "link-ambiguous")
        assert hint.severity == Severity.Hint
        assert hint.message.endswith("using projects/imaging/Overview.md")
        uri = session.open(DAILY)  # no candidate beside it, two as deep: still a warning
        found = await session.wait_for_diagnostics(uri, has("link-ambiguous"))
        assert only(found, "link-ambiguous").severity == Severity.Warning
        assert session.client.messages == []
    finally:
        await stop_session(session)


async def test_configuration_changes_apply_at_once(lab_notebook: Path, profile: str) -> None:
    lab = await start_session(lab_notebook, profile)  # settings change: a server of its own
    try:
        uri = lab.open(EXP014)
        broken = only(await lab.wait_for_diagnostics(uri, has("link-broken")), "link-broken")
        assert broken.severity == Severity.Error
        # Settings pushed with the notification.
        lab.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"codex": {"diagnostics": {"brokenLinks": "warning"}}}
            )
        )
        await lab.wait_for_diagnostics(
            uri, lambda found: [d.severity for d in found] == [Severity.Warning]
        )
        # Settings pulled with workspace/configuration (the notification carries none).
        lab.client.set_configuration({"codex": {"diagnostics": {"brokenLinks": "off"}}})
        lab.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )
        await lab.wait_for_diagnostics(uri, lambda found: not found)
    finally:
        await stop_session(lab)


async def test_creating_and_deleting_the_missing_note(lab: Session) -> None:
    """A note created outside the editor clears every broken link to it; deleting it brings
    them back. VS Code announces the change (the server registered for it); with Neovim the
    server's own watcher has to notice it."""
    assert lab.watched_by_client == (lab.profile == "visual-studio-code")
    uri = lab.open(EXP014)
    await lab.wait_for_diagnostics(uri, has("link-broken"))
    lab.write("Western blot.md", "---\ntitle: Western blot\n---\n\n# Western blot\n")
    await lab.wait_for_diagnostics(uri, lacks("link-broken"))
    lab.delete("Western blot.md")
    await lab.wait_for_diagnostics(uri, has("link-broken"))


async def test_a_file_changed_on_disk_updates_other_notes(lab: Session) -> None:
    uri = lab.open(GEL_CHECK)
    await lab.wait_for_diagnostics(uri, has("link-broken-anchor"))
    pcr = (lab.root / PCR).read_text(encoding="utf-8")
    lab.write(PCR, pcr + "\n## Nonexistent section\n\nNow it exists.\n")
    await lab.wait_for_diagnostics(uri, lambda found: not found)


async def test_an_unsaved_buffer_is_the_truth(lab: Session) -> None:
    """Opening (not saving) a new note resolves links to it; closing it restores the disk."""
    uri = lab.open(EXP014)
    await lab.wait_for_diagnostics(uri, has("link-broken"))
    new = lab.open("protocols/Western blot.md", "# Western blot\n\nAnti-GFP, 1:1000.\n")
    await lab.wait_for_diagnostics(uri, lacks("link-broken"))
    lab.close(new)
    await lab.wait_for_diagnostics(uri, has("link-broken"))
    # Closing a document clears its own diagnostics.
    lab.close(uri)
    await lab.wait_for_diagnostics(uri, lambda found: not found)


async def test_editing_one_note_fixes_links_in_another(lab: Session) -> None:
    gel = lab.open(GEL_CHECK)
    await lab.wait_for_diagnostics(gel, has("link-broken-anchor"))
    pcr = lab.open(PCR)
    at = lab.find(PCR, "## Analysis")
    lab.insert(pcr, at, "## Nonexistent section\n\nTouchdown details.\n\n")
    await lab.wait_for_diagnostics(gel, lacks("link-broken-anchor"))
    # Taking the heading out again (still unsaved) brings the diagnostic back.
    end = types.Position(at.line + 4, 0)
    lab.edit(pcr, types.Range(at, end), "")
    await lab.wait_for_diagnostics(gel, has("link-broken-anchor"))
    assert "## Nonexistent section" not in lab.read(PCR)


async def test_renaming_a_heading_in_a_buffer_breaks_links(lab: Session) -> None:
    exp012 = lab.open("experiments/EXP-012 Annealing gradient.md")
    await lab.wait_for_diagnostics(exp012, lambda found: not found)
    pcr = lab.open(PCR)
    start = lab.find(PCR, "Thermal cycling")
    lab.edit(pcr, types.Range(start, types.Position(start.line, start.character + 7)), "PCR")
    found = await lab.wait_for_diagnostics(exp012, has("link-broken-anchor"))
    assert "Thermal cycling" in only(found, "link-broken-anchor").message


async def test_incremental_edits_count_utf16_columns(lab: Session) -> None:
    """Ranges of incremental changes are UTF-16: 🧪 counts as two columns."""
    text = "# Scratch\n\n- 🧪 Mg²⁺ series → [[Nowhere]] today\n"
    uri = lab.open("scratch.md", text)
    broken = only(await lab.wait_for_diagnostics(uri, has("link-broken")), "link-broken")
    assert text_in(text, broken.range) == "[[Nowhere]]"
    start = lab.find("scratch.md", "Nowhere")
    end = types.Position(start.line, start.character + len("Nowhere"))
    lab.edit(uri, types.Range(start, end), "Plasmid miniprep")
    await lab.wait_for_diagnostics(uri, lambda found: not found)
    definition = await lab.definition(uri, lab.find("scratch.md", "[[Plasmid", delta=3))
    assert [loc.uri for loc in definition] == [lab.uri("protocols/Plasmid miniprep.md")]
