"""Dynamic views over LSP: codex.query, codex.views, codex.setProperty, and diagnostics,
completion, hover and code lens in view files and inline blocks."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsp_session import (
    Session,
    completion_items,
    find,
    start_session,
    stop_session,
    text_in,
)
from lsprotocol import types
from pygls.exceptions import JsonRpcException

pytestmark = pytest.mark.asyncio(loop_scope="module")

EXPERIMENTS = "views/Experiments.base"
EXP14 = "experiments/EXP-014 HEK293 transfection.md"


async def failure(lab: Session, name: str, argument: Any) -> JsonRpcException:
    """The error a command fails with."""
    with pytest.raises(JsonRpcException) as info:
        await lab.command(name, argument)
    return info.value


# -- commands ---------------------------------------------------------------------------------


async def test_query_a_view_file(shared_lab: Session) -> None:
    result = await shared_lab.command(
        "codex.query", {"uri": shared_lab.uri(EXPERIMENTS), "view": "By status"}
    )
    assert [c["name"] for c in result["columns"]] == ["name", "Date", "Protocol"]
    assert [(g["key"], len(g["rows"])) for g in result["groups"]] == [
        ("done", 5),
        ("planned", 1),
        ("running", 1),
    ]
    assert result["total"] == 7 and result["groupBy"] == "note.status"
    for row in result["rows"]:
        assert row["uri"] == shared_lab.uri(row["path"])
    assert result["groups"][1]["summaries"] == {"note.date": "2026-03-12"}


async def test_query_an_expression(shared_lab: Session) -> None:
    result = await shared_lab.command(
        "codex.query", {"query": 'file.hasTag("assay/qpcr") && file.inFolder("experiments")'}
    )
    assert [r["path"] for r in result["rows"]] == ["experiments/2026-03-06 qPCR run 07.md"]
    assert result["columns"] == [{"id": "file.name", "name": "name"}]


async def test_query_an_open_buffer_and_inline_block(shared_lab: Session) -> None:
    # An unsaved view buffer is what is queried (open buffers win).
    text = "filters: 'status == \"planned\"'\nviews:\n  - name: Planned\n  - name: Again\n"
    uri = shared_lab.open("views/Scratch.cdx", text)
    try:
        result = await shared_lab.command("codex.query", {"uri": uri})
        assert sorted(r["path"] for r in result["rows"]) == [EXP14, "projects/imaging/Overview.md"]
        # The views of the buffer (never indexed: it is not on disk), for an editor's tabs.
        assert result["views"] == ["Planned", "Again"]
    finally:
        shared_lab.close(uri)
    block = 'filters: file.hasTag("assay/qpcr") && file.inFolder("experiments")\n'
    note = f"# Inline\n\n```base\n{block}```\n"
    uri = shared_lab.open("Inline view.md", note)
    try:
        result = await shared_lab.command("codex.query", {"uri": uri, "block": 0})
        assert [r["path"] for r in result["rows"]] == ["experiments/2026-03-06 qPCR run 07.md"]
        assert (result["block"], result["line"]) == (0, 2)
        missing = await failure(shared_lab, "codex.query", {"uri": uri, "block": 3})
        assert "has no inline view 3" in str(missing)
    finally:
        shared_lab.close(uri)


async def test_query_refusals(shared_lab: Session) -> None:
    both = await failure(shared_lab, "codex.query", {"query": "true", "uri": "file:///x"})
    assert "either query or uri" in str(both)
    bad = await failure(shared_lab, "codex.query", {"query": "status =="})
    assert "expression ends too early" in str(bad)
    outside = await failure(shared_lab, "codex.query", {"uri": "file:///etc/passwd"})
    assert "not inside an open notebook" in str(outside)
    unknown = await failure(
        shared_lab, "codex.query", {"uri": shared_lab.uri(EXPERIMENTS), "view": "Nope"}
    )
    assert "no view named 'Nope'" in str(unknown)


async def test_views_lists_files_with_row_counts(shared_lab: Session) -> None:
    found = await shared_lab.command("codex.views", {})
    by_path = {v["path"]: v for v in found}
    assert set(by_path) >= {EXPERIMENTS, "views/Open tasks.cdx", "views/This week.cdx"}
    experiments = by_path[EXPERIMENTS]
    assert experiments["uri"] == shared_lab.uri(EXPERIMENTS)
    assert experiments["block"] is None
    assert [(v["name"], v["type"], v["rows"]) for v in experiments["views"]] == [
        ("Active by protocol", "table", 2),
        ("By status", "table", 7),
        ("Board", "board", 7),
    ]


async def test_set_property_changes_only_the_value(fresh_lab: Session) -> None:
    before = fresh_lab.read(EXP14)
    answer = await fresh_lab.command(
        "codex.setProperty", {"uri": fresh_lab.uri(EXP14), "key": "status", "value": "running"}
    )
    assert answer == {"uri": fresh_lab.uri(EXP14), "key": "status", "applied": True}
    assert fresh_lab.read(EXP14) == before.replace("status: planned", "status: running")
    edit = fresh_lab.applied_edits[-1]
    assert edit.changes is not None and list(edit.changes) == [fresh_lab.uri(EXP14)]
    # A new key is one added line before the closing fence; the note's rows follow.
    await fresh_lab.command(
        "codex.setProperty", {"uri": fresh_lab.uri(EXP14), "key": "plates", "value": [1, 2]}
    )
    assert fresh_lab.read(EXP14).startswith(
        before.replace("status: planned", "status: running").split("---\n\n")[0]
    )
    assert "plates: [1, 2]\n---\n" in fresh_lab.read(EXP14)

    async def moved() -> bool:
        result = await fresh_lab.command("codex.query", {"query": 'status == "running"'})
        return EXP14 in [r["path"] for r in result["rows"]]

    await fresh_lab.wait_until(moved, "the index to see the new status")


async def test_set_property_writes_where_the_key_lives(fresh_lab: Session) -> None:
    folder, _, name = EXP14.rpartition("/")
    json_rel, md_rel, xml_rel = (f"{folder}/.{name}.{ext}" for ext in ("json", "md", "xml"))
    note = fresh_lab.read(EXP14)
    fresh_lab.write(json_rel, '{\n    "owner": "Ana",\n    "status": "failed",\n    "n": 1.50\n}\n')
    fresh_lab.write(md_rel, "---\n# lab book\nbench: 3  # left\n---\n")
    fresh_lab.write(xml_rel, "<meta><room>B12</room></meta>")

    async def indexed() -> bool:
        result = await fresh_lab.command("codex.query", {"query": 'room == "B12"'})
        return EXP14 in [r["path"] for r in result["rows"]]

    await fresh_lab.wait_until(indexed, "the sidecars to be indexed")
    # A key of the JSON sidecar: its value's text changes there, nothing else anywhere.
    answer = await fresh_lab.command(
        "codex.setProperty", {"uri": fresh_lab.uri(EXP14), "key": "owner", "value": "Bo"}
    )
    assert answer == {"uri": fresh_lab.uri(json_rel), "key": "owner", "applied": True}
    assert fresh_lab.read(json_rel) == (
        '{\n    "owner": "Bo",\n    "status": "failed",\n    "n": 1.50\n}\n'
    )
    edit = fresh_lab.applied_edits[-1]
    assert edit.changes is not None and list(edit.changes) == [fresh_lab.uri(json_rel)]
    # A key of the Markdown sidecar: its frontmatter, comments kept.
    await fresh_lab.command(
        "codex.setProperty", {"uri": fresh_lab.uri(EXP14), "key": "bench", "value": 4}
    )
    assert fresh_lab.read(md_rel) == "---\n# lab book\nbench: 4  # left\n---\n"
    # The note's frontmatter has `status` too and wins: it is written there.
    await fresh_lab.command(
        "codex.setProperty", {"uri": fresh_lab.uri(EXP14), "key": "status", "value": "done"}
    )
    assert fresh_lab.read(EXP14) == note.replace("status: planned", "status: done")
    assert '"status": "failed"' in fresh_lab.read(json_rel)
    # A key of the XML sidecar is refused, and nothing changes.
    edits = len(fresh_lab.applied_edits)
    xml = await failure(
        fresh_lab,
        "codex.setProperty",
        {"uri": fresh_lab.uri(EXP14), "key": "room", "value": "C1"},
    )
    assert "XML sidecar" in str(xml) and len(fresh_lab.applied_edits) == edits
    assert fresh_lab.read(xml_rel) == "<meta><room>B12</room></meta>"

    async def moved() -> bool:
        result = await fresh_lab.command("codex.query", {"query": 'owner == "Bo" && bench == 4'})
        return EXP14 in [r["path"] for r in result["rows"]]

    await fresh_lab.wait_until(moved, "the index to see the sidecars' new values")


async def test_set_property_refusals(shared_lab: Session) -> None:
    no_value = await failure(
        shared_lab, "codex.setProperty", {"uri": shared_lab.uri(EXP14), "key": "status"}
    )
    assert "value must be given" in str(no_value)
    not_note = await failure(
        shared_lab,
        "codex.setProperty",
        {"uri": shared_lab.uri(EXPERIMENTS), "key": "a", "value": 1},
    )
    assert "is not a Markdown note" in str(not_note)
    nested = await failure(
        shared_lab,
        "codex.setProperty",
        {"uri": shared_lab.uri(EXP14), "key": "a", "value": {"b": 1}},
    )
    assert "a scalar or a list" in str(nested)
    outside = await failure(
        shared_lab, "codex.setProperty", {"uri": "file:///etc/hosts", "key": "a", "value": 1}
    )
    assert "not inside an open notebook" in str(outside)
    assert shared_lab.applied_edits == []


# -- language features ------------------------------------------------------------------------


VIEW_TEXT = (
    "filters:\n"
    "  and:\n"
    "    - 'status == 3'\n"
    "    - 'nosuch(1)'\n"
    "    - 'ghost > 2'\n"
    "    - 'status =='\n"
    "bogus: 1\n"
    "views:\n"
    "  - name: All\n"
)


async def test_diagnostics_in_a_view_file(shared_lab: Session) -> None:
    uri = shared_lab.open("views/Broken.cdx", VIEW_TEXT)
    try:
        diagnostics = await shared_lab.wait_for_diagnostics(uri, lambda d: len(d) >= 5)
        found = {(d.message, text_in(VIEW_TEXT, d.range), d.severity) for d in diagnostics}
        error, warning = types.DiagnosticSeverity.Error, types.DiagnosticSeverity.Warning
        assert found == {
            ("comparing a string with a number is never true", "status == 3", error),
            ("unknown function 'nosuch' (see docs/views.md)", "nosuch(1)", error),
            ("no note has the property 'ghost'", "ghost", warning),
            ("expression ends too early", "=", error),
            ("unknown key 'bogus'", "bogus", warning),
        }
        # Fixing the file clears them.
        shared_lab.change(uri, "filters: 'status == \"done\"'\n")
        await shared_lab.wait_for_diagnostics(uri, lambda d: not d)
    finally:
        shared_lab.close(uri)


async def test_diagnostics_of_an_inline_block(shared_lab: Session) -> None:
    text = "# Note\n\n```codex-view\nquery: 'nosuch()'\n```\n"
    uri = shared_lab.open("Inline broken.md", text)
    try:
        diagnostics = await shared_lab.wait_for_diagnostics(
            uri, lambda d: any("nosuch" in x.message for x in d)
        )
        ours = [d for d in diagnostics if d.code == "view"]
        assert [text_in(text, d.range) for d in ours] == ["nosuch()"]
    finally:
        shared_lab.close(uri)


async def test_hover_on_a_property(shared_lab: Session) -> None:
    text = shared_lab.read(EXPERIMENTS)
    uri = shared_lab.uri(EXPERIMENTS)
    hover = await shared_lab.hover(uri, find(text, "status ==", delta=2))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.value.startswith(
        "**status** — string (one of planned, running, done, failed), in "
    )
    assert hover.range is not None and text_in(text, hover.range) == "status"
    column = await shared_lab.hover(uri, find(text, "date, protocol]", delta=1))
    assert column is not None and isinstance(column.contents, types.MarkupContent)
    assert column.contents.value.startswith("**date** — date, in ")


async def test_completion_in_a_view_file(shared_lab: Session) -> None:
    text = "filters: 'file.'\nviews:\n  - name: A\n    filters: 'sta'\n    \n"
    uri = shared_lab.open("views/Complete.cdx", text)
    try:
        after_file = completion_items(await shared_lab.complete(uri, find(text, "'\nviews")))
        labels = {i.label for i in after_file}
        assert {"name", "folder", "tags", "hasTag", "inFolder"} <= labels
        props = completion_items(await shared_lab.complete(uri, find(text, "'\n    \n")))
        by_label = {i.label: i for i in props}
        assert by_label["status"].detail is not None
        assert by_label["status"].detail.startswith("string, ")
        assert "today" in by_label and "file" in by_label
        keys = completion_items(await shared_lab.complete(uri, types.Position(line=4, character=4)))
        assert {"type", "order", "groupBy", "summaries"} <= {i.label for i in keys}
    finally:
        shared_lab.close(uri)
    enum_text = "filters: 'note.status == \"'\n"
    uri = shared_lab.open("views/Enum.cdx", enum_text)
    try:
        values = completion_items(await shared_lab.complete(uri, find(enum_text, "'\n")))
        assert [i.label for i in values] == ["planned", "running", "done", "failed"]
    finally:
        shared_lab.close(uri)
    tags_text = "filters: 'file.hasTag(\"'\n"
    uri = shared_lab.open("views/Tags.cdx", tags_text)
    try:
        tags = completion_items(await shared_lab.complete(uri, find(tags_text, "'\n")))
        assert {"experiment", "assay/pcr"} <= {i.label for i in tags}
    finally:
        shared_lab.close(uri)


async def test_code_lens_row_counts(shared_lab: Session) -> None:
    lenses = await shared_lab.client.text_document_code_lens_async(
        types.CodeLensParams(
            text_document=types.TextDocumentIdentifier(uri=shared_lab.uri(EXPERIMENTS))
        )
    )
    titles = [lens.command.title for lens in lenses or [] if lens.command]
    assert {"Active by protocol: 2 rows", "By status: 7 rows", "Board: 7 rows"} <= set(titles)


async def test_write_views_and_the_refresh_action(fresh_lab: Session) -> None:
    uri = fresh_lab.uri("Dashboard.md")
    before = fresh_lab.read("Dashboard.md")
    # The checked-in dashboard was written for 2026-03-09: "This week" is stale today.
    actions = await fresh_lab.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    refresh = [a for a in actions or [] if isinstance(a, types.CodeAction)]
    assert [a.title for a in refresh] == ["Refresh 1 materialized view"]
    assert refresh[0].kind == types.CodeActionKind.Source
    quick_only = await fresh_lab.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.QuickFix]),
        )
    )
    assert not quick_only
    answer = await fresh_lab.command("codex.writeViews", {"uri": uri})
    assert answer == {"uri": uri, "updated": 1}
    after = fresh_lab.read("Dashboard.md")
    head, _, week = after.partition("<!-- codex:view views/This week.cdx -->\n")
    assert head == before.partition("<!-- codex:view views/This week.cdx -->\n")[0]
    assert week.startswith("_No results._\n<!-- /codex:view -->")
    again = await fresh_lab.command("codex.writeViews", {"uri": uri})
    assert again == {"uri": uri, "updated": 0}


async def test_refresh_on_save(lab_notebook: Path, profile: str) -> None:
    session = await start_session(lab_notebook, profile, {"views": {"refreshOnSave": True}})
    try:
        uri = session.open("Dashboard.md")
        before = session.buffers[uri]
        # Saving an unrelated edit: the stale "This week" block comes back as one edit.
        session.change(uri, before.replace("# ", "# My ", 1))
        session.save(uri)

        def refreshed() -> bool:
            return "_No results._\n<!-- /codex:view -->" in session.buffers[uri]

        await session.wait_until(refreshed, "the views to be refreshed on save")
        assert len(session.applied_edits) == 1
        edit = session.applied_edits[0]
        assert edit.document_changes is not None and len(edit.document_changes) == 1
        change = edit.document_changes[0]
        assert isinstance(change, types.TextDocumentEdit)
        assert change.text_document.uri == uri and change.text_document.version is not None
        marker = "<!-- codex:view views/This week.cdx -->\n"
        head = before.replace("# ", "# My ", 1).partition(marker)[0]
        assert session.buffers[uri].partition(marker)[0] == head
        # The refreshed note, saved again (the test client saves applied edits), is fresh.
        stale = await session.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        assert not stale
    finally:
        await stop_session(session)


async def test_schema_properties_count_as_known(fresh_lab: Session) -> None:
    # A property the schema declares but no note has yet is known; one of neither is not.
    schema = fresh_lab.read(".codex/schema.yaml").replace(
        "      protocol: {type: string, x-codex-link: true}\n",
        "      protocol: {type: string, x-codex-link: true}\n      reagent: {enum: [taq, q5]}\n",
    )
    assert "reagent" in schema
    schema_uri = fresh_lab.open(".codex/schema.yaml", schema)
    text = 'filters: \'reagent == "q5" && ghost == "x"\'\n'
    uri = fresh_lab.open("views/Known.cdx", text)
    try:
        diagnostics = await fresh_lab.wait_for_diagnostics(uri, lambda d: len(d) > 0)
        assert [text_in(text, d.range) for d in diagnostics] == ["ghost"]
        # Inside `reagent == "` the schema's values are offered.
        values = completion_items(await fresh_lab.complete(uri, find(text, '" && ghost', delta=-2)))
        assert [i.label for i in values] == ["taq", "q5"]
    finally:
        fresh_lab.close(uri)
        fresh_lab.close(schema_uri)


async def test_enum_completion_follows_schema_refs(fresh_lab: Session) -> None:
    # A property whose allowed values come through `$ref` (and `allOf`) offers them too.
    schema = (
        fresh_lab.read(".codex/schema.yaml")
        .replace(
            "types:\n",
            "$defs:\n  reagents: {enum: [taq, q5]}\n"
            "  stage: {allOf: [{$ref: '#/$defs/reagents'}]}\ntypes:\n",
        )
        .replace(
            "      protocol: {type: string, x-codex-link: true}\n",
            "      protocol: {type: string, x-codex-link: true}\n"
            "      reagent: {$ref: '#/$defs/reagents'}\n      mix: {$ref: '#/$defs/stage'}\n",
        )
    )
    assert "reagent: {$ref" in schema and "$defs" in schema
    schema_uri = fresh_lab.open(".codex/schema.yaml", schema)
    text = "filters: 'reagent == \"'\n"
    uri = fresh_lab.open("views/Ref.cdx", text)
    mix_text = "filters: 'mix == \"'\n"
    mix_uri = fresh_lab.open("views/Mix.cdx", mix_text)
    try:
        values = completion_items(await fresh_lab.complete(uri, find(text, "'\n")))
        assert [i.label for i in values] == ["taq", "q5"]
        mixed = completion_items(await fresh_lab.complete(mix_uri, find(mix_text, "'\n")))
        assert [i.label for i in mixed] == ["taq", "q5"]
        fresh_lab.change(uri, "filters: 'reagent == \"q5\"'\n")
        hover = await fresh_lab.hover(uri, find(text, "reagent", delta=2))
        assert hover is not None and "one of taq, q5" in str(hover.contents)
    finally:
        fresh_lab.close(uri)
        fresh_lab.close(mix_uri)
        fresh_lab.close(schema_uri)


async def test_view_commands_are_advertised(shared_lab: Session) -> None:
    provider = shared_lab.capabilities.execute_command_provider
    assert provider is not None
    assert set(provider.commands) >= {
        "codex.query",
        "codex.views",
        "codex.writeViews",
        "codex.setProperty",
    }


# -- inline blocks: lenses and written results ------------------------------------------------

RUNNING_BLOCK = (
    '```base\nfilters:\n  and:\n    - file.inFolder("experiments")\n'
    "    - 'status == \"running\"'\nviews:\n  - type: table\n    name: Running\n"
    "    order: [file.basename, status]\n```\n"
)


def running_experiments(lab: Session) -> list[str]:
    """Names of the lab's experiments whose frontmatter says ``status: running`` (on disk)."""
    folder = lab.root / "experiments"
    return sorted(
        p.stem for p in folder.glob("*.md") if "\nstatus: running\n" in p.read_text("utf-8")
    )


async def test_inline_block_lenses(shared_lab: Session) -> None:
    # Above each block: its row count, "Open" (a client command) and "Write results".
    second_block = (
        '```base\nfilters: file.inFolder("experiments")\nviews:\n  - name: All\n'
        "  - name: Running\n    filters: 'status == \"running\"'\n```\n"
    )
    note = f"# Inline\n\n{RUNNING_BLOCK}\nText.\n\n{second_block}"
    uri = shared_lab.open("Lensed.md", note)
    try:
        lenses = await shared_lab.client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert lenses is not None
        running = len(running_experiments(shared_lab))
        experiments = len(list((shared_lab.root / "experiments").glob("*.md")))
        assert 0 < running < experiments
        fences = [i for i, line in enumerate(note.split("\n")) if line == "```base"]
        # (The note's backlinks lens is on its first line.)
        ours = [lens for lens in lenses if lens.range.start.line in fences and lens.command]
        shown = [(lens.range.start.line, lens.command.title) for lens in ours if lens.command]
        rows = f"{running} row{'s' * (running != 1)}"
        # One view: its count; several: each count named.
        assert shown == [
            (fences[0], rows),
            (fences[0], "Open"),
            (fences[0], "Write results"),
            (fences[1], f"All: {experiments} rows"),
            (fences[1], f"Running: {rows}"),
            (fences[1], "Open"),
            (fences[1], "Write results"),
        ]
        commands = [
            (lens.command.command, list(lens.command.arguments or ()))
            for lens in ours[-2:]
            if lens.command
        ]
        assert commands == [
            ("codex.openInlineView", [{"uri": uri, "block": 1}]),
            ("codex.writeInlineView", [{"uri": uri, "block": 1}]),
        ]
    finally:
        shared_lab.close(uri)


async def test_write_inline_results(fresh_lab: Session) -> None:
    note = f"# Running now\n\n{RUNNING_BLOCK}Below the block.\n"
    uri = fresh_lab.open("drafts/Running now.md", note)
    answer = await fresh_lab.command("codex.writeInlineView", {"uri": uri, "block": 0})
    assert answer == {"uri": uri, "updated": 1}
    text = fresh_lab.buffers[uri]
    running = running_experiments(fresh_lab)
    # Under the closing fence: one marker pair holding the block's table; every other byte kept.
    head, marker, rest = text.partition("\n<!-- codex:view inline -->\n")
    assert marker
    assert head == f"# Running now\n\n{RUNNING_BLOCK}"
    table, close, tail = rest.partition("<!-- /codex:view -->\n")
    assert close and tail == "\nBelow the block.\n"
    rows = table.splitlines()
    assert rows[0].count(" | ") == 1 and rows[1] == "|---|---|"
    assert sorted(r.split(" | ")[0].lstrip("| ") for r in rows[2:]) == running
    # Fresh: nothing to write again, and no materialized view is stale.
    again = await fresh_lab.command("codex.writeInlineView", {"uri": uri, "block": 0})
    assert again == {"uri": uri, "updated": 0}
    assert (await fresh_lab.command("codex.writeViews", {"uri": uri}))["updated"] == 0
    # A running experiment finishes: the inline marker is stale, and both commands refresh it.
    done = fresh_lab.root / "experiments" / f"{running[0]}.md"
    fresh_lab.write(
        str(done.relative_to(fresh_lab.root)),
        done.read_text("utf-8").replace("\nstatus: running\n", "\nstatus: done\n"),
    )

    async def refreshed() -> bool:
        answer = await fresh_lab.command("codex.writeInlineView", {"uri": uri, "block": 0})
        return answer["updated"] == 1

    for _ in range(100):
        if await refreshed():
            break
        await asyncio.sleep(0.1)
    assert running[0] not in fresh_lab.buffers[uri]
    assert fresh_lab.buffers[uri].count("<!-- codex:view inline -->") == 1


async def test_write_inline_results_refusals(shared_lab: Session) -> None:
    uri = shared_lab.open("Unclosed.md", "# U\n\n```base\nfilters: 'x == 1'\n")
    try:
        unclosed = await failure(shared_lab, "codex.writeInlineView", {"uri": uri, "block": 0})
        assert "not closed" in str(unclosed)
        missing = await failure(shared_lab, "codex.writeInlineView", {"uri": uri, "block": 2})
        assert "no inline view 2" in str(missing)
    finally:
        shared_lab.close(uri)


async def test_refresh_on_save_keeps_inline_results_current(
    lab_notebook: Path, profile: str
) -> None:
    session = await start_session(lab_notebook, profile, {"views": {"refreshOnSave": True}})
    try:
        note = f"# Running now\n\n{RUNNING_BLOCK}Below.\n"
        session.write("Running now.md", note)
        uri = session.open("Running now.md")
        answer = await session.command("codex.writeInlineView", {"uri": uri, "block": 0})
        assert answer["updated"] == 1
        session.save(uri)
        running = running_experiments(session)
        # A running experiment is done: saving the note brings its table up to date.
        rel = f"experiments/{running[0]}.md"
        session.write(rel, session.read(rel).replace("\nstatus: running\n", "\nstatus: done\n"))
        edits = len(session.applied_edits)

        async def saved_until_fresh() -> bool:
            session.save(uri)
            await asyncio.sleep(0.2)
            return running[0] not in session.buffers[uri]

        for _ in range(50):
            if await saved_until_fresh():
                break
        assert running[0] not in session.buffers[uri]
        assert len(session.applied_edits) > edits
        text = session.buffers[uri]
        assert text.startswith(f"# Running now\n\n{RUNNING_BLOCK}\n<!-- codex:view inline -->\n")
        assert text.endswith("<!-- /codex:view -->\n\nBelow.\n")
        assert running[1] in text if len(running) > 1 else "_No results._" in text
    finally:
        await stop_session(session)
