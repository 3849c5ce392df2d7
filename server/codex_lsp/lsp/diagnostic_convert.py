"""Problems (``core/problems.py`` values) as LSP diagnostics, with the user's severities."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from lsprotocol import types

from ..core.model import Severity
from ..core.problems import FIXED_SETTING, SCHEMA_SETTING, NoteProblem
from .convert import ZERO_RANGE, lsp_range, lsp_severity
from .settings import DiagnosticSettings

SOURCE = "codex"


def severity_of(
    problem: NoteProblem, settings: DiagnosticSettings
) -> types.DiagnosticSeverity | None:
    """The severity a problem is shown with; None when its setting is ``off``."""
    if problem.setting == FIXED_SETTING:
        return lsp_severity(problem.severity)
    value = str(getattr(settings, problem.setting, settings.other))
    if value == "off":
        return None
    if problem.setting != SCHEMA_SETTING:
        return lsp_severity(value)
    # The schema setting is the ceiling of what a schema's own severities become.
    if problem.severity is Severity.ERROR:
        return lsp_severity(value)
    if problem.severity is Severity.WARNING and value == "error":
        return types.DiagnosticSeverity.Warning
    return lsp_severity(value if value != "error" else problem.severity.value)


def to_diagnostic(
    problem: NoteProblem, settings: DiagnosticSettings, uri_of: Callable[[str], str]
) -> types.Diagnostic | None:
    """One problem as a diagnostic (``uri_of`` maps related notebook paths to URIs)."""
    severity = severity_of(problem, settings)
    if severity is None:
        return None
    related = None
    if problem.code == "link-ambiguous" and problem.related:
        related = [
            types.DiagnosticRelatedInformation(
                types.Location(uri_of(candidate), ZERO_RANGE), f"candidate: {candidate}"
            )
            for candidate in problem.related
        ]
    return types.Diagnostic(
        range=lsp_range(problem.range),
        message=problem.message,
        severity=severity,
        code=problem.code,
        source=SOURCE,
        related_information=related,
        data=dict(problem.data) if problem.data is not None else None,
    )


def to_diagnostics(
    problems: Sequence[NoteProblem], settings: DiagnosticSettings, uri_of: Callable[[str], str]
) -> list[types.Diagnostic]:
    """The diagnostics of some problems, those set to ``off`` left out."""
    found = (to_diagnostic(p, settings, uri_of) for p in problems)
    return [d for d in found if d is not None]


def digest(diagnostics: Sequence[types.Diagnostic]) -> str:
    """A short fingerprint of what a client would be shown (equal lists, equal digests)."""
    text = repr(
        [
            (d.range, d.code, d.message, d.severity, d.data, d.related_information)
            for d in diagnostics
        ]
    )
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()
