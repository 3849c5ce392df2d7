"""Dynamic views over LSP: ``codex.query``, ``codex.views``, ``codex.setProperty``, and the
language features of view files (``.cdx``, ``.base``) and inline view blocks: diagnostics,
completion, hover and the row-count code lens.

View problems (:func:`view_problems`), completion, hover, lenses and the refresh action are
providers on the host: the diagnostics, completion, hover, code-lens and code-action features
ask them first for the documents they serve.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ...core.model import Position, Severity
from ...core.textpos import LineIndex, utf16_offset
from ..convert import lsp_range
from ..feature import Feature, command
from ..requests import (
    InvalidParams,
    RequestFailed,
    command_argument,
    optional_field,
    required_field,
)
from ..server import CodexServer, Document

if TYPE_CHECKING:
    import sqlite3

    from ...core.problems import NoteProblem
    from ...core.resolve import Catalog
    from ...core.schema.check import SidecarText
    from ...core.views.engine import Result
    from ...core.views.render import Marker
    from ...core.views.spec import ViewFile
    from ...storage.notebooks import Notebook

log = logging.getLogger(__name__)

VIEW_SUFFIXES = (".cdx", ".base")
WRITE_VIEWS = "codex.writeViews"
WRITE_INLINE_VIEW = "codex.writeInlineView"
OPEN_INLINE_VIEW = "codex.openInlineView"
"""A client command (each editor implements it): show an inline block's views."""
_COMPARED = re.compile(r"(?:note\.)?([A-Za-z_][\w-]*)\s*[!=]=\s*[\"']$")
VIEW_PROBLEM = "view"


def is_view_document(doc: Document) -> bool:
    """Whether ``doc`` is a view file."""
    return _is_view_name(doc.rel)


def _is_view_name(rel: str) -> bool:
    return rel.lower().endswith(VIEW_SUFFIXES)


def _text_sections(rel: str, text: str) -> list[tuple[int, str]]:
    """(offset, text) of every view in file ``rel``: the whole file, or each inline block."""
    from ...core.views.inline import inline_blocks

    if _is_view_name(rel):
        return [(0, text)]
    return [(b.start, b.body) for b in inline_blocks(text)]


def _sections(doc: Document) -> list[tuple[int, str]]:
    return _text_sections(doc.rel, doc.text)


def _result_json(ls: CodexServer, service: Any, result: Result) -> dict[str, Any]:
    data = result.to_json()
    for row in data["rows"]:
        row["uri"] = ls.uri_of(service, row["path"])
    return data


# -- diagnostics, hover, completion, code lens ------------------------------------------------


def view_problems(
    conn: sqlite3.Connection, notebook: Notebook, rel: str, text: str, catalog: Catalog
) -> list[NoteProblem]:
    """The problems of a view file, or of a note's inline view blocks (none without blocks):
    the diagnostics publisher's provider. Blocking: runs on the notebook's reader thread."""
    from ...core.problems import FIXED_SETTING, NoteProblem
    from ...core.views.check import check_file
    from ...core.views.spec import read_view_file
    from ...storage import views as stored_views

    sections = _text_sections(rel, text)
    if not sections:
        return []
    props = stored_views.known_properties(notebook, conn)
    index = LineIndex(text)
    found = []
    for base, section in sections:
        file = read_view_file(section)
        for problem in [*file.problems, *check_file(file, props)]:
            found.append(
                NoteProblem(
                    VIEW_PROBLEM,
                    problem.message,
                    index.range(base + problem.start, base + problem.end),
                    FIXED_SETTING,
                    Severity(problem.severity),
                )
            )
    return found


def _at(doc: Document, position: types.Position) -> tuple[int, ViewFile, int] | None:
    """The view section under the cursor: (offset in the section, its file, section base)."""
    from ...core.views.spec import read_view_file

    offset = doc.index.offset(Position(position.line, position.character))
    for base, text in _sections(doc):
        if base <= offset <= base + len(text):
            return offset - base, read_view_file(text), base
    return None


def _property_at(file: ViewFile, offset: int) -> tuple[str, int, int] | None:
    """The note property named at ``offset`` (in an expression or a column), with its span."""
    from ...core.views.expr import Member, Name, walk

    for located in file.expressions:
        site = located.site
        if located.expr is None or site.base is None:
            continue
        if not site.base <= offset <= site.base + len(site.text):
            continue
        inner = offset - site.base
        for node in walk(located.expr):
            name = None
            if (isinstance(node, Name) and node.name not in ("note", "file", "formula", "git")) or (
                isinstance(node, Member)
                and isinstance(node.target, Name)
                and node.target.name == "note"
            ):
                name = node.name
            if name is not None and node.start <= inner <= node.end:
                return name, site.base + node.start, site.base + node.end
    for prop, start, end in file.column_sites:
        if start <= offset <= end and prop.startswith("note."):
            return prop[5:], start, end
    return None


async def view_hover(
    ls: CodexServer, doc: Document, position: types.Position
) -> types.Hover | None:
    """Hover on a property in a view: its kind and how many notes have it."""
    from ...storage import views as stored_views

    found = _at(doc, position)
    if found is None:
        return None
    offset, file, base = found
    named = _property_at(file, offset)
    if named is None:
        return None
    name, start, end = named
    notebook = doc.service.notebook
    props = await ls.read(doc.service, lambda c: stored_views.known_properties(notebook, c))
    info = props.get(name)
    if info is None:
        text = f"**{name}** — no note has this property"
    else:
        allowed = f" (one of {', '.join(map(str, info.enum))})" if info.enum else ""
        text = f"**{name}** — {info.kind}{allowed}, in {info.count} note{'s' * (info.count != 1)}"
    return types.Hover(
        types.MarkupContent(types.MarkupKind.Markdown, text),
        lsp_range(doc.index.range(base + start, base + end)),
    )


def _item(label: str, kind: types.CompletionItemKind, detail: str) -> types.CompletionItem:
    return types.CompletionItem(label=label, kind=kind, detail=detail)


async def view_completion(
    ls: CodexServer, doc: Document, position: types.Position
) -> types.CompletionList | None:
    """Completion in a view: keys at the start of a line, else properties, ``file.`` fields and
    methods, functions, and tags or folders inside ``hasTag("``/``inFolder("``."""
    from ...core.views.evaluate import FILE_FIELDS, FILE_METHODS, GLOBAL_FUNCTIONS, METHODS
    from ...core.views.spec import TOP_KEYS, VIEW_KEYS
    from ...storage import views as stored_views

    if _at(doc, position) is None:
        return None
    full = doc.index.line_text(position.line)
    line = full[: utf16_offset(full, position.character)]
    stripped = line.lstrip(" -")
    items: list[types.CompletionItem] = []
    service = doc.service
    compared = _COMPARED.search(line)
    if compared is not None:
        notebook = service.notebook
        props = await ls.read(service, lambda c: stored_views.known_properties(notebook, c))
        info = props.get(compared.group(1))
        items = [
            _item(str(v), types.CompletionItemKind.EnumMember, f"{compared.group(1)} value")
            for v in (info.enum if info else ())
        ]
    elif line.rstrip().endswith(('hasTag("', "hasTag('")):
        tags = await ls.read(service, _tag_names)
        items = [_item(t, types.CompletionItemKind.Value, "tag") for t in tags]
    elif line.endswith(('inFolder("', "inFolder('")):
        folders = await ls.read(service, _folders)
        items = [_item(f, types.CompletionItemKind.Folder, "folder") for f in folders]
    elif (stripped.isidentifier() or stripped == "") and line.strip(" -") == stripped:
        keys = TOP_KEYS if line == stripped else VIEW_KEYS
        items = [_item(k, types.CompletionItemKind.Property, "view file key") for k in keys]
    if not items:
        if line.endswith("file."):
            items = [
                _item(f, types.CompletionItemKind.Field, kind) for f, kind in FILE_FIELDS.items()
            ]
            items += [
                _item(m, types.CompletionItemKind.Method, METHODS[m].doc) for m in FILE_METHODS
            ]
        elif line.endswith("."):
            items = [
                _item(m, types.CompletionItemKind.Method, sig.doc)
                for m, sig in METHODS.items()
                if m not in FILE_METHODS
            ]
        else:
            notebook = service.notebook
            props = await ls.read(service, lambda c: stored_views.known_properties(notebook, c))
            items = [
                _item(name, types.CompletionItemKind.Property, f"{info.kind}, {info.count} notes")
                for name, info in sorted(props.items())
            ]
            items += [
                _item(f, types.CompletionItemKind.Function, sig.doc)
                for f, sig in GLOBAL_FUNCTIONS.items()
            ]
            items.append(_item("file", types.CompletionItemKind.Module, "the note's file"))
    return types.CompletionList(is_incomplete=False, items=items)


def _tag_names(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM tag ORDER BY name")]


def _folders(conn: sqlite3.Connection) -> list[str]:
    folders: set[str] = set()
    for (path,) in conn.execute("SELECT path FROM file_metadata WHERE deleted_at IS NULL"):
        parts = path.split("/")[:-1]
        folders.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return sorted(folders)


def _rows(total: int) -> str:
    return f"{total} row{'s' * (total != 1)}"


async def view_lenses(ls: CodexServer, doc: Document) -> list[types.CodeLens] | None:
    """Lenses over the views of a document: a row count above each view of a view file; above
    each inline block, its views' row counts, "Open" (the client shows the block's views,
    ``OPEN_INLINE_VIEW``) and "Write results" (``WRITE_INLINE_VIEW``)."""
    from ...core.views.inline import inline_blocks

    service = doc.service
    root = service.notebook.root
    if is_view_document(doc):
        text = doc.text

        def count_file(conn: sqlite3.Connection) -> list[tuple[int, str, str, Any]]:
            return [
                (view.start, title, "", None) for view, title in _counts(conn, root, text, True)
            ]

        lenses = await ls.read(service, count_file)
    else:
        blocks = inline_blocks(doc.text)
        if not blocks:
            return None
        uri = doc.uri

        def count_blocks(conn: sqlite3.Connection) -> list[tuple[int, str, str, Any]]:
            out: list[tuple[int, str, str, Any]] = []
            for block in blocks:
                offset = block.start - 1  # on the opening fence line
                titles = _counts(conn, root, block.body, False)
                out += [(offset, title, "", None) for _, title in titles]
                argument = {"uri": uri, "block": block.index}
                out.append((offset, "Open", OPEN_INLINE_VIEW, argument))
                out.append((offset, "Write results", WRITE_INLINE_VIEW, argument))
            return out

        lenses = await ls.read(service, count_blocks)
    return [
        types.CodeLens(
            range=lsp_range(doc.index.range(offset, offset)),
            command=types.Command(
                title=title, command=command, arguments=None if argument is None else [argument]
            ),
        )
        for offset, title, command, argument in lenses
    ]


def _counts(conn: sqlite3.Connection, root: Path, text: str, named: bool) -> list[tuple[Any, str]]:
    """(view, "NAME: N rows") of each view of ``text``; the name only when ``named`` or the
    text has several views. An invalid view shows its first error instead of a count."""
    from ...core.views.engine import ViewInvalid
    from ...core.views.spec import read_view_file
    from ...storage import views as stored_views

    file = read_view_file(text)
    named = named or len(file.views) > 1
    out = []
    for view in file.views:
        try:
            title = _rows(stored_views.query(conn, root, file, view.name).total)
        except ViewInvalid as exc:
            title = str(exc)
        out.append((view, f"{view.name}: {title}" if named else title))
    return out


# -- commands -----------------------------------------------------------------------------


async def _text_of(ls: CodexServer, uri: str) -> tuple[Any, str, str]:
    """(service, notebook-relative path, text) of a file of an open notebook; buffers win."""
    from ...storage import views as stored_views

    where = await ls.confine(uri)
    buffer = ls.open_document(uri)
    if buffer is not None:
        return where.service, where.rel, buffer.source
    path = where.service.notebook.root / where.rel

    def read() -> str:
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            return handle.read(stored_views.MAX_NOTE_BYTES)

    try:
        return where.service, where.rel, await asyncio.to_thread(read)
    except OSError as exc:
        raise RequestFailed(f"{uri} cannot be read: {exc.strerror}") from None


def _blocks_edit(
    ls: CodexServer, uri: str, text: str, stale: list[tuple[Marker, str]]
) -> types.WorkspaceEdit:
    """The edit that writes fresh results into the stale materialized views of a note."""
    index = LineIndex(text)
    client_uri = (ls.open_document(uri) or types.TextDocumentIdentifier(uri=uri)).uri
    edits = [
        types.TextEdit(range=lsp_range(index.range(m.start, m.end)), new_text=fresh)
        for m, fresh in stale
    ]
    return types.WorkspaceEdit(changes={client_uri: edits})


async def view_actions(
    ls: CodexServer, doc: Document, only: Sequence[str] | None = None
) -> list[types.CodeAction]:
    """A "Refresh materialized views" source action on a note whose ``codex:view`` blocks are
    stale (unless the client asks only for other kinds)."""
    from ...storage import views as stored_views

    if only and not any(types.CodeActionKind.Source.startswith(k) for k in only):
        return []
    if "codex:view" not in doc.text or is_view_document(doc):
        return []
    root = doc.service.notebook.root
    stale = await ls.read(doc.service, lambda conn: stored_views.stale_blocks(conn, root, doc.text))
    if not stale:
        return []
    count = len(stale)
    return [
        types.CodeAction(
            title=f"Refresh {count} materialized view{'s' * (count != 1)}",
            kind=types.CodeActionKind.Source,
            edit=_blocks_edit(ls, doc.uri, doc.text, stale),
        )
    ]


async def _sidecar_home(
    ls: CodexServer, service: Any, rel: str, text: str, key: str
) -> tuple[str, str, str] | None:
    """(kind, path, text) of the sidecar of note ``rel`` that ``key`` must be written to, or
    None for the note's frontmatter; open sidecar buffers win over the disk. Refuses an XML
    sidecar: its structure (attributes, repeated elements) has no faithful one-value edit."""
    from ...core.schema.check import SidecarText
    from ...core.sidecar import parse_sidecar
    from ...core.views.setprop import frontmatter_keys, property_home
    from ...storage.schema_store import read_sidecars

    root = service.notebook.root
    texts = {s.path: s for s in await asyncio.to_thread(read_sidecars, root, rel)}
    for path in list(texts):
        buffer = ls.open_document(ls.uri_of(service, path))
        if buffer is not None:
            texts[path] = SidecarText(path, texts[path].kind, buffer.source)
    if not texts:
        return None

    def parse() -> tuple[str | None, dict[str, SidecarText]]:
        by_kind = {s.kind: s for s in texts.values()}
        data = {kind: parse_sidecar(kind, s.text)[0] for kind, s in by_kind.items()}
        return property_home(key, frontmatter_keys(text), data), by_kind

    kind, by_kind = await asyncio.to_thread(parse)
    if kind is None:
        return None
    found = by_kind[kind]
    if kind == "xml":
        raise RequestFailed(
            f"{key} of {rel} is set in its XML sidecar {found.path}, which codex-lsp does not "
            "write: change it there"
        )
    return kind, found.path, found.text


class _SaveRefresher:
    """``codex.views.refreshOnSave``: when a note holding ``codex:view`` markers is saved and
    one of its results is stale, send the fresh results as one ``workspace/applyEdit`` (one
    undoable step). The edit names the saved version, so an editor whose buffer changed
    meanwhile refuses it rather than writing into the wrong place."""

    def __init__(self, ls: CodexServer) -> None:
        self.ls = ls
        self.running: set[str] = set()

    def on_saved(self, uri: str) -> None:
        """The save listener: start a refresh unless one runs for ``uri`` already."""
        if not self.ls.settings.views_refresh_on_save or uri in self.running:
            return
        buffer = self.ls.open_document(uri)
        where = self.ls.locate(uri)
        if buffer is None or where is None or "codex:view" not in buffer.source:
            return
        if _is_view_name(where.rel) or not where.rel.lower().endswith(".md"):
            return
        self.running.add(uri)
        task = self.ls.run_task(
            self.refresh(uri, where.service, where.rel, buffer.source, buffer.version),
            name=f"refreshing the views of {uri} on save",
        )
        task.add_done_callback(lambda _: self.running.discard(uri))

    async def refresh(
        self, uri: str, service: Any, rel: str, text: str, version: int | None
    ) -> None:
        """Index the saved ``text`` (a view may list the note itself), then send the fresh
        results as an edit of that ``version`` of the buffer."""
        from ...storage import views as stored_views

        await self.ls.update_notebook(service, [rel], {rel: text})
        root = service.notebook.root
        stale = await self.ls.read(
            service, lambda conn: stored_views.stale_blocks(conn, root, text)
        )
        if not stale:
            return
        changes = _blocks_edit(self.ls, uri, text, stale).changes or {}
        edit = types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    types.OptionalVersionedTextDocumentIdentifier(uri=doc_uri, version=version),
                    list(edits),
                )
                for doc_uri, edits in changes.items()
            ]
        )
        await self.ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=f"Refresh the views of {rel}")
        )


class Views(Feature):
    """``codex.query``, ``codex.views``, ``codex.writeViews`` and ``codex.setProperty``; view
    problems, completion, hover, lenses and the refresh action as providers; the refresh of
    materialized views on save."""

    def __init__(self, server: CodexServer) -> None:
        super().__init__(server)
        self.refresher = _SaveRefresher(server)

    def setup(self) -> None:
        """Provide what view files and inline view blocks need from the other features."""
        providers = self.server.providers
        providers.problems.append(view_problems)
        providers.completion.append(self.completion)
        providers.hover.append(self.hover)
        providers.actions.append(self.actions)
        providers.lenses.append(self.lenses)

    async def completion(
        self, doc: Document, position: types.Position
    ) -> types.CompletionList | None:
        """Completion inside a view file or block; None elsewhere."""
        return await view_completion(self.server, doc, position)

    async def hover(self, doc: Document, position: types.Position) -> types.Hover | None:
        """Hover on a property in a view; None elsewhere."""
        return await view_hover(self.server, doc, position)

    async def actions(
        self,
        doc: Document,
        diagnostics: Sequence[types.Diagnostic],
        only: Sequence[str] | None,
        selection: types.Range,
    ) -> list[types.CodeAction]:
        """The refresh of stale materialized views."""
        return await view_actions(self.server, doc, only)

    async def lenses(self, doc: Document) -> list[types.CodeLens]:
        """Row counts above each view."""
        return await view_lenses(self.server, doc) or []

    def on_save(self, uri: str) -> None:
        """Refresh the saved note's materialized views (when turned on)."""
        self.refresher.on_saved(uri)

    @command("codex.query")
    async def query(self, *args: Any) -> dict[str, Any]:
        """``codex.query``: run a filter expression, a view file or an inline view."""
        from ...core.views.engine import ViewInvalid
        from ...core.views.inline import inline_blocks
        from ...core.views.spec import read_view_file
        from ...storage import views as stored_views

        ls = self.server
        arg = command_argument(args)
        expression = optional_field(arg, "query", str, "a string (a filter expression)")
        uri = optional_field(arg, "uri", str, "a file URI")
        view = optional_field(arg, "view", str, "a string (a view name)")
        block = optional_field(arg, "block", int, "a number (an inline block, from 0)")
        if (expression is None) == (uri is None):
            raise InvalidParams("codex.query takes either query or uri")
        source: dict[str, Any] = {}
        if uri is not None:
            service, rel, text = await _text_of(ls, uri)
            if rel.lower().endswith(VIEW_SUFFIXES):
                file = read_view_file(text)
            else:
                blocks = inline_blocks(text)
                index = block or 0
                if not 0 <= index < len(blocks):
                    raise RequestFailed(f"{rel} has no inline view {index}")
                file = read_view_file(blocks[index].body)
                # Where the block's opening fence is: "Open as text" of an inline view.
                source = {"block": index, "line": blocks[index].line}
        else:
            service = await ls.confine_notebook(
                optional_field(arg, "notebook", str, "a path or file URI")
            )
            file = stored_views.expression_file(expression or "")
        root = service.notebook.root
        try:
            result = await ls.read(service, lambda conn: stored_views.query(conn, root, file, view))
        except ViewInvalid as exc:
            raise RequestFailed(str(exc)) from None
        # Every view of the source as it is now (the buffer when open): an editor's tabs.
        views = [v.name for v in file.views]
        return {**_result_json(ls, service, result), "views": views, **source}

    @command("codex.views")
    async def list_views(self, *args: Any) -> list[dict[str, Any]]:
        """``codex.views``: every view of the open notebooks."""
        from ...storage import views as stored_views

        ls = self.server
        command_argument(args)
        found: list[dict[str, Any]] = []
        for service in list(ls.services.values()):
            root = service.notebook.root

            def collect(conn: sqlite3.Connection, root: Path = root) -> list[dict[str, Any]]:
                return stored_views.list_views(conn, root)

            for entry in await ls.read(service, collect):
                found.append(
                    {
                        "uri": ls.uri_of(service, entry["path"]),
                        "notebook": str(root),
                        **entry,
                    }
                )
        return found

    @command(WRITE_VIEWS)
    async def write_views(self, *args: Any) -> dict[str, Any]:
        """``codex.writeViews``: write fresh results into a note's stale views."""
        from ...storage import views as stored_views

        ls = self.server
        uri = required_field(command_argument(args), "uri", str, "a file URI")
        service, rel, text = await _text_of(ls, uri)
        root = service.notebook.root
        stale = await ls.read(service, lambda conn: stored_views.stale_blocks(conn, root, text))
        if not stale:
            return {"uri": uri, "updated": 0}
        edit = _blocks_edit(ls, uri, text, stale)
        result = await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=f"Refresh the views of {rel}")
        )
        if not result.applied:
            raise RequestFailed(f"the editor did not change {rel}: {result.failure_reason}")
        return {"uri": uri, "updated": len(stale)}

    @command(WRITE_INLINE_VIEW)
    async def write_inline(self, *args: Any) -> dict[str, Any]:
        """``codex.writeInlineView``: write an inline block's results under it (one undoable
        edit; only stale results are rewritten)."""
        from ...core.textpos import LineIndex
        from ...core.views.engine import ViewInvalid
        from ...storage import views as stored_views

        ls = self.server
        arg = command_argument(args)
        uri = required_field(arg, "uri", str, "a file URI")
        block = required_field(arg, "block", int, "a number (an inline block, from 0)")
        service, rel, text = await _text_of(ls, uri)
        root = service.notebook.root
        try:
            found = await ls.read(
                service,
                lambda conn: stored_views.inline_results_edits(conn, root, text, block),
            )
        except ViewInvalid as exc:
            raise RequestFailed(f"{rel}: {exc}") from None
        if not found:
            return {"uri": uri, "updated": 0}
        index = LineIndex(text)
        client_uri = (ls.open_document(uri) or types.TextDocumentIdentifier(uri=uri)).uri
        edits = [
            types.TextEdit(range=lsp_range(index.range(start, end)), new_text=new_text)
            for start, end, new_text in found
        ]
        result = await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(
                edit=types.WorkspaceEdit(changes={client_uri: edits}),
                label=f"Write the results of a view of {rel}",
            )
        )
        if not result.applied:
            raise RequestFailed(f"the editor did not change {rel}: {result.failure_reason}")
        return {"uri": uri, "updated": len(found)}

    @command("codex.setProperty")
    async def set_prop(self, *args: Any) -> dict[str, Any]:
        """``codex.setProperty``: set a note's property (frontmatter or sidecar)."""
        from ...core.views.setprop import SetPropertyError, set_json_property, set_property

        ls = self.server
        arg = command_argument(args)
        uri = required_field(arg, "uri", str, "a file URI")
        key = required_field(arg, "key", str, "a string")
        if "value" not in arg:
            raise InvalidParams("value must be given (null, a boolean, number, text or list)")
        value = arg["value"]
        service, rel, text = await _text_of(ls, uri)
        if not rel.lower().endswith(".md"):
            raise RequestFailed(f"{rel} is not a Markdown note")
        kind, target_uri, target_rel, target_text = None, uri, rel, text
        sidecar = await _sidecar_home(ls, service, rel, text, key)
        if sidecar is not None:
            kind, target_rel, target_text = sidecar
            target_uri = ls.uri_of(service, target_rel)
        try:
            if kind == "json":
                edit = set_json_property(target_text, key, value)
            else:
                edit = set_property(target_text, key, value)
        except SetPropertyError as exc:
            raise RequestFailed(f"{target_rel}: {exc}") from None
        index = LineIndex(target_text)
        client_uri = (
            ls.open_document(target_uri) or types.TextDocumentIdentifier(uri=target_uri)
        ).uri
        change = types.TextEdit(
            range=lsp_range(index.range(edit.start, edit.end)), new_text=edit.new_text
        )
        result = await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(
                edit=types.WorkspaceEdit(changes={client_uri: [change]}),
                label=f"Set {key} of {rel}",
            )
        )
        if not result.applied:
            raise RequestFailed(f"the editor did not change {target_rel}: {result.failure_reason}")
        return {"uri": client_uri, "key": key, "applied": True}
