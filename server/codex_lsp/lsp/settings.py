"""Typed server settings (configuration section ``codex``), with defaults and validation.

Documented in docs/configuration.md. A bad value is reported and replaced by its default.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..core.attach_names import DEFAULT_FOLDER
from ..core.lfs import DEFAULT_MAX_KB
from .periodic_settings import PeriodicSettings, parse_periodic

SEVERITY_VALUES = ("error", "warning", "information", "hint", "off")
WATCHER_VALUES = ("auto", "client", "server", "off")
LOG_LEVELS = ("error", "warning", "info", "debug")
SCOPE_VALUES = ("openNotes", "notebook")


@dataclass(frozen=True, slots=True)
class DiagnosticSettings:
    """Severity of each kind of diagnostic ("off" hides it)."""

    broken_links: str = "error"
    broken_anchors: str = "error"
    ambiguous_links: str = "warning"
    ambiguous_resolved_links: str = "off"
    yaml_errors: str = "error"
    duplicate_block_ids: str = "warning"
    schema: str = "error"
    other: str = "warning"
    unlinked_mentions: str = "hint"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every ``codex.*`` setting."""

    diagnostics: DiagnosticSettings = field(default_factory=DiagnosticSettings)
    diagnostics_scope: str = "openNotes"
    completion_max_items: int = 50
    code_lens_backlinks: bool = True
    code_lens_history: bool = True
    git_auto_commit: bool = False
    git_auto_commit_delay_ms: int = 3000
    git_auto_commit_max_kb: int = DEFAULT_MAX_KB
    watcher: str = "auto"
    debounce_ms: int = 300
    log_level: str = "warning"
    log_file: str | None = None
    views_refresh_on_save: bool = False
    attachments_folder: str = DEFAULT_FOLDER
    periodic: PeriodicSettings = field(default_factory=PeriodicSettings)


_DIAGNOSTIC_KEYS = {
    "brokenLinks": "broken_links",
    "brokenAnchors": "broken_anchors",
    "ambiguousLinks": "ambiguous_links",
    "ambiguousResolvedLinks": "ambiguous_resolved_links",
    "yamlErrors": "yaml_errors",
    "duplicateBlockIds": "duplicate_block_ids",
    "schema": "schema",
    "other": "other",
    "unlinkedMentions": "unlinked_mentions",
}


def parse_settings(raw: Any) -> tuple[Settings, list[str]]:
    """Build settings from the client's ``codex`` section; returns (settings, warnings)."""
    warnings: list[str] = []
    if raw is None:
        return Settings(), warnings
    if not isinstance(raw, dict):
        return Settings(), [f"codex settings must be an object, got {type(raw).__name__}"]
    settings = Settings()

    diagnostics = raw.get("diagnostics", {})
    if not isinstance(diagnostics, dict):
        warnings.append("codex.diagnostics must be an object; defaults used")
        diagnostics = {}
    diag_values: dict[str, str] = {}
    for key, value in diagnostics.items():
        name = _DIAGNOSTIC_KEYS.get(key)
        if key == "scope":
            if value in SCOPE_VALUES:
                settings = replace(settings, diagnostics_scope=value)
            else:
                warnings.append(
                    f"codex.diagnostics.scope must be one of {', '.join(SCOPE_VALUES)}; "
                    f"got {value!r}, default used"
                )
        elif name is None:
            warnings.append(f"codex.diagnostics.{key} is not a known setting")
        elif value not in SEVERITY_VALUES:
            warnings.append(
                f"codex.diagnostics.{key} must be one of {', '.join(SEVERITY_VALUES)}; "
                f"got {value!r}, default used"
            )
        else:
            diag_values[name] = value
    settings = replace(settings, diagnostics=replace(DiagnosticSettings(), **diag_values))

    completion = _section(raw, "completion", warnings)
    max_items = _int(completion, "maxItems", 1, 1000, warnings, "codex.completion")
    if max_items is not None:
        settings = replace(settings, completion_max_items=max_items)
    code_lens = _section(raw, "codeLens", warnings)
    if "backlinks" in code_lens:
        if isinstance(code_lens["backlinks"], bool):
            settings = replace(settings, code_lens_backlinks=code_lens["backlinks"])
        else:
            warnings.append("codex.codeLens.backlinks must be true or false; default used")
    if "history" in code_lens:
        if isinstance(code_lens["history"], bool):
            settings = replace(settings, code_lens_history=code_lens["history"])
        else:
            warnings.append("codex.codeLens.history must be true or false; default used")
    settings = _git_settings(raw, settings, warnings)
    if "watcher" in raw:
        if raw["watcher"] in WATCHER_VALUES:
            settings = replace(settings, watcher=raw["watcher"])
        else:
            warnings.append(
                f"codex.watcher must be one of {', '.join(WATCHER_VALUES)}; default used"
            )
    index = _section(raw, "index", warnings)
    debounce = _int(index, "debounceMs", 0, 10_000, warnings, "codex.index")
    if debounce is not None:
        settings = replace(settings, debounce_ms=debounce)
    log = _section(raw, "log", warnings)
    if "level" in log:
        if log["level"] in LOG_LEVELS:
            settings = replace(settings, log_level=log["level"])
        else:
            warnings.append(f"codex.log.level must be one of {', '.join(LOG_LEVELS)}")
    if "file" in log:
        if log["file"] is None or isinstance(log["file"], str):
            settings = replace(settings, log_file=log["file"] or None)
        else:
            warnings.append("codex.log.file must be a path string")
    views = _section(raw, "views", warnings)
    for key, value in views.items():
        if key != "refreshOnSave":
            warnings.append(f"codex.views.{key} is not a known setting")
        elif isinstance(value, bool):
            settings = replace(settings, views_refresh_on_save=value)
        else:
            warnings.append("codex.views.refreshOnSave must be true or false; default used")
    attachments = _section(raw, "attachments", warnings)
    for key, value in attachments.items():
        if key != "folder":
            warnings.append(f"codex.attachments.{key} is not a known setting")
        elif isinstance(value, str) and value.strip():
            settings = replace(settings, attachments_folder=value)
        else:
            warnings.append("codex.attachments.folder must be a non-empty string; default used")
    settings = replace(settings, periodic=parse_periodic(raw, warnings))
    known = {
        "attachments",
        "daily",
        "weekly",
        "monthly",
        "views",
        "diagnostics",
        "completion",
        "codeLens",
        "watcher",
        "index",
        "log",
        "server",
        "git",
        "schema",
    }
    warnings.extend(f"codex.{key} is not a known setting" for key in raw if key not in known)
    return settings, warnings


def _git_settings(raw: dict[str, Any], settings: Settings, warnings: list[str]) -> Settings:
    """``codex.git.*``: autoCommit, autoCommitDelayMs, autoCommitMaxSizeKb."""
    git = _section(raw, "git", warnings)
    if "autoCommit" in git:
        if isinstance(git["autoCommit"], bool):
            settings = replace(settings, git_auto_commit=git["autoCommit"])
        else:
            warnings.append("codex.git.autoCommit must be true or false; default used")
    delay = _int(git, "autoCommitDelayMs", 0, 3_600_000, warnings, "codex.git")
    if delay is not None:
        settings = replace(settings, git_auto_commit_delay_ms=delay)
    max_kb = _int(git, "autoCommitMaxSizeKb", 1, 1_048_576, warnings, "codex.git")
    if max_kb is not None:
        settings = replace(settings, git_auto_commit_max_kb=max_kb)
    known = {"autoCommit", "autoCommitDelayMs", "autoCommitMaxSizeKb"}
    warnings.extend(f"codex.git.{key} is not a known setting" for key in git if key not in known)
    return settings


def _section(raw: dict[str, Any], name: str, warnings: list[str]) -> dict[str, Any]:
    value = raw.get(name, {})
    if isinstance(value, dict):
        return value
    warnings.append(f"codex.{name} must be an object; defaults used")
    return {}


def _int(
    section: dict[str, Any], key: str, low: int, high: int, warnings: list[str], prefix: str
) -> int | None:
    """The integer at ``section[key]`` if present and in range; else None (and a warning)."""
    if key not in section:
        return None
    value = section[key]
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    warnings.append(f"{prefix}.{key} must be an integer from {low} to {high}; default used")
    return None
