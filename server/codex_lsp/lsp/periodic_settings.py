"""Settings of periodic notes: ``codex.daily``, ``codex.weekly``, ``codex.monthly``
(docs/configuration.md), each ``{folder, format, template}``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..core.dates import DEFAULT_FORMATS, MAX_FORMAT, Period
from ..core.names import BadName, check_folder


@dataclass(frozen=True, slots=True)
class PeriodSettings:
    """Where the notes of one period go, how they are named, and their template."""

    folder: str
    format: str
    template: str | None = None


@dataclass(frozen=True, slots=True)
class PeriodicSettings:
    """The settings of each period (a field per period, named by its ``Period`` value)."""

    daily: PeriodSettings = PeriodSettings("", DEFAULT_FORMATS[Period.DAY])
    weekly: PeriodSettings = PeriodSettings("", DEFAULT_FORMATS[Period.WEEK])
    monthly: PeriodSettings = PeriodSettings("", DEFAULT_FORMATS[Period.MONTH])

    def of(self, period: Period) -> PeriodSettings:
        """The settings of ``period``."""
        found: PeriodSettings = getattr(self, period.value)
        return found


def parse_periodic(raw: dict[str, Any], warnings: list[str]) -> PeriodicSettings:
    """``codex.daily`` / ``weekly`` / ``monthly`` from the client's ``codex`` section; a bad
    value is reported in ``warnings`` and replaced by its default."""
    settings = PeriodicSettings()
    for period in Period:
        section = raw.get(period.value)
        if section is None:
            continue
        name = f"codex.{period.value}"
        if not isinstance(section, dict):
            warnings.append(f"{name} must be an object; defaults used")
            continue
        settings = replace(
            settings, **{period.value: _period(section, settings.of(period), name, warnings)}
        )
    return settings


def _period(
    section: dict[str, Any], default: PeriodSettings, name: str, warnings: list[str]
) -> PeriodSettings:
    folder, fmt, template = default.folder, default.format, default.template
    for key, value in section.items():
        if key == "folder" and not isinstance(value, str):
            warnings.append(f"{name}.folder must be a string; default used")
        elif key == "folder":
            try:
                # "/journal" is read from the notebook's root, as Obsidian's folder settings are.
                folder = check_folder(value.lstrip("/"))
            except BadName as exc:
                warnings.append(f"{name}.folder: {exc}; default used")
        elif key == "format":
            if isinstance(value, str) and value.strip() and len(value) <= MAX_FORMAT:
                fmt = value.strip()
            else:
                warnings.append(f"{name}.format must be a date format; default used")
        elif key == "template":
            if value is None or isinstance(value, str):
                template = (value or "").strip() or None
            else:
                warnings.append(f"{name}.template must be a template name; default used")
        else:
            warnings.append(f"{name}.{key} is not a known setting")
    return PeriodSettings(folder, fmt, template)
