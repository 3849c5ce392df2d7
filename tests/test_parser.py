"""Unit tests of :func:`codex_lsp.core.parser.parse_note`."""

from __future__ import annotations

import pytest

from codex_lsp.core.model import LinkKind, ParsedNote, Severity, TagSource
from codex_lsp.core.parser import parse_note
from codex_testing import text_at, utf16_len


def parse(text: str, stem: str = "note") -> ParsedNote:
    return parse_note(text, stem)


def link_targets(note: ParsedNote) -> list[str]:
    return [link.target for link in note.links]


def inline_tags(note: ParsedNote) -> list[str]:
    return [t.name for t in note.tags if t.source is TagSource.INLINE]


def frontmatter_tags(note: ParsedNote) -> list[str]:
    return [t.name for t in note.tags if t.source is TagSource.FRONTMATTER]


# -- frontmatter ---------------------------------------------------------------------------


def test_title_from_frontmatter_wins_over_heading() -> None:
    note = parse("---\ntitle: From YAML\n---\n# From heading\n")
    assert note.title == "From YAML"
    assert note.frontmatter == {"title": "From YAML"}


def test_title_falls_back_to_opening_h1_then_stem() -> None:
    assert parse("\n\n# One\n# Later\n").title == "One"
    assert parse("---\na: 1\n---\n\nOpening\n===\n").title == "Opening"
    assert parse("no heading here\n", stem="My stem").title == "My stem"
    assert parse("---\ntitle: '   '\n---\n", stem="blank").title == "blank"


def test_h1_further_down_is_a_heading_not_the_title() -> None:
    assert parse("## Two\n# One\n", stem="Graph Theory").title == "Graph Theory"
    assert parse("Some text.\n\n# Todo\n", stem="Graph Theory").title == "Graph Theory"
    assert parse("---\na: 1\n---\nText\n# Example\n", stem="Zettel").title == "Zettel"
    assert parse("Text\n# Example\n").title_heading is None
    opening = parse("---\na: 1\n---\n\n# Example\n# Other\n").title_heading
    assert opening is not None and opening.text == "Example"


def test_title_is_stored_without_link_markup() -> None:
    assert parse("# Intro to [[dataview|Dataview]] Plugin\n").title == "Intro to Dataview Plugin"
    assert parse("# See [[Other note]] and [the docs](https://x.org/a)\n").title == (
        "See Other note and the docs"
    )
    assert parse("---\ntitle: '**Bold** `code` ==mark=='\n---\n").title == "Bold code mark"
    assert parse("# snake_case_name * 2\n").title == "snake_case_name * 2"


def test_code_in_a_title_is_a_run_of_backticks_closed_by_as_many() -> None:
    """CommonMark's code spans: runs are taken whole; a run that no run of its length closes
    is text, backticks and all."""
    assert parse("# Use ``a`b`` here\n").title == "Use a`b here"
    assert parse("# Use ```x` and `y`\n").title == "Use ```x` and y"
    assert parse("# T.net``x``````y\n").title == "T.net``x``````y"
    assert parse("# **a**` b\n").title == "a` b"


def test_a_setext_underline_does_not_depend_on_the_rest_of_the_note() -> None:
    """One "-" underlines as "---" does, whatever else the note holds; a list item whose
    text is code is no underline."""
    for body in ("body\n", "body -- more\n"):
        note = parse(f"Intro\n\nTitle\n-\n\n{body}")
        assert [(h.level, h.text) for h in note.headings] == [(2, "Title")]
    note = parse("Thanks to:\n- `@someone`\n\nand -- others\n")
    assert note.headings == []


def test_an_impossible_date_is_text_not_broken_frontmatter() -> None:
    note = parse("---\ndate: 2026-02-31\ntitle: Kept\n---\n")
    assert note.frontmatter == {"date": "2026-02-31", "title": "Kept"}
    assert note.problems == []


def test_a_timestamp_tag_on_text_is_text_not_a_crash() -> None:
    note = parse("---\ndue: !!timestamp next week\ntitle: Kept\n---\n# Body\n")
    assert note.frontmatter == {"due": "next week", "title": "Kept"}
    assert note.problems == []


def test_the_title_heading_is_the_first_heading_itself() -> None:
    note = parse("---\na: 1\n---\n# Title\n## Part\n")
    assert note.title_heading is note.headings[0]
    assert parse("text\n# Not a title\n").title_heading is None


def test_numeric_title_is_text() -> None:
    assert parse("---\ntitle: 2026\n---\n").title == "2026"


def test_frontmatter_range_and_body() -> None:
    text = "---\ntitle: T\n---\nBody line\n"
    note = parse(text)
    assert note.frontmatter_range is not None
    assert text_at(text, note.frontmatter_range) == "---\ntitle: T\n---\n"
    assert note.body == "Body line\n"


def test_closing_dots_end_frontmatter() -> None:
    note = parse("---\ntitle: Dots\n...\n# H\n")
    assert note.title == "Dots"


def test_unclosed_frontmatter_is_not_frontmatter() -> None:
    note = parse("---\ntitle: x\n# Heading\n")
    assert note.frontmatter is None
    assert note.problems == []
    assert [h.text for h in note.headings] == ["Heading"]


def test_frontmatter_must_start_on_first_line() -> None:
    note = parse("\n---\ntitle: x\n---\n")
    assert note.frontmatter is None


def test_empty_frontmatter_is_empty_mapping() -> None:
    note = parse("---\n---\nbody\n")
    assert note.frontmatter == {}
    assert note.problems == []


def test_dates_become_iso_text() -> None:
    note = parse("---\ndate: 2026-03-05\n---\n")
    assert note.frontmatter == {"date": "2026-03-05"}


def test_field_ranges() -> None:
    text = "---\ntitle: Hello\nstatus:   done\n---\n"
    note = parse(text)
    assert [f.key for f in note.fields] == ["title", "status"]
    assert [text_at(text, f.key_range) for f in note.fields] == ["title", "status"]
    assert [text_at(text, f.value_range) for f in note.fields] == ["Hello", "done"]


def test_field_ranges_with_non_bmp_and_cjk() -> None:
    text = "---\nname: 😀 实验\nstatus: done\n---\n"
    note = parse(text)
    fields = {f.key: f for f in note.fields}
    assert text_at(text, fields["name"].value_range) == "😀 实验"
    assert fields["name"].value_range.end.character == len("name: ") + 2 + 1 + 2
    assert text_at(text, fields["status"].value_range) == "done"


@pytest.mark.parametrize(
    ("yaml", "expected"),
    [
        ("aliases: [One, Two]", ["One", "Two"]),
        ("aliases:\n  - One\n  - Two", ["One", "Two"]),
        ("aliases: Single", ["Single"]),
        ("aliases: One, Two ,Three", ["One", "Two", "Three"]),
        ("alias: Old key", ["Old key"]),
        ("aliases: [A]\nalias: B", ["A", "B"]),
        ("aliases: [A, A, '']", ["A"]),
        ("aliases: 42", []),
        ("aliases: {a: 1}", []),
    ],
)
def test_aliases(yaml: str, expected: list[str]) -> None:
    assert parse(f"---\n{yaml}\n---\n").aliases == expected


@pytest.mark.parametrize(
    ("yaml", "expected"),
    [
        ("tags: [one, two]", ["one", "two"]),
        ("tags:\n  - one\n  - two", ["one", "two"]),
        ("tags: one, two", ["one", "two"]),
        ("tags: one two", ["one", "two"]),
        ("tags: '#one #two'", ["one", "two"]),
        ("tags: [assay/qpcr, cell-line/hek293]", ["assay/qpcr", "cell-line/hek293"]),
        ("tag: single", ["single"]),
        ("tags: [2026, ok]", ["ok"]),
    ],
)
def test_frontmatter_tags(yaml: str, expected: list[str]) -> None:
    text = f"---\n{yaml}\n---\nbody\n"
    note = parse(text)
    assert frontmatter_tags(note) == expected
    for tag in note.tags:
        assert text_at(text, tag.range) == tag.name


def test_tag_names_are_distinct_in_order() -> None:
    note = parse("---\ntags: [a, b]\n---\n#b #c #a\n")
    assert note.tag_names == ["a", "b", "c"]


def test_invalid_yaml_is_a_problem_and_rest_is_parsed() -> None:
    text = "---\ntitle: ok\nkey: @value\n---\n# Heading\nA [[Link]] and #tag ^blk\n"
    note = parse(text, stem="stem")
    assert note.frontmatter is None
    assert [(p.code, p.severity) for p in note.problems] == [("yaml-invalid", Severity.ERROR)]
    problem = note.problems[0]
    assert (problem.range.start.line, problem.range.start.character) == (2, 5)
    assert text[text.index("@")] == "@"
    assert [h.text for h in note.headings] == ["Heading"]
    assert link_targets(note) == ["Link"]
    assert inline_tags(note) == ["tag"]
    assert [b.id for b in note.blocks] == ["blk"]
    assert note.title == "Heading"


def test_invalid_yaml_position_counts_utf16_units() -> None:
    note = parse("---\ntitle: ok\n😀: @x\n---\n")
    problem = note.problems[0]
    assert problem.code == "yaml-invalid"
    # "😀" is two UTF-16 code units, so "@" sits at column 4, not 3.
    assert (problem.range.start.line, problem.range.start.character) == (2, 4)


def test_invalid_yaml_tab_indentation_position() -> None:
    note = parse("---\ntitle: ok\n\tbad: 1\n---\n")
    assert note.problems[0].code == "yaml-invalid"
    assert note.problems[0].range.start.line == 2


def test_non_mapping_frontmatter() -> None:
    text = "---\n- a\n- b\n---\n# Still parsed\n"
    note = parse(text)
    assert note.frontmatter is None
    assert [(p.code, p.severity) for p in note.problems] == [("yaml-not-mapping", Severity.WARNING)]
    assert note.problems[0].range.start.line == 1
    assert [h.text for h in note.headings] == ["Still parsed"]


def test_scalar_frontmatter_is_not_a_mapping() -> None:
    note = parse("---\njust text\n---\n")
    assert [p.code for p in note.problems] == ["yaml-not-mapping"]


def test_template_placeholders_are_invalid_yaml_but_links_survive() -> None:
    text = '---\ncreated: {{date}}\ncategories:\n  - "[[Books]]"\n---\n## Notes\nSee [[Other]].\n'
    note = parse(text)
    assert [p.code for p in note.problems] == ["yaml-invalid"]
    assert note.problems[0].range.start.line == 1
    assert note.frontmatter is None
    kinds = [(link.kind, link.target) for link in note.links]
    assert kinds == [(LinkKind.FRONTMATTER, "Books"), (LinkKind.WIKI, "Other")]
    assert [h.text for h in note.headings] == ["Notes"]


def test_yaml_tags_and_aliases_are_safe() -> None:
    note = parse("---\nx: !!python/object/apply:os.system ['true']\n---\n")
    assert [p.code for p in note.problems] == ["yaml-invalid"]


# -- headings ------------------------------------------------------------------------------


def test_atx_headings_levels_and_ranges() -> None:
    text = "# One\n## Two ##\n###### Six\n####### Seven\n#NotHeading\n   ### Indented\n"
    note = parse(text)
    assert [(h.level, h.text) for h in note.headings] == [
        (1, "One"),
        (2, "Two"),
        (6, "Six"),
        (3, "Indented"),
    ]
    assert [text_at(text, h.range) for h in note.headings] == [
        "# One",
        "## Two ##",
        "###### Six",
        "   ### Indented",
    ]
    assert [h.range.start.line for h in note.headings] == [0, 1, 2, 5]


def test_heading_slug() -> None:
    note = parse("# Ladder (Größenstandard) & more!\n")
    assert note.headings[0].slug == "ladder-größenstandard--more"


def test_heading_text_keeps_inline_code() -> None:
    text = "### Use `sort` to put files first\n## Remove (`filter`)\nSetext `code`\n===\n"
    note = parse(text)
    assert [(h.text, h.slug) for h in note.headings] == [
        ("Use `sort` to put files first", "use-sort-to-put-files-first"),
        ("Remove (`filter`)", "remove-filter"),
        ("Setext `code`", "setext-code"),
    ]
    assert [text_at(text, h.range) for h in note.headings][:2] == [
        "### Use `sort` to put files first",
        "## Remove (`filter`)",
    ]


def test_hashes_glued_to_code_are_not_a_heading() -> None:
    assert parse("##`code`\n").headings == []


def test_heading_strips_block_id() -> None:
    note = parse("## Result ^res\n")
    assert note.headings[0].text == "Result"


def test_setext_headings() -> None:
    text = "Title\n=====\n\nSection\n---\n\ntext\n"
    note = parse(text)
    assert [(h.level, h.text) for h in note.headings] == [(1, "Title"), (2, "Section")]
    assert [h.range.start.line for h in note.headings] == [0, 3]
    assert [text_at(text, h.range) for h in note.headings] == ["Title", "Section"]


def test_dashes_after_blank_line_or_list_item_are_not_headings() -> None:
    note = parse("para\n\n---\n\n- item\n---\n")
    assert note.headings == []


def test_headings_in_code_and_frontmatter_are_ignored() -> None:
    text = "---\ntitle: x\n---\n```\n# not a heading\n```\n    # indented code\n"
    note = parse(text)
    assert note.headings == []


def test_mixed_headings_are_in_document_order() -> None:
    note = parse("# A\n\nB\n===\n\n## C\n")
    assert [h.text for h in note.headings] == ["A", "B", "C"]


# -- blocks --------------------------------------------------------------------------------


def test_block_ids_at_paragraph_and_list_item_end() -> None:
    text = "A paragraph that ends ^para-1\n\n- a list item ^item2\n- no id\n\n^alone\n"
    note = parse(text)
    assert [b.id for b in note.blocks] == ["para-1", "item2", "alone"]
    assert [text_at(text, b.range) for b in note.blocks] == ["^para-1", "^item2", "^alone"]
    assert [b.range.start.line for b in note.blocks] == [0, 2, 5]


def test_block_id_needs_space_before_and_end_of_line() -> None:
    note = parse("word^nope\ntext ^mid of line\nx ^-bad\n")
    assert note.blocks == []


def test_duplicate_block_ids_are_a_warning() -> None:
    text = "one ^dup\n\ntwo ^dup\n\nthree ^other\n"
    note = parse(text)
    assert [b.id for b in note.blocks] == ["dup", "dup", "other"]
    assert [(p.code, p.severity) for p in note.problems] == [
        ("duplicate-block-id", Severity.WARNING)
    ]
    assert note.problems[0].range.start.line == 2


def test_block_ids_in_code_are_ignored() -> None:
    note = parse("```\nx ^code\n```\n`y ^inline`\n")
    assert note.blocks == []


# -- links ---------------------------------------------------------------------------------


def test_wiki_link_forms() -> None:
    text = (
        "[[Plain]] [[Target|Label]] [[Note#Heading]] [[Note#^blk]] [[#Local]] [[#^here]]\n"
        "![[image.png]] ![[Note#Section|shown]]\n"
    )
    note = parse(text)
    got = [(link.kind, link.target, link.anchor, link.is_block, link.label) for link in note.links]
    assert got == [
        (LinkKind.WIKI, "Plain", None, False, None),
        (LinkKind.WIKI, "Target", None, False, "Label"),
        (LinkKind.WIKI, "Note", "Heading", False, None),
        (LinkKind.WIKI, "Note", "blk", True, None),
        (LinkKind.WIKI, "", "Local", False, None),
        (LinkKind.WIKI, "", "here", True, None),
        (LinkKind.EMBED, "image.png", None, False, None),
        (LinkKind.EMBED, "Note", "Section", False, "shown"),
    ]
    assert [text_at(text, link.range) for link in note.links] == [
        "[[Plain]]",
        "[[Target|Label]]",
        "[[Note#Heading]]",
        "[[Note#^blk]]",
        "[[#Local]]",
        "[[#^here]]",
        "![[image.png]]",
        "![[Note#Section|shown]]",
    ]
    assert [text_at(text, link.target_range) for link in note.links] == [
        "Plain",
        "Target",
        "Note#Heading",
        "Note#^blk",
        "#Local",
        "#^here",
        "image.png",
        "Note#Section",
    ]


def test_wiki_link_with_escaped_pipe_in_table() -> None:
    text = "| a | [[Note\\|alias]] |\n"
    note = parse(text)
    assert [(link.target, link.label) for link in note.links] == [("Note", "alias")]
    assert text_at(text, note.links[0].target_range) == "Note"


def test_empty_wiki_links_are_ignored() -> None:
    assert parse("[[]] [[ ]] [[|x]]\n").links == []


def test_wiki_link_does_not_span_lines() -> None:
    assert parse("[[broken\nacross]]\n").links == []


def test_markdown_links() -> None:
    text = (
        "[the protocol](../protocols/Gel%20electrophoresis.md#loading)\n"
        '[angle](<folder/My note.md>) [titled](x.md "Title")\n'
        "[local](#Section) ![alt](images/pic.png)\n"
    )
    note = parse(text)
    got = [(link.kind, link.target, link.anchor, link.label) for link in note.links]
    assert got == [
        (LinkKind.MARKDOWN, "../protocols/Gel electrophoresis.md", "loading", "the protocol"),
        (LinkKind.MARKDOWN, "folder/My note.md", None, "angle"),
        (LinkKind.MARKDOWN, "x.md", None, "titled"),
        (LinkKind.MARKDOWN, "", "Section", "local"),
        (LinkKind.MARKDOWN_EMBED, "images/pic.png", None, "alt"),
    ]
    first = note.links[0]
    assert text_at(text, first.range) == (
        "[the protocol](../protocols/Gel%20electrophoresis.md#loading)"
    )
    assert text_at(text, first.target_range) == "../protocols/Gel%20electrophoresis.md#loading"
    assert text_at(text, note.links[-1].range) == "![alt](images/pic.png)"


@pytest.mark.parametrize(
    "destination",
    [
        "https://example.org/page.md",
        "http://example.org",
        "mailto:someone@example.org",
        "//cdn.example.org/x.md",
        "obsidian://open?vault=x",
        "file:///etc/passwd",
    ],
)
def test_external_urls_are_not_links(destination: str) -> None:
    assert parse(f"[x]({destination})\n").links == []


def test_links_in_frontmatter_values() -> None:
    text = '---\nprotocol: "[[PCR amplification]]"\nrelated: ["[[A]]", "[[B|b]]"]\n---\n[[Body]]\n'
    note = parse(text)
    got = [(link.kind, link.target, link.label) for link in note.links]
    assert got == [
        (LinkKind.FRONTMATTER, "PCR amplification", None),
        (LinkKind.FRONTMATTER, "A", None),
        (LinkKind.FRONTMATTER, "B", "b"),
        (LinkKind.WIKI, "Body", None),
    ]
    assert text_at(text, note.links[0].range) == "[[PCR amplification]]"
    assert note.links[0].range.start.line == 1


def test_links_are_sorted_by_position() -> None:
    note = parse("[md](b.md) [[a]]\n[[c]]\n")
    assert link_targets(note) == ["b.md", "a", "c"]


@pytest.mark.parametrize(
    "text",
    [
        "```\n[[fenced]] [x](y.md) #tag\n```\n",
        "~~~python\n[[tilde]] #tag\n~~~\n",
        "````\n```\n[[longer fence]]\n```\n````\n",
        "```\n[[unclosed fence]]\n",
        "para\n\n    [[indented code]] #tag\n",
        "\t[[tab indented]]\n",
        "`[[inline]]` and ``[[double `tick` code]]`` and `#tag`\n",
        "```\ncode\n```\n    [[indented code after a fence]] #tag\n",
        "text\n~~~\n~~~\n\t[[tab indented after a fence]]\n",
        "<!-- [[html comment]] #tag -->\n",
        "<!--\n[[multi-line comment]]\n-->\n",
        "%% [[obsidian comment]] #tag %%\n",
        "%%\n[[multi-line]]\n#tag\n%%\n",
    ],
)
def test_nothing_counts_inside_code_and_comments(text: str) -> None:
    note = parse(text)
    assert note.links == []
    assert note.tags == []


def test_text_after_code_still_counts() -> None:
    text = (
        "```\n[[in]]\n```\n[[after fence]]\n`code` [[after inline]]\n<!-- c --> [[after comment]]\n"
    )
    assert link_targets(parse(text)) == ["after fence", "after inline", "after comment"]


def test_indented_list_continuation_is_not_code() -> None:
    text = "- item\n\n    continued with [[Link]] #tag\n"
    note = parse(text)
    assert link_targets(note) == ["Link"]
    assert inline_tags(note) == ["tag"]


def test_inline_code_inside_a_wiki_link_is_part_of_it() -> None:
    text = "### `move`\n\nSee [[#`move`|move]] and [[Cmds#`a` b]], not `[[code]]`.\n"
    note = parse(text)
    assert [(link.target, link.anchor, link.label) for link in note.links] == [
        ("", "`move`", "move"),
        ("Cmds", "`a` b", None),
    ]
    assert text_at(text, note.links[0].range) == "[[#`move`|move]]"
    assert [h.text for h in note.headings] == ["`move`"]


def test_a_code_span_leaving_a_wiki_link_is_code() -> None:
    assert link_targets(parse("[[a `b]] c` [[d]]\n")) == ["d"]


def test_indented_list_continuation_after_a_fence_is_not_code() -> None:
    text = "- item\n\n  ```\n  code\n  ```\n    continued with [[Link]]\n"
    assert link_targets(parse(text)) == ["Link"]


def test_code_after_a_fence_ends_where_indented_code_ends() -> None:
    text = "```\ncode\n```\n    [[in code]]\n\n[[after]]\n"
    assert link_targets(parse(text)) == ["after"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("`[[a]]` [[b]]\n", ["b"]),
        ("``[[a]]`` [[b]]\n", ["b"]),
        ("``[[a]]` [[b]]\n", ["a", "b"]),  # no run of two closes the first: no code at all
        ("` [[a]] `` [[b]] `\n", []),  # "``" is not a single backtick: the span goes on
        ("`[[a]]\n\n[[b]]`\n", ["a", "b"]),  # a code span does not cross a blank line
    ],
)
def test_inline_code_spans_pair_runs_of_equal_length(text: str, expected: list[str]) -> None:
    assert link_targets(parse(text)) == expected


# -- inline tags ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#tag at start", ["tag"]),
        ("after space #tag", ["tag"]),
        ("tab\t#tag", ["tag"]),
        ("nested #assay/qpcr", ["assay/qpcr"]),
        ("#with-dash_and_underscore", ["with-dash_and_underscore"]),
        ("punctuation #tag, #other. #third!", ["tag", "other", "third"]),
        ("trailing slash #a/", ["a"]),
        ("unicode #café #日本語", ["café", "日本語"]),
        ("digits #123 #2026/03 #1a", ["1a"]),
        ("no space word#tag", []),
        ("url https://example.org/page#section", []),
        ("link [x](#anchor) and [y](note.md#anchor)", []),
        ("# Heading text", []),
        ("## Heading #tagged", ["tagged"]),
        ("##", []),
        ("#", []),
        ("`#code` #real", ["real"]),
        ("(#paren)", []),
    ],
)
def test_inline_tags(text: str, expected: list[str]) -> None:
    note = parse(text + "\n")
    assert inline_tags(note) == expected
    for tag in note.tags:
        assert text_at(text + "\n", tag.range) == "#" + tag.name


@pytest.mark.parametrize(
    "text",
    [
        '<span style="color: #ccc">red</span> #real',
        "<font color= #ff0000>x</font> #real",
        '<div class="box">\ncolor: #1a1a1a\n#inside\n</div>\n\n#real',
        "<style>\n.x { color: #1a1a1a; }\n\n.y { color: #fff; }\n</style>\n#real",
        "<p>\n#no\n</p>\n\ntext <b>#after-a-tag-name</b> #real",
    ],
)
def test_css_and_html_are_not_tags(text: str) -> None:
    assert inline_tags(parse(text + "\n")) == ["real"]


def test_hash_in_frontmatter_is_not_inline_tag() -> None:
    note = parse("---\ncolor: '#fff'\nnote: text #notatag\n---\n")
    assert inline_tags(note) == []


# -- positions: UTF-16, CRLF, BOM -------------------------------------------------------------


def test_utf16_columns_with_emoji() -> None:
    text = "😀 [[Note]] #tag ^blk\n"
    note = parse(text)
    link = note.links[0]
    assert link.range.start.character == 3  # 😀 is 2 UTF-16 units, then a space
    assert link.range.end.character == 3 + len("[[Note]]")
    assert note.tags[0].range.start.character == 3 + len("[[Note]] ")
    assert note.blocks[0].range.start.character == 3 + len("[[Note]] #tag ")
    assert text_at(text, link.range) == "[[Note]]"


def test_utf16_columns_with_cjk_and_non_bmp_targets() -> None:
    text = "实验记录 [[𝔘𝔫𝔦 笔记]] done\n# 标题 😀\n"
    note = parse(text)
    link = note.links[0]
    assert link.target == "𝔘𝔫𝔦 笔记"
    assert link.range.start.character == 5
    assert link.target_range.start.character == 7
    assert link.target_range.end.character == 7 + utf16_len("𝔘𝔫𝔦 笔记")
    assert link.range.end.character == 7 + 3 * 2 + 3 + 2
    heading = note.headings[0]
    assert heading.text == "标题 😀"
    assert heading.range.end.character == utf16_len("# 标题 😀")


def test_utf16_columns_in_frontmatter_tags() -> None:
    text = "---\ntags: [😀x, y]\n---\n"
    note = parse(text)
    assert [(t.name, t.range.start.character) for t in note.tags] == [("😀x", 7), ("y", 12)]


CRLF_SAMPLE = (
    "---\n"
    "title: Sample\n"
    "tags: [a, b/c]\n"
    "aliases: [S]\n"
    "---\n"
    "# Heading one\n"
    "\n"
    "Setext\n"
    "------\n"
    "\n"
    "A paragraph with [[Link|label]] and #inline ^blk1\n"
    "- item [md](other.md#x) `code [[no]]`\n"
    "\n"
    "```\n"
    "[[fenced]]\n"
    "```\n"
    "last line #end"
)


def test_crlf_gives_same_result_as_lf() -> None:
    lf = parse(CRLF_SAMPLE)
    crlf_text = CRLF_SAMPLE.replace("\n", "\r\n")
    crlf = parse(crlf_text)
    assert crlf.frontmatter == lf.frontmatter
    assert crlf.title == lf.title == "Sample"
    assert crlf.aliases == lf.aliases
    assert crlf.problems == lf.problems == []
    assert crlf.headings == lf.headings
    assert crlf.blocks == lf.blocks
    assert crlf.tags == lf.tags
    assert crlf.links == lf.links
    assert [f.key for f in crlf.fields] == [f.key for f in lf.fields]
    for heading in crlf.headings:
        assert "\r" not in text_at(crlf_text, heading.range)


def test_crlf_blank_line_ends_inline_code_span() -> None:
    # A stray backtick must not swallow the following paragraphs (CommonMark: code spans
    # cannot contain a blank line), whatever the line endings.
    text = "Price in `dollars\n\n[[Kept link]] #kept\n\nanother ` here\n"
    lf = parse(text)
    assert link_targets(lf) == ["Kept link"]
    crlf = parse(text.replace("\n", "\r\n"))
    assert link_targets(crlf) == ["Kept link"]
    assert inline_tags(crlf) == ["kept"]


def test_lone_cr_lines_do_not_crash() -> None:
    note = parse("# A\r[[x]]\rmore")
    assert all(link.range.start.line == 0 for link in note.links)


def test_bom_before_frontmatter() -> None:
    text = "\ufeff---\ntitle: With BOM\ntags: [x]\n---\n# Heading\n[[Link]]\n"
    note = parse(text)
    assert note.title == "With BOM"
    assert note.problems == []
    assert frontmatter_tags(note) == ["x"]
    assert note.headings[0].range.start.line == 4
    assert note.links[0].range.start == (5, 0)


def test_bom_before_heading_and_tag() -> None:
    note = parse("\ufeff# Title\n")
    assert [h.text for h in note.headings] == ["Title"]
    assert note.title == "Title"
    assert inline_tags(parse("\ufeff#tag\n")) == ["tag"]


def test_body_positions_are_document_positions() -> None:
    text = "---\ntitle: x\n---\n\n[[L]]\n"
    note = parse(text)
    assert note.links[0].range.start == (4, 0)


def test_tag_starting_with_slash_is_not_a_tag() -> None:
    assert inline_tags(parse("#/A and #//b\n")) == []
