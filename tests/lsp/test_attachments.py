"""Attachments in the editor through a real client: hover on image, CSV and other links,
attachment completion (kinds, order, images first after ``![[``), and ``codex.attach``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsp_session import Session, completion_items, find, position_at
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from codex_lsp.core.schema.lint import load_schema

pytestmark = pytest.mark.asyncio(loop_scope="module")

Kind = types.CompletionItemKind
GEL_NOTE = "experiments/2026-03-05 Gel check of PCR products.md"
QPCR_NOTE = "experiments/2026-03-06 qPCR run 07.md"
CSV_SCHEMA = """
  qpcr-data:
    paths: ["**/*.csv"]
    required: [instrument, run_id]
    properties:
      instrument: {enum: [QuantStudio 5, LightCycler 480]}
      run_id: {type: string}
"""


@pytest.fixture
def scratch(shared_lab: Session) -> Iterator[list[str]]:
    """Scratch documents opened by a test; closed after it."""
    opened: list[str] = []
    yield opened
    for uri in opened:
        shared_lab.close(uri)


async def hover_value(lab: Session, uri: str, position: types.Position) -> str:
    found = await lab.hover(uri, position)
    assert found is not None
    assert isinstance(found.contents, types.MarkupContent)
    assert found.contents.kind == types.MarkupKind.Markdown
    return found.contents.value


# -- hover --------------------------------------------------------------------------------


async def test_hover_on_an_image_embed_shows_the_image(shared_lab: Session) -> None:
    uri = shared_lab.open(GEL_NOTE)
    value = await hover_value(shared_lab, uri, shared_lab.find(GEL_NOTE, "![[gel-2026", delta=4))
    image = shared_lab.root / "data" / "gel-2026-03-05.png"
    size = image.stat().st_size
    assert value.startswith(f"**gel-2026-03-05.png** · 56 × 40 px · {size} B · `image/png`")
    assert f"![gel-2026-03-05.png]({image.as_uri()})" in value
    assert value.endswith("*2 backlinks*")  # this note and daily/2026-03-05


async def test_hover_on_a_csv_link_shows_rows_and_sidecar(shared_lab: Session) -> None:
    uri = shared_lab.open(QPCR_NOTE)
    value = await hover_value(shared_lab, uri, shared_lab.find(QPCR_NOTE, "[[qpcr-run", delta=3))
    assert "| well | sample | target | task | copies_per_ul | ct | tm_c |" in value
    assert "| A1 | STD-1e7 | cpGFP | STANDARD | 10000000 | 14.59 | 84.5 |" in value
    assert "*first 10 rows*" in value
    assert "- **instrument**: QuantStudio 5" in value  # from .qpcr-run-07.csv.json
    assert "`text/csv`" in value


async def test_hover_on_a_markdown_link_to_a_file(shared_lab: Session, scratch: list[str]) -> None:
    text = "Raw: [the run](data/qpcr-run-07.csv) and [gel](data/gel-2026-03-05.png)\n"
    uri = shared_lab.open("scratch-md-links.md", text)
    scratch.append(uri)
    value = await hover_value(shared_lab, uri, find(text, "the run"))
    assert "| well | sample |" in value
    value = await hover_value(shared_lab, uri, find(text, "gel]"))
    assert "56 × 40 px" in value


# -- completion ---------------------------------------------------------------------------


async def complete(
    lab: Session, scratch: list[str], rel: str, text: str
) -> list[types.CompletionItem]:
    uri = lab.open(rel, text)
    scratch.append(uri)
    result = await lab.complete(uri, position_at(text, len(text)))
    return sorted(completion_items(result), key=lambda i: i.sort_text or i.label)


async def test_attachments_show_their_kind(shared_lab: Session, scratch: list[str]) -> None:
    items = await complete(shared_lab, scratch, "scratch/kind.md", "[[qpcr-run")
    csv = next(i for i in items if i.label == "qpcr-run-07.csv")
    assert csv.kind == Kind.Unit
    assert csv.detail == "data in data"
    items = await complete(shared_lab, scratch, "scratch/kind2.md", "[[gel-2026")
    png = next(i for i in items if i.label == "gel-2026-03-05.png")
    assert png.detail == "image in data"


async def test_embeds_offer_images_first(shared_lab: Session, scratch: list[str]) -> None:
    # "gel" matches notes better than the image (an exact alias, shorter names): in a link
    # the image comes after them, in an embed before them.
    items = await complete(shared_lab, scratch, "scratch/link.md", "[[gel")
    assert items[0].label != "gel-2026-03-05.png"
    items = await complete(shared_lab, scratch, "scratch/embed.md", "![[gel")
    assert items[0].label == "gel-2026-03-05.png"
    assert items[0].text_edit is not None and "gel-2026-03-05.png" in items[0].text_edit.new_text
    assert any(i.kind != Kind.Unit for i in items[1:])  # the notes still follow
    # Nothing typed yet: the images still lead.
    items = await complete(shared_lab, scratch, "scratch/embed2.md", "![[")
    assert items[0].label == "gel-2026-03-05.png"


async def test_paths_list_notes_then_attachments(shared_lab: Session, scratch: list[str]) -> None:
    items = await complete(shared_lab, scratch, "scratch-paths.md", "[x](qpcr")
    kinds = [i.kind for i in items]
    assert Kind.Unit in kinds and Kind.File in kinds
    assert kinds.index(Kind.Unit) > max(n for n, k in enumerate(kinds) if k == Kind.File)
    csv = next(i for i in items if i.label == "data/qpcr-run-07.csv")
    assert csv.detail == "data in data"
    items = await complete(shared_lab, scratch, "scratch-paths2.md", "![x](")
    assert items[0].label == "data/gel-2026-03-05.png"


# -- codex.attach -------------------------------------------------------------------------


def _outside_file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "from-the-desktop" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


async def test_attach_copies_inserts_and_writes_the_sidecar(
    fresh_lab: Session, tmp_path: Path
) -> None:
    lab = fresh_lab
    schema_path = lab.root / ".codex" / "schema.yaml"
    schema_text = schema_path.read_text(encoding="utf-8") + CSV_SCHEMA
    lab.write(".codex/schema.yaml", schema_text)
    note = "experiments/EXP-014 HEK293 transfection.md"
    uri = lab.open(note)
    before = lab.read(note)
    source = _outside_file(tmp_path, "plate reader.csv", b"well,od600\nA1,0.42\n")
    at = lab.find(note, "First transfection")
    result = await lab.command(
        "codex.attach", {"uri": uri, "files": [source.as_uri()], "position": at}
    )
    [item] = result["attached"]
    assert item["path"] == "attachments/plate reader.csv"
    assert item["link"] == "![[plate reader.csv]]"
    assert not item["reused"]
    assert result["applied"] is True
    copied = lab.root / "attachments" / "plate reader.csv"
    assert copied.read_bytes() == source.read_bytes()
    # The embed is in the buffer, where the cursor was, as an edit the editor can undo.
    text = lab.read(note)
    assert text.replace("![[plate reader.csv]]", "", 1) == before
    assert text.index("![[plate reader.csv]]") == text.index("First transfection") - len(
        "![[plate reader.csv]]"
    )
    assert isinstance(lab.applied_edits[-1].document_changes[0], types.TextDocumentEdit)
    # The sidecar holds what the schema requires of a CSV file, and passes the schema.
    assert item["sidecar"] == "attachments/.plate reader.csv.json"
    sidecar = json.loads((lab.root / item["sidecar"]).read_text(encoding="utf-8"))
    assert sidecar == {"instrument": "QuantStudio 5", "run_id": ""}
    schema = load_schema(schema_text).schema
    assert schema is not None
    verdict = schema.evaluate(item["path"], sidecar, has_metadata=True)
    assert verdict.checked and verdict.errors == []
    # The index knows the new file: completion offers it.
    await lab.wait_until(
        lambda: _offers(lab, "scratch-new.md", "[[plate rea", "plate reader.csv"),
        "the attached file in completion",
    )
    # Attaching the same bytes again reuses the copy; nothing is inserted without a position.
    again = _outside_file(tmp_path, "again.csv", source.read_bytes())
    result = await lab.command("codex.attach", {"uri": uri, "files": [str(again)]})
    assert result["attached"][0]["reused"] is True
    assert result["attached"][0]["path"] == "attachments/plate reader.csv"
    assert result == {**result, "text": "![[plate reader.csv]]", "applied": False}


async def _offers(lab: Session, rel: str, text: str, label: str) -> bool:
    uri = lab.open(rel, text)
    try:
        result = await lab.complete(uri, position_at(text, len(text)))
    finally:
        lab.close(uri)
    return any(i.label == label for i in result.items)


async def test_attach_by_note_folder_pattern(fresh_lab: Session, tmp_path: Path) -> None:
    lab = fresh_lab
    uri = lab.open(GEL_NOTE)
    first = _outside_file(tmp_path, "lane 1.png", b"\x89PNG\r\n\x1a\nfirst")
    second = _outside_file(tmp_path / "b", "lane 1.png", b"\x89PNG\r\n\x1a\nsecond")
    result = await lab.command(
        "codex.attach",
        {"uri": uri, "files": [str(first), str(second)], "folder": "attachments/{{note}}/"},
    )
    folder = "attachments/2026-03-05 Gel check of PCR products"
    assert [a["path"] for a in result["attached"]] == [
        f"{folder}/lane 1.png",
        f"{folder}/lane 1-1.png",
    ]
    assert result["text"] == "![[lane 1.png]]\n![[lane 1-1.png]]"
    assert (lab.root / folder / "lane 1-1.png").read_bytes() == second.read_bytes()
    assert [a["sidecar"] for a in result["attached"]] == [None, None]  # nothing required


async def test_attach_refuses_what_leads_outside(fresh_lab: Session, tmp_path: Path) -> None:
    lab = fresh_lab
    uri = lab.open(GEL_NOTE)
    source = _outside_file(tmp_path, "x.png", b"x")
    bad = [
        ({"uri": uri, "files": [str(source)], "folder": "../outside"}, "must be in the notebook"),
        ({"uri": (tmp_path / "note.md").as_uri(), "files": [str(source)]}, "not inside an open"),
        ({"uri": uri, "files": ["relative/x.png"]}, "files must be a non-empty list of absolute"),
        ({"uri": uri, "files": [str(tmp_path / "missing.png")]}, "No such file"),
        ({"uri": uri, "files": [str(tmp_path)]}, "is not a regular file"),
        ({"uri": uri, "files": []}, "files must be a non-empty list"),
        ({"uri": lab.uri("data/qpcr-run-07.csv"), "files": [str(source)]}, "is not a note"),
    ]
    for argument, message in bad:
        with pytest.raises(JsonRpcException, match=message):
            await lab.command("codex.attach", argument)
    assert not (tmp_path / "outside").exists()
    assert not (lab.root / "attachments").exists() or not any(
        p.name == "x.png" for p in (lab.root / "attachments").iterdir()
    )
