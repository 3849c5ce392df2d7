"""Problems of one note as plain values: the link producer and the parse problems.

A producer returns :class:`NoteProblem` values; it knows nothing of LSP or settings. Each
problem names the setting (``DiagnosticSettings`` field) that decides its severity, so the
adapter can turn it into a diagnostic, or hide it, without knowing how it was found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .model import Link, ParsedNote, Position, Range, Severity
from .resolve import Catalog, LinkStatus, effective_target, has_clear_winner, resolve_written

# Parse problems whose severity has a setting of its own; every other code uses ``other``.
_PARSE_SETTING = {
    "yaml-invalid": "yaml_errors",
    "yaml-not-mapping": "yaml_errors",
    "duplicate-block-id": "duplicate_block_ids",
}
# The setting of a problem stored by the index, by its code (``link-ambiguous`` with a clear
# winner uses ``ambiguous_resolved_links``; the producer decides that).
_LINK_SETTING = {
    "link-broken": "broken_links",
    "link-broken-anchor": "broken_anchors",
    "link-ambiguous": "ambiguous_links",
}
SCHEMA_SETTING = "schema"
FIXED_SETTING = ""
"""A problem whose own severity is always used (no setting hides it)."""


@dataclass(frozen=True, slots=True)
class NoteProblem:
    """One problem of one file, ready to be shown.

    ``setting`` is the ``DiagnosticSettings`` field that decides its severity (``schema``
    maps the producer's ``severity`` through the schema setting; ``""`` keeps ``severity``);
    ``related`` are notebook-relative paths; ``data`` is what a quick fix needs.
    """

    code: str
    message: str
    range: Range
    setting: str
    severity: Severity = Severity.ERROR
    related: tuple[str, ...] = ()
    data: Mapping[str, Any] | None = None


def setting_for_code(code: str) -> str:
    """The setting of a problem known only by its code (as the index stores them)."""
    return _LINK_SETTING.get(code) or _PARSE_SETTING.get(code, "other")


def link_problems(note: ParsedNote, rel: str, catalog: Catalog) -> list[NoteProblem]:
    """Broken, broken-anchor and ambiguous links of ``note`` (written in ``rel``)."""
    found = []
    for link in note.links:
        problem = _link_problem(link, rel, catalog)
        if problem is not None:
            found.append(problem)
    return found


def parse_problems(note: ParsedNote) -> list[NoteProblem]:
    """Problems found while parsing ``note`` (bad YAML, duplicate block ids, ...)."""
    return [
        NoteProblem(
            p.code,
            p.message,
            p.range,
            _PARSE_SETTING.get(p.code, "other"),
            p.severity,
            p.related,
        )
        for p in note.problems
    ]


def held_back(problem: NoteProblem, cursor: Position | None) -> bool:
    """True for a broken link the user is still typing: the cursor (the end of the last edit)
    lies strictly inside it, as in ``[[Intern|]]`` with an editor's auto-closed brackets.

    The link is reported once the cursor leaves it (an edit elsewhere), it is closed by
    typing ``]]`` (the cursor then sits after it), or the note is saved.
    """
    if cursor is None or problem.code not in ("link-broken", "link-broken-anchor"):
        return False
    return problem.range.start < cursor < problem.range.end


def _link_problem(link: Link, rel: str, catalog: Catalog) -> NoteProblem | None:
    result = resolve_written(link, rel, catalog)
    target, anchor, is_block = effective_target(link, result)
    data: dict[str, Any] = {
        "target": target,
        "anchor": anchor,
        "isBlock": is_block,
        "status": result.status.value,
    }
    related: tuple[str, ...] = ()
    if result.status is LinkStatus.BROKEN:
        setting = "broken_links"
        message = f"Broken link: no note or file named '{target}'"
    elif result.status is LinkStatus.BROKEN_ANCHOR:
        setting = "broken_anchors"
        what = "block" if is_block else "heading"
        message = f"Broken link: {target or 'this note'} has no {what} '{anchor}'"
        data["targetPath"] = result.target
    elif result.status is LinkStatus.AMBIGUOUS:
        clear = has_clear_winner(result.target, result.candidates, rel)
        setting = "ambiguous_resolved_links" if clear else "ambiguous_links"
        message = (
            f"Ambiguous link: '{target}' matches {len(result.candidates)} files; "
            f"using {result.target}"
        )
        data["candidates"] = list(result.candidates)
        related = tuple(result.candidates)
    else:
        return None
    return NoteProblem(
        f"link-{result.status.value}",
        message,
        link.range,
        setting,
        Severity.WARNING if result.status is LinkStatus.AMBIGUOUS else Severity.ERROR,
        related,
        data,
    )
