"""Notebook roots in the server: a workspace folder or a note inside an Obsidian vault, a
Foam, zk or Dendron workspace or a git work tree is served as part of the whole notebook."""

from __future__ import annotations

from pathlib import Path

from lsp_session import Session, codes, start_session, stop_session, wait_ready
from lsprotocol import types


def make_vault(root: Path, marker: str) -> Path:
    """A vault with a note at its root and one in ``content/Math`` linking to it."""
    (root / marker).mkdir(parents=True)
    (root / "content/Math").mkdir(parents=True)
    (root / "Sets.md").write_text("# Sets\n", encoding="utf-8")
    (root / "content/Math/Graphs.md").write_text("[[Sets]] [[Missing]]\n", encoding="utf-8")
    return root


async def roots(session: Session) -> list[tuple[str, bool]]:
    """The open notebooks as (root, explicit)."""
    return [(n["root"], n["explicit"]) for n in await session.command("codex.notebooks")]


async def test_a_workspace_folder_inside_a_vault_serves_the_vault(
    tmp_path: Path, profile: str
) -> None:
    vault = make_vault(tmp_path / "vault", ".obsidian")
    math = vault / "content/Math"
    session = await start_session(math, profile)
    try:
        assert await roots(session) == [(str(vault), False)]
        uri = session.open("Graphs.md")
        found = await session.definition(uri, types.Position(0, 3))
        assert [loc.uri for loc in found] == [(vault / "Sets.md").as_uri()]
        diagnostics = await session.wait_for_diagnostics(uri, lambda d: bool(d))
        assert codes(diagnostics) == ["link-broken"]
        assert "Missing" in diagnostics[0].message
        assert not (vault / ".codex").exists()  # implicit: its index is in the user cache
    finally:
        await stop_session(session)


async def test_a_note_opened_in_a_vault_outside_the_workspace_opens_the_vault(
    lab_notebook: Path, tmp_path: Path, profile: str
) -> None:
    vault = make_vault(tmp_path / "garden", ".zk")
    session = await start_session(lab_notebook, profile)
    try:
        note = vault / "content/Math/Graphs.md"
        uri = note.as_uri()
        session.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri, "markdown", 1, note.read_text(encoding="utf-8"))
            )
        )
        await wait_ready(session, count=2)
        assert (str(vault), False) in await roots(session)
        found = await session.definition(uri, types.Position(0, 3))
        assert [loc.uri for loc in found] == [(vault / "Sets.md").as_uri()]
    finally:
        await stop_session(session)


async def test_a_note_in_a_git_work_tree_opens_the_work_tree(
    lab_notebook: Path, tmp_path: Path, profile: str
) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "docs").mkdir()
    (repo / "README.md").write_text("# Read me\n", encoding="utf-8")
    (repo / "docs/guide.md").write_text("[[README]]\n", encoding="utf-8")
    session = await start_session(lab_notebook, profile)
    try:
        uri = (repo / "docs/guide.md").as_uri()
        session.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri, "markdown", 1, "[[README]]\n")
            )
        )
        await wait_ready(session, count=2)
        assert (str(repo), False) in await roots(session)
        found = await session.definition(uri, types.Position(0, 3))
        assert [loc.uri for loc in found] == [(repo / "README.md").as_uri()]
    finally:
        await stop_session(session)


async def test_a_lone_note_opens_its_folder(
    lab_notebook: Path, tmp_path: Path, profile: str
) -> None:
    folder = tmp_path / "Downloads"
    folder.mkdir()
    (folder / "other.md").write_text("# Other\n", encoding="utf-8")
    note = folder / "lone.md"
    note.write_text("[[other]]\n", encoding="utf-8")
    session = await start_session(lab_notebook, profile)
    try:
        uri = note.as_uri()
        session.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri, "markdown", 1, "[[other]]\n")
            )
        )
        await wait_ready(session, count=2)
        assert (str(folder), False) in await roots(session)
        found = await session.definition(uri, types.Position(0, 3))
        assert [loc.uri for loc in found] == [(folder / "other.md").as_uri()]
    finally:
        await stop_session(session)
