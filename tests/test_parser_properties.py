"""Property tests: the parser never raises, and every range it reports lies inside the text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codex_lsp.core.masking import blank
from codex_lsp.core.model import LinkKind, ParsedNote, Range, TagSource
from codex_lsp.core.parser import note_rows, parse_note
from codex_lsp.core.resolve import lookup_key
from codex_lsp.core.syntax import split_target
from codex_testing import offset_of, text_at, utf16_len

FRAGMENTS = [
    "[[",
    "]]",
    "![[",
    "|",
    "\\|",
    "#",
    "#^",
    "^id",
    " ^blk-1",
    "#tag",
    "#a/b",
    "# ",
    "## ",
    "---\n",
    "...\n",
    "===\n",
    "```",
    "~~~",
    "`",
    "    ",
    "\t",
    "- ",
    "1. ",
    "> ",
    "<!--",
    "-->",
    "%%",
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "](",
    "](../x.md#h)",
    "%20",
    "https://x.org/#y",
    "title: ",
    "tags: [",
    "aliases: a, b",
    "{{date}}",
    ": ",
    '"',
    "'",
    "\n",
    "\r\n",
    "\r",
    "\ufeff",
    "😀",
    "𝔘",
    "实验",
    "é",
    "\u2028",
    "\x85",
    "\x00",
    " ",
    "word",
]

markdownish = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=60).map(
    "".join
)
with_frontmatter = st.tuples(markdownish, markdownish).map(lambda p: f"---\n{p[0]}\n---\n{p[1]}")
documents = st.one_of(st.text(), markdownish, with_frontmatter)


def all_ranges(note: ParsedNote) -> list[tuple[str, Range]]:
    ranges: list[tuple[str, Range]] = []
    for link in note.links:
        ranges += [("link", link.range), ("link target", link.target_range)]
    ranges += [("heading", h.range) for h in note.headings]
    ranges += [("block", b.range) for b in note.blocks]
    ranges += [("tag", t.range) for t in note.tags]
    ranges += [("problem", p.range) for p in note.problems]
    for f in note.fields:
        ranges += [("field key", f.key_range), ("field value", f.value_range)]
    if note.frontmatter_range is not None:
        ranges.append(("frontmatter", note.frontmatter_range))
    return ranges


def check_inside(text: str, what: str, rng: Range) -> None:
    lines = text.split("\n")
    for pos in (rng.start, rng.end):
        assert 0 <= pos.line < len(lines), f"{what}: line {pos.line} of {len(lines)}"
        assert 0 <= pos.character <= utf16_len(lines[pos.line]), f"{what}: {pos} past line end"
    assert rng.start <= rng.end, f"{what}: start {rng.start} after end {rng.end}"
    offset_of(text, rng.start)  # also fails when a column splits a surrogate pair
    offset_of(text, rng.end)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_parse_never_raises_and_ranges_are_inside(text: str) -> None:
    note = parse_note(text, "stem")
    assert isinstance(note.title, str)
    for what, rng in all_ranges(note):
        check_inside(text, what, rng)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_ranges_cover_what_they_describe(text: str) -> None:
    note = parse_note(text, "stem")
    for link in note.links:
        assert link.range.start <= link.target_range.start
        assert link.target_range.end <= link.range.end
        written = text_at(text, link.range)
        if link.kind in (LinkKind.WIKI, LinkKind.FRONTMATTER):
            assert written.startswith("[[") and written.endswith("]]"), written
        elif link.kind in (LinkKind.EMBED, LinkKind.MARKDOWN_EMBED):
            assert written.startswith("!["), written
        else:
            assert written.startswith("["), written
    for tag in note.tags:
        expected = tag.name if tag.source is TagSource.FRONTMATTER else "#" + tag.name
        assert text_at(text, tag.range) == expected
    for block in note.blocks:
        assert text_at(text, block.range) == "^" + block.id


def _cols(rng: Range) -> tuple[int, int, int, int]:
    return (*rng.start, *rng.end)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_the_rows_of_a_note_are_its_parse(text: str) -> None:
    """``note_rows`` (what the index stores) says what ``parse_note`` says, token by token."""
    note, rows = parse_note(text, "stem"), note_rows(text, "stem")
    assert (rows.title, rows.frontmatter, rows.aliases, rows.problems, rows.body) == (
        note.title,
        note.frontmatter,
        note.aliases,
        note.problems,
        note.body,
    )
    end = note.frontmatter_range.end.line if note.frontmatter_range else None
    assert rows.frontmatter_end_line == end
    assert rows.tags == [(t.name, t.source.value, *_cols(t.range)) for t in note.tags]
    assert rows.tag_names == note.tag_names
    assert rows.headings == [(h.level, h.text, h.slug, *_cols(h.range)) for h in note.headings]
    assert rows.blocks == [(b.id, *_cols(b.range)) for b in note.blocks]
    expected_links = []
    for link in note.links:
        label_target = split_target(link.label)[0] if link.label else ""
        label_key = lookup_key(label_target) if label_target else None
        expected_links.append(
            (
                link.kind.value,
                link.target,
                link.anchor,
                int(link.is_block),
                link.label,
                *_cols(link.range),
                *_cols(link.target_range),
                lookup_key(link.target) if link.target else "",
                None if link.kind.is_markdown else label_key,
            )
        )
    assert rows.links == expected_links


@given(st.text(alphabet=st.sampled_from("ab \n\r\t\x00é😀"), max_size=60))
def test_blank_keeps_line_breaks_and_turns_the_rest_to_spaces(text: str) -> None:
    blanked = blank(text)
    assert len(blanked) == len(text)
    assert all(b == "\n" if c == "\n" else b == " " for b, c in zip(blanked, text, strict=True))


@settings(max_examples=200, deadline=None)
@given(markdownish)
def test_crlf_and_lf_agree_on_what_is_found(body: str) -> None:
    lf_text = body.replace("\r", "")
    lf = parse_note(lf_text, "stem")
    crlf = parse_note(lf_text.replace("\n", "\r\n"), "stem")
    assert [(x.kind, x.target, x.anchor) for x in crlf.links] == [
        (x.kind, x.target, x.anchor) for x in lf.links
    ]
    assert crlf.tag_names == lf.tag_names
    assert [b.id for b in crlf.blocks] == [b.id for b in lf.blocks]
    assert [(h.level, h.text) for h in crlf.headings] == [(h.level, h.text) for h in lf.headings]


code_lines = st.text(st.sampled_from("ab #[]|\t\n"), max_size=40)
names = st.text(st.sampled_from("abc xyz"), min_size=1, max_size=8).filter(str.strip)


@settings(max_examples=200, deadline=None)
@given(code_lines, names, st.sampled_from(["```", "~~~", "````"]), st.sampled_from(["    ", "\t"]))
def test_an_indented_line_after_a_closed_fence_is_code(
    code: str, name: str, fence: str, indent: str
) -> None:
    """After a closed fence no paragraph goes on: an indented line starts a code block."""
    text = f"{fence}\n{code}\n{fence}\n{indent}[[{name}]] #tag\n\n[[after]]\n"
    note = parse_note(text, "stem")
    assert [link.target for link in note.links] == ["after"]
    assert note.tags == []
