"""The names of files on disk that complete the index's names during a first index run."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from codex_lsp.storage.database import set_meta
from codex_lsp.storage.disk_names import DiskNames, never_indexed, with_files_on_disk
from codex_lsp.storage.lookups import NoteName


def test_files_the_index_lacks_are_added_notes_first(tmp_path: Path) -> None:
    for folder in ("a", ".codex", "node_modules/pkg", "nested/.codex"):
        (tmp_path / folder).mkdir(parents=True)
    skipped = ("node_modules/pkg/README.md", "nested/Inner.md", ".codex/x.md")
    for rel in ("a/Known.md", "a/Fresh.md", "picture.png", "Zed.markdown", *skipped):
        (tmp_path / rel).write_text("x", encoding="utf-8")
    indexed = [NoteName("a/Known.md", "Known title", ("K",), True)]
    on_disk, _ = DiskNames(tmp_path).starting("", 100)
    merged = with_files_on_disk(indexed, on_disk)
    assert merged == [
        NoteName("a/Known.md", "Known title", ("K",), True),
        NoteName("a/Fresh.md", "a/Fresh.md", (), True),
        NoteName("Zed.markdown", "Zed.markdown", (), True),
        NoteName("picture.png", "picture.png", (), False),
    ]


def test_a_notebook_is_never_indexed_until_a_run_has_finished(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "notebook.db")
    assert never_indexed(conn)  # no tables yet
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    assert never_indexed(conn)
    set_meta(conn, "last_indexed", "2026-01-01T00:00:00")
    assert not never_indexed(conn)
    conn.close()


def test_files_on_disk_are_found_by_a_prefix_of_their_name(tmp_path: Path) -> None:
    for rel in ("a/Alpha one.md", "b/alpha two.markdown", "alpha.png", "Beta.md", "c/Alpha one.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x", encoding="utf-8")
    found, counts = DiskNames(tmp_path).starting("ALPHA O", 10)
    assert sorted(name.path for name in found) == ["a/Alpha one.md", "c/Alpha one.md"]
    assert counts["alpha one"] == 2
    found, _ = DiskNames(tmp_path).starting("alpha", 2)
    assert len(found) == 2
    assert {name.path for name in DiskNames(tmp_path).starting("alpha", 10)[0]} == {
        "a/Alpha one.md",
        "c/Alpha one.md",
        "b/alpha two.markdown",
        "alpha.png",
    }


def test_a_notebook_walks_its_files_once_until_its_first_run_is_over(tmp_path: Path) -> None:
    from codex_lsp.storage.notebooks import Notebook
    from codex_lsp.storage.service import NotebookService

    (tmp_path / ".codex").mkdir()
    (tmp_path / "One.md").write_text("# One\n", encoding="utf-8")
    service = NotebookService(Notebook(tmp_path, explicit=True))
    try:
        walk = service.files_on_disk()
        (tmp_path / "Two.md").write_text("# Two\n", encoding="utf-8")
        assert service.files_on_disk() is walk  # one walk for every request meanwhile
        assert walk.named("two") == []
        service.index().result(timeout=60)
        after = service.files_on_disk()
        assert after is not walk and after.named("two") == ["Two.md"]
        assert service.files_on_disk() is not after  # not kept once the index holds every file
    finally:
        service.close()
