"""Markdown task items (``- [ ]``, ``- [x]``) of a note, with their inline fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_TASK = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+\[([ xX])\][ \t]+(.*)$")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_BRACKET_FIELD = re.compile(r"[\[(]([A-Za-z][\w -]{0,40}?)::[ \t]*([^\])]*)[\])]")
_BARE_FIELD = re.compile(r"(?:^|[ \t])([A-Za-z][\w-]{0,40})::[ \t]*(\S+)")


@dataclass(slots=True)
class Task:
    """One task item: its text (fields included), whether done, its 0-based line, its fields."""

    text: str
    done: bool
    line: int
    fields: dict[str, Any] = field(default_factory=dict)


def inline_fields(text: str) -> dict[str, Any]:
    """Dataview-style inline fields: ``[due:: 2026-12-10]``, ``(due:: x)`` or ``due:: x``."""
    out: dict[str, Any] = {}
    for m in _BRACKET_FIELD.finditer(text):
        out.setdefault(m.group(1).strip(), m.group(2).strip())
    for m in _BARE_FIELD.finditer(_BRACKET_FIELD.sub(" ", text)):
        out.setdefault(m.group(1), m.group(2))
    return out


def tasks_of(text: str) -> list[Task]:
    """The task items of a note's text, outside fenced code blocks."""
    out: list[Task] = []
    fence: str | None = None
    for number, line in enumerate(text.split("\n")):
        line = line.rstrip("\r")
        fm = _FENCE.match(line)
        if fm is not None:
            marker = fm.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence):
                fence = None
            continue
        if fence is not None or len(line) > 10_000:
            continue
        m = _TASK.match(line)
        if m is not None:
            body = m.group(2).strip()
            out.append(Task(body, m.group(1) != " ", number, inline_fields(body)))
    return out
