"""The server on real vaults written by other people (``../shared/corpora``, read-only).

Both are implicit notebooks: their database goes under ``XDG_CACHE_HOME`` (a temporary folder,
see lsp_session), and nothing may be written into the corpus folders.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from lsp_session import (
    CLIENTS,
    Session,
    codes,
    start_session,
    stop_session,
    text_in,
    wait_ready,
)
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"
EVERGREEN = "Notes/Evergreen notes turn ideas into objects that you can manipulate.md"
LOOKUP = "dendron.topic.lookup.md"


def snapshot(folder: Path) -> list[tuple[str, int, int]]:
    """(path, size, mtime) of everything in ``folder``."""
    return sorted(
        (p.relative_to(folder).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
    )


async def vault_session(name: str, profile: str) -> AsyncIterator[Session]:
    root = CORPORA / name
    if not root.is_dir():
        pytest.fail(f"real vault {name} not found at {root}")
    before = snapshot(root)
    session = await start_session(root, profile, ready=False)
    try:
        await wait_ready(session, timeout=120)
        yield session
    finally:
        for uri in list(session.buffers):
            session.close(uri)
        await stop_session(session)
    assert snapshot(root) == before, f"something was written into {root}"


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=CLIENTS)
async def kepano(request: pytest.FixtureRequest) -> AsyncIterator[Session]:
    """The server on kepano-obsidian (Obsidian starter vault)."""
    async for session in vault_session("kepano-obsidian", str(request.param)):
        yield session


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=CLIENTS)
async def dendron(request: pytest.FixtureRequest) -> AsyncIterator[Session]:
    """The server on dendron-vault (Dendron hierarchy names, label-first links)."""
    async for session in vault_session("dendron-vault", str(request.param)):
        yield session


# -- kepano-obsidian -------------------------------------------------------------------------


async def test_kepano_notebook_is_implicit(kepano: Session) -> None:
    (notebook,) = await kepano.command("codex.notebooks")
    assert notebook["explicit"] is False
    assert notebook["notes"] >= 100
    assert not notebook["database"].startswith(str(CORPORA))


async def test_kepano_definition(kepano: Session) -> None:
    uri = kepano.open(EVERGREEN)
    position = kepano.find(EVERGREEN, "[[evergreen]]", delta=3)
    found = await kepano.definition(uri, position)
    assert [loc.uri for loc in found] == [kepano.uri("Categories/Evergreen.md")]
    # A link inside a frontmatter list.
    found = await kepano.definition(uri, kepano.find(EVERGREEN, '"[[Steph Ango]]"', delta=4))
    assert len(found) <= 1


async def test_kepano_diagnostics(kepano: Session) -> None:
    uri = kepano.open(EVERGREEN)
    found = await kepano.wait_for_diagnostics(uri, lambda d: "link-broken" in codes(d))
    broken = {text_in(kepano.read(EVERGREEN), d.range) for d in found if d.code == "link-broken"}
    assert "[[Writing is telepathy]]" in broken
    template = "Templates/Book Template.md"
    uri = kepano.open(template)
    found = await kepano.wait_for_diagnostics(uri, lambda d: "yaml-invalid" in codes(d))
    yaml = next(d for d in found if d.code == "yaml-invalid")
    assert yaml.severity == types.DiagnosticSeverity.Error


async def test_kepano_completion(kepano: Session) -> None:
    result = await kepano.complete_at_end("scratch-completion.md", "See [[Evergr")
    labels = [i.label for i in sorted(result.items, key=lambda i: i.sort_text or "")]
    assert labels[0] == "Evergreen"
    assert EVERGREEN.rsplit("/", 1)[1].removesuffix(".md") in labels
    result = await kepano.complete_at_end("scratch-tags.md", "Later #to-r")
    assert "to-read" in {i.label for i in result.items}


async def test_kepano_references_and_search(kepano: Session) -> None:
    uri = kepano.open("Categories/Evergreen.md")
    found = await kepano.references(uri, types.Position(0, 0))
    assert kepano.uri(EVERGREEN) in {loc.uri for loc in found}
    hits = await kepano.command("codex.search", {"query": "evergreen notes"})
    assert hits and hits[0]["path"] == EVERGREEN


# -- dendron-vault ---------------------------------------------------------------------------


async def test_dendron_definition_of_hierarchy_names(dendron: Session) -> None:
    uri = dendron.open(LOOKUP)
    position = dendron.find(LOOKUP, "[[dendron.topic.lookup.find]]", delta=5)
    found = await dendron.definition(uri, position)
    assert [loc.uri for loc in found] == [dendron.uri("dendron.topic.lookup.find.md")]


async def test_dendron_label_first_links(dendron: Session) -> None:
    """Dendron writes ``[[label|target]]``; the target with its heading must be found."""
    uri = dendron.open(LOOKUP)
    position = dendron.find(LOOKUP, "[[Details|dendron.topic.lookup#details]]", delta=4)
    found = await dendron.definition(uri, position)
    assert [loc.uri for loc in found] == [uri]
    assert found[0].range.start.line == 11  # the first "## Details"


async def test_dendron_completion_and_diagnostics(dendron: Session) -> None:
    result = await dendron.complete_at_end("scratch-dendron.md", "[[dendron.topic.lookup.f")
    labels = [i.label for i in sorted(result.items, key=lambda i: i.sort_text or "")]
    assert labels[0] == "dendron.topic.lookup.find"
    result = await dendron.complete_at_end("scratch-heading.md", "[[dendron.topic.lookup#Look")
    assert "Look up Auto Complete" in {i.label for i in result.items}
    uri = dendron.open(LOOKUP)
    found = await dendron.wait_for_diagnostics(uri)
    # The only broken link targets a note that is not part of this copy of the vault.
    broken = [text_in(dendron.read(LOOKUP), d.range) for d in found if d.code == "link-broken"]
    assert broken == ["[[here|pkg.plugin-core.t.lookup.ref.note-lookup]]"]
    assert not (dendron.root / "pkg.plugin-core.t.lookup.ref.note-lookup.md").exists()


async def test_dendron_workspace_symbols(dendron: Session) -> None:
    symbols = await dendron.client.workspace_symbol_async(
        types.WorkspaceSymbolParams("lookup.find")
    )
    assert symbols
    assert any(s.location.uri == dendron.uri("dendron.topic.lookup.find.md") for s in symbols)
