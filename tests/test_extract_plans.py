"""Extract and inline planning (core/extract.py): what moves, the new note's title and body,
heading levels, and which anchors are pointed at the new note."""

from __future__ import annotations

from codex_lsp.core.anchors import heading_keys
from codex_lsp.core.extract import (
    inline_text,
    level_at,
    plan_section,
    plan_selection,
    retarget,
    shift_headings,
    title_of,
)
from codex_lsp.core.parser import parse_note
from codex_lsp.core.textpos import LineIndex

NOTE = """# Run

Intro.

## Setup

Mix the buffer. ^mix

### Reagents

- Tris

## Results

Bands.
"""


def test_a_section_moves_with_its_subsections_one_level_up() -> None:
    note = parse_note(NOTE, "Run")
    plan = plan_section(NOTE, note, 1, LineIndex(NOTE))
    assert plan is not None
    assert NOTE[plan.start : plan.end] == (
        "## Setup\n\nMix the buffer. ^mix\n\n### Reagents\n\n- Tris"
    )
    assert plan.title == "Setup"
    assert plan.body == "Mix the buffer. ^mix\n\n## Reagents\n\n- Tris\n"
    assert plan.moved_headings == {1, 2} and plan.moved_blocks == {"mix"} and plan.top == 1


def test_the_last_section_runs_to_the_end() -> None:
    note = parse_note(NOTE, "Run")
    plan = plan_section(NOTE, note, 3, LineIndex(NOTE))
    assert plan is not None and NOTE[plan.start : plan.end] == "## Results\n\nBands."


def test_a_selection_is_titled_by_its_first_line() -> None:
    text = "# Run\n\n- **Buffer** [[Tris]] recipe: 50 mM\n- second\n"
    note = parse_note(text, "Run")
    start = text.index("- **Buffer**")
    plan = plan_selection(text, note, start, len(text), LineIndex(text))
    assert plan is not None
    assert plan.title == "Buffer Tris recipe 50 mM"
    assert plan.body == "- **Buffer** [[Tris]] recipe: 50 mM\n- second\n"
    assert plan.top is None and not plan.moved_headings


def test_a_selection_opening_with_a_heading_is_a_section() -> None:
    note = parse_note(NOTE, "Run")
    start = NOTE.index("### Reagents")
    plan = plan_selection(NOTE, note, start, NOTE.index("## Results"), LineIndex(NOTE))
    assert plan is not None and plan.title == "Reagents" and plan.body == "- Tris\n"


def test_an_empty_selection_or_part_of_a_line_plans_nothing() -> None:
    note = parse_note(NOTE, "Run")
    assert plan_selection(NOTE, note, 5, 7, LineIndex(NOTE)) is None
    start = NOTE.index("the buffer")
    assert plan_selection(NOTE, note, start, start + 10, LineIndex(NOTE)) is None
    line = NOTE.index("Mix the buffer")
    whole = plan_selection(NOTE, note, line, NOTE.index("\n", line), LineIndex(NOTE))
    assert whole is not None and whole.title == "Mix the buffer"


def test_anchors_into_the_moved_part_are_retargeted() -> None:
    note = parse_note(NOTE, "Run")
    plan = plan_section(NOTE, note, 1, LineIndex(NOTE))
    assert plan is not None
    keys = heading_keys(note.headings)
    assert retarget("Setup", False, keys, plan) == ""
    assert retarget("setup", False, keys, plan) == ""
    assert retarget("Setup#Reagents", False, keys, plan) == "Reagents"
    assert retarget("Run#Setup#Reagents", False, keys, plan) == "Reagents"
    assert retarget("Reagents", False, keys, plan) == "Reagents"
    assert retarget("mix", True, keys, plan) == "^mix"
    assert retarget("Results", False, keys, plan) is None
    assert retarget("other", True, keys, plan) is None
    assert retarget(None, False, keys, plan) is None
    assert retarget("Setup,1:#Results", False, keys, plan) is None


def test_heading_levels_shift_outside_code_only() -> None:
    text = "## A\n\n```\n## not a heading\n```\n###### deep\n"
    assert shift_headings(text, -1) == "# A\n\n```\n## not a heading\n```\n##### deep\n"
    assert shift_headings(text, 3) == "##### A\n\n```\n## not a heading\n```\n###### deep\n"


def test_titles_are_file_name_safe() -> None:
    assert title_of("## What: a/b? [[x|y]] #tag") == "What a b y tag"
    assert len(title_of("word " * 40)) <= 80


def test_inline_a_section_at_the_level_of_the_embed() -> None:
    other = "---\na: 1\n---\n# Other\n\n## Part\n\nText.\n\n### Sub\n\nMore.\n\n## Next\n"
    note = parse_note(other, "Other")
    index = LineIndex(other)
    assert inline_text(other, note, index, 1, 3) == "### Part\n\nText.\n\n#### Sub\n\nMore.\n"
    whole = inline_text(other, note, index, None, 2)
    assert whole.startswith("## Other\n\n### Part\n") and "a: 1" not in whole


def test_the_level_of_an_embed_is_one_below_its_section() -> None:
    note = parse_note(NOTE, "Run")
    assert level_at(note.headings, 0) == 1
    assert level_at(note.headings, 6) == 3
    assert level_at(note.headings, 12) == 4
