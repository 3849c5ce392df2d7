"""``codex.daily`` / ``weekly`` / ``monthly`` settings (lsp/periodic_settings.py, through
lsp/settings.py): values, defaults, and a warning for each bad value."""

from __future__ import annotations

from codex_lsp.core.dates import Period
from codex_lsp.lsp.periodic_settings import PeriodSettings
from codex_lsp.lsp.settings import parse_settings


def test_defaults() -> None:
    settings, warnings = parse_settings({})
    assert warnings == []
    assert settings.periodic.of(Period.DAY) == PeriodSettings("", "YYYY-MM-DD", None)
    assert settings.periodic.of(Period.WEEK) == PeriodSettings("", "GGGG-[W]WW", None)
    assert settings.periodic.of(Period.MONTH) == PeriodSettings("", "YYYY-MM", None)


def test_values_are_read() -> None:
    raw = {
        "daily": {"folder": "journal/", "format": "YYYY/MM/YYYY-MM-DD", "template": " day "},
        "monthly": {"template": None},
    }
    settings, warnings = parse_settings(raw)
    assert warnings == []
    assert settings.periodic.of(Period.DAY) == PeriodSettings(
        "journal", "YYYY/MM/YYYY-MM-DD", "day"
    )


def test_bad_values_warn_and_keep_defaults() -> None:
    raw = {
        "daily": {"folder": "../out", "format": "", "template": 3, "colour": "red"},
        "weekly": "weeks",
        "monthly": {"folder": 7},
    }
    settings, warnings = parse_settings(raw)
    assert settings.periodic.of(Period.DAY) == PeriodSettings("", "YYYY-MM-DD", None)
    assert warnings == [
        "codex.daily.folder: each part of the folder cannot be '..'; default used",
        "codex.daily.format must be a date format; default used",
        "codex.daily.template must be a template name; default used",
        "codex.daily.colour is not a known setting",
        "codex.weekly must be an object; defaults used",
        "codex.monthly.folder must be a string; default used",
    ]
