"""Rename planning and references (storage) on small declared notebooks, without a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_lsp.core.edits import apply_edits
from codex_lsp.core.model import Position
from codex_lsp.storage.references import references
from codex_lsp.storage.rename_plan import Refused, RenamePlanner, subject_at
from notebook_builder import indexed

NOTES = {
    "notes/b.md": "# B\n\n## Setup\n\nMix. ^mix\n\n## Results\n\nDone. #assay/pcr\n",
    "notes/a.md": "# A\n\n![[b#setup,1:#results]] [[b#^mix]] [r](b.md#results) #assay\n",
}


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def renamed(planner: RenamePlanner, rel: str, needle: str, new: str) -> dict[str, str]:
    """Every file's text after renaming what is at ``needle`` in ``rel`` to ``new``."""
    source = planner.load(rel)
    assert source is not None
    line = next(n for n, text in enumerate(source.text.split("\n")) if needle in text)
    where = Position(line, source.text.split("\n")[line].index(needle) + 1)
    plan = planner.rename(source, subject_at(source.note, where), new)
    return {
        path: apply_edits((planner.root / path).read_text(encoding="utf-8"), edits)
        for path, edits in plan.edits.items()
    }


def test_heading_rename_rewrites_range_start_and_end(tmp_path: Path, cache: None) -> None:
    with indexed(tmp_path / "nb", NOTES) as item:
        planner = RenamePlanner(item.conn, item.notebook.root)
        texts = renamed(planner, "notes/b.md", "## Setup", "Preparation")
        assert "![[b#Preparation,1:#results]]" in texts["notes/a.md"]
        assert "## Preparation" in texts["notes/b.md"]
        texts = renamed(planner, "notes/b.md", "## Results", "Outcome")
        assert "![[b#setup,1:#Outcome]] [[b#^mix]] [r](b.md#outcome)" in texts["notes/a.md"]


def test_block_and_tag_renames(tmp_path: Path, cache: None) -> None:
    with indexed(tmp_path / "nb", NOTES) as item:
        planner = RenamePlanner(item.conn, item.notebook.root)
        assert "[[b#^blend]]" in renamed(planner, "notes/b.md", "^mix", "blend")["notes/a.md"]
        texts = renamed(planner, "notes/a.md", "#assay", "method")
        assert texts["notes/a.md"].endswith(" #method\n")
        assert texts["notes/b.md"].endswith("#method/pcr\n")
        with pytest.raises(Refused, match="not a valid tag"):
            renamed(planner, "notes/a.md", "#assay", "two words")


def test_references_of_each_heading_of_a_range(tmp_path: Path, cache: None) -> None:
    with indexed(tmp_path / "nb", NOTES) as item:
        planner = RenamePlanner(item.conn, item.notebook.root)
        source = planner.load("notes/b.md")
        assert source is not None
        found = {
            line: [
                (p.path, p.range.start.character)
                for p in references(item.conn, "notes/b.md", source.note, Position(line, 4), False)
            ]
            for line in (2, 6)
        }
        assert found == {2: [("notes/a.md", 0)], 6: [("notes/a.md", 0), ("notes/a.md", 35)]}
