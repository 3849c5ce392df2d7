"""New notes (``codex.createNote``, daily notes, notes from links, ``codex-lsp new``): where
they go and their text, from a template and the schema. Blocking (reads templates, the schema,
a folder and git): callers run it off the event loop.

The one function every caller uses is :func:`plan_new_note`. The order of precedence
(docs/templates.md): the folder asked for, else the template's ``folder``, else the folder
of the type's first ``paths`` glob; the template's ``name`` pattern, else the title. The
template's frontmatter comes first; then the keys the note's type requires and lacks are
filled in, so the note starts valid.
"""

from __future__ import annotations

import datetime as _dt
import posixpath
import re
import uuid
from dataclasses import dataclass, field, replace

from ..core.names import BadName, check_folder
from ..core.schema.compile import NotebookSchema
from ..core.schema.template import required_additions, schema_note_text, with_properties
from ..core.template_vars import Values, escape_snippet, expand, expand_plain, variables_in
from ..core.templates import Template, new_note_text, next_seq, note_path, seq_pattern
from .notebooks import Notebook
from .schema_store import schema_source
from .templates import find_template, git_author, list_templates, stems_in

_GLOB_START = re.compile(r"[*?\[{]")


class NoteRefused(ValueError):
    """A new note that cannot be made as asked (the message says why)."""


@dataclass(frozen=True, slots=True)
class NoteRequest:
    """What the caller asks for; empty fields are chosen (see the module docstring)."""

    title: str
    folder: str | None = None
    template: str | None = None
    type: str | None = None
    clipboard: str = ""
    now: _dt.datetime = field(default_factory=_dt.datetime.now)
    name: str | None = None  # the file name, when the caller fixes it (a daily note's date)
    # No template named: take the one template made for the note's folder or type, if only
    # one is (a note made from a link, docs/linking.md).
    fit_template: bool = False


@dataclass(frozen=True, slots=True)
class NewNote:
    """A note to create: its notebook-relative path, text, and snippet of that text."""

    path: str
    text: str
    snippet: str | None  # the text with tab stops, when the template has any
    template: str | None  # the template used


def new_note_for(notebook: Notebook, path: str, title: str, today: _dt.date | None = None) -> str:
    """Text of a new note at notebook-relative ``path`` made without a template."""
    day = today or _dt.date.today()
    schema = _schema(notebook)
    if schema is None:
        return new_note_text(title, day)
    return schema_note_text(schema, path, title, day)


def fitting_templates(
    templates: list[Template], note_type: str | None, folder: str | None
) -> list[Template]:
    """The templates that fit a new note: those made for ``note_type`` when one is asked;
    else those whose ``folder`` starts with ``folder`` when one is asked (and those naming
    no folder); else all."""
    if note_type:
        return [t for t in templates if t.spec.type == note_type]
    if folder:
        return [
            t
            for t in templates
            if t.spec.folder is None or _literal_prefix(t.spec.folder).startswith(folder)
        ]
    return templates


def plan_new_note(notebook: Notebook, request: NoteRequest) -> NewNote:
    """The note ``request`` asks for; raises :class:`NoteRefused` saying why it cannot be."""
    title = request.title.strip()
    if not title:
        raise NoteRefused("title must be a non-empty string")
    template = _choose_template(notebook, request)
    schema = _schema(notebook)
    note_type = request.type or (template.spec.type if template else None)
    if request.type and schema is not None and request.type not in schema.types:
        raise NoteRefused(f"the schema has no note type '{request.type}'")
    used = variables_in(_template_text(template))
    values = Values(
        title=title,
        now=request.now,
        author=git_author(notebook.root) if "author" in used else "",
        uuid=str(uuid.uuid4()) if "uuid" in used else "",
        clipboard=request.clipboard,
    )
    folder = _folder(request, template, schema, note_type, values)
    values = replace(values, folder=folder)
    name = request.name or title
    if template is not None and template.spec.name and request.name is None:
        name, seq = _name(notebook, template.spec.name, folder, values)
        values = replace(values, seq=seq)
    try:
        path = note_path(folder, name)
    except BadName as exc:
        raise NoteRefused(f"'{name}' cannot be a note name: {exc}") from None
    today = request.now.date()
    if template is None:
        text = new_note_for(notebook, path, title, today)
        if note_type and schema is not None:
            text = with_properties(text, required_additions(schema, path, text, today, note_type))
        return NewNote(path, text, None, None)
    expanded = expand(template.body, values)
    text, snippet = expanded.text, expanded.snippet
    if schema is not None:
        added = required_additions(schema, path, text, today, note_type)
        text = with_properties(text, added)
        if snippet is not None:
            snippet = with_properties(snippet, added, escape_snippet)
    return NewNote(path, text, snippet, template.name)


def _template_text(template: Template | None) -> str:
    """Everything of a template its variables can appear in."""
    if template is None:
        return ""
    return "\n".join([template.body, template.spec.folder or "", template.spec.name or ""])


def _schema(notebook: Notebook) -> NotebookSchema | None:
    schema = schema_source(notebook).state().schema
    return None if schema is None or schema.empty else schema


def _choose_template(notebook: Notebook, request: NoteRequest) -> Template | None:
    """The template asked for by name; else the one template made for the type asked for."""
    if request.template:
        found = find_template(notebook, request.template)
        if found is None:
            raise NoteRefused(f"no template '{request.template}' in .codex/templates")
        if found.problem:
            raise NoteRefused(f"template '{found.name}': {found.problem}")
        return found
    if request.type:
        fitting = fitting_templates(list_templates(notebook), request.type, None)
        if len(fitting) == 1 and not fitting[0].problem:
            return fitting[0]
    if request.fit_template:
        return _made_for(notebook, request)
    return None


def _made_for(notebook: Notebook, request: NoteRequest) -> Template | None:
    """The one usable template whose ``folder`` is the request's folder or whose ``type`` is
    the type the schema gives a note there (None when none or several are)."""
    folder = (request.folder or "").strip("/")
    schema = _schema(notebook)
    note_type = None
    if schema is not None:
        try:
            probe = note_path(folder, request.name or request.title)
        except BadName:
            return None
        chosen, _ = schema.choose_type(probe, None)
        note_type = chosen.name if chosen is not None else None
    usable = [t for t in list_templates(notebook) if not t.problem]
    for fits in (
        lambda t: t.spec.folder is not None and t.spec.folder.strip("/") == folder,
        lambda t: note_type is not None and t.spec.type == note_type,
    ):
        found = [t for t in usable if fits(t)]
        if len(found) == 1:
            return found[0]
    return None


def _folder(
    request: NoteRequest,
    template: Template | None,
    schema: NotebookSchema | None,
    note_type: str | None,
    values: Values,
) -> str:
    if request.folder is not None:
        chosen = request.folder
    elif template is not None and template.spec.folder:
        chosen = expand_plain(template.spec.folder, values)
    elif note_type and schema is not None and note_type in schema.types:
        paths = schema.types[note_type].paths
        chosen = _literal_prefix(paths[0]) if paths else ""
    else:
        chosen = ""
    try:
        return check_folder(chosen)
    except BadName as exc:
        raise NoteRefused(f"folder must be inside the notebook: {exc}") from None


def _literal_prefix(glob: str) -> str:
    """The folder a glob starts with, before any wildcard (``experiments/**`` ->
    ``experiments``)."""
    match = _GLOB_START.search(glob)
    if match is None:
        return posixpath.dirname(glob)
    return posixpath.dirname(glob[: match.start()]).strip("/")


def _name(notebook: Notebook, pattern: str, folder: str, values: Values) -> tuple[str, int | None]:
    """The file name the template's ``name`` pattern makes, and its ``{{seq}}`` number
    (the next free one in ``folder``; None when the pattern has none)."""
    found = seq_pattern(pattern, lambda piece: expand_plain(piece, values))
    if found is None:
        return expand_plain(pattern, values), None
    seq = next_seq(found, stems_in(notebook, folder))
    return expand_plain(pattern, replace(values, seq=seq)), seq
