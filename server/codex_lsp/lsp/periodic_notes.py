"""Names of periodic notes, and the ``[[today]]`` completion items note completion adds
(docs/templates.md)."""

from __future__ import annotations

import datetime as _dt
import posixpath
from typing import TYPE_CHECKING

from lsprotocol import types

from ..core.completion_rank import snippet_text
from ..core.dates import BadFormat, Period, format_date, relative_name
from .requests import RequestFailed

if TYPE_CHECKING:
    from ..core.completion_context import CompletionContext
    from .periodic_settings import PeriodSettings
    from .server import CodexServer

DAYS_AROUND = 7  # completion offers the days a week either side of today


def note_name(settings: PeriodSettings, day: _dt.date) -> str:
    """The notebook-relative path, without ``.md``, of the note of the period starting ``day``."""
    try:
        name = format_date(day, settings.format)
    except BadFormat as exc:
        raise RequestFailed(str(exc)) from None
    return f"{settings.folder}/{name}" if settings.folder else name


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
