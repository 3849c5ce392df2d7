"""core/attach_names.py and storage/attach.py: where attached files go, what they are called,
de-duplication by content, and the sidecar the schema asks for."""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path

import pytest

from codex_lsp.core.attach_names import (
    attachment_folder,
    embed_link,
    free_name,
    numbered,
    safe_file_name,
)
from codex_lsp.core.media import HEAD_BYTES
from codex_lsp.core.names import BadName
from codex_lsp.storage.attach import AttachFailed, attach_files
from codex_lsp.storage.attachment_info import attachment_facts
from notebook_builder import indexed

TODAY = _dt.date(2026, 3, 4)
SCHEMA = """\
version: 1
types:
  qpcr-data:
    paths: ["**/*.csv"]
    required: [instrument, run_id, date]
    properties:
      instrument: {enum: [QuantStudio 5, LightCycler]}
      run_id: {type: string}
      date: {type: string, format: date}
"""


@pytest.mark.parametrize(
    ("pattern", "note", "folder"),
    [
        ("attachments/", "experiments/Run 1.md", "attachments"),
        ("attachments/{{note}}/", "experiments/Run 1.md", "attachments/Run 1"),
        (".", "experiments/Run 1.md", "experiments"),
        ("./", "Top.md", ""),
        ("./assets", "experiments/Run 1.md", "experiments/assets"),
        ("/", "experiments/Run 1.md", ""),
    ],
)
def test_attachment_folders(pattern: str, note: str, folder: str) -> None:
    assert attachment_folder(pattern, note) == folder


@pytest.mark.parametrize("pattern", ["../outside", "/etc", ".git/objects", "a/../../b"])
def test_folders_outside_the_notebook_are_refused(pattern: str) -> None:
    with pytest.raises(BadName):
        attachment_folder(pattern, "Note.md")


def test_names_are_made_safe_for_links() -> None:
    assert safe_file_name("gel [lane 3]#2.png") == "gel -lane 3--2.png"
    assert safe_file_name(".profile.png") == "profile.png"
    with pytest.raises(BadName):
        safe_file_name("...")


def test_numbered_and_free_names() -> None:
    assert numbered("gel.png", 2) == "gel-2.png"
    assert numbered("README", 1) == "README-1"
    taken = {"att/gel.png", "att/gel-1.png"}
    assert free_name("att", "gel.png", taken.__contains__) == "att/gel-2.png"
    assert free_name("", "gel.png", taken.__contains__) == "gel.png"


def test_embeds_use_the_path_when_the_name_is_not_unique() -> None:
    assert embed_link("att/gel.png", True) == "![[gel.png]]"
    assert embed_link("att/gel.png", False) == "![[att/gel.png]]"


def _source(tmp_path: Path, name: str, data: bytes) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def test_copy_dedupe_clash_and_sidecar(tmp_path: Path) -> None:
    files = {".codex/schema.yaml": SCHEMA, "Note.md": "# Note\n"}
    with indexed(tmp_path / "nb", files) as item:
        notebook = item.notebook

        def lookup(query):  # type: ignore[no-untyped-def]
            return query(item.conn)

        run = _source(tmp_path, "run.csv", b"well,ct\nA1,14.5\n")
        [first] = attach_files(notebook, "attachments", [run], lookup, TODAY)
        assert first.path == "attachments/run.csv" and not first.reused
        assert first.link == "![[run.csv]]"
        assert (notebook.root / first.path).read_bytes() == run.read_bytes()
        assert first.sidecar == "attachments/.run.csv.json"
        sidecar = json.loads((notebook.root / first.sidecar).read_text(encoding="utf-8"))
        assert sidecar == {"instrument": "QuantStudio 5", "run_id": "", "date": "2026-03-04"}

        # The same content again, even under another name: the file already there is reused.
        again = _source(tmp_path, "copy of run.csv", run.read_bytes())
        [second] = attach_files(notebook, "attachments", [again], lookup, TODAY)
        assert second.path == "attachments/run.csv" and second.reused
        assert second.sidecar is None

        # Same name, other content: numbered.
        other = _source(tmp_path / "x", "run.csv", b"well,ct\nB1,20.1\n")
        [third] = attach_files(notebook, "attachments", [other], lookup, TODAY)
        assert third.path == "attachments/run-1.csv" and not third.reused
        assert (notebook.root / third.path).read_bytes() == other.read_bytes()
        assert (notebook.root / "attachments/run.csv").read_bytes() == run.read_bytes()
        leftovers = [p.name for p in (notebook.root / "attachments").iterdir()]
        assert sorted(leftovers) == [".run-1.csv.json", ".run.csv.json", "run-1.csv", "run.csv"]


def test_reuses_an_indexed_identical_file_anywhere(tmp_path: Path) -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(40)
    with indexed(tmp_path / "nb", {"Note.md": "x\n"}) as item:
        (item.notebook.root / "figures").mkdir()
        (item.notebook.root / "figures" / "gel.png").write_bytes(data)
        item.indexer.update_paths(["figures/gel.png"])
        source = _source(tmp_path, "Pasted image.png", data)
        [found] = attach_files(item.notebook, "attachments", [source], lambda q: q(item.conn))
        assert found.path == "figures/gel.png" and found.reused
        assert found.sidecar is None  # no schema: nothing required
        assert not (item.notebook.root / "attachments" / "Pasted image.png").exists()


def test_a_name_used_elsewhere_is_linked_by_path(tmp_path: Path) -> None:
    with indexed(tmp_path / "nb", {"Note.md": "x\n", "old/gel.png": "old gel"}) as item:
        source = _source(tmp_path, "gel.png", b"new gel")
        [found] = attach_files(item.notebook, "att", [source], lambda q: q(item.conn))
        assert found.path == "att/gel.png"
        assert found.link == "![[att/gel.png]]"


def test_unreadable_sources_fail_and_leave_nothing(tmp_path: Path) -> None:
    with indexed(tmp_path / "nb", {"Note.md": "x\n"}) as item:
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        for bad in (tmp_path / "missing.png", fifo, tmp_path):
            with pytest.raises(AttachFailed):
                attach_files(item.notebook, "att", [bad], lambda q: q(item.conn))
        assert list((item.notebook.root / "att").iterdir()) == []


def test_a_folder_symlinked_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    with indexed(tmp_path / "nb", {"Note.md": "x\n"}) as item:
        (item.notebook.root / "att").symlink_to(outside)
        source = _source(tmp_path, "gel.png", b"gel")
        with pytest.raises(AttachFailed, match="outside the notebook"):
            attach_files(item.notebook, "att", [source], lambda q: q(item.conn))
        assert list(outside.iterdir()) == []


def test_hover_facts_read_a_bounded_head_of_regular_files_only(tmp_path: Path) -> None:
    rows = "".join(f"{n},{n * 2}\n" for n in range(200_000))
    with indexed(tmp_path / "nb", {"Note.md": "x\n", "big.csv": "a,b\n" + rows}) as item:
        root = item.notebook.root
        facts = attachment_facts(item.conn, root, "big.csv", "file:///big.csv")
        assert facts is not None
        assert len(facts.head) == HEAD_BYTES < facts.size
        (root / "big.csv").unlink()
        os.mkfifo(root / "big.csv")  # replaced by a FIFO: never opened for reading
        facts = attachment_facts(item.conn, root, "big.csv", "file:///big.csv")
        assert facts is not None and facts.head == b""
        assert attachment_facts(item.conn, root, "Note.md", "file:///Note.md") is None
