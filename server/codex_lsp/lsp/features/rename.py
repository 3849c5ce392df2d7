"""Rename notes, headings, block ids and tags, rewriting every link or tag that names them.

Edits are computed from the current text of each affected file (the editor buffer when open),
and returned as one WorkspaceEdit the editor applies, and can undo.
"""

from __future__ import annotations

import asyncio
import json
import posixpath
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from lsprotocol import types

from ...core.anchors import anchor_of, heading_keys, names_of_block, names_of_heading
from ...core.locate import element_at, title_heading
from ...core.model import Block, Heading, Link, ParsedNote, Position, Range, TagOccurrence
from ...core.names import (
    BadName,
    check_block_id,
    check_heading,
    check_relative_path,
    check_tag,
)
from ...core.parser import parse_note
from ...core.resolve import resolve_written, strip_note_suffix
from ...core.rewrite import renamed_names, renamed_target
from ...core.syntax import is_note_name
from ...core.textpos import LineIndex, utf16_len
from ...storage import lookups, queries
from ...storage.catalog import SqlCatalog
from ...storage.service import NotebookService
from ..convert import core_position, lsp_range, path_to_uri
from ..requests import RequestFailed
from ..server import CodexServer, Document


@dataclass(frozen=True, slots=True)
class Buffer:
    """An open editor buffer of the notebook."""

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


Edits = dict[str, list[types.TextEdit]]


def _load(root: Path, rel: str, buffers: dict[str, Buffer]) -> Source | None:
    buffer = buffers.get(rel)
    if buffer is not None:
        text, version = buffer.text, buffer.version
    else:
        try:
            text = (root / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        version = None
    note = parse_note(text, strip_note_suffix(posixpath.basename(rel)))
    return Source(rel, text, version, note, LineIndex(text))


def _links_into(
    conn: sqlite3.Connection, root: Path, target: str, buffers: dict[str, Buffer]
) -> Iterator[tuple[Source, Link]]:
    """Every link (in its file's current text) that resolves to ``target``."""
    sources = {row.path for row in lookups.links_to(conn, target)} | set(buffers)
    catalog = SqlCatalog(conn)
    for rel in sorted(sources):
        if not is_note_name(rel):
            continue
        source = _load(root, rel, buffers)
        if source is None:
            continue
        for link in source.note.links:
            found = resolve_written(link, rel, catalog)
            if found.target == target and (link.target or rel == target):
                yield source, link


def _add(
    edits: Edits, versions: dict[str, int | None], source: Source, r: Range, text: str
) -> None:
    edits.setdefault(source.rel, []).append(types.TextEdit(lsp_range(r), text))
    versions[source.rel] = source.version


def note_edits(
    conn: sqlite3.Connection, root: Path, old: str, new: str, buffers: dict[str, Buffer]
) -> tuple[Edits, dict[str, int | None]]:
    """Edits to every link that leads to note ``old`` so that it leads to ``new``."""
    edits: Edits = {}
    versions: dict[str, int | None] = {}
    for source, link in _links_into(conn, root, old, buffers):
        if not link.target:
            continue  # same-note anchors survive a rename
        written = source.slice(link.target_range)
        replacement = renamed_target(written, link, old, new, source.rel)
        if replacement is not None and replacement != written:
            _add(edits, versions, source, link.target_range, replacement)
    return edits, versions


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


def title_edit(doc: Source, element: object, where: Range, title: str) -> tuple[Range, str] | None:
    """The edit that writes ``title`` where a note's title was renamed (its H1 or the
    frontmatter ``title:`` value, quoted when YAML needs it)."""
    if isinstance(element, Heading):
        text_range = heading_text_range(doc, element)
        return (text_range, title) if text_range is not None else None
    plain = title.strip() == title and not any(ch in title for ch in ":#{}[],&*!|>'\"%@`")
    return where, title if plain else json.dumps(title, ensure_ascii=False)


def heading_edits(
    conn: sqlite3.Connection,
    root: Path,
    doc: Source,
    heading: Heading,
    new: str,
    buffers: dict[str, Buffer],
) -> tuple[Edits, dict[str, int | None]]:
    """Edits to a heading and to every ``#Heading`` anchor that names it."""
    edits: Edits = {}
    versions: dict[str, int | None] = {}
    text_range = heading_text_range(doc, heading)
    if text_range is not None:
        _add(edits, versions, doc, text_range, new)
    keys = heading_keys(doc.note.headings)
    number = next(n for n, h in enumerate(doc.note.headings) if h is heading)
    for source, link in _links_into(conn, root, doc.rel, buffers):
        if not link.anchor:
            continue
        anchor = anchor_of(link.anchor, link.is_block)
        names = [anchor.names.index(n) for n in names_of_heading(keys, anchor, number)]
        if names:  # (a heading path names its parents too: they are renamed in it)
            written = source.slice(link.target_range)
            renamed = renamed_names(written, link, names, new)
            _add(edits, versions, source, link.target_range, renamed)
    return edits, versions


def block_edits(
    conn: sqlite3.Connection,
    root: Path,
    doc: Source,
    block: Block,
    new: str,
    buffers: dict[str, Buffer],
) -> tuple[Edits, dict[str, int | None]]:
    """Edits to a block id and to every ``#^id`` anchor that names it."""
    edits: Edits = {}
    versions: dict[str, int | None] = {}
    _add(edits, versions, doc, block.range, f"^{new}")
    for source, link in _links_into(conn, root, doc.rel, buffers):
        if not link.anchor:
            continue
        anchor = anchor_of(link.anchor, link.is_block)
        names = [anchor.names.index(n) for n in names_of_block(anchor, block.id)]
        if names:
            written = source.slice(link.target_range)
            _add(
                edits, versions, source, link.target_range, renamed_names(written, link, names, new)
            )
    return edits, versions


def tag_edits(
    conn: sqlite3.Connection, root: Path, old: str, new: str, buffers: dict[str, Buffer]
) -> tuple[Edits, dict[str, int | None]]:
    """Edits renaming tag ``old`` (and its nested children) to ``new`` everywhere."""
    edits: Edits = {}
    versions: dict[str, int | None] = {}
    files = {place.path for place, _, _ in lookups.tag_places(conn, old)} | set(buffers)
    lowered = old.lower()
    for rel in sorted(files):
        source = _load(root, rel, buffers)
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
            _add(edits, versions, source, prefix, new)
    for rel in queries.files_with_tags(conn, [old], True):
        if is_note_name(rel):
            continue
        folder, name = posixpath.split(rel)
        sidecar = posixpath.join(folder, f".{name}.json")
        try:
            text = (root / sidecar).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        found = sidecar_tag_edits(text, old, new)
        if found:
            edits.setdefault(sidecar, []).extend(found)
            versions[sidecar] = None
    return edits, versions


_JSON_TAGS = re.compile(r'"tags"\s*:\s*\[')
_JSON_ITEM = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|,|(\]))')


def sidecar_tag_edits(text: str, old: str, new: str) -> list[types.TextEdit]:
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
            types.TextEdit(
                lsp_range(index.range(item.start(1), item.end(1))),
                json.dumps(renamed, ensure_ascii=False),
            )
        )
    return edits


def workspace_edit(
    root: Path,
    edits: Edits,
    versions: dict[str, int | None],
    rename: tuple[str, str] | None = None,
) -> types.WorkspaceEdit:
    """A WorkspaceEdit with text edits first, then the file rename if any."""
    changes: list[types.TextDocumentEdit | types.RenameFile] = [
        types.TextDocumentEdit(
            types.OptionalVersionedTextDocumentIdentifier(path_to_uri(root / rel), versions[rel]),
            list(text_edits),
        )
        for rel, text_edits in edits.items()
    ]
    if rename is not None:
        changes.append(
            types.RenameFile(
                old_uri=path_to_uri(root / rename[0]),
                new_uri=path_to_uri(root / rename[1]),
                options=types.RenameFileOptions(overwrite=False, ignore_if_exists=False),
            )
        )
    return types.WorkspaceEdit(document_changes=changes)


def new_note_path(old: str, new_name: str) -> str:
    """Where a note renamed to ``new_name`` goes (same folder unless a path is given)."""
    name = new_name.strip().strip("/")
    if not is_note_name(name):
        name += posixpath.splitext(old)[1] or ".md"
    if "/" in name:
        return name  # from the notebook root; ``..`` and the like are left for the name check
    return posixpath.join(posixpath.dirname(old), name)


def _note_edits_for(
    conn: sqlite3.Connection, *, root: Path, old: str, new: str, buffers: dict[str, Buffer]
) -> tuple[Edits, dict[str, int | None]]:
    return note_edits(conn, root, old, new, buffers)


def _relative_wiki_target(written: str, target: str, source: str) -> str:
    """A ``./`` or ``../`` wiki-link target that reaches ``target`` from note ``source``."""
    path_part, hash_sign, anchor = written.partition("#")
    rel = posixpath.relpath(target, posixpath.dirname(source) or ".")
    if not rel.startswith("../"):
        rel = "./" + rel
    if not is_note_name(path_part):
        rel = strip_note_suffix(rel)
    return rel + hash_sign + anchor


def moved_note_edits(
    conn: sqlite3.Connection, root: Path, moves: dict[str, str], buffers: dict[str, Buffer]
) -> tuple[Edits, dict[str, int | None]]:
    """Edits keeping the relative links written *in* moved notes valid from their new folder.

    ``moves`` maps old to new notebook paths of every file that moves (a note, or every file
    of a renamed folder); a link to another moved file follows it.
    """
    edits: Edits = {}
    versions: dict[str, int | None] = {}
    catalog = SqlCatalog(conn)
    for old, new in moves.items():
        if not is_note_name(old):
            continue
        source = _load(root, old, buffers)
        if source is None:
            continue
        for link in source.note.links:
            relative = link.kind.is_markdown or link.target.startswith(("./", "../"))
            if not link.target or link.target.startswith("/") or not relative:
                continue
            found = resolve_written(link, old, catalog).target
            if found is None:
                continue
            target = moves.get(found, found)
            written = source.slice(link.target_range)
            if link.kind.is_markdown:
                text = renamed_target(written, link, found, target, new)
            else:
                text = _relative_wiki_target(written, target, new)
            if text is not None and text != written:
                _add(edits, versions, source, link.target_range, text)
    return edits, versions


def merge_edits(
    edits: Edits,
    versions: dict[str, int | None],
    more: tuple[Edits, dict[str, int | None]],
) -> None:
    """Add ``more`` to ``edits``; an edit of the same range in ``more`` wins."""
    extra_edits, extra_versions = more

    def key(edit: types.TextEdit) -> tuple[int, int, int, int]:
        r = edit.range
        return (r.start.line, r.start.character, r.end.line, r.end.character)

    for rel, extra in extra_edits.items():
        replaced = {key(e) for e in extra}
        edits[rel] = [e for e in edits.get(rel, []) if key(e) not in replaced] + extra
        versions[rel] = extra_versions[rel]


async def renamed_note(ls: CodexServer, doc: Document, link: Link) -> str:
    """The note a link leads to, which renaming from that link renames; refuses if none."""
    assert doc.service is not None
    target = await ls.read(
        doc.service, lambda conn: resolve_written(link, doc.rel, SqlCatalog(conn)).target
    )
    if target is None:
        raise RequestFailed(f"'{link.target}' does not exist, so it cannot be renamed")
    return target


def _checked(check: Callable[[str], str], name: str, kind: str) -> str:
    """A name passed through one of the ``core.names`` checks; a refusal fails the request."""
    try:
        return check(name)
    except BadName as exc:
        raise RequestFailed(f"'{name}' is not a valid {kind}: {exc}") from None


def register(server: CodexServer) -> None:
    """Register prepareRename, rename and willRenameFiles."""

    def buffers_for(ls: CodexServer, doc: Document) -> dict[str, Buffer]:
        assert doc.service is not None
        return service_buffers(ls, doc.service)

    def service_buffers(ls: CodexServer, service: NotebookService) -> dict[str, Buffer]:
        found = {}
        for text_doc in list(ls.workspace.text_documents.values()):
            where = ls.locate(text_doc.uri)
            if where is not None and where.service is service:
                found[where.rel] = Buffer(text_doc.source, text_doc.version)
        return found

    def what_to_rename(doc: Document, position: Position) -> tuple[str, object, Range]:
        element = element_at(doc.note, position)
        if isinstance(element, Link):
            if not element.target:
                raise RequestFailed("Rename the heading or block in place, not this anchor")
            return "link", element, element.target_range
        if isinstance(element, TagOccurrence):
            return "tag", element, element.range
        if isinstance(element, Block):
            return "block", element, element.range
        if isinstance(element, Heading):
            if element is title_heading(doc.note):
                return "note", element, element.range
            return "heading", element, element.range
        for field in doc.note.fields:
            if field.key == "title" and field.value_range.contains(position):
                return "note", field, field.value_range
        raise RequestFailed(
            "Nothing to rename here: place the cursor on a link, heading, block id, tag "
            "or the note's title"
        )

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    async def prepare_rename(
        ls: CodexServer, params: types.PrepareRenameParams
    ) -> types.PrepareRenamePlaceholder | None:
        doc = await ls.document(params.text_document.uri)
        if doc is None or doc.service is None:
            raise RequestFailed("This file is not part of a notebook")
        kind, element, where = what_to_rename(doc, core_position(params.position))
        if kind == "link":
            assert isinstance(element, Link)
            target = await renamed_note(ls, doc, element)
            placeholder = strip_note_suffix(posixpath.basename(target))
        elif kind == "tag":
            assert isinstance(element, TagOccurrence)
            placeholder = element.name
        elif kind == "block":
            assert isinstance(element, Block)
            placeholder = element.id
        elif kind == "heading":
            assert isinstance(element, Heading)
            placeholder = element.text
        else:
            placeholder = strip_note_suffix(doc.path.name)
        return types.PrepareRenamePlaceholder(lsp_range(where), placeholder)

    @server.feature(types.TEXT_DOCUMENT_RENAME)
    async def rename(ls: CodexServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
        doc = await ls.document(params.text_document.uri)
        if doc is None or doc.service is None:
            raise RequestFailed("This file is not part of a notebook")
        service = doc.service
        root = service.notebook.root
        buffers = buffers_for(ls, doc)
        kind, element, where = what_to_rename(doc, core_position(params.position))
        new_name = params.new_name.strip()
        if not new_name:
            raise RequestFailed("The new name is empty")
        source = Source(doc.rel, doc.text, doc.version, doc.note, doc.index)
        if kind == "tag":
            assert isinstance(element, TagOccurrence)
            tag = _checked(check_tag, new_name, "tag")
            old_tag = element.name
            edits, versions = await ls.read(
                service, lambda conn: tag_edits(conn, root, old_tag, tag, buffers)
            )
            return workspace_edit(root, edits, versions)
        if kind == "heading":
            assert isinstance(element, Heading)
            heading, text = element, _checked(check_heading, new_name, "heading")
            edits, versions = await ls.read(
                service, lambda conn: heading_edits(conn, root, source, heading, text, buffers)
            )
            return workspace_edit(root, edits, versions)
        if kind == "block":
            assert isinstance(element, Block)
            block, block_id = element, _checked(check_block_id, new_name, "block id")
            edits, versions = await ls.read(
                service, lambda conn: block_edits(conn, root, source, block, block_id, buffers)
            )
            return workspace_edit(root, edits, versions)
        old = doc.rel
        if kind == "link":
            assert isinstance(element, Link)
            old = await renamed_note(ls, doc, element)
        new = _checked(check_relative_path, new_note_path(old, new_name), "note name")
        await ls.confine_new(service, new)
        if await asyncio.to_thread((root / new).exists) and new.lower() != old.lower():
            raise RequestFailed(f"{new} already exists")
        edits, versions = await ls.read(
            service, lambda conn: note_edits(conn, root, old, new, buffers)
        )
        own = await ls.read(service, lambda conn: moved_note_edits(conn, root, {old: new}, buffers))
        merge_edits(edits, versions, own)
        if kind == "note":  # renamed from the title: the title follows the new name
            title = title_edit(source, element, where, strip_note_suffix(posixpath.basename(new)))
            if title is not None:
                merge_edits(
                    edits,
                    versions,
                    (
                        {doc.rel: [types.TextEdit(lsp_range(title[0]), title[1])]},
                        {doc.rel: doc.version},
                    ),
                )
        return workspace_edit(root, edits, versions, (old, new))

    @server.feature(
        types.WORKSPACE_WILL_RENAME_FILES,
        types.FileOperationRegistrationOptions(
            filters=[types.FileOperationFilter(pattern=types.FileOperationPattern(glob="**/*"))]
        ),
    )
    async def will_rename(
        ls: CodexServer, params: types.RenameFilesParams
    ) -> types.WorkspaceEdit | None:
        moves_by_root: dict[Path, tuple[NotebookService, dict[str, str]]] = {}
        for renamed in params.files:
            try:
                moved_from = await ls.confine(renamed.old_uri)
            except RequestFailed:
                continue  # not a file of an open notebook: no link of ours leads to it
            moved_to = await ls.confine(renamed.new_uri)
            service = moved_from.service
            if moved_to.service is not service:
                raise RequestFailed(
                    f"{moved_from.rel} moves out of its notebook: links to it are not updated"
                )
            old, new = moved_from.rel, _checked(check_relative_path, moved_to.rel, "notebook path")
            root = service.notebook.root
            names = await ls.read(service, lookups.note_names)
            moves = moves_by_root.setdefault(root, (service, {}))[1]
            moves.update(
                (n.path, new + n.path[len(old) :])
                for n in names
                if n.path == old or n.path.startswith(old + "/")
            )
        all_edits: list[
            types.TextDocumentEdit | types.CreateFile | types.RenameFile | types.DeleteFile
        ] = []
        for service, moves in moves_by_root.values():
            root = service.notebook.root
            buffers = service_buffers(ls, service)
            edits: Edits = {}
            versions: dict[str, int | None] = {}
            for before, after in moves.items():
                found = await ls.read(
                    service,
                    partial(_note_edits_for, root=root, old=before, new=after, buffers=buffers),
                )
                merge_edits(edits, versions, found)
            own = await ls.read(
                service, partial(moved_note_edits, root=root, moves=moves, buffers=buffers)
            )
            merge_edits(edits, versions, own)
            all_edits.extend(workspace_edit(root, edits, versions).document_changes or [])
        return types.WorkspaceEdit(document_changes=all_edits) if all_edits else None
