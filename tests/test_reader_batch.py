"""Worker processes send their prepared files back packed (storage/reader.py): what arrives
is exactly what ``prepare_file`` made, for every kind of file."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from codex_lsp.storage.reader import (
    PreparedFile,
    pack_batch,
    prepare_batch,
    prepare_file,
    unpack_batch,
)
from codex_lsp.storage.run_files import RunFiles
from codex_lsp.storage.scanner import FileStat
from codex_lsp.storage.streaming_links import EarlyAnswers

NOW = "2026-12-05T00:00:00+00:00"

NOTE = """\
---
title: Ünïcode
aliases: [Other name]
tags: [lab, "2026"]
count: 3
ratio: 0.5
---
# Heading

See [[target#Part|label]], [text](other.md) and ![[image.png]]. #inline ^block-1
"""


def files(root: Path) -> list[tuple[FileStat, str]]:
    """A note, a note with a sidecar, an attachment and a file that is gone."""
    (root / "note.md").write_text(NOTE, encoding="utf-8")
    (root / "plain.md").write_text("Just text.\n", encoding="utf-8")
    (root / ".plain.md.json").write_text('{"status": "draft"}', encoding="utf-8")
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    stats = [
        FileStat("note.md", 1_700_000_000_000_000_000, len(NOTE.encode())),
        FileStat("plain.md", 1, 11 + 19, (".plain.md.json",)),
        FileStat("image.png", 2, 10),
        FileStat("gone.md", 3, 4),
    ]
    return [(stat, f"id-{n}") for n, stat in enumerate(stats)]


def test_a_packed_batch_arrives_as_prepared(tmp_path: Path) -> None:
    batch = files(tmp_path)
    prepared = [prepare_file(tmp_path, stat, 100_000, file_id, NOW) for stat, file_id in batch]
    assert prepared[0].links and prepared[0].heading_rows and prepared[3].error
    arrived = unpack_batch(prepare_batch(tmp_path, batch, 100_000, NOW, None))
    assert arrived == prepared
    assert all(type(item) is PreparedFile and type(item.stat) is FileStat for item in arrived)
    assert arrived[1].stat.sidecars == (".plain.md.json",)
    assert unpack_batch(pack_batch([])) == []


def test_a_full_runs_batch_arrives_with_its_links_answered(tmp_path: Path) -> None:
    """In a full run the worker answers the links of its chunk by the run's files: the
    answers travel with the rows."""
    batch = files(tmp_path)
    run = RunFiles.of((stat.path, file_id) for stat, file_id in batch)
    arrived = unpack_batch(prepare_batch(tmp_path, batch, 100_000, NOW, run.path))
    with closing(run.names()) as names:
        early = EarlyAnswers(names)
        for item in arrived:
            expected = early.chunk([(item.stat.path, item.links)])[0]
            assert list(item.answers or ()) == [tuple(a) for a in expected]
    assert arrived[0].answers  # the note has links
    run.close()
