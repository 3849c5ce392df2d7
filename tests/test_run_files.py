"""A full run's files on disk (storage/run_files.py): planned ids, the index's ids kept,
chunks in order, look-ups by name and path, and the temporary file gone after the run."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from codex_lsp.storage import indexer as indexer_module
from codex_lsp.storage.indexer import Indexer
from codex_lsp.storage.notebooks import Notebook
from codex_lsp.storage.run_files import RunFiles
from codex_lsp.storage.scanner import FileStat


def test_files_keep_their_order_their_indexed_ids_and_say_what_is_gone() -> None:
    files = RunFiles()
    try:
        for n, path in enumerate(["b/Zeta.md", "a.md", "pic.PNG", "c/zeta.md"]):
            files.add(FileStat(path, n, 10 * n, (".a.md.json",) if path == "a.md" else ()))
        removed = files.keep_ids(
            [("a.md", "old-a", False), ("gone.md", "old-gone", False), ("pic.PNG", "x", True)]
        )
        assert removed == ["gone.md"]  # live in the index, not on disk (a deleted row is not)
        rows = [row for chunk in files.chunks(3) for row in chunk]
        assert [(stat.path, stat.mtime_ns, stat.size) for stat, _, _ in rows] == [
            ("b/Zeta.md", 0, 0),
            ("a.md", 1, 10),
            ("pic.PNG", 2, 20),
            ("c/zeta.md", 3, 30),
        ]
        assert rows[1][0].sidecars == (".a.md.json",)
        ids = {stat.path: file_id for stat, file_id, _ in rows}
        assert ids["a.md"] == "old-a" and ids["pic.PNG"] == "x"  # a deleted row's id too
        assert len(set(ids.values())) == 4
        assert [indexed for _, _, indexed in rows] == [False, True, False, False]
        names = files.names()
        try:
            found = names.by_keys(["zeta", "pic.png", "nothing"])
            assert found == {
                "zeta": [
                    ("b/Zeta.md", ids["b/Zeta.md"], True),
                    ("c/zeta.md", ids["c/zeta.md"], True),
                ],
                "pic.png": [("pic.PNG", "x", False)],
            }
            assert names.ids_of(["a.md", "a", "c/zeta.md"]) == {
                "a.md": "old-a",
                "c/zeta.md": ids["c/zeta.md"],
            }
        finally:
            names.close()
    finally:
        files.close()
    assert not Path(files.path).exists()


def test_look_ups_of_more_names_than_one_query_takes() -> None:
    files = RunFiles.of((f"n{i}.md", f"id{i}") for i in range(450))
    names = files.names()
    try:
        keys = [f"n{i}" for i in range(450)] + ["missing"]
        found = names.by_keys(keys)
        assert len(found) == 450 and found["n449"] == [("n449.md", "id449", True)]
        assert len(names.ids_of([f"n{i}.md" for i in range(450)])) == 450
    finally:
        names.close()
        files.close()


def _notebook(root: Path) -> Notebook:
    (root / ".codex").mkdir(parents=True)
    for n in range(5):
        (root / f"note {n}.md").write_text(f"# {n}\n\n[[note {(n + 1) % 5}]]\n", encoding="utf-8")
    return Notebook(root, explicit=True)


def test_a_full_run_leaves_no_file_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    notebook = _notebook(tmp_path / "nb")
    made: list[str] = []
    close = RunFiles.close

    def recording(files: RunFiles) -> None:
        made.append(files.path)
        close(files)

    monkeypatch.setattr(RunFiles, "close", recording)
    indexer = Indexer(notebook)
    try:
        stats = indexer.index(full=True)
    finally:
        indexer.close()
    assert stats.links == 5 and stats.broken_links == 0
    assert len(made) == 1 and Path(made[0]).parent == temporary
    assert list(temporary.iterdir()) == []


def test_a_run_that_fails_removes_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))

    def failing(*args: object, **kwargs: object) -> None:
        raise OSError("the disk is full")

    monkeypatch.setattr(indexer_module.Indexer, "_apply", failing)
    indexer = Indexer(_notebook(tmp_path / "nb"))
    try:
        with pytest.raises(OSError, match="disk is full"):
            indexer.index(full=True)
    finally:
        indexer.close()
    assert list(temporary.iterdir()) == []


def test_without_a_temporary_folder_the_run_uses_the_index_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no such folder"))
    notebook = _notebook(tmp_path / "nb")
    indexer = Indexer(notebook)
    try:
        stats = indexer.index(full=True)
        folder = indexer.db_path.parent
    finally:
        indexer.close()
    assert stats.notes == 5 and stats.links == 5
    assert not list(folder.glob("codex-run-*"))


def test_a_run_removes_the_files_of_runs_whose_process_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process killed during its run leaves its file; the next run in that folder removes
    it, and leaves alone the files of runs still going and files of other names."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = temporary / f"codex-run-{int(gone.stdout)}-x1.db"
    running = temporary / f"codex-run-{os.getpid()}-x2.db"
    other = temporary / "codex-run-notes.db"
    for path in (stale, running, other):
        path.write_bytes(b"")
    files = RunFiles()
    files.close()
    assert sorted(path.name for path in temporary.iterdir()) == sorted([running.name, other.name])
