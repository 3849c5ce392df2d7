"""A full run answers links as their notes are written, before later notes are known; the
answers that a later note changes are corrected at the end (storage/streaming_links.py)."""

from __future__ import annotations

from pathlib import Path

from codex_lsp.storage.reader import PreparedFile, prepare_file
from codex_lsp.storage.scanner import FileStat
from codex_lsp.storage.streaming_links import StreamingLinks

NOW = "2026-11-22T00:00:00+00:00"


def notes(root: Path, texts: dict[str, str]) -> dict[str, PreparedFile]:
    """Write the notes and prepare each with the id ``id:<path>``."""
    prepared = {}
    for path, text in texts.items():
        (root / path).write_text(text, encoding="utf-8")
        stat = FileStat(path, 1, len(text.encode()))
        prepared[path] = prepare_file(root, stat, 1_000_000, f"id:{path}", NOW)
    return prepared


def planned(prepared: dict[str, PreparedFile]) -> dict[str, str]:
    return {path: item.file_id for path, item in prepared.items()}


def answers(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """(target as written, status, target id) of link rows."""
    return [(row[3], row[-3], row[-2]) for row in rows]


def test_a_link_to_a_note_not_written_yet_is_answered_at_once(tmp_path: Path) -> None:
    files = notes(tmp_path, {"a.md": "See [[Zeta]].\n", "Zeta.md": "# Zeta\n"})
    links = StreamingLinks(planned(files))
    rows = links.file_written(files["a.md"].target(), files["a.md"].links)
    links.file_written(files["Zeta.md"].target(), files["Zeta.md"].links)
    assert answers(rows) == [("Zeta", "resolved", "id:Zeta.md")]
    assert links.finish() == ([], [])


def test_an_alias_written_later_corrects_the_answer(tmp_path: Path) -> None:
    files = notes(
        tmp_path,
        {"a.md": "See [[Nick]].\n", "z.md": "---\naliases: [Nick]\n---\nText.\n"},
    )
    links = StreamingLinks(planned(files))
    rows = links.file_written(files["a.md"].target(), files["a.md"].links)
    assert answers(rows) == [("Nick", "broken", None)]  # no note named Nick is known yet
    links.file_written(files["z.md"].target(), files["z.md"].links)
    waited, corrections = links.finish()
    assert waited == []
    assert corrections == [("resolved", "id:z.md", None, rows[0][0])]


def test_links_with_an_anchor_wait_for_the_end(tmp_path: Path) -> None:
    files = notes(
        tmp_path,
        {
            "a.md": "[[z#Method]] [[z#Missing]] [[docs|z#Method]]\n",
            "z.md": "# Zed\n\n## Method\n",
        },
    )
    links = StreamingLinks(planned(files))
    assert links.file_written(files["a.md"].target(), files["a.md"].links) == []
    links.file_written(files["z.md"].target(), files["z.md"].links)
    waited, corrections = links.finish()
    assert [(row[4], row[-3], row[-2]) for row in waited] == [
        ("Method", "resolved", "id:z.md"),
        ("Missing", "broken-anchor", "id:z.md"),
        (None, "resolved", "id:z.md"),  # Dendron order: the label side leads to z#Method
    ]
    assert corrections == []


def test_a_note_that_cannot_be_read_is_taken_back(tmp_path: Path) -> None:
    files = notes(tmp_path, {"a.md": "[[gone]] [[kept]]\n", "gone.md": "", "kept.md": ""})
    links = StreamingLinks(planned(files))
    rows = links.file_written(files["a.md"].target(), files["a.md"].links)
    assert [row[-3] for row in rows] == ["resolved", "resolved"]
    links.file_unreadable("gone.md", kept=False)  # new: it never gets a row
    links.file_unreadable("kept.md", kept=True)  # indexed before: its row stays
    assert links.finish() == ([], [("broken", None, None, rows[0][0])])


def test_a_file_given_another_id_than_planned_corrects_links_to_it(tmp_path: Path) -> None:
    files = notes(tmp_path, {"a.md": "[[moved]]\n", "moved.md": "Text.\n"})
    links = StreamingLinks(planned(files))
    rows = links.file_written(files["a.md"].target(), files["a.md"].links)
    assert answers(rows) == [("moved", "resolved", "id:moved.md")]
    moved = files["moved.md"].with_id("old-id")  # a moved file keeps the id it had
    links.file_written(moved.target(), moved.links)
    assert links.finish() == ([], [("resolved", "old-id", None, rows[0][0])])
