"""The notebook's own settings, read from ``.codex/config.yaml``.

Every key is optional; a bad value is reported as a warning and replaced by its default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..core.tag_table import TagMeaning, parse_tag_table

DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024

CONFIG_TEMPLATE = """\
# codex-lsp notebook configuration. Every key is optional.

# Globs (relative to the notebook root, gitignore syntax) that are never indexed.
exclude: []
#  - "drafts/private/**"
#  - "*.tmp"

# Notes larger than this many bytes are recorded but not parsed.
max_file_size: 5242880

# What tags stand for: a description and a colour (red, orange, yellow, green, blue,
# purple or #rrggbb), shown by hovers, completion, the Tags tree and `codex-lsp tags`.
tags: {}
#  experiment: {description: A bench experiment, color: blue}
"""


@dataclass(frozen=True, slots=True)
class NotebookConfig:
    """Typed view of ``.codex/config.yaml``."""

    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    tags: dict[str, TagMeaning] = field(default_factory=dict, compare=False)
    """The tag table, keyed by folded tag name (core/tag_table.py)."""
    warnings: tuple[str, ...] = field(default=(), compare=False)


def load_config(codex_dir: Path) -> NotebookConfig:
    """Read ``config.yaml`` from ``codex_dir``; missing file means defaults."""
    path = codex_dir / "config.yaml"
    try:
        raw_text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return NotebookConfig()
    except OSError as exc:
        return NotebookConfig(warnings=(f"{path}: cannot be read ({exc.strerror})",))
    try:
        raw = yaml.safe_load(raw_text)
    except yaml.YAMLError as exc:
        return NotebookConfig(warnings=(f"{path}: invalid YAML, defaults used ({exc})",))
    if raw is None:
        return NotebookConfig()
    if not isinstance(raw, dict):
        return NotebookConfig(warnings=(f"{path}: expected a mapping, defaults used",))
    warnings: list[str] = []
    exclude: tuple[str, ...] = ()
    value = raw.get("exclude", [])
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        exclude = tuple(value)
    else:
        warnings.append(f"{path}: 'exclude' must be a list of glob strings; ignored")
    max_size = raw.get("max_file_size", DEFAULT_MAX_FILE_SIZE)
    if not isinstance(max_size, int) or isinstance(max_size, bool) or max_size <= 0:
        warnings.append(f"{path}: 'max_file_size' must be a positive integer; default used")
        max_size = DEFAULT_MAX_FILE_SIZE
    tags, tag_warnings = parse_tag_table(raw.get("tags"))
    warnings.extend(f"{path}: {warning}" for warning in tag_warnings)
    known = {"exclude", "max_file_size", "tags"}
    warnings.extend(f"{path}: unknown key '{key}' ignored" for key in raw if key not in known)
    return NotebookConfig(exclude, max_size, tags, tuple(warnings))
