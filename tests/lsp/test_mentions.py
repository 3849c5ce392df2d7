"""Unlinked mentions end to end: ``codex.mentions``, the hint in open notes, "Link it",
"Link all N mentions", the code lens count, and the setting that turns the hints off."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from lsp_session import Session, codes, start_session, stop_session, text_in
from lsprotocol import types

IMAGER = "equipment/Gel Imager.md"
RUN = "notes/Imaging run.md"
LOG = "notes/Bench log.md"


HINTS_ON = {"diagnostics": {"unlinkedMentions": "hint"}}


@pytest_asyncio.fixture
async def lab(lab_notebook: Path, profile: str) -> AsyncIterator[Session]:
    """A server of its own (the hints on) on the example notebook with a note that other
    notes mention."""
    files = {
        IMAGER: "---\naliases: [GI-3]\n---\n# Gel Imager\n\nThe imager.\n",
        RUN: "# Imaging run\n\nUsed the gel imager today.\n`Gel Imager` and [[Gel Imager]]"
        " and https://example.org/gel-imager\n",
        LOG: "---\ntags: [gel imager]\n---\n# Bench log\n\nThe GI-3 was free.\n",
    }
    for rel, text in files.items():
        (lab_notebook / rel).parent.mkdir(parents=True, exist_ok=True)
        (lab_notebook / rel).write_text(text, encoding="utf-8")
    session = await start_session(lab_notebook, profile, HINTS_ON)
    yield session
    await stop_session(session)


def as_range(value: dict[str, Any]) -> types.Range:
    return types.Range(types.Position(**value["start"]), types.Position(**value["end"]))


async def mentions(lab: Session, count: int) -> list[dict[str, Any]]:
    """``codex.mentions`` of the imager once it answers ``count`` mentions."""
    found: list[dict[str, Any]] = []

    async def answered() -> bool:
        found[:] = await lab.command("codex.mentions", {"uri": lab.uri(IMAGER)})
        return len(found) == count

    await lab.wait_until(answered, f"{count} mentions (last {found})")
    return found


async def test_mentions_of_a_note_with_context(lab: Session) -> None:
    found = await mentions(lab, 2)
    assert [(m["path"], m["text"], m["name"], m["context"]) for m in found] == [
        (LOG, "GI-3", "GI-3", "The GI-3 was free."),
        (RUN, "gel imager", "Gel Imager", "Used the gel imager today."),
    ]
    for mention in found:
        assert mention["uri"] == lab.uri(mention["path"])
        assert text_in(lab.read(mention["path"]), as_range(mention["range"])) == mention["text"]


async def test_an_open_buffer_is_searched_as_it_is(lab: Session) -> None:
    await mentions(lab, 2)
    uri = lab.open(RUN)
    lab.change(uri, "# Imaging run\n\nNo mention left.\n")
    found = await mentions(lab, 1)
    assert found[0]["path"] == LOG


async def hints(lab: Session, uri: str, count: int) -> list[types.Diagnostic]:
    found = await lab.wait_for_diagnostics(
        uri, lambda d: codes(d).count("unlinked-mention") == count
    )
    return [d for d in found if d.code == "unlinked-mention"]


async def code_actions(
    lab: Session, uri: str, diagnostic: types.Diagnostic
) -> list[types.CodeAction]:
    result = await lab.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=diagnostic.range,
            context=types.CodeActionContext(
                diagnostics=[diagnostic], only=[types.CodeActionKind.QuickFix]
            ),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


async def test_link_it(lab: Session) -> None:
    uri = lab.open(RUN)
    (hint,) = await hints(lab, uri, 1)
    assert hint.severity == types.DiagnosticSeverity.Hint
    assert text_in(lab.read(RUN), hint.range) == "gel imager"
    assert hint.data == {"target": IMAGER, "name": "Gel Imager"}
    link_it, link_all = await code_actions(lab, uri, hint)
    assert link_it.title == "Link it: [[Gel Imager|gel imager]]"
    assert link_all.title == "Link all 2 mentions of 'Gel Imager'"
    assert link_it.edit is not None
    lab.apply_edit(link_it.edit)
    assert lab.read(RUN).startswith("# Imaging run\n\nUsed the [[Gel Imager|gel imager]] today.\n")
    await hints(lab, uri, 0)
    found = await mentions(lab, 1)
    assert found[0]["path"] == LOG


async def test_link_all_mentions_in_one_edit(lab: Session) -> None:
    uri = lab.open(LOG)
    (hint,) = await hints(lab, uri, 1)
    actions = await code_actions(lab, uri, hint)
    (link_all,) = [a for a in actions if a.title.startswith("Link all")]
    assert link_all.edit is not None and link_all.edit.document_changes is not None
    edited = {change.text_document.uri for change in link_all.edit.document_changes}  # type: ignore[union-attr]
    assert edited == {uri, lab.uri(RUN)}
    lab.apply_edit(link_all.edit)
    assert "The [[Gel Imager|GI-3]] was free." in lab.read(LOG)
    assert "Used the [[Gel Imager|gel imager]] today." in (lab.root / RUN).read_text()
    await mentions(lab, 0)
    await hints(lab, uri, 0)


async def test_short_names_and_the_note_itself_are_not_hinted(lab: Session) -> None:
    lab.write("notes/Gel.md", "# Gel\n")
    uri = lab.open(IMAGER, "---\naliases: [GI-3]\n---\n# Gel Imager\n\nThe Gel Imager, a gel.\n")
    other = lab.open("notes/Scratch.md", "# Scratch\n\nA gel, then the Bench log.\n")
    (hint,) = await hints(lab, other, 1)
    assert text_in(lab.read("notes/Scratch.md"), hint.range) == "Bench log"
    assert "unlinked-mention" not in codes(await lab.wait_for_diagnostics(uri))


async def test_the_code_lens_counts_the_mentions(lab: Session) -> None:
    await mentions(lab, 2)
    uri = lab.open(IMAGER)
    lenses = await lab.client.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(uri))
    )
    titles = [lens.command.title for lens in lenses or [] if lens.command]
    assert "2 unlinked mentions" in titles
    (lens,) = [x for x in lenses or [] if x.command and x.command.title == "2 unlinked mentions"]
    assert lens.command is not None and lens.command.arguments is not None
    assert [loc["uri"] for loc in lens.command.arguments[0]["locations"]] == [
        lab.uri(LOG),
        lab.uri(RUN),
    ]


async def test_the_hints_can_be_turned_off(lab: Session) -> None:
    uri = lab.open(RUN)
    await hints(lab, uri, 1)
    lab.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"codex": {"diagnostics": {"unlinkedMentions": "off"}}}
        )
    )
    await hints(lab, uri, 0)
    lab.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"codex": HINTS_ON})
    )
    await hints(lab, uri, 1)
