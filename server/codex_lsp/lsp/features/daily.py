"""Daily, weekly and monthly notes: ``codex.daily``, and the ``[[today]]`` completion items
(docs/templates.md, docs/protocol.md)."""

from __future__ import annotations

import datetime as _dt
import posixpath
from typing import Any

from lsprotocol import types

from ...core.completion_context import CompletionContext
from ...core.completion_rank import snippet_text
from ...core.dates import (
    BadFormat,
    Period,
    format_date,
    name_pattern,
    parse_date,
    period_start,
    read_name,
    relative_name,
    shift,
)
from ...core.resolve import strip_note_suffix
from ...storage.new_note import NoteRequest
from ...storage.periodic import dated_notes, neighbour, notes_under
from ..periodic_settings import PeriodSettings
from ..requests import InvalidParams, RequestFailed, command_argument, optional_field
from ..server import CodexServer
from .new_notes import choose_notebook, create_note

DAYS_AROUND = 7  # completion offers the days a week either side of today


def _period(arg: dict[str, Any]) -> Period:
    value = optional_field(arg, "period", str, '"daily", "weekly" or "monthly"') or "daily"
    try:
        return Period(value)
    except ValueError:
        raise InvalidParams('period must be "daily", "weekly" or "monthly"') from None


def note_name(settings: PeriodSettings, day: _dt.date) -> str:
    """The notebook-relative path, without ``.md``, of the note of the period starting ``day``."""
    try:
        name = format_date(day, settings.format)
    except BadFormat as exc:
        raise RequestFailed(str(exc)) from None
    return f"{settings.folder}/{name}" if settings.folder else name


def register(server: CodexServer) -> None:
    """Register ``codex.daily``."""

    @server.command("codex.daily")
    async def daily(ls: CodexServer, *args: Any) -> dict[str, Any]:
        arg = command_argument(args)
        period = _period(arg)
        settings = ls.settings.periodic.of(period)
        relative = optional_field(arg, "relative", str, '"next" or "previous"')
        if relative is not None:
            return await _neighbour(ls, arg, settings, relative)
        phrase = optional_field(arg, "date", str, "a date or a phrase such as 'next monday'")
        offset = optional_field(arg, "offset", int, "an integer")
        today = _dt.date.today()
        day = parse_date(phrase, today) if phrase is not None else today
        if day is None:
            raise RequestFailed(f"'{phrase}' is not a date this server reads (docs/templates.md)")
        try:
            start = period_start(shift(day, period, offset or 0), period)
        except (ValueError, OverflowError) as exc:
            raise RequestFailed(f"offset: {exc}") from None
        service = choose_notebook(ls, optional_field(arg, "notebook", str, "a path or file URI"))
        name = note_name(settings, start)
        now = _dt.datetime.combine(start, _dt.datetime.now().time())
        request = NoteRequest(
            title=posixpath.basename(name),
            folder=posixpath.dirname(name),
            template=settings.template,
            clipboard=optional_field(arg, "clipboard", str, "a string") or "",
            now=now,
            name=posixpath.basename(name),
        )
        answer = await create_note(ls, service, request)
        return {**answer, "date": start.isoformat()}


async def _neighbour(
    ls: CodexServer, arg: dict[str, Any], settings: PeriodSettings, relative: str
) -> dict[str, Any]:
    """The existing periodic note after or before the one at ``arg["uri"]``."""
    if relative not in ("next", "previous"):
        raise InvalidParams('relative must be "next" or "previous"')
    uri = optional_field(arg, "uri", str, "a file URI")
    if uri is None:
        raise InvalidParams("uri must be a file URI (the note to start from)")
    where = await ls.confine(uri)
    prefix = f"{settings.folder}/" if settings.folder else ""
    pattern = name_pattern(settings.format)
    if pattern is None:
        raise RequestFailed(f"notes named by '{settings.format}' cannot be read back as dates")
    if not where.rel.startswith(prefix):
        raise RequestFailed(f"{where.rel} is not in the periodic notes' folder '{prefix}'")
    day = read_name(pattern, strip_note_suffix(where.rel[len(prefix) :]))
    if day is None:
        raise RequestFailed(f"{where.rel} is not named by the format '{settings.format}'")
    service = where.service
    paths = await ls.read(service, lambda conn: notes_under(conn, settings.folder))
    found = neighbour(dated_notes(paths, settings.folder, settings.format), day, relative == "next")
    if found is None:
        side = "after" if relative == "next" else "before"
        raise RequestFailed(f"no {relative} note {side} {where.rel}")
    chosen, path = found
    return {
        "uri": ls.uri_of(service, path),
        "path": path,
        "created": False,
        "date": chosen.isoformat(),
    }


def day_items(
    ls: CodexServer, context: CompletionContext, position: types.Position, snippets: bool
) -> list[types.CompletionItem]:
    """Completion items linking to the daily notes of the days around today whose relative
    name (``today``, ``next friday``) has a word starting with what is typed after ``[[``."""
    query = context.query.strip().lower()
    if not query:
        return []
    settings = ls.settings.periodic.of(Period.DAY)
    today = _dt.date.today()
    edit_range = types.Range(types.Position(position.line, context.start), position)
    items: list[types.CompletionItem] = []
    for delta in range(-DAYS_AROUND, DAYS_AROUND + 1):
        day = today + _dt.timedelta(days=delta)
        label = relative_name(day, today)
        matched = _matched_word(label, query) if label is not None else None
        if label is None or matched is None:
            continue
        try:
            name = posixpath.basename(format_date(day, settings.format))
        except BadFormat:
            return []
        text = name + ("" if context.closed else "]]")
        items.append(
            types.CompletionItem(
                label=label,
                label_details=types.CompletionItemLabelDetails(description=name),
                kind=types.CompletionItemKind.Event,
                detail=f"daily note {name}",
                # Starts with what is typed, for clients that filter by prefix (Neovim).
                filter_text=f"{label[matched:]} {label}: {name}" if matched else f"{label}: {name}",
                sort_text=f"!{len(items):02d}",
                text_edit=types.TextEdit(edit_range, snippet_text(text) if snippets else text),
                insert_text_format=types.InsertTextFormat.Snippet if snippets else None,
            )
        )
    return items


def _matched_word(label: str, query: str) -> int | None:
    """Where the word of ``label`` that ``query`` starts begins (the label itself first)."""
    if label.startswith(query):
        return 0
    at = 0
    for word in label.split(" "):
        if word.startswith(query):
            return at
        at += len(word) + 1
    return None
