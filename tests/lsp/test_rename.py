"""Rename notes, headings, block ids and tags; ``prepareRename``; ``workspace/willRenameFiles``.

Each rename's WorkspaceEdit is applied to the files on disk the way an editor would, and the
notebook is then checked with ``codex-lsp check`` (on a copy): a rename must not break links.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsp_session import Session
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from codex_lsp.storage import queries
from codex_lsp.storage.workspace import indexed_notebooks

pytestmark = pytest.mark.asyncio(loop_scope="module")
REQUEST_FAILED = -32803
PCR = "protocols/PCR amplification.md"
EXP012 = "experiments/EXP-012 Annealing gradient.md"
GEL_CHECK = "experiments/2026-03-05 Gel check of PCR products.md"
DAILY4 = "daily/2026-03-04.md"
DAILY9 = "daily/2026-03-09.md"

# The problems the example notebook has on purpose (file, code).
KNOWN_ISSUES = {
    ("experiments/EXP-014 HEK293 transfection.md", "link-broken"),
    (GEL_CHECK, "link-broken-anchor"),
    (DAILY9, "link-ambiguous"),
}


@pytest.fixture
def lab(fresh_lab: Session) -> Session:
    """This module's tests change files: one server per module, restored after each test."""
    return fresh_lab


def link_issues(root: Path, scratch: Path) -> set[tuple[str, str]]:
    """(file, code) of every link problem that ``codex-lsp check`` would report for ``root``
    (computed the same way, on a copy, so the server's own database is left alone)."""
    copy = scratch / "check-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("notebook.db*"))
    with indexed_notebooks(copy) as notebooks:
        return {
            (issue.path, issue.code)
            for item in notebooks
            for issue in queries.check(item.conn)
            if issue.code.startswith("link-")
        }


async def rename(lab: Session, rel: str, position: types.Position, new_name: str) -> None:
    """Rename at ``position`` and apply the returned edit."""
    uri = lab.uri(rel) if lab.uri(rel) in lab.buffers else lab.open(rel)
    edit = await lab.client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri), position=position, new_name=new_name
        )
    )
    assert edit is not None
    lab.apply_edit(edit)


def renames(edit: types.WorkspaceEdit) -> list[tuple[str, str]]:
    return [
        (op.old_uri, op.new_uri)
        for op in edit.document_changes or []
        if isinstance(op, types.RenameFile)
    ]


def disk(lab: Session, rel: str) -> str:
    return (lab.root / rel).read_text(encoding="utf-8")


async def backlink_count(lab: Session, rel: str, expected: int) -> None:
    """Wait until the server's index has caught up with the files on disk."""

    async def check() -> bool:
        found = await lab.command("codex.backlinks", {"uri": lab.uri(rel)})
        return len(found) == expected

    await lab.wait_until(check, f"{expected} backlinks of {rel}")


# -- notes -----------------------------------------------------------------------------------


async def test_rename_a_note_from_a_link(lab: Session, tmp_path: Path) -> None:
    uri = lab.open(DAILY4)
    edit = await lab.client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri),
            position=lab.find(DAILY4, "[[PCR]]", delta=3),
            new_name="PCR protocol",
        )
    )
    assert edit is not None
    assert renames(edit) == [(lab.uri(PCR), lab.uri("protocols/PCR protocol.md"))]
    lab.apply_edit(edit)
    assert not (lab.root / PCR).exists()
    # Labels and anchors are kept; links through the alias stay as they are.
    assert "[[PCR protocol#Thermal cycling|Cycling]]" in disk(lab, DAILY9)
    assert "[[PCR protocol#Thermal cycling]]" in disk(lab, EXP012)
    assert "![[PCR protocol#Reagents]]" in disk(lab, "experiments/2026-03-04 PCR optimisation.md")
    assert "[[PCR protocol|the protocol]]" in disk(
        lab, "experiments/2026-03-04 PCR optimisation.md"
    )
    assert 'protocol: "[[PCR protocol]]"' in disk(lab, EXP012)
    assert "[[PCR]]" in lab.read(DAILY4)  # the open buffer, saved by the editor
    assert link_issues(lab.root, tmp_path) == KNOWN_ISSUES
    await backlink_count(lab, "protocols/PCR protocol.md", 18)


async def test_rename_a_note_from_its_title(lab: Session, tmp_path: Path) -> None:
    await rename(lab, EXP012, lab.find(EXP012, "# EXP-012", delta=4), "EXP-012 Ta gradient")
    new = "experiments/EXP-012 Ta gradient.md"
    assert (lab.root / new).exists()
    assert "\n# EXP-012 Ta gradient\n" in disk(lab, new)  # the title follows the new name
    assert "![[EXP-012 Ta gradient#^best-ta]]" in disk(lab, DAILY4)
    assert "[[EXP-012 Ta gradient#^best-ta]]" in disk(lab, PCR)
    assert link_issues(lab.root, tmp_path) == KNOWN_ISSUES


async def test_rename_a_note_from_its_frontmatter_title(lab: Session, tmp_path: Path) -> None:
    rel = "equipment/T100 Thermocycler.md"
    await rename(lab, rel, lab.find(rel, "title: T100", delta=8), "Bio-Rad T100")
    assert (lab.root / "equipment/Bio-Rad T100.md").exists()
    assert "\ntitle: Bio-Rad T100\n" in disk(lab, "equipment/Bio-Rad T100.md")
    assert "[[Bio-Rad T100#Gradient block|T100]]" in disk(lab, EXP012)
    assert "[[Bio-Rad T100#Maintenance log]]" in disk(lab, DAILY9)
    assert link_issues(lab.root, tmp_path) == KNOWN_ISSUES


async def test_rename_into_another_folder_keeps_relative_links(
    lab: Session, tmp_path: Path
) -> None:
    """Moving a note deeper rewrites Markdown links into it and its own relative links."""
    await rename(lab, "README.md", lab.find("README.md", "# Lab notebook", delta=3), "home/Start")
    assert (lab.root / "home/Start.md").exists()
    assert "[[Start|notebook index]]" not in disk(lab, DAILY9)  # linked through the alias
    assert link_issues(lab.root, tmp_path) == KNOWN_ISSUES
    rel = GEL_CHECK
    await rename(lab, rel, lab.find(rel, "# Gel check", delta=3), "archive/2026/Gel check")
    assert link_issues(lab.root, tmp_path) == {
        (p if p != GEL_CHECK else "archive/2026/Gel check.md", c) for p, c in KNOWN_ISSUES
    }


async def test_rename_refuses_an_existing_name(lab: Session) -> None:
    uri = lab.open(DAILY4)
    with pytest.raises(JsonRpcException) as info:
        await lab.client.text_document_rename_async(
            types.RenameParams(
                text_document=types.TextDocumentIdentifier(uri),
                position=lab.find(DAILY4, "[[PCR]]", delta=3),
                new_name="Gel electrophoresis",
            )
        )
    assert info.value.code == REQUEST_FAILED
    assert "already exists" in str(info.value)


# -- headings, blocks, tags -----------------------------------------------------------------


async def test_rename_a_heading_rewrites_anchors(lab: Session, tmp_path: Path) -> None:
    await rename(lab, PCR, lab.find(PCR, "## Thermal cycling", delta=5), "Cycling programme")
    assert "## Cycling programme" in lab.read(PCR)
    assert "[[PCR amplification#Cycling programme|Cycling]]" in disk(lab, DAILY9)
    assert "[[PCR amplification#Cycling programme]]" in disk(lab, EXP012)
    assert "[[PCR amplification#Cycling programme]]" in disk(
        lab, "projects/Plasmid library screen.md"
    )
    assert link_issues(lab.root, tmp_path) == KNOWN_ISSUES


async def test_rename_a_heading_reached_by_a_markdown_link(lab: Session, tmp_path: Path) -> None:
    rel = "protocols/Gel electrophoresis.md"
    await rename(lab, rel, lab.find(rel, "## Loading", delta=4), "Loading the gel")
    assert "(../protocols/Gel%20electrophoresis.md#loading-the-gel)" in disk(lab, GEL_CHECK)
    assert "[[Gel electrophoresis#Loading the gel]]" in disk(lab, PCR)
    assert link_issues(lab.root, tmp_path) == KNOWN_ISSUES


async def test_rename_a_heading_written_with_inline_code(lab: Session, tmp_path: Path) -> None:
    cmds = "notes/Commands.md"
    lab.write(cmds, "# Commands\n\n## Intro\n\n### `move`\n\nSee [[#`move`|move]].\n")
    lab.write("notes/Uses.md", "# Uses\n\n[[Commands#`move`]] and [[Commands#Intro]]\n")
    await backlink_count(lab, cmds, 3)  # two from Uses, one from the note itself
    await rename(lab, cmds, lab.find(cmds, "### `move`", delta=5), "`shift`")
    assert "### `shift`\n\nSee [[#`shift`|move]]." in lab.read(cmds)
    assert "[[Commands#`shift`]] and [[Commands#Intro]]" in disk(lab, "notes/Uses.md")
    assert link_issues(lab.root, tmp_path) == KNOWN_ISSUES


async def test_rename_a_heading_rewrites_only_paths_that_name_it(
    lab: Session, tmp_path: Path
) -> None:
    guide = "notes/Guide.md"
    lab.write(guide, "# Guide\n\n## Setup\n\n### Notes\n\n## Usage\n\n### Notes\n")
    lab.write("notes/Uses.md", "# Uses\n\n[[Guide#Setup#Notes]] [[Guide#Usage#Notes]]\n")
    await backlink_count(lab, guide, 2)
    await rename(lab, guide, lab.find(guide, "### Notes", occurrence=1, delta=5), "Remarks")
    assert lab.read(guide).endswith("## Usage\n\n### Remarks\n")
    assert "[[Guide#Setup#Notes]] [[Guide#Usage#Remarks]]" in disk(lab, "notes/Uses.md")
    await rename(lab, guide, lab.find(guide, "## Usage", delta=4), "Use")  # a parent in a path
    assert "[[Guide#Setup#Notes]] [[Guide#Use#Remarks]]" in disk(lab, "notes/Uses.md")
    assert link_issues(lab.root, tmp_path) == KNOWN_ISSUES


async def test_rename_a_block_id(lab: Session, tmp_path: Path) -> None:
    await rename(lab, EXP012, lab.find(EXP012, "^best-ta", delta=2), "best-anneal")
    assert "no off-target. ^best-anneal" in lab.read(EXP012)
    assert "![[EXP-012 Annealing gradient#^best-anneal]]" in disk(lab, DAILY4)
    assert "[[EXP-012 Annealing gradient#^best-anneal]]" in disk(lab, PCR)
    assert link_issues(lab.root, tmp_path) == KNOWN_ISSUES


async def test_rename_a_tag_everywhere(lab: Session) -> None:
    await rename(lab, DAILY4, lab.find(DAILY4, "#assay/pcr", delta=3), "method/pcr")
    assert "#method/pcr" in lab.read(DAILY4)
    assert "tags: [protocol, method/pcr, wet-lab]" in disk(lab, PCR)
    assert "#method/pcr" in disk(lab, "experiments/2026-03-04 PCR optimisation.md")

    async def check() -> bool:
        counts = {t["name"]: t["count"] for t in await lab.command("codex.tags")}
        return counts.get("method/pcr") == 7 and "assay/pcr" not in counts

    await lab.wait_until(check, "the tag rename to reach the index")


async def test_rename_a_parent_tag_renames_nested_tags(lab: Session) -> None:
    uri = lab.open("scratch.md", "# Scratch\n\nAbout #assay in general.\n")
    edit = await lab.client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri),
            position=lab.find("scratch.md", "#assay", delta=2),
            new_name="#method",
        )
    )
    assert edit is not None
    lab.apply_edit(edit)
    assert "About #method in general." in lab.read("scratch.md")
    assert "tags: [equipment, method/qpcr]" in disk(lab, "equipment/QuantStudio 5.md")
    assert "#method/qpcr #sample/plasmid" in disk(lab, "experiments/2026-03-06 qPCR run 07.md")
    assert "tags: [project, method/imaging]" in disk(lab, "projects/imaging/Overview.md")

    async def check() -> bool:
        names = {t["name"] for t in await lab.command("codex.tags")}
        return not any(n.startswith("assay") for n in names) and "method/qpcr" in names

    await lab.wait_until(check, "nested tags to be renamed in the index")


async def test_rename_a_tag_refuses_an_invalid_name(lab: Session) -> None:
    uri = lab.open(DAILY4)
    with pytest.raises(JsonRpcException) as info:
        await lab.client.text_document_rename_async(
            types.RenameParams(
                text_document=types.TextDocumentIdentifier(uri),
                position=lab.find(DAILY4, "#assay/pcr", delta=3),
                new_name="two words",
            )
        )
    assert "not a valid tag" in str(info.value)


# -- files renamed in the editor -------------------------------------------------------------


async def will_rename(lab: Session, old: str, new: str) -> None:
    """``workspace/willRenameFiles``, then the edit and the rename itself, as VS Code does."""
    edit = await lab.client.workspace_will_rename_files_async(
        types.RenameFilesParams([types.FileRename(lab.uri(old), lab.uri(new))])
    )
    if edit is not None:
        assert renames(edit) == []  # the editor renames the file itself
        lab.apply_edit(edit)
    (lab.root / new).parent.mkdir(parents=True, exist_ok=True)
    (lab.root / old).rename(lab.root / new)
    lab.files_changed(
        [
            (lab.root / old, types.FileChangeType.Deleted),
            (lab.root / new, types.FileChangeType.Created),
        ]
    )


async def test_will_rename_a_note(lab: Session, tmp_path: Path) -> None:
    await will_rename(lab, PCR, "protocols/PCR (Q5).md")
    assert "[[PCR (Q5)#Thermal cycling|Cycling]]" in disk(lab, DAILY9)
    assert link_issues(lab.root, tmp_path) == KNOWN_ISSUES
    await backlink_count(lab, "protocols/PCR (Q5).md", 18)


async def test_will_rename_a_folder(lab: Session, tmp_path: Path) -> None:
    await will_rename(lab, "projects/imaging", "projects/microscopy")
    assert "[Imaging sub-project](projects/microscopy/Overview.md)" in disk(lab, "README.md")
    assert "[[projects/microscopy/Overview|the imaging overview]]" in disk(
        lab, "experiments/EXP-014 HEK293 transfection.md"
    )
    assert link_issues(lab.root, tmp_path) == KNOWN_ISSUES
    await will_rename(lab, "protocols", "methods")
    assert "(../methods/Gel%20electrophoresis.md#loading)" in disk(lab, GEL_CHECK)
    assert link_issues(lab.root, tmp_path) == KNOWN_ISSUES


# -- Dendron range anchors -------------------------------------------------------------------

RANGE_TARGET = "notes/b.md"
RANGE_SOURCE = "notes/a.md"


async def write_range_notes(lab: Session) -> None:
    """A note ``b`` with two sections and a note ``a`` that embeds the range between them."""
    lab.write(RANGE_TARGET, "# B\n\n## Setup\n\nMix.\n\n## Results\n\nDone.\n")
    lab.write(RANGE_SOURCE, "# A\n\n![[b#setup,1:#results]]\n")
    await backlink_count(lab, RANGE_TARGET, 1)


async def test_references_of_a_heading_include_dendron_ranges(lab: Session) -> None:
    await write_range_notes(lab)
    uri = lab.open(RANGE_TARGET)
    for heading in ("## Setup", "## Results"):
        found = await lab.references(uri, lab.find(RANGE_TARGET, heading, delta=4))
        assert [(loc.uri, loc.range.start.line) for loc in found] == [(lab.uri(RANGE_SOURCE), 2)], (
            heading
        )


async def test_rename_a_heading_rewrites_dendron_ranges(lab: Session, tmp_path: Path) -> None:
    await write_range_notes(lab)
    await rename(lab, RANGE_TARGET, lab.find(RANGE_TARGET, "## Setup", delta=4), "Preparation")
    assert "![[b#Preparation,1:#results]]" in disk(lab, RANGE_SOURCE)
    await rename(lab, RANGE_TARGET, lab.find(RANGE_TARGET, "## Results", delta=4), "Outcome")
    assert "![[b#Preparation,1:#Outcome]]" in disk(lab, RANGE_SOURCE)
    assert link_issues(lab.root, tmp_path) == KNOWN_ISSUES
