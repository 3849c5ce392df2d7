"""Daily, weekly and monthly notes: ``codex.daily`` (docs/templates.md, docs/protocol.md);
the ``[[today]]`` items are ``lsp/periodic_notes.py``'s, added by note completion."""

from __future__ import annotations

import datetime as _dt
import posixpath
from typing import TYPE_CHECKING, Any

from ...core.dates import Period, name_pattern, parse_date, period_start, read_name, shift
from ...core.resolve import strip_note_suffix
from ..feature import Feature, command
from ..note_creation import create_note
from ..periodic_notes import note_name
from ..requests import InvalidParams, RequestFailed, command_argument, optional_field

if TYPE_CHECKING:
    from ..periodic_settings import PeriodSettings
    from ..server import CodexServer


def _period(arg: dict[str, Any]) -> Period:
    value = optional_field(arg, "period", str, '"daily", "weekly" or "monthly"') or "daily"
    try:
        return Period(value)
    except ValueError:
        raise InvalidParams('period must be "daily", "weekly" or "monthly"') from None


class Daily(Feature):
    """``codex.daily``: open or create the note of a day, week or month, or go to a
    neighbouring one."""

    @command("codex.daily")
    async def daily(self, *args: Any) -> dict[str, Any]:
        """The periodic note ``date``/``offset`` name, created when missing, or the existing
        neighbour ``relative`` names."""
        from ...storage.new_note import NoteRequest

        ls = self.server
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
        service = await ls.confine_notebook(
            optional_field(arg, "notebook", str, "a path or file URI")
        )
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
    from ...storage.periodic import dated_notes, neighbour, notes_under

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
