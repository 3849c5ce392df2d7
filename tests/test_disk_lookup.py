"""The on-disk lookup that answers a definition before the index can."""

from __future__ import annotations

from pathlib import Path

from codex_lsp.core.parser import parse_note
from codex_lsp.storage.disk_lookup import DiskCatalog, destination_on_disk


def link_in(text: str) -> tuple[object, object]:
    """The parse of ``text`` (as note ``here``) and its first link."""
    note = parse_note(text, "here")
    return note, note.links[0]


def test_a_bare_name_prefers_the_shortest_path_and_skips_hidden_folders(tmp_path: Path) -> None:
    (tmp_path / "a/b").mkdir(parents=True)
    (tmp_path / ".trash").mkdir()
    (tmp_path / "a/b/Topic.md").write_text("# Deep\n", encoding="utf-8")
    (tmp_path / "a/Topic.md").write_text("# Shallow\n", encoding="utf-8")
    (tmp_path / ".trash/Gone.md").write_text("# Gone\n", encoding="utf-8")
    note, link = link_in("[[topic]] [[Gone]]")
    found = destination_on_disk(tmp_path, "here.md", note, link)  # type: ignore[arg-type]
    assert found is not None and found.path == "a/Topic.md"
    gone = parse_note("[[Gone]]", "here").links[0]
    assert destination_on_disk(tmp_path, "here.md", note, gone) is None  # type: ignore[arg-type]


def test_a_path_outside_the_notebook_is_not_found(tmp_path: Path) -> None:
    (tmp_path / "nb").mkdir()
    (tmp_path / "Secret.md").write_text("# Secret\n", encoding="utf-8")
    (tmp_path / "nb/out").symlink_to(tmp_path)
    note, link = link_in("[[out/Secret]] [[/../Secret]]")
    assert destination_on_disk(tmp_path / "nb", "here.md", note, link) is None  # type: ignore[arg-type]
    catalog = DiskCatalog(tmp_path / "nb")
    assert catalog.get("../Secret.md") is None
    assert catalog.candidates("secret") == []


def test_the_walk_is_bounded(tmp_path: Path) -> None:
    for number in range(50):
        (tmp_path / f"Note {number:02d}.md").write_text("x", encoding="utf-8")
    catalog = DiskCatalog(tmp_path, walk_limit=10)
    found = sum(len(catalog.candidates(f"note {n:02d}")) for n in range(50))
    assert found == 10


def test_a_shared_walk_answers_as_the_catalogs_own(tmp_path: Path) -> None:
    """Definitions during a first index look names up in the notebook's one walk
    (``DiskNames.named``): every file is found under the same key as by a walk of its own."""
    from codex_lsp.storage.disk_names import DiskNames

    files = ("a/Topic.md", "b/c/topic.md", "TOPIC.markdown", "Photo.PNG", "x/y.md", "Émile.md")
    for rel in files:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("# T\n", encoding="utf-8")
    shared = DiskNames(tmp_path)
    own, given = DiskCatalog(tmp_path), DiskCatalog(tmp_path, named=shared.named)
    for key in ("topic", "photo.png", "y", "émile", "missing"):
        assert sorted(t.path for t in given.candidates(key)) == sorted(
            t.path for t in own.candidates(key)
        ), key
    assert len(given.candidates("topic")) == 3
    note, link = link_in("[[Topic]]")
    assert destination_on_disk(tmp_path, "here.md", note, link, shared.named) == (  # type: ignore[arg-type]
        destination_on_disk(tmp_path, "here.md", note, link)  # type: ignore[arg-type]
    )
