"""``codex.connections`` (docs/protocol.md): backlinks with their line, outgoing links, tags."""

from __future__ import annotations

from typing import Any

import pytest
from lsp_session import Session, text_in
from lsprotocol import types
from pygls.exceptions import JsonRpcException

pytestmark = pytest.mark.asyncio(loop_scope="module")

T100 = "equipment/T100 Thermocycler.md"
REQUEST_FAILED = -32803
INVALID_PARAMS = -32602


def as_range(value: dict[str, Any]) -> types.Range:
    """An LSP range from its JSON."""
    return types.Range(types.Position(**value["start"]), types.Position(**value["end"]))


def rel_of(session: Session, uri: str) -> str:
    """The notebook-relative path of a URI the server answered."""
    for path in session.root.rglob("*.md"):
        if session.uri(path.relative_to(session.root).as_posix()) == uri:
            return path.relative_to(session.root).as_posix()
    raise AssertionError(f"{uri} is no note of the notebook")


async def test_connections_of_a_note(shared_lab: Session) -> None:
    found = await shared_lab.command("codex.connections", {"uri": shared_lab.uri(T100)})
    assert set(found) == {"backlinks", "links", "tags"}
    backlinks = [
        (rel_of(shared_lab, b["uri"]), b["range"]["start"]["line"]) for b in found["backlinks"]
    ]
    assert backlinks == [
        ("README.md", 42),
        ("daily/2026-03-02.md", 10),
        ("daily/2026-03-09.md", 18),
        ("experiments/EXP-012 Annealing gradient.md", 17),
        ("protocols/PCR amplification.md", 11),
    ]
    by_path = {rel_of(shared_lab, b["uri"]): b for b in found["backlinks"]}
    assert by_path["README.md"]["title"] == "Lab notebook"
    assert by_path["daily/2026-03-02.md"]["context"] == (
        "- Booked the [[thermocycler]] for Tue/Wed afternoons."
    )
    for rel, backlink in by_path.items():
        text = shared_lab.read(rel)
        linked = text_in(text, as_range(backlink["range"]))
        assert linked.startswith("[[") and linked in backlink["context"], (rel, backlink)
        assert backlink["context"] == text.split("\n")[backlink["range"]["start"]["line"]].strip()

    links = found["links"]
    assert [link["target"] for link in links] == ["PCR", "EXP-012 Annealing gradient"]
    pcr, exp = links
    assert rel_of(shared_lab, pcr["uri"]) == "protocols/PCR amplification.md"
    assert pcr["title"] == "PCR amplification" and pcr["broken"] is False
    assert text_in(shared_lab.read(T100), as_range(pcr["range"])) == "[[PCR]]"
    assert exp["title"] == "EXP-012 Annealing gradient" and exp["broken"] is False
    assert found["tags"] == ["assay/pcr", "equipment"]


async def test_backlinks_one_per_line_without_self_links_and_broken_links(
    fresh_lab: Session,
) -> None:
    fresh_lab.write(
        "notes/Hub.md",
        "# Hub\n\nSee [[Hub#Hub]] and [[Nowhere at all]] and [[T100 Thermocycler#Booking]].\n"
        "#zeta #Alpha #zeta\n",
    )
    fresh_lab.write(
        "notes/Spoke.md",
        "# Spoke\n\n[[Hub]] twice on one line: [[Hub|again]].\nAnd [[Hub]] on another.\n",
    )
    found: dict[str, Any] = {}

    async def indexed() -> bool:
        found.update(
            await fresh_lab.command("codex.connections", {"uri": fresh_lab.uri("notes/Hub.md")})
        )
        return len(found["backlinks"]) == 2 and len(found["links"]) == 3

    await fresh_lab.wait_until(indexed, "the new notes in the index")
    assert [
        (rel_of(fresh_lab, b["uri"]), b["range"]["start"]["line"]) for b in found["backlinks"]
    ] == [
        ("notes/Spoke.md", 2),
        ("notes/Spoke.md", 3),
    ]
    assert found["backlinks"][0]["context"] == "[[Hub]] twice on one line: [[Hub|again]]."
    assert found["backlinks"][0]["range"]["start"]["character"] == 0
    self_link, nowhere, booking = found["links"]
    assert self_link["target"] == "Hub#Hub" and self_link["uri"] == fresh_lab.uri("notes/Hub.md")
    assert nowhere == {
        "target": "Nowhere at all",
        "uri": None,
        "range": nowhere["range"],
        "title": None,
        "broken": True,
    }
    assert (
        text_in(fresh_lab.read("notes/Hub.md"), as_range(nowhere["range"])) == "[[Nowhere at all]]"
    )
    assert booking["target"] == "T100 Thermocycler#Booking"
    assert booking["uri"] == fresh_lab.uri(T100) and booking["broken"] is False
    assert found["tags"] == ["Alpha", "zeta"]


async def test_backlink_context_of_a_long_line_is_cut_around_the_link(fresh_lab: Session) -> None:
    before, after = "α" * 400, "ω" * 400
    fresh_lab.write("notes/Long.md", f"# Long\n\n{before} [[T100 Thermocycler]] {after}\n")
    context: list[str] = []

    async def indexed() -> bool:
        found = await fresh_lab.command("codex.connections", {"uri": fresh_lab.uri(T100)})
        context[:] = [b["context"] for b in found["backlinks"] if b["uri"].endswith("Long.md")]
        return bool(context)

    await fresh_lab.wait_until(indexed, "the long note in the index")
    assert "[[T100 Thermocycler]]" in context[0]
    assert context[0].startswith("…α") and context[0].endswith("ω…")
    assert len(context[0]) <= 162


async def test_backlink_context_comes_from_the_open_buffer(fresh_lab: Session) -> None:
    uri = fresh_lab.open("daily/2026-03-02.md")
    text = fresh_lab.read("daily/2026-03-02.md").replace("for Tue/Wed", "for every")
    fresh_lab.change(uri, text)
    contexts: list[str] = []

    async def seen() -> bool:
        found = await fresh_lab.command("codex.connections", {"uri": fresh_lab.uri(T100)})
        contexts[:] = [b["context"] for b in found["backlinks"] if b["uri"] == uri]
        return contexts == ["- Booked the [[thermocycler]] for every afternoons."]

    await fresh_lab.wait_until(seen, f"the buffer's line as context (last seen {contexts})")


@pytest.mark.parametrize(
    ("argument", "code", "message"),
    [
        ({}, INVALID_PARAMS, "uri must be a string"),
        ({"uri": 3}, INVALID_PARAMS, "uri must be a string"),
        ({"uri": "file:///etc/passwd"}, REQUEST_FAILED, "not inside an open notebook"),
        ({"uri": "untitled:Note"}, REQUEST_FAILED, "not a file URI"),
    ],
)
async def test_connections_refuses_what_is_not_a_note(
    shared_lab: Session, argument: dict[str, Any], code: int, message: str
) -> None:
    with pytest.raises(JsonRpcException) as info:
        await shared_lab.command("codex.connections", argument)
    assert info.value.code == code, info.value
    assert message in str(info.value)
