"""Every file's problems as the index holds them: what ``codex-lsp check`` reports, as
:class:`~codex_lsp.core.problems.NoteProblem` values grouped by file (for notebook-wide
diagnostics of notes that are not open)."""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from ..core.model import Position, Range, Severity
from ..core.problems import SCHEMA_SETTING, NoteProblem, setting_for_code
from .queries import Issue, link_issues, stored_problems
from .schema_store import stored_schema_problems


def notebook_problems(conn: sqlite3.Connection) -> dict[str, list[NoteProblem]]:
    """The problems of every live file with any, by notebook-relative path."""
    by_path: dict[str, list[NoteProblem]] = defaultdict(list)
    plain = set(link_issues(conn))
    for issue in link_issues(conn, strict=True):
        setting = setting_for_code(issue.code)
        if issue.code == "link-ambiguous" and issue not in plain:
            setting = "ambiguous_resolved_links"  # only ``strict`` reports it
        by_path[issue.path].append(_problem(issue, setting))
    for issue in stored_problems(conn):
        by_path[issue.path].append(_problem(issue, setting_for_code(issue.code)))
    for issue in stored_schema_problems(conn):
        by_path[issue.path].append(_problem(issue, SCHEMA_SETTING))
    return dict(by_path)


def _problem(issue: Issue, setting: str) -> NoteProblem:
    try:
        severity = Severity(issue.severity)
    except ValueError:
        severity = Severity.WARNING
    return NoteProblem(
        issue.code,
        issue.message,
        Range(Position(issue.line, issue.character), Position(issue.end_line, issue.end_character)),
        setting,
        severity,
        issue.related,
    )
