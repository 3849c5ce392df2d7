"""The tag table of ``.codex/config.yaml`` (core/tag_table.py) and its listing."""

from __future__ import annotations

from codex_lsp.core.tag_table import TagMeaning, meaning_of, parse_tag_table, tag_hover_markdown
from codex_lsp.storage.queries import TagCount
from codex_lsp.storage.tag_meanings import tag_listing


def test_entries_descriptions_and_colours_are_read_and_bad_ones_reported() -> None:
    table, warnings = parse_tag_table(
        {
            "ML": {"description": "Machine learning", "color": "Blue"},
            "#assay/qpcr": {"color": "#2A9D8F"},
            "draft": "Not reviewed yet",
            "bad colour": {"color": "blue"},
            "wrong": {"color": "chartreuse", "size": 3},
            "nothing": 7,
        }
    )
    assert table == {
        "ml": TagMeaning("Machine learning", "blue"),
        "assay/qpcr": TagMeaning(None, "#2a9d8f"),
        "draft": TagMeaning("Not reviewed yet", None),
        "wrong": TagMeaning(None, None),
    }
    assert warnings == [
        "tags: 'bad colour' is not a valid tag name; ignored",
        "tags: the color of 'wrong' must be one of red, orange, yellow, green, blue, purple or "
        "#rrggbb; ignored",
        "tags: unknown key 'size' of 'wrong' ignored",
        "tags: 'nothing' must be a description or {description, color}",
    ]


def test_a_nested_tag_takes_its_nearest_parents_meaning_case_insensitively() -> None:
    table, _ = parse_tag_table({"assay": "Any assay", "assay/qpcr": "qPCR"})
    assert meaning_of(table, "#Assay/QPCR/plate") == TagMeaning("qPCR")
    assert meaning_of(table, "assay/elisa") == TagMeaning("Any assay")
    assert meaning_of(table, "other") is None
    assert parse_tag_table(["not", "a", "mapping"])[0] == {}


def test_hover_text_without_and_with_a_meaning() -> None:
    assert tag_hover_markdown("lab", 1, None) == "**#lab** — 1 note"
    shown = tag_hover_markdown("ml", 3, TagMeaning("Machine learning", "blue"))
    assert shown == "**#ml** — 3 notes · colour blue\n\nMachine learning"


def test_listing_sums_notebooks_adds_meanings_and_unused_table_tags() -> None:
    counts = [TagCount("ml", 2), TagCount("lab", 5), TagCount("ML", 1)]
    tables = [{"ml": TagMeaning("Machine learning", "blue")}, {"ml": TagMeaning("other")}]
    tables[1]["spare"] = TagMeaning("Unused")
    assert tag_listing(counts, tables) == [
        {"name": "lab", "count": 5},
        {"name": "ml", "count": 3, "description": "Machine learning", "color": "blue"},
        {"name": "spare", "count": 0, "description": "Unused"},
    ]
