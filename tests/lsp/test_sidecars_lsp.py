"""Sidecars and tags with meaning in the editor, end to end (docs/attachments.md)."""

from __future__ import annotations

import pytest
from lsp_session import Session, codes
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

SIDECAR = "data/.qpcr-run-07.csv.json"


@pytest.fixture
def lab(fresh_lab: Session) -> Session:
    """This module's tests change files: one server per module, restored after each test."""
    return fresh_lab


def open_sidecar(lab: Session, rel: str, text: str) -> str:
    uri = lab.uri(rel)
    lab.versions[uri] = 1
    lab.buffers[uri] = text
    language = {"json": "json", "xml": "xml", "md": "markdown"}[rel.rsplit(".", 1)[-1]]
    lab.client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, language, 1, text))
    )
    return uri


@pytest.mark.parametrize(
    ("rel", "text", "line", "code"),
    [
        (SIDECAR, '{\n  "instrument": "QuantStudio 5",\n  oops\n}\n', 2, "sidecar-invalid"),
        (
            "data/.qpcr-run-07.csv.xml",
            "<metadata>\n  <title>Run</title>\n</metadta>\n",
            2,
            "sidecar-invalid",
        ),
        # Open, a Markdown sidecar is a note: its frontmatter problem is the note's, once.
        ("data/.gel-2026-03-05.png.md", "---\ntags: [gel\n---\n", 2, "yaml-invalid"),
    ],
)
async def test_a_broken_open_sidecar_is_a_problem_on_it_until_fixed(
    lab: Session, rel: str, text: str, line: int, code: str
) -> None:
    uri = open_sidecar(lab, rel, text)
    try:
        found = await lab.wait_for_diagnostics(uri, lambda f: code in codes(f))
        (problem,) = [d for d in found if d.code in ("sidecar-invalid", "yaml-invalid")]
        assert problem.code == code
        if code == "sidecar-invalid":
            assert problem.severity == types.DiagnosticSeverity.Warning
        assert problem.range.start.line == line
        lab.change(
            uri,
            {"json": '{"a": 1}', "xml": "<m><a>1</a></m>", "md": "# Metadata\nA: 1\n"}[
                rel.rsplit(".", 1)[-1]
            ],
        )
        await lab.wait_for_diagnostics(uri, lambda f: code not in codes(f))
    finally:
        lab.close(uri)


# -- tags with meaning ---------------------------------------------------------------------------

QPCR_NOTE = "experiments/2026-03-06 qPCR run 07.md"
TAG_TABLE = (
    'exclude: ["drafts/private/**"]\n'
    "tags:\n"
    "  assay: {description: Any assay run at the bench, color: green}\n"
    '  assay/qpcr: {description: "Quantitative PCR, **SYBR** chemistry", color: "#2a9d8f"}\n'
    "  unused: Nobody carries this one\n"
)


async def test_hover_on_a_tag_shows_its_description_and_colour(lab: Session) -> None:
    lab.write(".codex/config.yaml", TAG_TABLE)
    uri = lab.open(QPCR_NOTE)
    try:
        position = lab.find(QPCR_NOTE, "#assay/qpcr", delta=2)
        found = await lab.hover(uri, position)
        assert found is not None and isinstance(found.contents, types.MarkupContent)
        assert found.contents.value == (
            "**#assay/qpcr** — 6 notes · colour #2a9d8f\n\nQuantitative PCR, **SYBR** chemistry"
        )
    finally:
        lab.close(uri)


async def test_tag_completion_shows_description_and_colour(lab: Session) -> None:
    lab.write(".codex/config.yaml", TAG_TABLE)
    result = await lab.complete_at_end("scratch.md", "#assay")
    try:
        items = {item.label: item for item in result.items}
        assert items["assay/qpcr"].detail == "6 files · #2a9d8f"
        assert items["assay/qpcr"].documentation == "Quantitative PCR, **SYBR** chemistry"
        assert items["assay/pcr"].documentation == "Any assay run at the bench"  # its parent's
    finally:
        lab.close(lab.uri("scratch.md"))


async def test_codex_tags_returns_each_tags_meaning(lab: Session) -> None:
    lab.write(".codex/config.yaml", TAG_TABLE)
    rows = {row["name"]: row for row in await lab.command("codex.tags", {})}
    assert rows["assay/qpcr"] == {
        "name": "assay/qpcr",
        "count": 6,
        "description": "Quantitative PCR, **SYBR** chemistry",
        "color": "#2a9d8f",
    }
    assert rows["unused"] == {
        "name": "unused",
        "count": 0,
        "description": "Nobody carries this one",
    }
    assert "description" not in rows["experiment"]


# -- sidecars move with their file ---------------------------------------------------------------


def renames(edit: types.WorkspaceEdit | None) -> list[tuple[str, str]]:
    assert edit is not None
    return [
        (op.old_uri, op.new_uri)
        for op in edit.document_changes or []
        if isinstance(op, types.RenameFile)
    ]


async def test_renaming_a_note_moves_its_sidecars(lab: Session) -> None:
    note = "protocols/PCR amplification.md"
    lab.write("protocols/.PCR amplification.md.json", '{"tags": ["method"]}')
    lab.write("protocols/.PCR amplification.md.xml", "<m><owner>Ana</owner></m>")
    uri = lab.open(note)
    try:
        edit = await lab.client.text_document_rename_async(
            types.RenameParams(
                types.TextDocumentIdentifier(uri), lab.find(note, "PCR", delta=1), "PCR (Q5)"
            )
        )
        assert set(renames(edit)) == {
            (uri, lab.uri("protocols/PCR (Q5).md")),
            (
                lab.uri("protocols/.PCR amplification.md.json"),
                lab.uri("protocols/.PCR (Q5).md.json"),
            ),
            (
                lab.uri("protocols/.PCR amplification.md.xml"),
                lab.uri("protocols/.PCR (Q5).md.xml"),
            ),
        }
        assert edit is not None
        lab.apply_edit(edit)
        assert (lab.root / "protocols/.PCR (Q5).md.json").is_file()
    finally:
        lab.close(lab.uri("protocols/PCR (Q5).md"))


async def test_a_file_renamed_in_the_editor_takes_its_sidecar_along(lab: Session) -> None:
    old, new = "data/qpcr-run-07.csv", "data/runs/qpcr-07.csv"
    edit = await lab.client.workspace_will_rename_files_async(
        types.RenameFilesParams([types.FileRename(lab.uri(old), lab.uri(new))])
    )
    assert renames(edit) == [
        (lab.uri("data/.qpcr-run-07.csv.json"), lab.uri("data/runs/.qpcr-07.csv.json"))
    ]
