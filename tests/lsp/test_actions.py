"""Code actions, and the commands that change the notebook: ``codex.createNote``, ``reindex``."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_session import Session, codes
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

EXP014 = "experiments/EXP-014 HEK293 transfection.md"
DAILY9 = "daily/2026-03-09.md"
REQUEST_FAILED = -32803


@pytest.fixture
def lab(fresh_lab: Session) -> Session:
    """This module's tests change files: one server per module, restored after each test."""
    return fresh_lab


async def actions_for(lab: Session, uri: str, code: str) -> list[types.CodeAction]:
    """The code actions offered for the (only) diagnostic with ``code`` in ``uri``."""
    found = await lab.wait_for_diagnostics(uri, lambda d: code in codes(d))
    diagnostic = next(d for d in found if d.code == code)
    result = await lab.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=diagnostic.range,
            context=types.CodeActionContext(
                diagnostics=[diagnostic], only=[types.CodeActionKind.QuickFix]
            ),
        )
    )
    actions = [a for a in result or [] if isinstance(a, types.CodeAction)]
    for action in actions:
        assert action.kind == types.CodeActionKind.QuickFix
        assert list(action.diagnostics or []) == [diagnostic]
    return actions


async def test_create_the_missing_note(lab: Session) -> None:
    uri = lab.open(EXP014)
    (action,) = await actions_for(lab, uri, "link-broken")
    assert action.title == "Create note 'experiments/Western blot.md'"
    assert action.is_preferred
    assert action.edit is not None
    lab.apply_edit(action.edit)
    created = (lab.root / "experiments/Western blot.md").read_text(encoding="utf-8")
    assert created.startswith("---\ntitle: Western blot\n")
    assert "\n# Western blot\n" in created
    await lab.wait_for_diagnostics(uri, lambda d: "link-broken" not in codes(d))


@pytest.mark.parametrize(
    ("link", "created", "title"),
    [
        (
            "[[Missing protocol#Buffers|the buffers]]",
            "notes/Missing protocol.md",
            "Missing protocol",
        ),
        ("[[protocols/sub/Deep note]]", "protocols/sub/Deep note.md", "Deep note"),
        ("[[Nested block#^abc]]", "notes/Nested block.md", "Nested block"),
    ],
)
async def test_created_note_takes_its_title_from_the_link(
    lab: Session, link: str, created: str, title: str
) -> None:
    uri = lab.open("notes/scratch.md", f"# Scratch\n\nSee {link}.\n")
    (action,) = await actions_for(lab, uri, "link-broken")
    assert action.title == f"Create note '{created}'"
    assert action.edit is not None
    lab.apply_edit(action.edit)
    text = (lab.root / created).read_text(encoding="utf-8")
    assert f"title: {title}\n" in text
    assert f"\n# {title}\n" in text
    await lab.wait_for_diagnostics(uri, lambda d: "link-broken" not in codes(d))


async def test_disambiguate_a_link(lab: Session) -> None:
    uri = lab.open(DAILY9)
    actions = await actions_for(lab, uri, "link-ambiguous")
    assert [a.title for a in actions] == [
        "Link to 'projects/imaging/Overview.md'",
        "Link to 'projects/sequencing/Overview.md'",
    ]
    sequencing = actions[1]
    assert sequencing.edit is not None
    lab.apply_edit(sequencing.edit)
    assert "Re-read the [[projects/sequencing/Overview]] before" in lab.read(DAILY9)
    await lab.wait_for_diagnostics(uri, lambda d: not d)


async def test_disambiguation_keeps_anchor_and_label(lab: Session) -> None:
    text = "# Scratch\n\nSee [[Overview#Plan|the plan]].\n"
    uri = lab.open("scratch.md", text)
    actions = await actions_for(lab, uri, "link-ambiguous")
    imaging = next(a for a in actions if "imaging" in a.title)
    assert imaging.edit is not None
    lab.apply_edit(imaging.edit)
    assert "See [[projects/imaging/Overview#Plan|the plan]]." in lab.read("scratch.md")


async def test_no_actions_without_codex_diagnostics(lab: Session) -> None:
    uri = lab.open(EXP014)
    foreign = types.Diagnostic(
        range=types.Range(types.Position(18, 40), types.Position(18, 50)),
        message="spelling",
        source="cspell",
    )
    result = await lab.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=foreign.range,
            context=types.CodeActionContext(diagnostics=[foreign]),
        )
    )
    assert not result


# -- codex.createNote ------------------------------------------------------------------------


async def test_create_note_command(lab: Session) -> None:
    exp014 = lab.open(EXP014)
    await lab.wait_for_diagnostics(exp014, lambda d: "link-broken" in codes(d))
    result = await lab.command("codex.createNote", {"title": "Western blot"})
    assert result == {
        "uri": lab.uri("Western blot.md"),
        "path": "Western blot.md",
        "created": True,
    }
    assert len(lab.applied_edits) == 1  # through workspace/applyEdit
    text = (lab.root / "Western blot.md").read_text(encoding="utf-8")
    assert "title: Western blot" in text and "# Western blot" in text
    await lab.wait_for_diagnostics(exp014, lambda d: "link-broken" not in codes(d))

    result = await lab.command(
        "codex.createNote", {"title": "Buffer recipes", "folder": "protocols/"}
    )
    assert result["path"] == "protocols/Buffer recipes.md" and result["created"] is True
    assert (lab.root / "protocols/Buffer recipes.md").is_file()
    hits = await lab.command("codex.search", {"query": "Buffer recipes"})
    assert hits and hits[0]["path"] == "protocols/Buffer recipes.md"

    result = await lab.command(
        "codex.createNote", {"title": "PCR amplification", "folder": "protocols"}
    )
    assert result["created"] is False
    assert len(lab.applied_edits) == 2


# -- codex.reindex ---------------------------------------------------------------------------


async def test_reindex(lab: Session) -> None:
    (stats,) = await lab.command("codex.reindex")
    assert stats["notebook"] == str(lab.root)
    assert stats["notes"] == 26
    assert stats["modified"] == 0 and stats["added"] == 0
    (lab.root / "protocols/Extra.md").write_text("# Extra\n\n#extra-tag\n", encoding="utf-8")
    (full,) = await lab.command("codex.reindex", {"full": True})
    assert full["notes"] == 27
    assert full["added"] == 1
    tags = {t["name"] for t in await lab.command("codex.tags")}
    assert "extra-tag" in tags
    # Each run reports progress that ends with the note count.
    ends = [
        report.message
        for reports in lab.client.progress_reports.values()
        for report in reports
        if isinstance(report, types.WorkDoneProgressEnd)
    ]
    assert ends.count("26 notes") >= 2 and "27 notes" in ends


async def test_commands_with_no_argument_object(lab: Session) -> None:
    result = await lab.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="codex.notebooks")
    )
    assert result and result[0]["root"] == str(lab.root)
    assert isinstance(Path(result[0]["database"]), Path)
