"""Plan renames of notes, headings, block ids and tags: every link or tag that names them.

Edits are computed from the current text of each affected file (an editor buffer when one is
given, else the file on disk) and returned as a :class:`~..core.edits.Plan`: the language
server turns it into a WorkspaceEdit, the CLI applies it or prints it as a diff. Blocking
(SQLite and file reads): run on a reader thread.
"""

from __future__ import annotations

import json
import posixpath
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..core.anchors import anchor_of, heading_keys, names_of_block, names_of_heading
from ..core.edits import Edit, Move, Plan
from ..core.locate import element_at, title_heading
from ..core.model import (
    Block,
    FrontmatterField,
    Heading,
    Link,
    ParsedNote,
    Position,
    Range,
    TagOccurrence,
)
from ..core.names import BadName, check_block_id, check_heading, check_relative_path, check_tag
from ..core.parser import parse_note
from ..core.resolve import resolve_written, strip_note_suffix
from ..core.rewrite import renamed_names, renamed_target
from ..core.syntax import is_note_name
from ..core.textpos import LineIndex, utf16_len
from . import lookups, queries
from .catalog import SqlCatalog
from .scanner import sidecar_names


class Refused(Exception):
    """A rename that cannot be done; the message says why, for the user."""


@dataclass(frozen=True, slots=True)
class Buffer:
    """An open editor buffer of the notebook: it stands in for the file on disk."""

    text: str
    version: int | None


@dataclass(slots=True)
class Source:
    """A file's current text, parsed."""

    rel: str
    text: str
    version: int | None
    note: ParsedNote
    index: LineIndex

    def slice(self, r: Range) -> str:
        """The text inside a range."""
        return self.text[self.index.offset(r.start) : self.index.offset(r.end)]

    def edit(self, plan: Plan, r: Range, new_text: str) -> None:
        """Add to ``plan`` the edit of ``r`` in this file."""
        plan.add(Edit(self.rel, r, new_text), self.version)


def parsed_source(rel: str, text: str, version: int | None = None) -> Source:
    """``text`` of the note at ``rel``, parsed."""
    return Source(
        rel,
        text,
        version,
        parse_note(text, strip_note_suffix(posixpath.basename(rel))),
        LineIndex(text),
    )


Element = Link | Heading | Block | TagOccurrence | FrontmatterField


@dataclass(frozen=True, slots=True)
class Subject:
    """What a rename at a position renames: ``kind`` is ``note`` (from its title), ``link``
    (the note it leads to), ``heading``, ``block`` or ``tag``; ``where`` is the range a
    client shows the name in."""

    kind: str
    element: Element
    where: Range


def subject_at(note: ParsedNote, position: Position) -> Subject:
    """What a rename at ``position`` renames; refuses where there is nothing to rename."""
    element = element_at(note, position)
    if isinstance(element, Link):
        if not element.target:
            raise Refused("Rename the heading or block in place, not this anchor")
        return Subject("link", element, element.target_range)
    if isinstance(element, TagOccurrence):
        return Subject("tag", element, element.range)
    if isinstance(element, Block):
        return Subject("block", element, element.range)
    if isinstance(element, Heading):
        kind = "note" if element is title_heading(note) else "heading"
        return Subject(kind, element, element.range)
    for found in note.fields:
        if found.key == "title" and found.value_range.contains(position):
            return Subject("note", found, found.value_range)
    raise Refused(
        "Nothing to rename here: place the cursor on a link, heading, block id, tag "
        "or the note's title"
    )


def checked(check: Callable[[str], str], name: str, kind: str) -> str:
    """A name passed through one of the ``core.names`` checks; a refusal says why."""
    try:
        return check(name)
    except BadName as exc:
        raise Refused(f"'{name}' is not a valid {kind}: {exc}") from None


def new_note_path(old: str, new_name: str) -> str:
    """Where a note renamed to ``new_name`` goes (same folder unless a path is given),
    checked as a notebook path."""
    name = new_name.strip().strip("/")
    if not is_note_name(name):
        name += posixpath.splitext(old)[1] or ".md"
    if "/" not in name:
        name = posixpath.join(posixpath.dirname(old), name)
    return checked(check_relative_path, name, "note name")


def heading_text_range(doc: Source, heading: Heading) -> Range | None:
    """Where a heading's text sits on its line (without the ``#`` marks or a block id)."""
    line = doc.slice(heading.range)
    at = line.find(heading.text, len(line) - len(line.lstrip(" #")))
    if at == -1:
        return None
    start = heading.range.start
    column = start.character + utf16_len(line[:at])
    return Range(
        Position(start.line, column), Position(start.line, column + utf16_len(heading.text))
    )


def _title_edit(doc: Source, subject: Subject, title: str) -> tuple[Range, str] | None:
    """The edit that writes ``title`` where a note's title was renamed (its H1 or the
    frontmatter ``title:`` value, quoted when YAML needs it)."""
    if isinstance(subject.element, Heading):
        text_range = heading_text_range(doc, subject.element)
        return (text_range, title) if text_range is not None else None
    plain = title.strip() == title and not any(ch in title for ch in ":#{}[],&*!|>'\"%@`")
    return subject.where, title if plain else json.dumps(title, ensure_ascii=False)


def _relative_wiki_target(written: str, target: str, source: str) -> str:
    """A ``./`` or ``../`` wiki-link target that reaches ``target`` from note ``source``."""
    path_part, hash_sign, anchor = written.partition("#")
    rel = posixpath.relpath(target, posixpath.dirname(source) or ".")
    if not rel.startswith("../"):
        rel = "./" + rel
    if not is_note_name(path_part):
        rel = strip_note_suffix(rel)
    return rel + hash_sign + anchor


_JSON_TAGS = re.compile(r'"tags"\s*:\s*\[')
_JSON_ITEM = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|,|(\]))')


def sidecar_tag_edits(rel: str, text: str, old: str, new: str) -> list[Edit]:
    """Edits renaming tag ``old`` (and its nested children) in a JSON sidecar's ``tags``."""
    found = _JSON_TAGS.search(text)
    if found is None:
        return []
    index = LineIndex(text)
    lowered = old.lower()
    edits = []
    at = found.end()
    while (item := _JSON_ITEM.match(text, at)) is not None and item.group(2) is None:
        at = item.end()
        if item.group(1) is None:
            continue
        value = json.loads(item.group(1))
        name = value.lstrip("#")
        if name.lower() != lowered and not name.lower().startswith(lowered + "/"):
            continue
        renamed = value[: len(value) - len(name)] + new + name[len(old) :]
        edits.append(
            Edit(
                rel,
                index.range(item.start(1), item.end(1)),
                json.dumps(renamed, ensure_ascii=False),
            )
        )
    return edits


class RenamePlanner:
    """Plans renames in one notebook from its index (``conn``) and files (``root``), with
    the open editor buffers standing in for their files."""

    def __init__(
        self, conn: sqlite3.Connection, root: Path, buffers: Mapping[str, Buffer] | None = None
    ) -> None:
        self.conn = conn
        self.root = root
        self.buffers = dict(buffers or {})
        self.catalog = SqlCatalog(conn)

    def load(self, rel: str) -> Source | None:
        """The current text of ``rel``, parsed; None when it cannot be read."""
        buffer = self.buffers.get(rel)
        if buffer is not None:
            return parsed_source(rel, buffer.text, buffer.version)
        try:
            text = (self.root / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return parsed_source(rel, text)

    def links_into(self, target: str) -> Iterator[tuple[Source, Link]]:
        """Every link (in its file's current text) that resolves to ``target``."""
        sources = {row.path for row in lookups.links_to(self.conn, target)} | set(self.buffers)
        for rel in sorted(sources):
            if not is_note_name(rel):
                continue
            source = self.load(rel)
            if source is None:
                continue
            for link in source.note.links:
                found = resolve_written(link, rel, self.catalog)
                if found.target == target and (link.target or rel == target):
                    yield source, link

    def linked_note(self, source: Source, link: Link) -> str:
        """The note a link leads to, which renaming from that link renames."""
        target = resolve_written(link, source.rel, self.catalog).target
        if target is None:
            raise Refused(f"'{link.target}' does not exist, so it cannot be renamed")
        return target

    def placeholder(self, source: Source, subject: Subject) -> str:
        """The name a client offers to edit when renaming ``subject``: the current one."""
        element = subject.element
        if isinstance(element, Link):
            return strip_note_suffix(posixpath.basename(self.linked_note(source, element)))
        if isinstance(element, TagOccurrence):
            return element.name
        if isinstance(element, Block):
            return element.id
        if isinstance(element, Heading) and subject.kind == "heading":
            return element.text
        return strip_note_suffix(posixpath.basename(source.rel))

    def note_move(self, source: Source, subject: Subject, new_name: str) -> Move:
        """Which note a note or link rename moves, and where; refuses a name taken."""
        old = source.rel
        if subject.kind == "link":
            assert isinstance(subject.element, Link)
            old = self.linked_note(source, subject.element)
        new = new_note_path(old, new_name)
        if (self.root / new).exists() and new.lower() != old.lower():
            raise Refused(f"{new} already exists")
        return Move(old, new)

    def rename(self, source: Source, subject: Subject, new_name: str) -> Plan:
        """Plan renaming ``subject`` (found in ``source``) to ``new_name``."""
        new_name = new_name.strip()
        if not new_name:
            raise Refused("The new name is empty")
        element = subject.element
        if isinstance(element, TagOccurrence):
            return self.tag(element.name, checked(check_tag, new_name, "tag"))
        if subject.kind == "heading":
            assert isinstance(element, Heading)
            return self.heading(source, element, checked(check_heading, new_name, "heading"))
        if isinstance(element, Block):
            return self.block(source, element, checked(check_block_id, new_name, "block id"))
        move = self.note_move(source, subject, new_name)
        plan = self.note(move.old, move.new)
        if subject.kind == "note":  # renamed from the title: the title follows the new name
            title = _title_edit(source, subject, strip_note_suffix(posixpath.basename(move.new)))
            if title is not None:
                own = Plan()
                source.edit(own, *title)
                plan.merge(own)
        plan.moves.append(move)
        plan.moves += self.sidecar_moves(move)
        return plan

    def sidecar_moves(self, move: Move) -> list[Move]:
        """The moves of the sidecars of a moved file (``.NAME.json/.xml/.md`` next to it) that
        exist, to the names of its new path; refuses a sidecar name taken there. A folder's
        sidecars move with it: nothing to add."""
        found = []
        old_folder, old_name = posixpath.split(move.old)
        new_folder, new_name = posixpath.split(move.new)
        for old_sidecar, new_sidecar in zip(
            sidecar_names(old_name), sidecar_names(new_name), strict=True
        ):
            before = posixpath.join(old_folder, old_sidecar)
            if not (self.root / before).is_file():
                continue
            after = posixpath.join(new_folder, new_sidecar)
            if (self.root / after).exists() and after.lower() != before.lower():
                raise Refused(f"{after} already exists (the sidecar of {move.old} moves there)")
            found.append(Move(before, after))
        return found

    def note(self, old: str, new: str) -> Plan:
        """Edits to every link that leads to note ``old`` so that it leads to ``new``, and to
        the relative links written in it (the move itself is not in the plan)."""
        return self.moves({old: new})

    def files_moved(self, old: str, new: str) -> dict[str, str]:
        """Old to new path of every indexed file that moves when ``old`` (a file or a
        folder) moves to ``new``."""
        return {
            n.path: new + n.path[len(old) :]
            for n in lookups.note_names(self.conn)
            if n.path == old or n.path.startswith(old + "/")
        }

    def moves(self, moves: Mapping[str, str]) -> Plan:
        """Edits for files that move (``moves``: old to new path of every file, e.g. of a
        renamed folder): links into each, and the relative links written in each."""
        plan = Plan()
        for before, after in moves.items():
            into = Plan()
            for source, link in self.links_into(before):
                if not link.target:
                    continue
                written = source.slice(link.target_range)
                replacement = renamed_target(written, link, before, after, source.rel)
                if replacement is not None and replacement != written:
                    source.edit(into, link.target_range, replacement)
            plan.merge(into)
        plan.merge(self.moved_links(moves))
        return plan

    def moved_links(self, moves: Mapping[str, str]) -> Plan:
        """Edits keeping the relative links written *in* moved notes valid from their new
        folder; a link to another moved file follows it."""
        plan = Plan()
        for old, new in moves.items():
            if not is_note_name(old):
                continue
            source = self.load(old)
            if source is None:
                continue
            for link in source.note.links:
                relative = link.kind.is_markdown or link.target.startswith(("./", "../"))
                if not link.target or link.target.startswith("/") or not relative:
                    continue
                found = resolve_written(link, old, self.catalog).target
                if found is None:
                    continue
                target = moves.get(found, found)
                written = source.slice(link.target_range)
                if link.kind.is_markdown:
                    text = renamed_target(written, link, found, target, new)
                else:
                    text = _relative_wiki_target(written, target, new)
                if text is not None and text != written:
                    source.edit(plan, link.target_range, text)
        return plan

    def heading(self, doc: Source, heading: Heading, new: str) -> Plan:
        """Edits to a heading and to every anchor that names it."""
        plan = Plan()
        text_range = heading_text_range(doc, heading)
        if text_range is not None:
            doc.edit(plan, text_range, new)
        keys = heading_keys(doc.note.headings)
        number = doc.note.headings.index(heading)
        for source, link in self.links_into(doc.rel):
            if not link.anchor:
                continue
            anchor = anchor_of(link.anchor, link.is_block)
            # A heading path names its parents too: they are renamed in it.
            names = [anchor.names.index(n) for n in names_of_heading(keys, anchor, number)]
            if names:
                written = source.slice(link.target_range)
                source.edit(plan, link.target_range, renamed_names(written, link, names, new))
        return plan

    def block(self, doc: Source, block: Block, new: str) -> Plan:
        """Edits to a block id and to every anchor that names it."""
        plan = Plan()
        doc.edit(plan, block.range, f"^{new}")
        for source, link in self.links_into(doc.rel):
            if not link.anchor:
                continue
            anchor = anchor_of(link.anchor, link.is_block)
            names = [anchor.names.index(n) for n in names_of_block(anchor, block.id)]
            if names:
                written = source.slice(link.target_range)
                source.edit(plan, link.target_range, renamed_names(written, link, names, new))
        return plan

    def tag(self, old: str, new: str) -> Plan:
        """Edits renaming tag ``old`` (and its nested children) to ``new`` everywhere."""
        plan = Plan()
        files = {place.path for place, _, _ in lookups.tag_places(self.conn, old)}
        lowered = old.lower()
        for rel in sorted(files | set(self.buffers)):
            source = self.load(rel)
            if source is None:
                continue
            for tag in source.note.tags:
                name = tag.name.lower()
                if name != lowered and not name.startswith(lowered + "/"):
                    continue
                start = tag.range.start
                column = start.character + (1 if source.slice(tag.range).startswith("#") else 0)
                prefix = Range(
                    Position(start.line, column),
                    Position(start.line, column + utf16_len(tag.name[: len(old)])),
                )
                source.edit(plan, prefix, new)
        for rel in queries.files_with_tags(self.conn, [old], True):  # notes' sidecars too
            folder, name = posixpath.split(rel)
            sidecar = posixpath.join(folder, f".{name}.json")
            try:
                text = (self.root / sidecar).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            for edit in sidecar_tag_edits(sidecar, text, old, new):
                plan.add(edit, None)
        return plan
