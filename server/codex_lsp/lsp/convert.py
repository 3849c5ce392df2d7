"""Conversions between core plain data and lsprotocol types, and between paths and URIs."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from ..core.model import Position, Range, Severity


def lsp_range(r: Range) -> types.Range:
    """A core range as an LSP range."""
    return types.Range(
        types.Position(r.start.line, r.start.character),
        types.Position(r.end.line, r.end.character),
    )


def core_position(p: types.Position) -> Position:
    """An LSP position as a core position."""
    return Position(p.line, p.character)


def path_to_uri(path: Path) -> str:
    """``file://`` URI of an absolute path."""
    return from_fs_path(str(path)) or path.as_uri()


def uri_to_path(uri: str) -> Path | None:
    """Absolute path of a ``file://`` URI; None for other schemes."""
    fs_path = to_fs_path(uri)
    return Path(fs_path) if fs_path and uri.startswith("file:") else None


ZERO_RANGE = types.Range(types.Position(0, 0), types.Position(0, 0))

SEVERITIES = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


def lsp_severity(severity: Severity | str) -> types.DiagnosticSeverity:
    """The LSP severity for a core severity or a setting value."""
    value = severity.value if isinstance(severity, Severity) else severity
    return SEVERITIES.get(value, types.DiagnosticSeverity.Warning)
