"""Frontmatter schemas in the editor: diagnostics, completion, hover and quick fixes.

The rules are in docs/schema.md; the checking itself is pure (``core/schema*.py``). This
module translates: :func:`schema_provider` (``storage/schema_problems.py``) is a producer of
problems for the diagnostics publisher, and :func:`schema_completion`, :func:`schema_hover`
and :func:`schema_actions` are the host's completion, hover and code-action providers.

Editing ``.codex/schema.yaml`` puts the buffer in place of the file at once: every open file,
the schema file included, is checked again immediately (``index_changed``),
and after a short quiet period the whole notebook is validated again in the background (an
empty index update, which re-runs :func:`~codex_lsp.storage.schema_store.sync_schema`).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ...core.syntax import is_note_name
from ..convert import core_position, lsp_range
from ..feature import Feature
from ..server import CodexServer, Document

if TYPE_CHECKING:
    import sqlite3

    from ...core.problems import NoteProblem
    from ...core.resolve import Catalog
    from ...core.schema.compile import NotebookSchema, NoteType
    from ...storage.notebooks import Notebook
    from ...storage.service import NotebookService

log = logging.getLogger(__name__)

REVALIDATE_DELAY = 0.3


# -- diagnostics --------------------------------------------------------------------------------


def _schema_of(notebook: Notebook, conn: sqlite3.Connection | None) -> NotebookSchema | None:
    from ...storage.schema_store import schema_source

    return schema_source(notebook).state(conn).schema


async def _current_schema(notebook: Notebook) -> NotebookSchema | None:
    """The notebook's schema, read and compiled (when its text changed) off the event loop."""
    return await asyncio.to_thread(_schema_of, notebook, None)


# -- completion -------------------------------------------------------------------------------


def _closing_line(doc: Document) -> int | None:
    from ...core.frontmatter import find_frontmatter

    found = find_frontmatter(doc.text)
    if found is None:
        return None
    return doc.index.position(found[3]).line


def _note_type(
    schema: NotebookSchema, doc: Document, lines: Sequence[str], closing: int
) -> NoteType:
    from ...core.schema.assist import declared_type

    declared = declared_type(lines, closing)
    note_type, _ = schema.choose_type(doc.rel, {"type": declared} if declared else None)
    return note_type or schema.base


async def schema_completion(
    ls: CodexServer, doc: Document, position: types.Position
) -> types.CompletionList | None:
    """Property names and values from the note's schema; None when it has nothing to offer."""
    from ...core.fuzzy import fuzzy_score
    from ...core.resolve import strip_note_suffix
    from ...core.schema.assist import enum_values, field_context, is_link, json_types, yaml_value
    from ...storage import lookups

    if not is_note_name(doc.rel):
        return None
    closing = _closing_line(doc)
    if closing is None:
        return None
    lines = doc.text.split("\n")
    context = field_context(lines, position.line, position.character, closing)
    if context is None:
        return None
    if any(part in ("tags", "tag") for part in context.path[:1]) and context.slot != "key":
        return None  # the tag completion answers these
    schema = await _current_schema(doc.service.notebook)
    if schema is None or schema.empty:
        return None
    note_type = _note_type(schema, doc, lines, closing)
    edit_range = types.Range(types.Position(position.line, context.start), position)
    limit = ls.settings.completion_max_items
    if context.slot == "key":
        return _key_items(schema, note_type, context.path, context.present, edit_range)
    path = (*context.path, 0) if context.slot == "item" else context.path
    schemas = schema.schemas_at(note_type, path)
    if not schemas and not (len(path) == 1 and path[0] == "type"):
        return None
    items: list[types.CompletionItem] = []
    prefix = " " if context.needs_space else ""
    quote = context.quote

    def add(
        label: str,
        insert: Any,
        detail: str,
        kind: types.CompletionItemKind,
        doc_text: str | None = None,
    ) -> None:
        text = (
            (json_quoted_tail(insert, quote) if quote else yaml_value(insert))
            if not isinstance(insert, _Raw)
            else insert.text
        )
        items.append(
            types.CompletionItem(
                label=label,
                kind=kind,
                detail=detail,
                documentation=types.MarkupContent(types.MarkupKind.Markdown, doc_text)
                if doc_text
                else None,
                sort_text=f"{len(items):05d}",
                filter_text=label,
                text_edit=types.TextEdit(edit_range, prefix + (quote if quote else "") + text),
            )
        )

    if len(path) == 1 and path[0] == "type" and schema.types:
        for name, typed in schema.types.items():
            add(name, name, "note type", types.CompletionItemKind.Class, typed.description)
    for value in enum_values(schemas):
        add(str(yaml_value(value)), value, "enum value", types.CompletionItemKind.EnumMember)
    if "boolean" in json_types(schemas):
        for value in (True, False):
            add("true" if value else "false", value, "boolean", types.CompletionItemKind.Value)
    fmt = next((s.get("format") for s in schemas if isinstance(s.get("format"), str)), None)
    today = _dt.date.today()
    if fmt == "date":
        add(today.isoformat(), _Raw(today.isoformat()), "today", types.CompletionItemKind.Value)
    elif fmt == "date-time":
        now = _dt.datetime.now().astimezone().replace(microsecond=0).isoformat()
        add(now, _Raw(now), "now", types.CompletionItemKind.Value)
    default = next((s["default"] for s in schemas if "default" in s), None)
    if default is not None and all(i.label != str(yaml_value(default)) for i in items):
        add(str(yaml_value(default)), default, "default", types.CompletionItemKind.Value)
    if is_link(schemas):
        service = doc.service
        names = await ls.read(service, lookups.note_names)
        scored = []
        for entry in names:
            if not entry.is_note or entry.path == doc.rel:
                continue
            stem = strip_note_suffix(entry.path.rsplit("/", 1)[-1])
            score = fuzzy_score(context.query, stem)
            if score is not None:
                scored.append((score, stem, entry))
        scored.sort(key=lambda row: -row[0])
        for _, stem, entry in scored[:limit]:
            link = f"[[{stem}]]"
            text = f"{link}{quote}" if quote else f'"{link}"'
            add(stem, _Raw(text), f"{entry.title} — {entry.path}", types.CompletionItemKind.File)
        if len(scored) > limit:
            return types.CompletionList(is_incomplete=True, items=items)
    if not items:
        return None
    return types.CompletionList(is_incomplete=False, items=items)


class _Raw:
    """Text inserted as it is (already YAML)."""

    def __init__(self, text: str) -> None:
        self.text = text


def json_quoted_tail(value: Any, quote: str) -> str:
    """The rest of a value after an opening quote the user typed, closing it."""
    text = str(value) if not isinstance(value, bool) else str(value).lower()
    if quote == "'":
        return text.replace("'", "''") + "'"
    return text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _key_items(
    schema: NotebookSchema,
    note_type: NoteType,
    path: Sequence[Any],
    present: Sequence[str],
    edit_range: types.Range,
) -> types.CompletionList | None:
    from ...core.schema.assist import hover_markdown, summary

    objects = schema.schemas_at(note_type, path)
    names: dict[str, None] = {}
    required: set[str] = set()
    for item in objects:
        props = item.get("properties")
        if isinstance(props, Mapping):
            names.update(dict.fromkeys(str(k) for k in props))
        if isinstance(item.get("required"), list):
            required.update(str(r) for r in item["required"])
    ordered = [n for n in names if n in required] + [n for n in names if n not in required]
    items = []
    label = note_type.label
    for number, name in enumerate(ordered):
        if name in present:
            continue
        schemas = schema.schemas_at(note_type, [*path, name])
        item_schemas = schema.schemas_at(note_type, [*path, name, 0])
        text = summary(schemas, item_schemas)
        items.append(
            types.CompletionItem(
                label=name,
                kind=types.CompletionItemKind.Property,
                detail=f"{text}{' · required' if name in required else ''}",
                documentation=types.MarkupContent(
                    types.MarkupKind.Markdown,
                    hover_markdown(
                        name, schemas, item_schemas, required=name in required, type_label=label
                    ),
                ),
                sort_text=f"{number:05d}",
                filter_text=name,
                text_edit=types.TextEdit(edit_range, f"{name}: "),
            )
        )
    if not items:
        return None
    return types.CompletionList(is_incomplete=False, items=items)


# -- hover ------------------------------------------------------------------------------------


async def schema_hover(doc: Document, position: types.Position) -> types.Hover | None:
    """Description and type of the frontmatter key under the cursor."""
    from ...core.frontmatter import find_frontmatter
    from ...core.schema.assist import hover_markdown
    from ...core.schema.positions import NodeLocator

    if not is_note_name(doc.rel):
        return None
    found = find_frontmatter(doc.text)
    if found is None:
        return None
    _, _, yaml_start, yaml_end = found
    start, end = doc.index.position(yaml_start), doc.index.position(yaml_end)
    if not (start.line <= position.line < end.line):
        return None
    locator = NodeLocator(doc.text, yaml_start, yaml_end, index=doc.index)
    at = locator.path_at(core_position(position))
    if at is None or not at[1]:
        return None
    path = at[0]
    schema = await _current_schema(doc.service.notebook)
    if schema is None or schema.empty:
        return None
    lines = doc.text.split("\n")
    note_type = _note_type(schema, doc, lines, end.line)
    schemas = schema.schemas_at(note_type, path)
    if not schemas:
        return None
    parents = schema.schemas_at(note_type, path[:-1])
    key = str(path[-1])
    required = any(isinstance(p.get("required"), list) and key in p["required"] for p in parents)
    text = hover_markdown(
        key,
        schemas,
        schema.schemas_at(note_type, [*path, 0]),
        required=required,
        type_label=note_type.label,
    )
    key_range = locator.key_range(path)
    return types.Hover(
        types.MarkupContent(types.MarkupKind.Markdown, text),
        lsp_range(key_range) if key_range else None,
    )


# -- quick fixes ------------------------------------------------------------------------------


async def schema_actions(
    doc: Document, diagnostics: Sequence[types.Diagnostic]
) -> list[types.CodeAction]:
    """Quick fixes for schema diagnostics (their ``data.schema`` says what to do)."""
    from ...core.schema.assist import (
        frontmatter_block,
        insert_properties,
        placeholder,
        remove_key_range,
        replacement_text,
        yaml_value,
    )

    wanted = [
        (d, d.data["schema"])
        for d in diagnostics
        if isinstance(d.data, dict) and isinstance(d.data.get("schema"), dict)
    ]
    if not wanted:
        return []
    schema = await _current_schema(doc.service.notebook)
    found: list[types.CodeAction] = []
    titles: set[str] = set()
    today = _dt.date.today()

    def offer(
        title: str,
        diagnostic: types.Diagnostic,
        edits: list[types.TextEdit],
        preferred: bool = False,
    ) -> None:
        if title in titles or not edits:
            return
        titles.add(title)
        found.append(
            types.CodeAction(
                title=title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                is_preferred=preferred or None,
                edit=types.WorkspaceEdit(changes={doc.uri: edits}),
            )
        )

    for diagnostic, data in wanted:
        kind = data.get("kind")
        if kind == "required" and schema is not None and not data.get("path"):
            note_type = schema.type_named(str(data.get("type") or ""))
            key = str(data.get("key"))
            missing = [str(k) for k in data.get("missing", [key])]
            for keys, title in (
                (missing, f"Add missing properties: {', '.join(missing)}"),
                ([key], f"Add missing property '{key}'"),
            ):
                if len(keys) == 1 and title.startswith("Add missing properties"):
                    continue
                entries = [(k, placeholder(schema.schemas_at(note_type, [k]), today)) for k in keys]
                edit = insert_properties(doc.text, entries)
                if edit is not None:
                    offer(
                        title,
                        diagnostic,
                        [types.TextEdit(lsp_range(edit[0]), edit[1])],
                        preferred=len(keys) == len(missing),
                    )
        elif kind == "no-frontmatter" and schema is not None:
            note_type = schema.type_named(str(data.get("type") or ""))
            keys = [str(k) for k in data.get("keys", [])]
            entries = [(k, placeholder(schema.schemas_at(note_type, [k]), today)) for k in keys]
            zero = types.Range(types.Position(0, 0), types.Position(0, 0))
            offer(
                f"Insert frontmatter for {note_type.label}",
                diagnostic,
                [types.TextEdit(zero, frontmatter_block(doc.text, entries))],
                preferred=True,
            )
        elif kind == "replace" and data.get("suggestion") is not None:
            index = doc.index
            rng = diagnostic.range
            original = doc.text[
                index.offset(core_position(rng.start)) : index.offset(core_position(rng.end))
            ]
            new_text = replacement_text(original, data["suggestion"])
            offer(
                f"Replace with '{data['suggestion']}'",
                diagnostic,
                [types.TextEdit(rng, new_text)],
                preferred=True,
            )
        elif kind == "unknown":
            key = str(data.get("key"))
            path = [p for p in data.get("path", []) if isinstance(p, (str, int))]
            suggestion = data.get("suggestion")
            if isinstance(suggestion, str):
                offer(
                    f"Rename to '{suggestion}'",
                    diagnostic,
                    [types.TextEdit(diagnostic.range, yaml_value(suggestion))],
                    preferred=True,
                )
            removal = remove_key_range(doc.text, path, key)
            if removal is not None:
                offer(
                    f"Remove property '{key}'",
                    diagnostic,
                    [types.TextEdit(lsp_range(removal), "")],
                    preferred=suggestion is None,
                )
    return found


# -- life cycle -------------------------------------------------------------------------------


def _schema_service(ls: CodexServer, uri: str) -> NotebookService | None:
    """The notebook whose ``.codex/schema.yaml`` is ``uri``, if it is one."""
    from ...core.schema.compile import SCHEMA_PATH

    where = ls.locate(uri)
    if where is None or where.rel != SCHEMA_PATH:
        return None
    return where.service


def schema_provider(
    conn: sqlite3.Connection, notebook: Notebook, rel: str, text: str, catalog: Catalog
) -> list[NoteProblem]:
    """The schema's problems of one file, for the diagnostics publisher."""
    from ...storage.schema_problems import schema_problems

    return schema_problems(conn, notebook, rel, text, catalog)


class Schema(Feature):
    """Schema problems, completion, hover and quick fixes as providers; reacts to schema
    edits; publishes the schema file's problems while it is closed (open, it is a file like
    any other)."""

    def __init__(self, server: CodexServer) -> None:
        super().__init__(server)
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.published: dict[str, str] = {}

    def setup(self) -> None:
        """Provide schema problems, completion, hover and quick fixes."""
        providers = self.server.providers
        providers.problems.append(schema_provider)
        providers.completion.append(self.completion)
        providers.hover.append(self.hover)
        providers.actions.append(self.actions)

    async def completion(
        self, doc: Document, position: types.Position
    ) -> types.CompletionList | None:
        """Frontmatter property names and values; None elsewhere."""
        return await schema_completion(self.server, doc, position)

    async def hover(self, doc: Document, position: types.Position) -> types.Hover | None:
        """A frontmatter key's description; None elsewhere."""
        return await schema_hover(doc, position)

    async def actions(
        self,
        doc: Document,
        diagnostics: Sequence[types.Diagnostic],
        only: Sequence[str] | None,
        selection: types.Range,
    ) -> list[types.CodeAction]:
        """Quick fixes of schema diagnostics."""
        return await schema_actions(doc, diagnostics)

    async def publish_file(self, service: NotebookService) -> None:
        """Push the closed schema file's problems (read and compiled off the event loop),
        unless notebook-wide diagnostics already report it."""
        from ...core.schema.compile import SCHEMA_PATH
        from ...storage.schema_problems import schema_file_problems
        from ...storage.schema_store import schema_source
        from ..diagnostic_convert import digest, to_diagnostics

        server = self.server
        uri = server.uri_of(service, SCHEMA_PATH)
        if server.open_document(uri) is not None:
            return
        notebook_wide = server.settings.diagnostics_scope == "notebook"
        notebook = service.notebook

        def build() -> list[NoteProblem]:
            text = schema_source(notebook).read_text()
            return [] if text is None or notebook_wide else schema_file_problems(notebook, text)

        problems = await asyncio.to_thread(build)
        if server.open_document(uri) is not None:
            return  # opened meanwhile: the diagnostics publisher answers for it
        diagnostics = to_diagnostics(
            problems, server.settings.diagnostics, lambda rel: server.uri_of(service, rel)
        )
        fingerprint = digest(diagnostics)
        if self.published.get(uri, digest([])) == fingerprint:
            return
        self.published[uri] = fingerprint
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)
        )

    def schema_changed(self, service: NotebookService) -> None:
        """Check open notes now, and the notebook after a quiet period."""
        server = self.server
        server.index_changed(service)
        key = str(service.notebook.root)
        handle = self.timers.pop(key, None)
        if handle is not None:
            handle.cancel()

        def fire() -> None:
            self.timers.pop(key, None)
            server.run_task(
                server.update_notebook(service, []), name=f"validating {key} against its schema"
            )

        self.timers[key] = asyncio.get_running_loop().call_later(REVALIDATE_DELAY, fire)

    def on_open(self, uri: str) -> None:
        """An opened schema file's buffer stands in for the file."""
        self._buffer_changed(uri)

    def on_change(self, uri: str, cursor: types.Position | None) -> None:
        """An edited schema file's buffer stands in for the file."""
        self._buffer_changed(uri)

    def _buffer_changed(self, uri: str) -> None:
        from ...core.schema.compile import SCHEMA_PATH
        from ...storage.schema_store import schema_source
        from ..diagnostic_convert import digest

        server = self.server
        service = _schema_service(server, uri)
        if service is None:
            return
        if self.published.pop(server.uri_of(service, SCHEMA_PATH), None) not in (None, digest([])):
            # What was pushed for the closed file must not stay beside the open file's own.
            server.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )
        open_doc = server.open_document(uri)
        text = open_doc.source if open_doc is not None else None
        if schema_source(service.notebook).set_buffer(text):
            self.schema_changed(service)

    def on_close(self, uri: str) -> None:
        """A closed schema file: the disk is the schema again."""
        from ...core.schema.compile import SCHEMA_PATH
        from ...storage.schema_store import schema_source

        server = self.server
        service = _schema_service(server, uri)
        if service is None:
            return
        self.published.pop(server.uri_of(service, SCHEMA_PATH), None)
        if schema_source(service.notebook).set_buffer(None):
            self.schema_changed(service)
        else:
            self._publish_soon(service)

    def on_index_changed(self, service: NotebookService) -> None:
        """Publish the closed schema file's problems again."""
        self._publish_soon(service)

    def _publish_soon(self, service: NotebookService) -> None:
        self.server.run_task(
            self.publish_file(service), name=f"schema problems of {service.notebook.root}"
        )
