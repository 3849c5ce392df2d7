"""Find what sits under the cursor in a parsed note."""

from __future__ import annotations

from .model import Block, Heading, Link, ParsedNote, Position, TagOccurrence

Element = Link | Heading | TagOccurrence | Block


def element_at(note: ParsedNote, position: Position) -> Element | None:
    """The link, tag, block id or heading at ``position`` (in that order of precedence)."""
    for link in note.links:
        if link.range.contains(position):
            return link
    for tag in note.tags:
        if tag.range.contains(position):
            return tag
    for block in note.blocks:
        if block.range.contains(position):
            return block
    for heading in note.headings:
        if heading.range.contains(position):
            return heading
    return None


def title_heading(note: ParsedNote) -> Heading | None:
    """The level-1 heading that opens the note, which carries its title."""
    return note.title_heading
