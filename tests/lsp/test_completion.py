"""Completion through a real client: notes, titles, aliases, headings, blocks, tags, paths."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsp_session import Session, completion_items, position_at, start_session, stop_session
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture
def scratch(shared_lab: Session) -> Iterator[list[str]]:
    """Scratch documents opened by a test; closed (and so dropped from the index) after it."""
    opened: list[str] = []
    yield opened
    for uri in opened:
        shared_lab.close(uri)


async def complete(
    lab: Session, scratch: list[str], rel: str, text: str, cursor: str | None = None
) -> types.CompletionList:
    """Open ``rel`` with ``text`` and complete at the end of ``cursor`` (default: the end)."""
    uri = lab.open(rel, text)
    scratch.append(uri)
    offset = len(text) if cursor is None else text.index(cursor) + len(cursor)
    return await lab.complete(uri, position_at(text, offset))


def by_label(result: types.CompletionList) -> dict[str, types.CompletionItem]:
    return {item.label: item for item in completion_items(result)}


def new_text(item: types.CompletionItem) -> str:
    edit = item.text_edit
    assert isinstance(edit, types.TextEdit), item
    return edit.new_text


def ranked(result: types.CompletionList) -> list[str]:
    """Labels in the order the server ranks them (``sortText``)."""
    return [i.label for i in sorted(result.items, key=lambda i: i.sort_text or i.label)]


async def test_note_names_titles_and_aliases(shared_lab: Session, scratch: list[str]) -> None:
    text = "See [[PCR"
    result = await complete(shared_lab, scratch, "scratch/notes.md", text)
    items = by_label(result)
    stem = items["PCR amplification"]
    assert new_text(stem) == "PCR amplification]]"
    assert stem.label_details is not None and stem.label_details.description == "protocols"
    # The edit replaces what was typed after `[[`, up to the cursor.
    assert isinstance(stem.text_edit, types.TextEdit)
    assert stem.text_edit.range == types.Range(types.Position(0, 6), types.Position(0, 9))
    # An alias inserts `target|alias`.
    assert new_text(items["PCR"]) == "PCR amplification|PCR]]"
    assert "alias" in (items["PCR"].detail or "")
    # A title that differs from the file name completes to the file name.
    title = items["PCR optimisation (Mg²⁺ and DMSO)"]
    assert new_text(title) == "2026-03-04 PCR optimisation]]"
    # The exact alias and the prefix match rank first.
    assert ranked(result)[:2] == ["PCR", "PCR amplification"] or ranked(result)[0] == "PCR"


async def test_alias_of_equipment(shared_lab: Session, scratch: list[str]) -> None:
    result = await complete(shared_lab, scratch, "scratch/alias.md", "Run on the [[QS5")
    item = by_label(result)["QS5"]
    assert new_text(item) == "QuantStudio 5|QS5]]"
    result = await complete(shared_lab, scratch, "scratch/alias2.md", "[[qPCR mach")
    assert new_text(by_label(result)["qPCR machine"]) == "QuantStudio 5|qPCR machine]]"


async def test_fuzzy_matching_best_first(shared_lab: Session, scratch: list[str]) -> None:
    result = await complete(shared_lab, scratch, "scratch/fuzzy.md", "[[hektrans")
    assert ranked(result)[0] == "EXP-014 HEK293 transfection"
    result = await complete(shared_lab, scratch, "scratch/fuzzy2.md", "[[t100")
    assert ranked(result)[0] == "T100 Thermocycler"


async def test_ambiguous_stems_insert_a_path(shared_lab: Session, scratch: list[str]) -> None:
    result = await complete(shared_lab, scratch, "scratch/amb.md", "[[Overv")
    inserted = {new_text(i) for i in result.items if i.label == "Overview"}
    assert inserted == {"projects/imaging/Overview]]", "projects/sequencing/Overview]]"}


async def test_closing_brackets_are_not_doubled(shared_lab: Session, scratch: list[str]) -> None:
    text = "See [[Gel e]] now"
    result = await complete(shared_lab, scratch, "scratch/closed.md", text, cursor="[[Gel e")
    assert new_text(by_label(result)["Gel electrophoresis"]) == "Gel electrophoresis"


async def test_attachments_are_offered(shared_lab: Session, scratch: list[str]) -> None:
    result = await complete(shared_lab, scratch, "scratch/att.md", "[[qpcr-run")
    assert new_text(by_label(result)["qpcr-run-07.csv"]) == "qpcr-run-07.csv]]"


async def test_headings_of_another_note(shared_lab: Session, scratch: list[str]) -> None:
    text = "[[PCR amplification#"
    result = await complete(shared_lab, scratch, "scratch/head.md", text)
    labels = set(by_label(result))
    assert {"Reagents", "Thermal cycling", "Touchdown variant", "Revision history"} <= labels
    item = by_label(result)["Thermal cycling"]
    assert new_text(item) == "Thermal cycling]]"
    assert isinstance(item.text_edit, types.TextEdit)
    assert item.text_edit.range.start == types.Position(0, len(text))
    # Typing narrows (fuzzy) and ranks.
    result = await complete(shared_lab, scratch, "scratch/head2.md", "[[PCR#touch")
    assert ranked(result)[0] == "Touchdown variant"


async def test_blocks_of_another_note(shared_lab: Session, scratch: list[str]) -> None:
    text = "[[EXP-012 Annealing gradient#^"
    result = await complete(shared_lab, scratch, "scratch/block.md", text)
    assert list(by_label(result)) == ["best-ta"]
    assert new_text(result.items[0]) == "best-ta]]"
    text = "Summary: [[2026-03-04 PCR optimisation#^res"
    result = await complete(shared_lab, scratch, "scratch/block2.md", text)
    assert "result-summary" in by_label(result)


async def test_headings_of_this_note(shared_lab: Session, scratch: list[str]) -> None:
    text = "# Title\n\n## Methods\n\n### Buffers\n\n## Results\n\nJump to [[#"
    result = await complete(shared_lab, scratch, "scratch/self.md", text)
    assert {"Title", "Methods", "Buffers", "Results"} <= set(by_label(result))
    assert new_text(by_label(result)["Buffers"]) == "Buffers]]"


async def test_inline_tags_with_counts(shared_lab: Session, scratch: list[str]) -> None:
    result = await complete(shared_lab, scratch, "scratch/tag.md", "Measured today #assay/q")
    items = by_label(result)
    assert "assay/qpcr" in items
    assert items["assay/qpcr"].detail == "6 files"
    assert new_text(items["assay/qpcr"]) == "assay/qpcr"
    result = await complete(shared_lab, scratch, "scratch/tag2.md", "#")
    labels = set(by_label(result))
    assert {"assay/pcr", "assay/qpcr", "experiment", "todo", "cell-line/hek293"} <= labels


async def test_frontmatter_tags_list(shared_lab: Session, scratch: list[str]) -> None:
    text = "---\ntitle: New run\ntags: [experiment, assay/\n---\n\n# New run\n"
    result = await complete(shared_lab, scratch, "scratch/fm.md", text, cursor="assay/")
    items = by_label(result)
    assert {"assay/pcr", "assay/qpcr"} <= set(items)
    edit = items["assay/qpcr"].text_edit
    assert isinstance(edit, types.TextEdit)
    assert edit.range.start == types.Position(2, len("tags: [experiment, "))
    text = "---\ntitle: New run\ntags:\n  - experiment\n  - cell\n---\n"
    result = await complete(shared_lab, scratch, "scratch/fm2.md", text, cursor="- cell")
    assert "cell-line/hek293" in by_label(result)
    # Other frontmatter keys get no tag completion.
    text = "---\nstatus: pl\n---\n"
    result = await complete(shared_lab, scratch, "scratch/fm3.md", text, cursor="status: pl")
    assert result.items == []


async def test_relative_paths_in_markdown_links(shared_lab: Session, scratch: list[str]) -> None:
    text = "See [the protocol](../protocols/PCR"
    result = await complete(shared_lab, scratch, "experiments/scratch-path.md", text)
    items = by_label(result)
    item = items["../protocols/PCR amplification.md"]
    assert new_text(item) == "../protocols/PCR%20amplification.md"
    assert isinstance(item.text_edit, types.TextEdit)
    assert item.text_edit.range.start == types.Position(0, len("See [the protocol]("))


async def test_completion_position_is_utf16(shared_lab: Session, scratch: list[str]) -> None:
    text = "- 🧪 Mg²⁺ series → [[Gel elec"
    result = await complete(shared_lab, scratch, "scratch/emoji.md", text)
    item = by_label(result)["Gel electrophoresis"]
    assert isinstance(item.text_edit, types.TextEdit)
    # 🧪 is two UTF-16 code units: the edit starts right after `[[`.
    start = len(text[: text.index("[[") + 2]) + 1
    assert item.text_edit.range.start == types.Position(0, start)
    assert item.text_edit.range.end == position_at(text, len(text))


async def test_resolve_adds_a_preview(shared_lab: Session, scratch: list[str]) -> None:
    result = await complete(shared_lab, scratch, "scratch/resolve.md", "[[QuantSt")
    item = by_label(result)["QuantStudio 5"]
    assert item.documentation is None  # filled in lazily
    resolved = await shared_lab.client.completion_item_resolve_async(item)
    doc = resolved.documentation
    assert isinstance(doc, types.MarkupContent)
    assert doc.kind == types.MarkupKind.Markdown
    assert "**QuantStudio 5**" in doc.value
    assert "equipment/QuantStudio 5.md" in doc.value
    assert "Applied Biosystems" in doc.value  # first lines of the note
    assert "backlink" in doc.value


async def test_nothing_outside_a_completion_context(
    shared_lab: Session, scratch: list[str]
) -> None:
    result = await complete(shared_lab, scratch, "scratch/plain.md", "Just some text")
    assert result.items == []
    result = await complete(shared_lab, scratch, "scratch/done.md", "[[PCR]] and more")
    assert result.items == []


async def test_max_items_setting_caps_the_list(lab_notebook: Path, profile: str) -> None:
    session = await start_session(lab_notebook, profile, {"completion": {"maxItems": 3}})
    try:
        result = await session.complete_at_end("scratch.md", "[[")
        assert len(result.items) == 3
        assert result.is_incomplete is True
        # An answer from names still being refreshed after an index change is marked
        # incomplete too, and the client asks again (as on the next keystroke): once the
        # names are current, a list that was not truncated is complete.
        text = "[[EXP-014 HEK293 transfection"
        uri = session.open("scratch2.md", text)
        for _ in range(50):
            result = await session.complete(uri, position_at(text, len(text)))
            if not result.is_incomplete:
                break
            await asyncio.sleep(0.05)
        assert result.is_incomplete is False
        assert ranked(result) == ["EXP-014 HEK293 transfection"]
    finally:
        await stop_session(session)
