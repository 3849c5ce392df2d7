"""Every ``codex.*`` command of docs/protocol.md, through ``workspace/executeCommand``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsp_session import Session, text_in
from lsprotocol import types
from pygls.exceptions import JsonRpcException

pytestmark = pytest.mark.asyncio(loop_scope="module")

REQUEST_FAILED = -32803
INVALID_PARAMS = -32602
PCR = "protocols/PCR amplification.md"
COMMANDS = {
    "codex.search",
    "codex.tags",
    "codex.searchTags",
    "codex.backlinks",
    "codex.references",
    "codex.createNote",
    "codex.reindex",
    "codex.notebooks",
}


async def refused(
    lab: Session, name: str, argument: Any, match: str, code: int = REQUEST_FAILED
) -> None:
    """The command fails with ``code`` (``RequestFailed``) and a message containing ``match``."""
    with pytest.raises(JsonRpcException) as info:
        await lab.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=[argument])
        )
    assert info.value.code == code, info.value
    assert match in str(info.value), str(info.value)


# -- read-only commands (one server per module) -----------------------------------------------


async def test_search_returns_ranked_hits(shared_lab: Session) -> None:
    hits = await shared_lab.command("codex.search", {"query": "annealing gradient"})
    assert hits, "no hits"
    assert hits[0]["path"] == "experiments/EXP-012 Annealing gradient.md"
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    for hit in hits:
        assert set(hit) >= {"uri", "path", "title", "snippet", "score", "range", "tags"}
        assert hit["uri"] == shared_lab.uri(hit["path"])
    top = hits[0]
    assert top["title"] == "EXP-012 Annealing gradient"
    marked = [top["snippet"][start:end].lower() for start, end in top["snippetMatches"]]
    assert marked and set(marked) <= {"annealing", "gradient"}  # ASCII: UTF-16 units = chars
    assert "[" not in top["snippet"]
    # The range locates the first matching word in the file.
    text = (shared_lab.root / top["path"]).read_text(encoding="utf-8")
    start = types.Position(**top["range"]["start"])
    end = types.Position(**top["range"]["end"])
    assert text_in(text, types.Range(start, end)).lower().startswith(("annealing", "gradient"))


async def test_search_finds_a_note_by_its_name_folded_with_its_match(fresh_lab: Session) -> None:
    """The rules of docs/protocol.md, end to end: a name (whose title differs) found first,
    Greek folded, the range on the word as written, and the snippet's matches as offsets."""
    text = "---\ntitle: Ιστορίες\n---\n# Ιστορίες\n\nΜια σημείωση: 😀 Ελληνικά κείμενα.\n"
    fresh_lab.write("notes/Ελληνικά.md", text)
    fresh_lab.write("notes/Mention.md", "# Mention\n\nΓια τα ελληνικά.\n")
    hits: list[dict[str, Any]] = []

    async def found_both() -> bool:
        hits[:] = await fresh_lab.command("codex.search", {"query": "ελληνικα"})
        return {"notes/Ελληνικά.md", "notes/Mention.md"} <= {h["path"] for h in hits}

    await fresh_lab.wait_until(found_both, "the new notes to be searchable")
    top = hits[0]
    assert top["path"] == "notes/Ελληνικά.md"
    assert top["title"] == "Ιστορίες"
    rng = types.Range(
        types.Position(**top["range"]["start"]), types.Position(**top["range"]["end"])
    )
    assert rng.start.line == 5
    assert text_in(text, rng) == "Ελληνικά"
    units = top["snippet"].encode("utf-16-le")
    marked = [units[2 * s : 2 * e].decode("utf-16-le") for s, e in top["snippetMatches"]]
    assert marked == ["Ελληνικά"]
    assert "title" not in top["snippet"] and "---" not in top["snippet"]


async def test_search_with_tags_and_limit(shared_lab: Session) -> None:
    hits = await shared_lab.command("codex.search", {"query": "PCR", "limit": 2})
    assert len(hits) == 2
    daily = await shared_lab.command("codex.search", {"query": "", "tags": ["daily"]})
    assert {h["path"] for h in daily} == {f"daily/2026-03-0{d}.md" for d in (2, 3, 4, 5, 6, 9)}
    nested = await shared_lab.command("codex.search", {"query": "run", "tags": ["assay"]})
    assert nested and all(any(t.startswith("assay") for t in h["tags"]) for h in nested)
    assert await shared_lab.command("codex.search", {"query": "zzzyqxw"}) == []


@pytest.mark.parametrize(
    "query",
    [
        "",
        '"',
        '"unbalanced',
        "AND",
        "OR NOT",
        "*",
        "-",
        "(",
        "NEAR(a b",
        "title:PCR",
        "^",
        "a AND (b OR",
        "🧪",
        "Mg²⁺",
        "x" * 2000,
        "\\",
        "%_",
        "'; DROP TABLE file_metadata; --",
    ],
)
async def test_search_never_fails_on_any_text(shared_lab: Session, query: str) -> None:
    hits = await shared_lab.command("codex.search", {"query": query})
    assert isinstance(hits, list)


async def test_search_rejects_bad_arguments(shared_lab: Session) -> None:
    bad = INVALID_PARAMS
    await refused(shared_lab, "codex.search", {"query": 5}, "query must be a string", bad)
    await refused(shared_lab, "codex.search", {"query": "x", "limit": 0}, "limit", bad)
    await refused(shared_lab, "codex.search", {"query": "x", "tags": [1]}, "tags", bad)
    await refused(shared_lab, "codex.search", ["not", "an", "object"], "one JSON object", bad)


async def test_tags_with_counts(shared_lab: Session) -> None:
    tags = await shared_lab.command("codex.tags")
    counts = {t["name"]: t["count"] for t in tags}
    assert counts["assay/pcr"] == 7
    assert counts["assay/qpcr"] == 6
    assert counts["daily"] == 6
    assert "private" not in counts  # drafts/private is excluded by .codex/config.yaml
    assert "archived" not in counts  # hidden folders are never indexed
    ordered = [t["count"] for t in tags]
    assert ordered == sorted(ordered, reverse=True)


async def test_search_tags_all_and_any(shared_lab: Session) -> None:
    both = await shared_lab.command(
        "codex.searchTags", {"tags": ["assay/qpcr", "experiment"], "match": "all"}
    )
    assert {n["path"] for n in both} == {"experiments/2026-03-06 qPCR run 07.md"}
    assert both[0]["title"] == "qPCR run 07 — library copy number"
    assert both[0]["uri"] == shared_lab.uri(both[0]["path"])
    either = await shared_lab.command(
        "codex.searchTags", {"tags": ["gel", "planning"], "match": "any"}
    )
    assert {n["path"] for n in either} == {
        "daily/2026-03-05.md",
        "daily/2026-03-09.md",
        "experiments/2026-03-05 Gel check of PCR products.md",
    }
    # A parent tag matches its nested children; "all" is the default.
    nested = await shared_lab.command("codex.searchTags", {"tags": ["assay"]})
    assert "protocols/qPCR setup.md" in {n["path"] for n in nested}
    await refused(
        shared_lab, "codex.searchTags", {"tags": ["x"], "match": "some"}, "match", INVALID_PARAMS
    )


async def test_backlinks(shared_lab: Session) -> None:
    found = await shared_lab.command("codex.backlinks", {"uri": shared_lab.uri(PCR)})
    assert len(found) == 18
    for location in found:
        assert set(location) == {"uri", "range"}
        path = Path(location["uri"].removeprefix("file://").replace("%20", " "))
        text = path.read_text(encoding="utf-8")
        rng = types.Range(
            types.Position(**location["range"]["start"]), types.Position(**location["range"]["end"])
        )
        assert "[[" in text_in(text, rng) or "](" in text_in(text, rng)
    await refused(shared_lab, "codex.backlinks", {}, "uri must be a string", INVALID_PARAMS)


async def test_references_command(shared_lab: Session) -> None:
    rel = "experiments/EXP-012 Annealing gradient.md"
    position = shared_lab.find(rel, "^best-ta")
    found = await shared_lab.command(
        "codex.references",
        {
            "uri": shared_lab.uri(rel),
            "position": {"line": position.line, "character": position.character + 1},
        },
    )
    assert sorted(loc["uri"] for loc in found) == sorted(
        [shared_lab.uri("daily/2026-03-04.md"), shared_lab.uri(PCR)]
    )


async def test_notebooks(shared_lab: Session) -> None:
    (notebook,) = await shared_lab.command("codex.notebooks")
    assert notebook["name"] == "lab-notebook"
    assert notebook["root"] == str(shared_lab.root)
    assert notebook["uri"] == shared_lab.root.as_uri()
    assert notebook["explicit"] is True
    assert notebook["database"] == str(shared_lab.root / ".codex" / "notebook.db")
    assert notebook["ready"] is True
    assert notebook["notes"] == 26


async def test_every_command_is_advertised(shared_lab: Session) -> None:
    capabilities = shared_lab.capabilities
    assert capabilities.execute_command_provider is not None
    assert set(capabilities.execute_command_provider.commands) >= COMMANDS


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ({"title": "../escape"}, "cannot be a note name"),
        ({"title": "a/../../escape"}, "cannot be a note name"),
        ({"title": "/etc/evil"}, "cannot be a note name"),
        ({"title": ".codex/evil"}, "cannot be a note name"),
        ({"title": "bad:name"}, "cannot be a note name"),
        ({"title": "ok", "folder": "../outside"}, "folder must be inside the notebook"),
        ({"title": "ok", "folder": "a/../../outside"}, "folder must be inside the notebook"),
        ({"title": ""}, "title must be a non-empty string"),
    ],
)
async def test_create_note_refuses_paths_outside_the_notebook(
    shared_lab: Session, argument: dict[str, Any], message: str
) -> None:
    before = sorted(p for p in shared_lab.root.parent.rglob("*") if ".codex" not in p.parts)
    with pytest.raises(JsonRpcException) as info:
        await shared_lab.command("codex.createNote", argument)
    assert info.value.code == REQUEST_FAILED
    assert message in str(info.value)
    assert shared_lab.applied_edits == []
    after = sorted(p for p in shared_lab.root.parent.rglob("*") if ".codex" not in p.parts)
    assert after == before
