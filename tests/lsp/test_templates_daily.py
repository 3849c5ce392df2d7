"""Templates and daily notes end to end: ``codex.createNote`` with a template,
``codex.templates``, ``codex.daily`` (today, dates, offsets, neighbours, weeks) and the
``[[today]]`` completion items (docs/templates.md)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from lsp_session import Session, codes, start_session, stop_session
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from schema_notebook import make_notebook

EXPERIMENT = """\
---
codex-template:
  type: experiment
  folder: experiments
  name: "EXP-{{seq:2}} {{title}}"
  description: A wet-lab run
title: {{title}}
---
# {{title}}

## Aim
${1:What this run shows}

{{cursor}}
"""
DAY = """\
---
title: {{date:dddd D MMMM YYYY}}
tags: [daily]
---
# {{date:dddd}}
"""
PROTOCOL = "---\ncodex-template: {type: protocol}\n---\n# {{title}} by {{author}}\n"
SETTINGS = {"daily": {"folder": "journal", "template": "day"}, "weekly": {"folder": "weeks"}}


@pytest_asyncio.fixture
async def session(tmp_path: Path, profile: str) -> AsyncIterator[Session]:
    root = make_notebook(tmp_path / "notebook")
    templates = root / ".codex" / "templates"
    templates.mkdir()
    for name, text in (("experiment", EXPERIMENT), ("day", DAY), ("protocol", PROTOCOL)):
        (templates / f"{name}.md").write_text(text, encoding="utf-8")
    (root / "experiments" / "EXP-07 Older run.md").write_text("# Older\n", encoding="utf-8")
    started = await start_session(root, profile, SETTINGS)
    yield started
    await stop_session(started)


async def test_create_note_from_a_template_with_tab_stops(session: Session) -> None:
    result = await session.command(
        "codex.createNote", {"title": "Gel run", "template": "experiment"}
    )
    assert result["created"] is True
    assert result["path"] == "experiments/EXP-08 Gel run.md"
    assert result["template"] == "experiment"
    today = _dt.date.today().isoformat()
    text = session.read(result["path"])
    assert text == (
        f"---\ntitle: Gel run\nstatus: planned\ndate: {today}\n---\n"
        "# Gel run\n\n## Aim\nWhat this run shows\n\n\n"
    )
    assert result["snippet"] == (
        f"---\ntitle: Gel run\nstatus: planned\ndate: {today}\n---\n"
        "# Gel run\n\n## Aim\n${1:What this run shows}\n\n$0\n"
    )
    uri = session.open(result["path"])
    assert codes(await session.wait_for_diagnostics(uri)) == []


async def test_a_type_picks_its_one_template(session: Session) -> None:
    result = await session.command("codex.createNote", {"title": "Lysis", "type": "protocol"})
    assert (result["path"], result["template"]) == ("protocols/Lysis.md", "protocol")
    text = session.read(result["path"])
    assert text.startswith('---\nversion: ""\n---\n# Lysis by ')
    assert "snippet" not in result


async def test_templates_are_listed_and_filtered(session: Session) -> None:
    listed = await session.command("codex.templates", {})
    assert [t["name"] for t in listed] == ["day", "experiment", "protocol"]
    experiment = listed[1]
    assert experiment["type"] == "experiment"
    assert experiment["folder"] == "experiments"
    assert experiment["pattern"] == "EXP-{{seq:2}} {{title}}"
    assert experiment["description"] == "A wet-lab run"
    assert experiment["uri"].endswith("/.codex/templates/experiment.md")
    typed = await session.command("codex.templates", {"type": "experiment"})
    assert [t["name"] for t in typed] == ["experiment"]


async def test_an_unknown_template_is_refused(session: Session) -> None:
    with pytest.raises(JsonRpcException, match="no template 'nope'"):
        await session.command("codex.createNote", {"title": "x", "template": "nope"})


async def test_today_is_created_once_from_the_daily_template(session: Session) -> None:
    today = _dt.date.today()
    first = await session.command("codex.daily", {})
    assert first["path"] == f"journal/{today.isoformat()}.md"
    assert (first["created"], first["date"]) == (True, today.isoformat())
    text = session.read(first["path"])
    weekday = today.strftime("%A")
    assert text == (
        f"---\ntitle: {weekday} {today.day} {today.strftime('%B')} {today.year}\n"
        f"tags: [daily]\n---\n# {weekday}\n"
    )
    again = await session.command("codex.daily", {"date": "today"})
    assert (again["path"], again["created"]) == (first["path"], False)


async def test_dates_offsets_and_neighbours(session: Session) -> None:
    today = _dt.date.today()
    tomorrow = await session.command("codex.daily", {"date": "tomorrow"})
    assert tomorrow["date"] == (today + _dt.timedelta(days=1)).isoformat()
    back = await session.command("codex.daily", {"offset": -3})
    assert back["date"] == (today - _dt.timedelta(days=3)).isoformat()
    fixed = await session.command("codex.daily", {"date": "2026-01-15", "offset": 1})
    assert fixed["path"] == "journal/2026-01-16.md"
    # Neighbours skip the days without a note.
    following = await session.command("codex.daily", {"relative": "next", "uri": back["uri"]})
    assert (following["path"], following["created"]) == (tomorrow["path"], False)
    before = await session.command("codex.daily", {"relative": "previous", "uri": back["uri"]})
    assert before["path"] == fixed["path"]
    with pytest.raises(JsonRpcException, match="no previous note"):
        await session.command("codex.daily", {"relative": "previous", "uri": fixed["uri"]})
    with pytest.raises(JsonRpcException, match="not a date"):
        await session.command("codex.daily", {"date": "someday"})


async def test_weekly_notes(session: Session) -> None:
    result = await session.command("codex.daily", {"period": "weekly", "date": "2026-12-02"})
    assert (result["path"], result["date"]) == ("weeks/2026-W49.md", "2026-11-30")
    assert session.read(result["path"]).startswith("---\ntitle: 2026-W49\n")


async def test_today_completion_links_to_the_daily_note(session: Session) -> None:
    today = _dt.date.today()
    found = await session.complete_at_end("experiments/Good run.md", "See [[tod")
    items = [item for item in found.items if item.label == "today"]
    assert len(items) == 1
    edit = items[0].text_edit
    assert isinstance(edit, types.TextEdit)
    assert edit.new_text == f"{today.isoformat()}]]"
    assert edit.range.start.character == len("See [[")
    weekday = (today + _dt.timedelta(days=3)).strftime("%A").lower()
    later = await session.complete_at_end("experiments/Good run.md", f"[[{weekday[:3]}")
    labels = [item.label for item in later.items]
    # Three days on and four days back fall on the same weekday.
    assert {f"next {weekday}", f"last {weekday}"} <= set(labels)
    nothing = await session.complete_at_end("experiments/Good run.md", "[[")
    assert "today" not in [item.label for item in nothing.items]
