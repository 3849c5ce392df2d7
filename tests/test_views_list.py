"""Listing a notebook's views (``codex.views``): sources found from the index, counts kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_lsp.storage import views
from codex_lsp.storage.indexer import Indexer
from codex_lsp.storage.notebooks import Notebook

BLOCK = "```base\nfilters: 'status == \"done\"'\nviews:\n  - name: Done\n```\n"
TILDE = "~~~ codex-view\nviews:\n  - name: All\n~~~\n"


@pytest.fixture
def notebook(tmp_path: Path) -> Iterator[tuple[Indexer, Path]]:
    """A notebook of plain notes, two notes with inline views, one view file, and notes that
    mention the words without holding a view."""
    root = tmp_path / "nb"
    root.mkdir()
    for i in range(30):
        status = "done" if i % 3 == 0 else "open"
        (root / f"n{i}.md").write_text(f"---\nstatus: {status}\n---\n# N{i}\n", encoding="utf-8")
    (root / "dash.md").write_text(f"# Dash\n\n{BLOCK}\ntext\n\n{TILDE}", encoding="utf-8")
    (root / "deep").mkdir()
    (root / "deep/board.md").write_text(f"# Board\n\n{BLOCK}", encoding="utf-8")
    (root / "prose.md").write_text("a database, a codex view\n```python\nx\n```\n", "utf-8")
    (root / "all.cdx").write_text("views:\n  - name: Everything\n", encoding="utf-8")
    indexer = Indexer(Notebook(root, explicit=True))
    try:
        indexer.index()
        yield indexer, root
    finally:
        indexer.close()


def test_only_notes_the_index_names_are_read(
    notebook: tuple[Indexer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    indexer, root = notebook
    read: list[str] = []
    original = views._read

    def spy(root: Path, rel: str) -> str | None:
        read.append(rel)
        return original(root, rel)

    monkeypatch.setattr(views, "_read", spy)
    listed = views.list_views(indexer.conn, root)
    assert [(e["path"], e["block"], e["line"], e["views"]) for e in listed] == [
        ("all.cdx", None, 0, [{"name": "Everything", "type": "table", "rows": 33}]),
        ("dash.md", 0, 2, [{"name": "Done", "type": "table", "rows": 10}]),
        ("dash.md", 1, 10, [{"name": "All", "type": "table", "rows": 33}]),
        ("deep/board.md", 0, 2, [{"name": "Done", "type": "table", "rows": 10}]),
    ]
    # `prose.md` has a fence and the words, so it is a candidate; no plain note is read.
    assert sorted(read) == ["all.cdx", "dash.md", "deep/board.md", "prose.md"]


def test_counts_are_kept_until_the_index_changes(
    notebook: tuple[Indexer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    indexer, root = notebook
    first = views.list_views(indexer.conn, root)
    runs: list[str | None] = []
    original = views.query

    def spy(*args: object, **kwargs: object) -> views.Result:
        runs.append(str(args[3]) if len(args) > 3 else None)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(views, "query", spy)
    assert views.list_views(indexer.conn, root) == first
    assert runs == []
    # A note changes: the counts are computed again, and see it.
    (root / "n1.md").write_text("---\nstatus: done\n---\n# N1\n", encoding="utf-8")
    indexer.update_paths(["n1.md"])
    again = views.list_views(indexer.conn, root)
    assert sorted(map(str, runs)) == ["All", "Done", "Everything"]  # the same block once
    assert again[1]["views"] == [{"name": "Done", "type": "table", "rows": 11}]
