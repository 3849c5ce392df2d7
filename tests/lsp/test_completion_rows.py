"""The rows of `[[` completion: one per note, kinds, order, boosts, labels and inserted text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsp_session import Session, completion_items, position_at, start_session, stop_session
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

Kind = types.CompletionItemKind


@pytest.fixture
def scratch(shared_lab: Session) -> Iterator[list[str]]:
    """Scratch documents opened by a test; closed (and so dropped from the index) after it."""
    opened: list[str] = []
    yield opened
    for uri in opened:
        shared_lab.close(uri)


async def complete(
    lab: Session, scratch: list[str], rel: str, text: str
) -> list[types.CompletionItem]:
    """Open ``rel`` with ``text``, complete at its end; the items in the server's order."""
    uri = lab.open(rel, text)
    scratch.append(uri)
    result = await lab.complete(uri, position_at(text, len(text)))
    return sorted(completion_items(result), key=lambda i: i.sort_text or i.label)


def path_of(item: types.CompletionItem) -> str:
    assert isinstance(item.data, dict), item
    return str(item.data["path"])


def new_text(item: types.CompletionItem) -> str:
    assert isinstance(item.text_edit, types.TextEdit), item
    return item.text_edit.new_text


async def test_one_row_per_note(shared_lab: Session, scratch: list[str]) -> None:
    # Nothing typed: one row per file, no alias rows.
    items = await complete(shared_lab, scratch, "scratch/rows.md", "[[")
    assert items
    assert Counter(path_of(i) for i in items).most_common(1)[0][1] == 1
    assert all(i.kind != Kind.Reference for i in items)
    # "Gel" matches the name "Gel electrophoresis" as well as its aliases "gel" (exactly) and
    # "agarose gel": the name's row, and the exact alias's row, and no other alias row.
    items = await complete(shared_lab, scratch, "scratch/rows2.md", "[[Gel")
    gel = [i.label for i in items if path_of(i) == "protocols/Gel electrophoresis.md"]
    assert sorted(gel) == ["Gel electrophoresis", "gel"]
    # "Gel e" matches the name better than any alias: one row.
    items = await complete(shared_lab, scratch, "scratch/rows3.md", "[[Gel e")
    gel = [i.label for i in items if path_of(i) == "protocols/Gel electrophoresis.md"]
    assert gel == ["Gel electrophoresis"]
    # A title and a file name of the same note make one row, labelled with the better match.
    items = await complete(shared_lab, scratch, "scratch/rows4.md", "[[PCR opt")
    rows = [i for i in items if path_of(i) == "experiments/2026-03-04 PCR optimisation.md"]
    assert len(rows) == 1


async def test_distinct_kinds(shared_lab: Session, scratch: list[str]) -> None:
    items = await complete(shared_lab, scratch, "scratch/kinds.md", "[[qPCR")
    kinds = {i.label: i.kind for i in items}
    assert kinds["qPCR setup"] == Kind.File
    assert kinds["qPCR machine"] == Kind.Reference  # an alias of QuantStudio 5
    items = await complete(shared_lab, scratch, "scratch/kinds2.md", "[[qpcr-run")
    assert {i.label: i.kind for i in items}["qpcr-run-07.csv"] == Kind.Unit  # an attachment
    text = "[[PCR amplification#Thermal"
    items = await complete(shared_lab, scratch, "scratch/kinds3.md", text)
    assert {i.label: i.kind for i in items}["Thermal cycling"] == Kind.Struct  # a heading
    text = "[[EXP-012 Annealing gradient#^"
    items = await complete(shared_lab, scratch, "scratch/kinds4.md", text)
    assert {i.label: i.kind for i in items}["best-ta"] == Kind.Value  # a block
    assert len({Kind.File, Kind.Reference, Kind.Unit, Kind.Struct, Kind.Value}) == 5


async def test_attachments_after_notes(shared_lab: Session, scratch: list[str]) -> None:
    # The attachment gel-2026-03-05.png starts with "gel" (and is shorter than the notes that
    # do); it still comes after every note.
    items = await complete(shared_lab, scratch, "scratch/order.md", "[[gel")
    labels = [i.label for i in items]
    assert "gel-2026-03-05.png" in labels
    attachments = [n for n, i in enumerate(items) if i.kind == Kind.Unit]
    notes = [n for n, i in enumerate(items) if i.kind != Kind.Unit]
    assert notes and max(notes) < min(attachments), labels
    assert labels[0] == "gel"  # the exact alias first


async def test_label_is_not_hidden_by_the_detail(shared_lab: Session, scratch: list[str]) -> None:
    items = await complete(shared_lab, scratch, "scratch/detail.md", "[[EXP")
    assert items
    for item in items:
        # The folder goes to labelDetails, the full path to the resolved documentation.
        assert item.detail is None or len(item.detail) <= 40, item.detail
        assert item.detail != path_of(item)
        assert item.label_details is not None
        assert item.label_details.description == path_of(item).rpartition("/")[0]
    items = await complete(shared_lab, scratch, "scratch/detail2.md", "[[PCR mach")
    alias = {i.label: i for i in items}["PCR machine"]
    assert alias.detail == "alias of T100 Thermocycler"


async def test_items_are_snippets_that_insert_the_text_literally(fresh_lab: Session) -> None:
    lab = fresh_lab
    lab.write("notes/Budget $5 {draft}.md", "Spent.\n\n## Costs in $ {net}\n")
    text = "[[Budget"
    uri = lab.open("scratch.md", text)
    found: dict[str, types.CompletionItem] = {}

    async def listed() -> bool:
        result = await lab.complete(uri, position_at(text, len(text)))
        found.update((i.label, i) for i in result.items)
        return "Budget $5 {draft}" in found

    await lab.wait_until(listed, "the new note listed")
    item = found["Budget $5 {draft}"]
    assert item.insert_text_format == types.InsertTextFormat.Snippet
    assert new_text(item) == "Budget \\$5 {draft\\}]]"
    text = "[[Budget $5 {draft}#Costs"
    lab.change(uri, text)
    result = await lab.complete(uri, position_at(text, len(text)))
    heading = {i.label: i for i in result.items}["Costs in $ {net}"]
    assert heading.insert_text_format == types.InsertTextFormat.Snippet
    assert new_text(heading) == "Costs in \\$ {net\\}]]"


async def test_linked_and_recently_edited_notes_come_first(
    lab_notebook: Path, profile: str
) -> None:
    lab = await start_session(lab_notebook, profile)
    try:
        await check_boosts(lab)
    finally:
        await stop_session(lab)


async def settled(lab: Session, uri: str, position: types.Position) -> types.CompletionList:
    """The completion answered once the server's names are settled: while an index write
    refreshes them the answer is marked incomplete, and an editor asks again."""
    found: list[types.CompletionList] = []

    async def complete() -> bool:
        found.append(await lab.complete(uri, position))
        return not found[-1].is_incomplete

    await lab.wait_until(complete, "a complete completion list")
    return found[-1]


async def check_boosts(lab: Session) -> None:
    """The boosts, on a server no other test has edited notes in."""
    # Without a boost, the shorter "Plasmid miniprep" ranks before "Plasmid library screen".
    result = await lab.complete_at_end("scratch/plain.md", "[[Plasmid")
    assert [i.label for i in sorted(result.items, key=lambda i: i.sort_text or "")][:2] == [
        "Plasmid miniprep",
        "Plasmid library screen",
    ]
    # Ana Ribeiro's note links to "Plasmid library screen": from there it comes first, and
    # also first of all notes when nothing is typed yet.
    rel = "people/Ana Ribeiro.md"
    text = lab.read(rel) + "\n[[Plasmid"
    uri = lab.open(rel, text)
    result = await settled(lab, uri, position_at(text, len(text)))
    ordered = [i.label for i in sorted(result.items, key=lambda i: i.sort_text or "")]
    assert ordered[0] == "Plasmid library screen"
    text = lab.read(rel) + "\n[["
    lab.change(uri, text)
    result = await settled(lab, uri, position_at(text, len(text)))
    paths = [path_of(i) for i in sorted(result.items, key=lambda i: i.sort_text or "")]
    assert paths.index("projects/Plasmid library screen.md") < paths.index("daily/2026-03-02.md")
    # A note edited in this session comes before its equals too.
    other = lab.open("projects/Plasmid library screen.md")
    lab.change(other, lab.read("projects/Plasmid library screen.md") + "\nMore.\n")
    edited = lab.open("scratch/after-edit.md", "[[Plasmid")
    result = await settled(lab, edited, position_at("[[Plasmid", len("[[Plasmid")))
    ordered = [i.label for i in sorted(result.items, key=lambda i: i.sort_text or "")]
    assert ordered[:2] == ["Plasmid library screen", "Plasmid miniprep"]
