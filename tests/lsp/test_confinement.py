"""Every command and request that takes a URI, a folder or a new name stays inside the open
notebooks (issue 13, items 1-5), end to end through a real client.

The notebook ``work/nb`` holds ``lnk -> outside/dir`` (a folder symlink) and
``flink.md -> outside/secret.md`` (a file symlink). ``outside/`` is another git repository (with
a deleted, committed note) and an explicit notebook, so a server that opened the notebook around
any path it was given would serve it. ``work/NB`` is a case variant of the notebook's folder.
Each test sends every spelling of an outside file and checks that the request fails with
``RequestFailed``, that nothing outside changed, and that no other notebook was opened.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsp_session import CLIENTS, Session, start_session, stop_session
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from gitrepo import commit, git, init_repo, requires_git, write

pytestmark = [requires_git, pytest.mark.asyncio(loop_scope="module")]

REQUEST_FAILED = -32803
NOTE = "note.md"
NOTE_TEXT = "# Note\n\n## Part\n\nSee [[other]] and [[other#Part]]. #lab/pcr\n\nA step ^blk\n"
SECRET = "# Secret\n\nThe outside file, see [[other]].\n"


@dataclass
class Layout:
    """The notebook, the outside repository and the spellings of outside files."""

    nb: Path
    outside: Path
    commit: str
    spellings: dict[str, str]

    def snapshot(self) -> dict[Path, tuple[bytes, int]]:
        """Every file outside the notebook with its content and mtime (index files aside)."""
        found = {}
        for top in (self.outside, self.nb.parent / "NB"):
            for path in top.rglob("*"):
                if path.is_file() and ".git" not in path.parts and ".codex" not in path.parts:
                    found[path] = (path.read_bytes(), path.stat().st_mtime_ns)
        return found


def build(tmp: Path) -> Layout:
    outside = init_repo(tmp / "outside")
    write(outside / ".codex/config.yaml", "")
    write(outside / ".codex/.gitignore", "*\n")
    write(outside / "secret.md", SECRET)
    write(outside / "gone.md", "# Gone\n\nthe deleted outside note\n")
    write(outside / "dir/secret.md", SECRET)
    first = commit(outside, "Outside notes")
    git(outside, "rm", "-q", "gone.md")
    commit(outside, "Delete gone")
    nb = tmp / "work/nb"
    write(nb / ".codex/config.yaml", "")
    write(nb / NOTE, NOTE_TEXT)
    write(nb / "other.md", "# Other\n\n## Part\n\ntext\n")
    (nb / "lnk").symlink_to(outside / "dir", target_is_directory=True)
    (nb / "flink.md").symlink_to(outside / "secret.md")
    write(tmp / "work/NB/secret.md", SECRET)
    write(tmp / "work/NB/.codex/config.yaml", "")
    base = nb.as_uri()
    spellings = {
        "dot-dot": f"{base}/../../outside/secret.md",
        "percent-encoded": f"{base}/%2e%2e/%2E%2E/outside/secret.md",
        "symlink to a file": f"{base}/flink.md",
        "symlink to a folder": f"{base}/lnk/secret.md",
        "symlink then dot-dot": f"{base}/lnk/../secret.md",
        "absolute": (outside / "secret.md").as_uri(),
        "deleted file of another repository": (outside / "gone.md").as_uri(),
        "case variant": (tmp / "work/NB/secret.md").as_uri(),
    }
    return Layout(nb, outside, first, spellings)


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=CLIENTS)
async def confined(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Session, Layout]]:
    layout = build(tmp_path_factory.mktemp("confinement"))
    session = await start_session(layout.nb, str(request.param))
    yield session, layout
    await stop_session(session)


async def refused_everywhere(
    session: Session, layout: Layout, send: Any, match: str = "not inside an open notebook"
) -> None:
    """Send a request for each outside spelling; each must fail, and change nothing."""
    before = layout.snapshot()
    for name, uri in layout.spellings.items():
        with pytest.raises(JsonRpcException) as info:
            await send(uri)
        assert info.value.code == REQUEST_FAILED, (name, info.value)
        assert match in str(info.value), (name, str(info.value))
    assert layout.snapshot() == before
    assert not (layout.outside / "gone.md").exists()
    assert session.applied_edits == []
    await only_the_workspace_notebook(session, layout)


async def only_the_workspace_notebook(session: Session, layout: Layout) -> None:
    notebooks = await session.command("codex.notebooks")
    assert [n["root"] for n in notebooks] == [str(layout.nb)]


# -- git history commands ------------------------------------------------------------------


async def test_show(confined: tuple[Session, Layout]) -> None:
    session, layout = confined
    await refused_everywhere(
        session,
        layout,
        lambda uri: session.command("codex.show", {"uri": uri, "commit": layout.commit}),
    )


async def test_history(confined: tuple[Session, Layout]) -> None:
    session, layout = confined
    await refused_everywhere(
        session, layout, lambda uri: session.command("codex.history", {"uri": uri})
    )


async def test_diff(confined: tuple[Session, Layout]) -> None:
    session, layout = confined
    await refused_everywhere(
        session,
        layout,
        lambda uri: session.command("codex.diff", {"uri": uri, "from": layout.commit}),
    )


async def test_restore(confined: tuple[Session, Layout]) -> None:
    session, layout = confined
    await refused_everywhere(
        session,
        layout,
        lambda uri: session.command("codex.restore", {"uri": uri, "commit": layout.commit}),
    )


# -- commands that read the index for a note -------------------------------------------------


async def test_backlinks(confined: tuple[Session, Layout]) -> None:
    session, layout = confined
    await refused_everywhere(
        session,
        layout,
        lambda uri: session.command("codex.backlinks", {"uri": uri}),
        match="is not a note of an open notebook",
    )


async def test_references(confined: tuple[Session, Layout]) -> None:
    session, layout = confined
    await refused_everywhere(
        session,
        layout,
        lambda uri: session.command("codex.references", {"uri": uri}),
        match="uri must name a note of an open notebook",
    )


async def test_requests_on_outside_documents_read_nothing(
    confined: tuple[Session, Layout],
) -> None:
    """Requests on a document URI outside the notebooks answer nothing from the outside file
    (and open no notebook around it)."""
    session, layout = confined
    before = layout.snapshot()
    for uri in layout.spellings.values():
        doc = types.TextDocumentIdentifier(uri)
        symbols = await session.client.text_document_document_symbol_async(
            types.DocumentSymbolParams(doc)
        )
        assert not symbols, uri
        links = await session.client.text_document_document_link_async(
            types.DocumentLinkParams(doc)
        )
        assert not links, uri
        hover = await session.hover(uri, types.Position(0, 2))
        assert hover is None, uri
    assert layout.snapshot() == before
    await only_the_workspace_notebook(session, layout)


async def test_watched_file_events_index_nothing_through_a_symlink(
    confined: tuple[Session, Layout],
) -> None:
    """A client's file events for paths that lead outside are dropped; the legitimate event
    of the same batch is indexed (the event this test waits for)."""
    session, layout = confined
    fresh = layout.nb / "fresh.md"
    fresh.write_text("# Fresh\n\nzebracorn\n", encoding="utf-8")
    events = [
        types.FileEvent(f"{layout.nb.as_uri()}/lnk/secret.md", types.FileChangeType.Created),
        types.FileEvent(f"{layout.nb.as_uri()}/flink.md", types.FileChangeType.Changed),
        types.FileEvent(fresh.as_uri(), types.FileChangeType.Created),
    ]
    session.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(events))

    async def indexed() -> bool:
        return bool(await session.command("codex.search", {"query": "zebracorn"}))

    await session.wait_until(indexed, "the fresh note to be indexed")
    assert await session.command("codex.search", {"query": "outside"}) == []


# -- creating notes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ({"title": "pwn", "folder": "lnk"}, "leads outside the notebook through a symlink"),
        ({"title": "lnk/pwn"}, "leads outside the notebook through a symlink"),
        ({"title": "lnk/new/deeper/pwn"}, "leads outside the notebook through a symlink"),
        ({"title": "pwn", "folder": "lnk/new"}, "leads outside the notebook through a symlink"),
        ({"title": "pwn", "folder": "/etc"}, "relative to the notebook"),
        ({"title": "pwn", "folder": "a/../.."}, "cannot be '..'"),
        ({"title": "../pwn"}, "cannot be '..'"),
        ({"title": "../../outside/pwn"}, "cannot be '..'"),
        ({"title": "pwn", "folder": ".codex"}, "cannot start with '.'"),
    ],
)
async def test_create_note(
    confined: tuple[Session, Layout], argument: dict[str, Any], message: str
) -> None:
    session, layout = confined
    before = layout.snapshot()
    with pytest.raises(JsonRpcException) as info:
        await session.command("codex.createNote", argument)
    assert info.value.code == REQUEST_FAILED
    assert message in str(info.value)
    assert layout.snapshot() == before
    assert session.applied_edits == []
    assert not list(layout.outside.rglob("pwn*")) and not (layout.outside / "dir/new").exists()


@pytest.mark.parametrize("command", ["codex.templates", "codex.createNote", "codex.daily"])
@pytest.mark.parametrize("notebook", ["a\x00b", "file:///tmp/a%00b"])
async def test_a_notebook_name_with_a_null_byte_is_refused(
    confined: tuple[Session, Layout], command: str, notebook: str
) -> None:
    session, _ = confined
    with pytest.raises(JsonRpcException) as info:
        await session.command(command, {"title": "pwn", "notebook": notebook})
    assert info.value.code == REQUEST_FAILED
    assert "is not an open notebook" in str(info.value)


async def test_a_view_query_names_its_notebook_by_real_path(
    confined: tuple[Session, Layout],
) -> None:
    """``codex.query``'s notebook goes through the server's one gate: the notebook's root by
    any spelling that really leads to it, and nothing else (another notebook, a folder inside
    this one, a symlink out of it)."""
    session, layout = confined
    alias = layout.nb.parent / "nb-alias"
    if not alias.exists():
        alias.symlink_to(layout.nb, target_is_directory=True)
    query = {"query": 'file.name == "flink"'}
    for spelling in (str(layout.nb), layout.nb.as_uri(), str(alias), alias.as_uri()):
        result = await session.command("codex.query", {**query, "notebook": spelling})
        assert "columns" in result, spelling
    for spelling in (
        str(layout.outside),
        layout.outside.as_uri(),
        str(layout.nb / "lnk"),
        f"{layout.nb}/lnk/..",
        str(layout.nb / ".codex"),
        "nb",
        "a\x00b",
    ):
        with pytest.raises(JsonRpcException) as info:
            await session.command("codex.query", {**query, "notebook": spelling})
        assert info.value.code == REQUEST_FAILED, spelling
        assert "is not an open notebook" in str(info.value), spelling
    await only_the_workspace_notebook(session, layout)


async def test_create_note_refuses_other_notebooks(confined: tuple[Session, Layout]) -> None:
    session, layout = confined
    with pytest.raises(JsonRpcException) as info:
        await session.command(
            "codex.createNote", {"title": "pwn", "notebook": layout.outside.as_uri()}
        )
    assert "is not an open notebook" in str(info.value)
    await only_the_workspace_notebook(session, layout)


async def test_no_quick_fix_creates_a_note_through_a_symlink(
    confined: tuple[Session, Layout],
) -> None:
    session, layout = confined
    uri = session.open("scratch.md", "# Scratch\n\n[[lnk/pwn]] and [[lnk/new/pwn]]\n")
    try:
        found = await session.wait_for_diagnostics(
            uri, lambda d: sum(x.code == "link-broken" for x in d) == 2
        )
        for diagnostic in found:
            result = await session.client.text_document_code_action_async(
                types.CodeActionParams(
                    types.TextDocumentIdentifier(uri),
                    diagnostic.range,
                    types.CodeActionContext(diagnostics=[diagnostic]),
                )
            )
            assert not result, result
    finally:
        session.close(uri)
    assert not list(layout.outside.rglob("pwn*"))


# -- rename --------------------------------------------------------------------------------------


async def rename(session: Session, uri: str, position: types.Position, new_name: str) -> Any:
    return await session.client.text_document_rename_async(
        types.RenameParams(types.TextDocumentIdentifier(uri), position, new_name)
    )


@pytest.mark.parametrize(
    ("new_name", "message"),
    [
        ("lnk/pwn", "leads outside the notebook through a symlink"),
        ("lnk/new/pwn", "leads outside the notebook through a symlink"),
        ("../pwn", "cannot be '..'"),
        ("/../../pwn", "cannot be '..'"),
    ],
)
async def test_rename_a_note_through_a_symlink(
    confined: tuple[Session, Layout], new_name: str, message: str
) -> None:
    session, layout = confined
    before = layout.snapshot()
    for where in ("# Note", "[[other"):
        with pytest.raises(JsonRpcException) as info:
            position = session.find(NOTE, where, delta=3)
            await rename(session, session.uri(NOTE), position, new_name)
        assert info.value.code == REQUEST_FAILED
        assert message in str(info.value), str(info.value)
    assert layout.snapshot() == before


async def test_rename_in_an_outside_document(confined: tuple[Session, Layout]) -> None:
    session, layout = confined
    before = layout.snapshot()
    for uri in layout.spellings.values():
        with pytest.raises(JsonRpcException) as info:
            await rename(session, uri, types.Position(0, 2), "renamed")
        assert info.value.code == REQUEST_FAILED
    assert layout.snapshot() == before
    await only_the_workspace_notebook(session, layout)


async def test_will_rename_files_out_through_a_symlink(confined: tuple[Session, Layout]) -> None:
    session, layout = confined
    before = layout.snapshot()
    targets = [f"{layout.nb.as_uri()}/lnk/note.md", f"{layout.nb.as_uri()}/lnk/new/note.md"]
    targets += list(layout.spellings.values())
    for target in targets:
        with pytest.raises(JsonRpcException) as info:
            await session.client.workspace_will_rename_files_async(
                types.RenameFilesParams([types.FileRename(session.uri(NOTE), target)])
            )
        assert info.value.code == REQUEST_FAILED, target
    assert layout.snapshot() == before


async def test_will_rename_of_outside_files_is_not_ours(confined: tuple[Session, Layout]) -> None:
    session, layout = confined
    for uri in layout.spellings.values():
        edit = await session.client.workspace_will_rename_files_async(
            types.RenameFilesParams([types.FileRename(uri, session.uri("moved.md"))])
        )
        assert edit is None, uri
    await only_the_workspace_notebook(session, layout)


# -- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "new_name", "message"),
    [
        ("# Note", ".codex/x", "cannot start with '.'"),
        ("# Note", ".", "cannot start with '.'"),
        ("# Note", "..", "cannot start with '.'"),
        ("# Note", "../x", "cannot be '..'"),
        ("# Note", "a:b", "':'"),
        ("# Note", "a]]b", "']'"),
        ("# Note", "x" * 300, "bytes long in UTF-8"),
        ("## Part", "x\n# injected", "a line break"),
        ("## Part", "a|b", "'|'"),
        ("## Part", "a]]b", "']'"),
        ("#lab/pcr", "a.b", "'.'"),
        ("^blk", "a b", "' '"),
        ("^blk", "ünï", "'ü'"),
    ],
)
async def test_rename_refuses_bad_names(
    confined: tuple[Session, Layout], where: str, new_name: str, message: str
) -> None:
    session, _ = confined
    position = session.find(NOTE, where, delta=len(where) - 1 if where.startswith("#") else 1)
    with pytest.raises(JsonRpcException) as info:
        await rename(session, session.uri(NOTE), position, new_name)
    assert info.value.code == REQUEST_FAILED
    assert message in str(info.value), str(info.value)
    assert session.read(NOTE) == NOTE_TEXT


async def test_will_rename_refuses_bad_names(confined: tuple[Session, Layout]) -> None:
    session, _ = confined
    for rel in (".codex/note.md", ".hidden.md", "a|b.md"):
        with pytest.raises(JsonRpcException) as info:
            await session.client.workspace_will_rename_files_async(
                types.RenameFilesParams([types.FileRename(session.uri(NOTE), session.uri(rel))])
            )
        assert info.value.code == REQUEST_FAILED, rel


# -- what still opens a notebook --------------------------------------------------------------


async def test_opening_a_lone_note_opens_its_notebook(tmp_path: Path, profile: str) -> None:
    """A note the user opens inside a notebook outside the workspace is served, its notebook
    opened (the one thing besides workspace folders that opens a notebook)."""
    layout = build(tmp_path)
    session = await start_session(layout.nb, profile)
    try:
        uri = (layout.outside / "secret.md").as_uri()
        session.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri, "markdown", 1, "# Secret\n\n[[nowhere]]\n")
            )
        )
        await session.wait_for_diagnostics(
            uri, lambda found: any(d.code == "link-broken" for d in found)
        )
        roots = {n["root"] for n in await session.command("codex.notebooks")}
        assert roots == {str(layout.nb), str(layout.outside)}
        shown = await session.command("codex.show", {"uri": uri, "commit": layout.commit})
        assert shown["text"] == SECRET
    finally:
        await stop_session(session)
