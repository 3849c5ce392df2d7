"""Notebook discovery for documents opened outside the open notebooks (CodexServer)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from codex_lsp.lsp import server as server_module
from codex_lsp.lsp.server import CodexServer
from codex_lsp.storage.config import NotebookConfig
from codex_lsp.storage.notebooks import Notebook, discover, enclosing_notebook, notebook_of_note
from codex_lsp.storage.scanner import indexable_path, scan_notebook


def test_discovery_runs_off_the_loop_and_remembers_folders_without_a_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    walks: list[tuple[Path, bool]] = []

    def counted(path: Path) -> Notebook | None:
        walks.append((path, threading.current_thread() is threading.main_thread()))
        return notebook_of_note(path)

    monkeypatch.setattr(server_module, "notebook_of_note", counted)
    lone = tmp_path / "home"  # notes right in the home folder have no notebook
    lone.mkdir()
    monkeypatch.setenv("HOME", str(lone))
    server = CodexServer()
    started: list[Path] = []
    monkeypatch.setattr(
        server, "start_indexing", lambda service: started.append(service.notebook.root)
    )

    async def scenario() -> None:
        await server.open_enclosing((lone / "a.md").as_uri())
        await server.open_enclosing((lone / "b.md").as_uri())
        assert len(walks) == 1  # the second note's folder is known to have no notebook
        assert not server.services
        (lone / ".codex").mkdir()
        await server.remove_folder("file:///unrelated")  # workspace folders changed: forget
        await server.open_enclosing((lone / "b.md").as_uri())
        assert len(walks) == 2
        assert list(server.services) == started == [lone.resolve()]
        for service in server.services.values():
            service.close()

    asyncio.run(scenario())
    assert walks and not any(on_main for _, on_main in walks)


# -- notebook roots: markers of other tools, precedence, git fallback ----------------------

MARKERS = {
    "obsidian": (".obsidian", True),
    "foam": (".foam", True),
    "foam-vscode": (".vscode/foam.json", False),
    "zk": (".zk", True),
    "dendron": ("dendron.yml", False),
}


def mark(folder: Path, marker: str, is_dir: bool) -> Path:
    """Put a notebook marker (a folder, or a file) into ``folder``; returns ``folder``."""
    target = folder / marker
    if is_dir:
        target.mkdir(parents=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("", encoding="utf-8")
    return folder


@pytest.mark.parametrize("tool", list(MARKERS))
def test_a_vault_of_another_tool_is_an_implicit_notebook(tmp_path: Path, tool: str) -> None:
    vault = mark(tmp_path / "vault", *MARKERS[tool])
    note = vault / "content/Math/Graph.md"
    note.parent.mkdir(parents=True)
    note.write_text("x\n", encoding="utf-8")
    assert enclosing_notebook(note) == Notebook(vault, explicit=False)
    assert discover(note.parent) == [Notebook(vault, explicit=False)]


def test_the_nearest_marker_wins_and_codex_makes_it_explicit(tmp_path: Path) -> None:
    outer = mark(tmp_path / "outer", ".codex", True)
    vault = mark(outer / "vault", ".obsidian", True)
    both = mark(mark(outer / "both", ".obsidian", True), ".codex", True)
    (vault / "sub").mkdir()
    assert enclosing_notebook(vault / "sub") == Notebook(vault, explicit=False)
    assert enclosing_notebook(both) == Notebook(both, explicit=True)
    assert enclosing_notebook(outer / "both") == Notebook(both, explicit=True)
    assert discover(outer) == [
        Notebook(outer, explicit=True),
        Notebook(both, explicit=True),
        Notebook(vault, explicit=False),
    ]


def test_a_git_work_tree_is_the_fallback_and_a_vault_inside_it_wins(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "docs").mkdir()
    vault = mark(repo / "vault", ".obsidian", True)
    (vault / "notes").mkdir()
    worktree = tmp_path / "linked"  # a linked work tree or submodule has a .git file
    worktree.mkdir()
    (worktree / ".git").write_text("gitdir: elsewhere\n", encoding="utf-8")
    assert enclosing_notebook(repo / "docs") == Notebook(repo, explicit=False)
    assert enclosing_notebook(vault / "notes") == Notebook(vault, explicit=False)
    assert enclosing_notebook(worktree) == Notebook(worktree, explicit=False)
    lone = tmp_path / "lone"
    lone.mkdir()
    assert enclosing_notebook(lone) is None
    assert discover(lone) == [Notebook(lone, explicit=False)]


def test_a_folder_without_the_marker_file_is_no_root(tmp_path: Path) -> None:
    # .vscode/ alone (any code project) and a dendron.yml folder are not markers.
    folder = tmp_path / "project"
    (folder / ".vscode").mkdir(parents=True)
    (folder / "dendron.yml").mkdir()
    assert enclosing_notebook(folder) is None


def test_a_vault_nested_in_a_notebook_is_indexed_apart(tmp_path: Path) -> None:
    outer = mark(tmp_path / "outer", ".codex", True)
    vault = mark(outer / "vault", ".obsidian", True)
    (outer / "a.md").write_text("[[b]]\n", encoding="utf-8")
    (vault / "b.md").write_text("x\n", encoding="utf-8")
    scanned = scan_notebook(Notebook(outer, explicit=True), NotebookConfig())
    assert sorted(scanned.files.paths()) == ["a.md"]
    assert indexable_path(Notebook(outer, explicit=True), NotebookConfig(), "vault/b.md") is None


def test_a_lone_note_is_served_in_its_folder_but_never_home_or_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / "Downloads").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    assert notebook_of_note(home / "Downloads/a.md") == Notebook(home / "Downloads", explicit=False)
    assert notebook_of_note(home / "a.md") is None
    assert notebook_of_note(Path("/a.md")) is None
    vault = mark(home / "vault", ".obsidian", True)
    assert notebook_of_note(vault / "a.md") == Notebook(vault, explicit=False)
