"""Hostile notes over LSP: a YAML bomb answers at once, code after a fence stays code."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

import pytest
from lsp_session import Session, codes, find
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

PCR = "protocols/PCR amplification.md"
DAILY4 = "daily/2026-03-04.md"
BOMB = "hostile/Laughs.md"
T = TypeVar("T")
ANSWER_WITHIN = 10.0  # seconds: the bomb took minutes and gigabytes before it was refused


@pytest.fixture
def lab(fresh_lab: Session) -> Session:
    """This module's tests change files: one server per module, restored after each test."""
    return fresh_lab


def laughs_note() -> str:
    """The note of the report: 9 levels of 9 aliases in 362 bytes of frontmatter."""
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "---\n" + "\n".join(lines) + "\n---\n# Laughs\n\nSee [[PCR amplification]].\n"


async def answered(request: Awaitable[T]) -> T:
    """The answer to ``request``; fails if it takes longer than ANSWER_WITHIN."""
    return await asyncio.wait_for(request, ANSWER_WITHIN)


async def backlinks(lab: Session, rel: str) -> list[str]:
    found = await lab.command("codex.backlinks", {"uri": lab.uri(rel)})
    return [item["uri"] for item in found]


async def test_a_billion_laughs_note_is_reported_and_answered(lab: Session) -> None:
    text = laughs_note()
    lab.write(BOMB, text)
    uri = lab.open(BOMB, text)
    found = await lab.wait_for_diagnostics(uri, lambda d: "yaml-invalid" in codes(d))
    problem = next(d for d in found if d.code == "yaml-invalid")
    assert "aliases are expanded" in problem.message
    # Hovers on the note itself, in its frontmatter and on its link, are answered.
    await answered(lab.hover(uri, find(text, "*c", delta=1)))
    on_link = await answered(lab.hover(uri, find(text, "[[PCR", delta=3)))
    assert isinstance(on_link, types.Hover)
    # The rest of the note is indexed: its link is a backlink of the protocol.
    await lab.wait_until(
        lambda: _has_backlink(lab, PCR, uri), "the bomb note's link in the index", ANSWER_WITHIN
    )
    # A link to the note shows it, without its frontmatter.
    scratch = "Scratch.md"
    other = "[[Laughs]]\n"
    other_uri = lab.open(scratch, other)
    to_bomb = await answered(lab.hover(other_uri, find(other, "[[Laughs", delta=3)))
    assert isinstance(to_bomb, types.Hover)
    assert isinstance(to_bomb.contents, types.MarkupContent)
    assert "Laughs" in to_bomb.contents.value


async def _has_backlink(lab: Session, rel: str, uri: str) -> bool:
    return uri in await backlinks(lab, rel)


async def test_renaming_a_note_leaves_indented_code_after_a_fence_alone(lab: Session) -> None:
    rel = "hostile/Code after fence.md"
    text = (
        "# Code after fence\n\n```\nfenced\n```\n    [[PCR amplification]] stays as written\n"
        "\nOutside the code: [[PCR amplification]].\n"
    )
    lab.write(rel, text)
    uri = lab.uri(rel)
    await lab.wait_until(lambda: _has_backlink(lab, PCR, uri), "the new note in the index")
    daily = lab.open(DAILY4)
    edit = await lab.client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(daily),
            position=lab.find(DAILY4, "[[PCR]]", delta=3),
            new_name="PCR protocol",
        )
    )
    assert edit is not None
    lab.apply_edit(edit)
    after = (lab.root / rel).read_text(encoding="utf-8")
    assert after == text.replace(
        "Outside the code: [[PCR amplification]]", "Outside the code: [[PCR protocol]]"
    )
