"""A cold index keeps bounded memory: what the indexer process holds at its peak grows with
the number of files only by a small, fixed amount per file name, not with their links,
headings or text (the budget is a peak RSS of 150 MB for a notebook of any size)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from codex_lsp.storage import indexer as indexer_module
from codex_lsp.storage import run_files, schema_store, streaming_links
from codex_lsp.storage.indexer import PARALLEL_MIN_FILES, Indexer
from codex_lsp.storage.notebooks import Notebook
from codex_lsp.storage.scanner import FileStat, ScannedFiles

PER_NOTE_ALLOWANCE = 150
"""Bytes of traced peak memory one more note may add: none is held per note (the slack is
for the results of worker chunks waiting, which vary from run to run)."""
SCAN_PER_FILE_ALLOWANCE = 40
"""Bytes a scan may hold per file besides its path: a list slot and two array items."""


def notebook(root: Path, notes: int) -> Path:
    """``notes`` notes, each with headings, links (half with an anchor) and a block id."""
    (root / ".codex").mkdir(parents=True)
    for n in range(notes):
        links = " ".join(
            f"[[note {(n * 7 + k) % notes}#Section {k}]] [[note {(n * 13 + k) % notes}]]"
            for k in range(6)
        )
        headings = "".join(
            f"## Section {k}\n\nSome text about part {k} of {n}.\n\n" for k in range(8)
        )
        front = f"---\ntitle: Note {n}\ntags: [t{n % 50}]\n---\n"
        (root / f"note {n}.md").write_text(
            f"{front}# Note {n}\n\n{links} ^b{n}\n\n{headings}", encoding="utf-8"
        )
    return root


def traced_peak(root: Path, *, cold: bool = True) -> int:
    """Peak memory traced in this process during a full index of ``root``, cold (no index
    before) or over its index (its workers are other processes)."""
    if cold:
        for old in (root / ".codex").glob("notebook.db*"):
            old.unlink()
    indexer = Indexer(Notebook(root, explicit=True))
    try:
        tracemalloc.start()
        try:
            stats = indexer.index(full=True)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert stats.notes > 0 and stats.broken_links == 0
        return peak
    finally:
        indexer.close()


@pytest.mark.parametrize("cold", [True, False], ids=["cold", "over-an-index"])
def test_a_full_run_holds_little_per_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cold: bool
) -> None:
    """The run's files (and the index's ids of them) are in a database of its own and its
    workers answer the links: the indexer process holds nothing per note."""
    # What is bounded by a number of files (rows flushed together, the end's pages of links,
    # worker chunks) is made small, so that both notebooks are far above those bounds.
    monkeypatch.setattr(streaming_links, "PAGE", 200)
    monkeypatch.setattr(run_files, "ADD_BATCH", 50)
    monkeypatch.setattr(indexer_module, "SQL_BATCH", 10)
    monkeypatch.setattr(indexer_module, "WORKER_CHUNK", 10)
    small, large = PARALLEL_MIN_FILES, 5 * PARALLEL_MIN_FILES  # both through workers
    small_notebook = notebook(tmp_path / "small", small)
    large_notebook = notebook(tmp_path / "large", large)
    traced_peak(small_notebook)  # the first run imports what runs need (git, the pool)
    traced_peak(large_notebook)  # an index for the runs over one
    # The least of two runs: how many chunks wait for the writer varies from run to run.
    small_peak = min(traced_peak(small_notebook, cold=cold) for _ in range(2))
    large_peak = min(traced_peak(large_notebook, cold=cold) for _ in range(2))
    per_note = (large_peak - small_peak) / (large - small)
    assert per_note < PER_NOTE_ALLOWANCE, f"{per_note:.0f} bytes more per note"


SCHEMA_PER_NOTE_ALLOWANCE = 400
"""Bytes one more note may add to a full schema check: neither its properties and results
nor its name (``x-codex-link`` values are looked up in the database, a page at a time)."""

SCHEMA = """\
version: 1
types:
  note:
    paths: ["**"]
    required: [title]
    properties:
      title: {type: string}
      related: {type: string, x-codex-link: true}
"""


def schema_check_peak(root: Path, notes: int) -> int:
    """Peak memory traced while every note of a fresh index is checked against a schema."""
    (root / ".codex").mkdir(parents=True)
    for n in range(notes):
        (root / f"note {n}.md").write_text(
            f"---\ntitle: Note {n}\nrelated: '[[note {n * 7 % notes}]]'\n---\nText {n}.\n",
            encoding="utf-8",
        )
    notebook = Notebook(root, explicit=True)
    indexer = Indexer(notebook)  # indexed without a schema: the check below does all of it
    try:
        indexer.index()
        (root / ".codex" / "schema.yaml").write_text(SCHEMA, encoding="utf-8")
        tracemalloc.start()
        try:
            stats = schema_store.sync_schema(indexer.conn, notebook, None, full=True)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert stats.validated == notes
        return peak
    finally:
        indexer.close()


def test_the_schema_check_of_every_note_holds_little_per_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full check validates and writes a page of notes at a time."""
    monkeypatch.setattr(schema_store, "VALIDATE_PAGE", 50)
    small, large = 300, 900
    small_peak = schema_check_peak(tmp_path / "small", small)
    large_peak = schema_check_peak(tmp_path / "large", large)
    per_note = (large_peak - small_peak) / (large - small)
    assert per_note < SCHEMA_PER_NOTE_ALLOWANCE, f"{per_note:.0f} bytes more per note"


def test_a_scan_holds_little_per_file() -> None:
    """A large run holds its scan's files until the last chunk goes to a worker: one path
    string each (which the run keeps anyway) and two numbers in arrays, no object per file."""
    paths = [f"folder {i % 97}/note number {i}.md" for i in range(20_000)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        files = ScannedFiles(
            FileStat(path, 1_700_000_000_000_000_000 + i, 4_000 + i) for i, path in enumerate(paths)
        )
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(files) == len(paths)
    assert held / len(paths) < SCAN_PER_FILE_ALLOWANCE, f"{held / len(paths):.0f} bytes a file"


def test_files_go_to_workers_in_chunks_in_their_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(indexer_module, "WORKER_CHUNK", 3)
    stats = [FileStat(f"n{i}.md", i, i, (f".n{i}.md.json",) if i == 4 else ()) for i in range(7)]
    planned = {s.path: f"id{i}" for i, s in enumerate(stats)}
    chunks = list(indexer_module._chunks(ScannedFiles(stats), planned))
    assert [len(chunk) for chunk in chunks] == [3, 3, 1]
    assert [pair for chunk in chunks for pair in chunk] == [
        (s, f"id{i}") for i, s in enumerate(stats)
    ]
