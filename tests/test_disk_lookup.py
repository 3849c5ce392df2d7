"""The on-disk lookup that answers a definition before the index can."""

from __future__ import annotations

from pathlib import Path

from codex_lsp.core.parser import parse_note
from codex_lsp.storage.disk_lookup import DiskCatalog, destination_on_disk, files_on_disk
from codex_lsp.storage.disk_names import DiskNames


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
    named = DiskNames(tmp_path).named
    found = destination_on_disk(tmp_path, "here.md", note, link, named)  # type: ignore[arg-type]
    assert found is not None and found.path == "a/Topic.md"
    gone = parse_note("[[Gone]]", "here").links[0]
    assert destination_on_disk(tmp_path, "here.md", note, gone, named) is None  # type: ignore[arg-type]


def test_a_path_outside_the_notebook_is_not_found(tmp_path: Path) -> None:
    (tmp_path / "nb").mkdir()
    (tmp_path / "Secret.md").write_text("# Secret\n", encoding="utf-8")
    (tmp_path / "nb/out").symlink_to(tmp_path)
    note, link = link_in("[[out/Secret]] [[/../Secret]]")
    named = DiskNames(tmp_path / "nb").named
    assert destination_on_disk(tmp_path / "nb", "here.md", note, link, named) is None  # type: ignore[arg-type]
    catalog = DiskCatalog(tmp_path / "nb", named)
    assert catalog.get("../Secret.md") is None
    assert catalog.candidates("secret") == []


def test_the_walk_is_bounded(tmp_path: Path) -> None:
    for number in range(50):
        (tmp_path / f"Note {number:02d}.md").write_text("x", encoding="utf-8")
    found = len(list(files_on_disk(tmp_path, walk_limit=10)))
    assert found == 10


def test_files_are_found_by_their_lookup_key(tmp_path: Path) -> None:
    """Definitions during a first index look names up in the notebook's one walk
    (``DiskNames.named``): a note by its name without suffix, any case; an attachment by its
    whole file name."""
    files = ("a/Topic.md", "b/c/topic.md", "TOPIC.markdown", "Photo.PNG", "x/y.md", "Émile.md")
    for rel in files:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("# T\n", encoding="utf-8")
    shared = DiskNames(tmp_path)
    catalog = DiskCatalog(tmp_path, shared.named)
    expected = {
        "topic": ["TOPIC.markdown", "a/Topic.md", "b/c/topic.md"],
        "photo.png": ["Photo.PNG"],
        "y": ["x/y.md"],
        "émile": ["Émile.md"],
        "missing": [],
    }
    for key, paths in expected.items():
        assert sorted(t.path for t in catalog.candidates(key)) == paths, key
    assert len(catalog.candidates("topic")) == 3
    note, link = link_in("[[Topic]]")
    found = destination_on_disk(tmp_path, "here.md", note, link, shared.named)  # type: ignore[arg-type]
    assert found is not None and found.path == "TOPIC.markdown"
