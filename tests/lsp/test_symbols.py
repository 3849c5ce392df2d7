"""Document and workspace symbols, document links, folding ranges and the backlink code lens."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import unquote

import pytest
from lsp_session import Session, start_session, stop_session, text_in, wait_ready
from lsprotocol import types

from notebook_builder import write_notebook

pytestmark = pytest.mark.asyncio(loop_scope="module")

PCR = "protocols/PCR amplification.md"
BACKLINKS_OF_PCR = 18


def rel_of(lab: Session, uri: str) -> str:
    prefix = lab.root.as_uri() + "/"
    assert uri.startswith(prefix), uri
    return unquote(uri[len(prefix) :])


def doc_id(lab: Session, rel: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(lab.open(rel))


async def test_document_symbols_nest_headings(shared_lab: Session) -> None:
    result = await shared_lab.client.text_document_document_symbol_async(
        types.DocumentSymbolParams(doc_id(shared_lab, PCR))
    )
    assert result is not None
    symbols = [s for s in result if isinstance(s, types.DocumentSymbol)]
    assert [s.name for s in symbols] == ["PCR amplification"]
    title = symbols[0]
    children = title.children or []
    assert [c.name for c in children] == [
        "Reagents",
        "Thermal cycling",
        "Analysis",
        "Revision history",
    ]
    cycling = children[1]
    assert [c.name for c in cycling.children or []] == ["Touchdown variant"]
    text = shared_lab.read(PCR)
    assert "Thermal cycling" in text_in(text, cycling.selection_range)
    # A section spans from its heading to the line before the next heading of its level.
    assert cycling.range.start.line == 27
    assert cycling.range.end.line == 41
    assert title.range.end.line >= children[-1].range.end.line


async def test_workspace_symbols_notes_aliases_headings_tags(shared_lab: Session) -> None:
    async def symbols(query: str) -> list[types.WorkspaceSymbol | types.SymbolInformation]:
        # Symbols with a full location read back as SymbolInformation (same JSON shape).
        result = await shared_lab.client.workspace_symbol_async(types.WorkspaceSymbolParams(query))
        return list(result or [])

    found = await symbols("PCR amplification")
    first = found[0]
    assert (first.name, first.kind) == ("PCR amplification", types.SymbolKind.File)
    assert isinstance(first.location, types.Location)
    assert rel_of(shared_lab, first.location.uri) == PCR

    alias = next(s for s in await symbols("QS5") if s.name == "QS5")
    assert alias.kind == types.SymbolKind.Constant
    assert isinstance(alias.location, types.Location)
    assert rel_of(shared_lab, alias.location.uri) == "equipment/QuantStudio 5.md"

    heading = next(s for s in await symbols("touchdown") if s.kind == types.SymbolKind.String)
    assert heading.name == "Touchdown variant"
    assert isinstance(heading.location, types.Location)
    assert rel_of(shared_lab, heading.location.uri) == PCR
    assert heading.location.range.start.line == 37

    tag = next(s for s in await symbols("#assay/qpcr") if s.kind == types.SymbolKind.Key)
    assert tag.name == "#assay/qpcr"
    assert tag.container_name == "6 files"

    # A note is found by its file name too, not only by its title.
    by_name = await symbols("2026-03-04 PCR optimisation")
    assert by_name[0].name == "PCR optimisation (Mg²⁺ and DMSO)"
    assert by_name[0].container_name == "experiments/2026-03-04 PCR optimisation.md"

    fuzzy = await symbols("hektrans")
    assert fuzzy and fuzzy[0].name == "EXP-014 HEK293 transfection"
    assert await symbols("zzzzqqqq") == []


async def test_document_links(shared_lab: Session) -> None:
    rel = "experiments/EXP-012 Annealing gradient.md"
    result = await shared_lab.client.text_document_document_link_async(
        types.DocumentLinkParams(doc_id(shared_lab, rel))
    )
    assert result is not None
    text = shared_lab.read(rel)
    targets = {text_in(text, link.range): link.target for link in result}
    pcr_uri = (shared_lab.root / PCR).as_uri()
    assert targets["[[PCR amplification]]"] == pcr_uri
    assert targets["[[PCR amplification#Thermal cycling]]"] == f"{pcr_uri}#L28"
    assert targets["[[#Results]]"] == f"{(shared_lab.root / rel).as_uri()}#L21"
    assert targets["[[EXP-011 Template titration#Results]]"] is not None
    # Broken links have no document link.
    rel = "experiments/EXP-014 HEK293 transfection.md"
    result = await shared_lab.client.text_document_document_link_async(
        types.DocumentLinkParams(doc_id(shared_lab, rel))
    )
    texts = {text_in(shared_lab.read(rel), link.range) for link in result or []}
    assert "[[Western blot]]" not in texts
    assert "[[Ana Ribeiro|Ana]]" in texts
    # Tooltips only for clients that support them (Neovim does not).
    tooltips = {link.tooltip for link in result or []}
    if shared_lab.profile == "visual-studio-code":
        assert "people/Ana Ribeiro.md" in tooltips
    else:
        assert tooltips == {None}


async def test_folding_ranges(shared_lab: Session) -> None:
    result = await shared_lab.client.text_document_folding_range_async(
        types.FoldingRangeParams(doc_id(shared_lab, PCR))
    )
    assert result is not None
    spans = {(r.start_line, r.end_line) for r in result}
    assert (0, 7) in spans  # frontmatter, from `---` to `---`
    assert (27, 40) in spans  # "## Thermal cycling" with its sub-section, to its last text
    assert (37, 40) in spans  # "### Touchdown variant"
    assert (13, 25) in spans  # "## Reagents"
    assert all(r.end_line > r.start_line for r in result)


async def test_code_lens_counts_backlinks(shared_lab: Session) -> None:
    result = await shared_lab.client.text_document_code_lens_async(
        types.CodeLensParams(doc_id(shared_lab, PCR))
    )
    # The backlinks lens, then (the note being named in plain text elsewhere) the mentions one.
    assert result is not None and len(result) == 2
    lens, mentions = result
    assert mentions.command is not None and mentions.command.title.endswith("unlinked mentions")
    assert mentions.range == lens.range
    assert lens.range.start.line == 9  # the `# PCR amplification` title line
    assert lens.command is not None
    assert lens.command.title == f"{BACKLINKS_OF_PCR} backlinks"
    assert lens.command.command == "codex.showBacklinks"
    (argument,) = lens.command.arguments or []
    assert argument["uri"] == shared_lab.uri(PCR)
    assert argument["position"] == {"line": 9, "character": 0}
    assert len(argument["locations"]) == BACKLINKS_OF_PCR
    first = argument["locations"][0]
    assert set(first) == {"uri", "range"}
    assert set(first["range"]) == {"start", "end"}


async def test_code_lens_on_a_note_without_backlinks(shared_lab: Session) -> None:
    rel = "daily/2026-03-02.md"
    result = await shared_lab.client.text_document_code_lens_async(
        types.CodeLensParams(doc_id(shared_lab, rel))
    )
    assert result is not None
    lens = result[0]
    assert lens.command is not None
    # README links every daily log.
    assert lens.command.title == "1 backlink"


async def test_code_lens_can_be_turned_off(lab_notebook: Path, profile: str) -> None:
    session = await start_session(lab_notebook, profile, {"codeLens": {"backlinks": False}})
    try:
        result = await session.client.text_document_code_lens_async(
            types.CodeLensParams(types.TextDocumentIdentifier(session.open(PCR)))
        )
        assert not result
        assert session.client.messages == []  # a valid setting: no warning
    finally:
        await stop_session(session)


async def test_workspace_symbols_rank_every_heading(tmp_path: Path, profile: str) -> None:
    """The heading named exactly as the query comes first, however many headings match it
    loosely before it (they used to be read a thousand at a time, unranked, and it was lost)."""
    decoys = "".join(f"## Kinetics run {n}\n\ntext\n\n" for n in range(1200))
    text = f"# Runs\n\n{decoys}## Kinetics\n\nthe one\n"
    root = write_notebook(tmp_path / "headings", {"runs.md": text})
    session = await start_session(root, profile)
    try:
        result = await session.client.workspace_symbol_async(
            types.WorkspaceSymbolParams("Kinetics")
        )
        found = list(result or [])
        assert found[0].name == "Kinetics"
        assert found[0].kind == types.SymbolKind.String
        assert isinstance(found[0].location, types.Location)
        assert found[0].location.range.start.line == 2 + 4 * 1200
    finally:
        await stop_session(session)


async def test_workspace_symbols_are_the_best_hundred(tmp_path: Path, profile: str) -> None:
    """A query many symbols match gets the hundred best (docs/protocol.md says why not
    more): the exact name first, then the shortest names that start with the query (the
    note's title, then its title heading)."""
    decoys = "".join(f"## Assay run {n}\n\ntext\n\n" for n in range(300))
    root = write_notebook(tmp_path / "many", {"assays.md": f"# Assays\n\n{decoys}## Assay\n"})
    session = await start_session(root, profile)
    try:
        result = await session.client.workspace_symbol_async(types.WorkspaceSymbolParams("assay"))
        names = [symbol.name for symbol in result or []]
        assert len(names) == 100
        assert names[:3] == ["Assay", "Assays", "Assays"]
        assert names[3:] == [f"Assay run {n}" for n in range(97)]
    finally:
        await stop_session(session)


async def test_workspace_symbols_follow_index_changes(fresh_lab: Session) -> None:
    """A note created, and one whose title changes, are found once the index has them (the
    symbol index is rebuilt from the database when it changed)."""

    async def names(query: str) -> list[str]:
        result = await fresh_lab.client.workspace_symbol_async(types.WorkspaceSymbolParams(query))
        return [s.name for s in result or []]

    async def eventually(query: str, name: str) -> list[str]:
        deadline = asyncio.get_running_loop().time() + 30
        while name not in (found := await names(query)):
            assert asyncio.get_running_loop().time() < deadline, (query, found)
            await asyncio.sleep(0.05)
        return found

    assert "Zymogen activation" not in await names("Zymogen")
    assert "Polymerase chain reaction" not in await names("Polymerase chain")
    fresh_lab.write("experiments/Zymogen.md", "# Zymogen activation\n\n## Cleavage kinetics\n")
    fresh_lab.write(
        PCR, fresh_lab.read(PCR).replace("# PCR amplification", "# Polymerase chain reaction")
    )
    assert (await eventually("Zymogen", "Zymogen activation"))[0] == "Zymogen activation"
    assert "Cleavage kinetics" in await names("cleavage")
    await eventually("Polymerase chain", "Polymerase chain reaction")


async def test_workspace_symbols_while_indexing_say_they_are_partial(
    tmp_path: Path, profile: str
) -> None:
    """Asked during the first index run with a work-done token, the answer is reported as
    partial through it; asked once the index is ready, it is not."""
    root = tmp_path / "big"
    (root / ".codex").mkdir(parents=True)
    for number in range(4000):
        (root / f"Sample {number:04d}.md").write_text(
            f"# Sample {number}\n\n## Method {number}\n\nSee [[Sample {number + 1:04d}]].\n",
            encoding="utf-8",
        )
    session = await start_session(root, profile, ready=False)
    try:
        while not (notebooks := await session.command("codex.notebooks")):
            await asyncio.sleep(0.01)  # the notebook opens once initialized
        assert not notebooks[0]["ready"]
        session.client.progress_reports.setdefault("while-indexing", [])
        await session.client.workspace_symbol_async(
            types.WorkspaceSymbolParams("Sample", work_done_token="while-indexing")
        )
        reports = session.client.progress_reports["while-indexing"]
        assert isinstance(reports[0], types.WorkDoneProgressBegin)
        assert isinstance(reports[-1], types.WorkDoneProgressEnd)
        assert reports[-1].message == "partial results: big still being indexed"

        await wait_ready(session, timeout=300)
        session.client.progress_reports.setdefault("when-ready", [])
        found = await session.client.workspace_symbol_async(
            types.WorkspaceSymbolParams("Sample 3999", work_done_token="when-ready")
        )
        assert found and found[0].name == "Sample 3999"
        # Progress is sent before the answer on the same stream: none came.
        assert session.client.progress_reports["when-ready"] == []
    finally:
        await stop_session(session)
