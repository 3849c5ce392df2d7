"""Frontmatter schemas end to end: diagnostics, completion, hover and quick fixes.

One server per client profile on a notebook with ``.codex/schema.yaml``; every test works in
its own scratch buffers, so the server can be shared (edits that change the schema or files
on disk are in test_schema_edits.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from lsp_session import (
    CLIENTS,
    Diagnostics,
    Session,
    apply_text_edits,
    codes,
    completion_items,
    find,
    position_at,
    start_session,
    stop_session,
    text_in,
)
from lsprotocol import types
from schema_notebook import make_notebook

pytestmark = pytest.mark.asyncio(loop_scope="module")
Severity = types.DiagnosticSeverity


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=CLIENTS)
async def nb(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Session]:
    """One server per profile on the schema notebook (tests only open scratch buffers)."""
    root = make_notebook(tmp_path_factory.mktemp("schema") / "notebook")
    session = await start_session(root, str(request.param))
    yield session
    await stop_session(session)


@pytest.fixture
def scratch(nb: Session) -> Iterator[list[str]]:
    """Buffers opened by one test, closed after it."""
    opened: list[str] = []
    yield opened
    for uri in opened:
        nb.close(uri)


def open_note(nb: Session, scratch: list[str], rel: str, text: str) -> str:
    uri = nb.open(rel, text)
    scratch.append(uri)
    return uri


def has(code: str) -> Any:
    return lambda found: code in codes(found)


def with_codes(*wanted: str) -> Any:
    return lambda found: all(code in codes(found) for code in wanted)


def of(found: Diagnostics, code: str) -> list[types.Diagnostic]:
    return [d for d in found if d.code == code]


def schema_codes(found: Diagnostics) -> list[str]:
    return sorted(c for c in codes(found) if c.startswith("schema-"))


async def actions(nb: Session, uri: str, found: Diagnostics) -> list[types.CodeAction]:
    ours = [d for d in found if str(d.code).startswith("schema-")]
    result = await nb.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=ours[0].range,
            context=types.CodeActionContext(diagnostics=ours),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


def applied(nb: Session, uri: str, action: types.CodeAction) -> str:
    """The buffer after applying ``action`` (sent to the server as a change)."""
    assert action.edit is not None and action.edit.changes is not None
    edits = list(action.edit.changes[uri])
    text = apply_text_edits(nb.buffers[uri], edits)
    nb.change(uri, text)
    return text


# -- diagnostics ------------------------------------------------------------------------------

BAD = """\
---
type: experiment
status: runing
date: "2026-02-30"
replicates: many
protocol: "[[Nope]]"
operator: Ana
sample: {id: s1, volume_ul: "lots", colour: red}
publshed: true
---
# Bad run
"""


async def test_value_key_and_link_errors_have_exact_ranges(nb: Session, scratch: list[str]) -> None:
    rel = "experiments/Bad run.md"
    uri = open_note(nb, scratch, rel, BAD)
    wanted = ("schema-enum", "schema-format", "schema-type", "schema-link")
    found = await nb.wait_for_diagnostics(uri, with_codes(*wanted, "schema-unknown-property"))

    def one(code: str, text: str) -> types.Diagnostic:
        matching = [d for d in of(found, code) if text_in(BAD, d.range) == text]
        assert len(matching) == 1, [(d.code, text_in(BAD, d.range), d.message) for d in found]
        assert matching[0].source == "codex"
        return matching[0]

    enum = one("schema-enum", "runing")
    assert enum.severity == Severity.Error
    assert "expected one of planned, running, done, failed" in enum.message
    assert "'runing': did you mean 'running'?" in enum.message
    date = one("schema-format", '"2026-02-30"')
    assert "expected a date (YYYY-MM-DD)" in date.message and "2026-02-30" in date.message
    replicates = one("schema-type", "many")
    assert "expected an integer, found 'many'" in replicates.message
    nested = one("schema-type", '"lots"')
    assert nested.message.startswith("sample.volume_ul: expected a number")
    missing_link = one("schema-link", "[[Nope]]")
    assert "no note named 'Nope'" in missing_link.message
    not_a_link = one("schema-link", "Ana")
    assert "expected a [[link]] to a note" in not_a_link.message
    colour = one("schema-unknown-property", "colour")
    assert "in sample" in colour.message
    typo = one("schema-unknown-property", "publshed")
    assert "did you mean 'published'?" in typo.message
    # The existing link diagnostics still come too (the frontmatter link is broken).
    assert "link-broken" in codes(found)


async def test_missing_required_key_sits_on_the_opening_line(
    nb: Session, scratch: list[str]
) -> None:
    text = "---\ntitle: Missing things\n---\nBody\n"
    uri = open_note(nb, scratch, "experiments/Missing.md", text)
    found = await nb.wait_for_diagnostics(uri, has("schema-required"))
    required = of(found, "schema-required")
    assert len(required) == 2
    for diagnostic in required:
        assert text_in(text, diagnostic.range) == "---"
        assert diagnostic.range.start.line == 0
    messages = " | ".join(d.message for d in required)
    assert "Missing required property 'status' (type 'experiment')" in messages
    assert "expected one of planned, running, done, failed" in messages
    assert "Missing required property 'date'" in messages


async def test_valid_notes_and_untyped_notes_get_nothing(nb: Session, scratch: list[str]) -> None:
    uri = nb.open("experiments/Good run.md")
    scratch.append(uri)
    found = await nb.wait_for_diagnostics(uri)
    assert schema_codes(found) == []
    # No frontmatter and no type from its path: not checked at all.
    uri = open_note(nb, scratch, "inbox/Loose idea.md", "# Loose idea\n\nNothing here.\n")
    found = await nb.wait_for_diagnostics(uri)
    assert schema_codes(found) == []


async def test_comma_separated_tags_are_a_list(nb: Session, scratch: list[str]) -> None:
    text = '---\nversion: "1.0"\ntags: "protocol, wet-lab"\n---\n# Gel\n'
    uri = open_note(nb, scratch, "protocols/Gel.md", text)
    found = await nb.wait_for_diagnostics(uri)
    assert schema_codes(found) == []


async def test_unknown_note_type_is_a_warning_with_a_fix(nb: Session, scratch: list[str]) -> None:
    text = '---\ntype: protocl\nversion: "1"\n---\n# Typo\n'
    uri = open_note(nb, scratch, "protocols/Typo.md", text)
    found = await nb.wait_for_diagnostics(uri, has("schema-unknown-type"))
    warning = of(found, "schema-unknown-type")[0]
    assert warning.severity == Severity.Warning
    assert text_in(text, warning.range) == "protocl"
    assert "did you mean 'protocol'?" in warning.message
    fix = next(a for a in await actions(nb, uri, found) if a.title == "Replace with 'protocol'")
    fixed = applied(nb, uri, fix)
    assert "type: protocol\n" in fixed
    await nb.wait_for_diagnostics(uri, lambda f: "schema-unknown-type" not in codes(f))


async def test_sidecar_metadata_is_checked(nb: Session, scratch: list[str]) -> None:
    rel = "data/.run.csv.json"
    text = (nb.root / rel).read_text(encoding="utf-8")
    uri = nb.uri(rel)
    nb.versions[uri] = 1
    nb.buffers[uri] = text
    nb.client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "json", 1, text))
    )
    scratch.append(uri)
    found = await nb.wait_for_diagnostics(uri, has("schema-enum"))
    enum = of(found, "schema-enum")[0]
    assert text_in(text, enum.range) == '"dne"'
    assert "did you mean 'done'?" in enum.message
    assert [c for c in codes(found) if not c.startswith("schema-")] == []


# -- quick fixes ------------------------------------------------------------------------------


async def test_fix_adds_missing_required_keys(nb: Session, scratch: list[str]) -> None:
    uri = open_note(nb, scratch, "experiments/Fix required.md", "---\ntitle: T\n---\nBody\n")
    found = await nb.wait_for_diagnostics(uri, has("schema-required"))
    offered = {a.title: a for a in await actions(nb, uri, found)}
    assert "Add missing property 'status'" in offered
    both = offered["Add missing properties: status, date"]
    assert both.is_preferred and both.kind == types.CodeActionKind.QuickFix
    fixed = applied(nb, uri, both)
    today = dt.date.today().isoformat()
    assert fixed == f"---\ntitle: T\nstatus: planned\ndate: {today}\n---\nBody\n"
    await nb.wait_for_diagnostics(uri, lambda f: schema_codes(f) == [])


async def test_fix_inserts_a_frontmatter_block(nb: Session, scratch: list[str]) -> None:
    text = "# A run without frontmatter\n\nText.\n"
    uri = open_note(nb, scratch, "experiments/No block.md", text)
    found = await nb.wait_for_diagnostics(uri, has("schema-no-frontmatter"))
    diagnostic = of(found, "schema-no-frontmatter")[0]
    assert diagnostic.range == types.Range(types.Position(0, 0), types.Position(0, 0))
    assert "'status', 'date'" in diagnostic.message
    fix = next(a for a in await actions(nb, uri, found) if a.title.startswith("Insert frontmatter"))
    fixed = applied(nb, uri, fix)
    today = dt.date.today().isoformat()
    assert fixed == f"---\nstatus: planned\ndate: {today}\n---\n" + text
    await nb.wait_for_diagnostics(uri, lambda f: schema_codes(f) == [])


async def test_fix_replaces_a_misspelt_enum_value(nb: Session, scratch: list[str]) -> None:
    text = '---\nstatus: "runing"\ndate: 2026-03-01\n---\n'
    uri = open_note(nb, scratch, "experiments/Enum.md", text)
    found = await nb.wait_for_diagnostics(uri, has("schema-enum"))
    fix = next(a for a in await actions(nb, uri, found) if a.title == "Replace with 'running'")
    assert fix.is_preferred
    assert applied(nb, uri, fix) == '---\nstatus: "running"\ndate: 2026-03-01\n---\n'
    await nb.wait_for_diagnostics(uri, lambda f: schema_codes(f) == [])


async def test_fix_removes_or_renames_an_unknown_key(nb: Session, scratch: list[str]) -> None:
    text = "---\nstatus: done\ndate: 2026-03-01\nnotes: |\n  two\n  lines\npublshed: true\n---\n"
    uri = open_note(nb, scratch, "experiments/Unknown.md", text)
    found = await nb.wait_for_diagnostics(uri, has("schema-unknown-property"))
    offered = {a.title: a for a in await actions(nb, uri, found)}
    assert "Rename to 'published'" in offered
    fixed = applied(nb, uri, offered["Remove property 'notes'"])
    assert fixed == "---\nstatus: done\ndate: 2026-03-01\npublshed: true\n---\n"
    found = await nb.wait_for_diagnostics(uri, lambda f: len(of(f, "schema-unknown-property")) == 1)
    offered = {a.title: a for a in await actions(nb, uri, found)}
    fixed = applied(nb, uri, offered["Rename to 'published'"])
    assert fixed == "---\nstatus: done\ndate: 2026-03-01\npublished: true\n---\n"
    await nb.wait_for_diagnostics(uri, lambda f: schema_codes(f) == [])


# -- completion -------------------------------------------------------------------------------


async def complete(nb: Session, scratch: list[str], rel: str, text: str, at: str) -> dict[str, Any]:
    uri = open_note(nb, scratch, rel, text)
    offset = text.index(at) + len(at)
    result = await nb.complete(uri, position_at(text, offset))
    return {item.label: item for item in completion_items(result)}


def new_text(item: types.CompletionItem) -> str:
    assert isinstance(item.text_edit, types.TextEdit), item
    return item.text_edit.new_text


async def test_property_names_with_type_and_description(nb: Session, scratch: list[str]) -> None:
    text = "---\ntype: experiment\nsta\n---\n"
    items = await complete(nb, scratch, "experiments/Keys.md", text, "sta")
    assert "type" not in items  # already written
    status = items["status"]
    assert status.kind == types.CompletionItemKind.Property
    assert status.detail is not None and "one of planned, running" in status.detail
    assert "required" in status.detail
    assert isinstance(status.documentation, types.MarkupContent)
    assert "Where the run stands" in status.documentation.value
    assert new_text(status) == "status: "
    assert isinstance(status.text_edit, types.TextEdit)
    assert status.text_edit.range.start == types.Position(2, 0)
    assert (items["date"].detail or "").startswith("string · date")
    assert {"protocol", "operator", "replicates", "published", "sample", "title"} <= set(items)


async def test_nested_property_names(nb: Session, scratch: list[str]) -> None:
    text = "---\nstatus: done\nsample:\n  id: s1\n  \n---\n"
    items = await complete(nb, scratch, "experiments/Nested.md", text, "  id: s1\n  ")
    assert set(items) == {"volume_ul"}


async def test_enum_boolean_date_and_type_values(nb: Session, scratch: list[str]) -> None:
    items = await complete(nb, scratch, "experiments/V1.md", "---\nstatus: \n---\n", "status: ")
    assert list(items) == ["planned", "running", "done", "failed"]
    assert items["running"].kind == types.CompletionItemKind.EnumMember
    items = await complete(
        nb, scratch, "experiments/V2.md", "---\npublished: \n---\n", "published: "
    )
    assert list(items) == ["true", "false"]
    items = await complete(nb, scratch, "experiments/V3.md", "---\ndate: \n---\n", "date: ")
    assert dt.date.today().isoformat() in items
    items = await complete(nb, scratch, "experiments/V4.md", "---\ntype: \n---\n", "type: ")
    assert list(items) == ["experiment", "protocol"]
    items = await complete(
        nb, scratch, "experiments/V5.md", "---\nreplicates: \n---\n", "replicates: "
    )
    assert new_text(items["3"]) == "3"  # the default


async def test_note_links_for_link_properties(nb: Session, scratch: list[str]) -> None:
    items = await complete(nb, scratch, "experiments/L1.md", "---\nprotocol: PC\n---\n", "PC")
    assert new_text(items["PCR"]) == '"[[PCR]]"'
    assert "protocols/PCR.md" in (items["PCR"].detail or "")
    items = await complete(
        nb, scratch, "experiments/L2.md", '---\noperator: "An\n---\n', '"An'
    )  # through $ref, after an opening quote
    ana = items["Ana"]
    assert new_text(ana) == '"[[Ana]]"'  # replaces the quote and what follows
    assert isinstance(ana.text_edit, types.TextEdit)
    assert ana.text_edit.range.start == types.Position(1, 10)


async def test_tags_inside_frontmatter(nb: Session, scratch: list[str]) -> None:
    items = await complete(nb, scratch, "experiments/T.md", "---\ntags: [we\n---\n", "[we")
    assert "wet-lab" in items
    assert items["wet-lab"].kind == types.CompletionItemKind.Keyword


# -- hover ------------------------------------------------------------------------------------


async def test_hover_on_a_key_shows_description_and_type(nb: Session, scratch: list[str]) -> None:
    text = '---\nstatus: done\ndate: 2026-03-01\nprotocol: "[[PCR]]"\n---\n'
    uri = open_note(nb, scratch, "experiments/Hover.md", text)
    hover = await nb.hover(uri, find(text, "status", delta=2))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    value = hover.contents.value
    assert "**status**" in value and "one of planned, running, done, failed" in value
    assert "Where the run stands" in value and "Required (type 'experiment')" in value
    assert hover.range == types.Range(types.Position(1, 0), types.Position(1, 6))
    hover = await nb.hover(uri, find(text, "protocol", delta=1))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "The protocol followed" in hover.contents.value
    assert "[[link]]" in hover.contents.value and "Optional" in hover.contents.value
    # On the value, hover is about the link, not the key.
    hover = await nb.hover(uri, find(text, "[[PCR", delta=3))
    assert hover is None or "The protocol followed" not in str(hover.contents)
