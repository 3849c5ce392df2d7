"""Tags with meaning: the ``tags:`` table of ``.codex/config.yaml`` (docs/configuration.md).

Each tag may have a description and a colour::

    tags:
      ml: {description: Machine learning runs, color: blue}
      assay/qpcr: {description: Quantitative PCR, color: "#2a9d8f"}
      draft: Not reviewed yet          # a description alone

Names match case-insensitively, a leading ``#`` ignored; a nested tag without an entry of
its own takes its nearest parent's (``assay/qpcr/plate`` -> ``assay/qpcr``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .syntax import clean_tag

# The named colours every editor theme defines (VS Code's ``charts.*`` theme colours).
NAMED_COLORS = ("red", "orange", "yellow", "green", "blue", "purple")
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
# A description is shown in hovers and trees: one paragraph, not a document.
MAX_DESCRIPTION = 1000


@dataclass(frozen=True, slots=True)
class TagMeaning:
    """What a tag stands for: a description and a colour (a name of
    :data:`NAMED_COLORS` or ``#rgb``/``#rrggbb``), each optional."""

    description: str | None = None
    color: str | None = None

    def as_dict(self) -> dict[str, str]:
        """The fields that are set, for JSON."""
        found = {"description": self.description, "color": self.color}
        return {k: v for k, v in found.items() if v}


def parse_tag_table(value: Any) -> tuple[dict[str, TagMeaning], list[str]]:
    """The table of a ``tags:`` value, keyed by folded tag name, and warnings about what was
    left out (an invalid name, colour or entry)."""
    if value is None:
        return {}, []
    if not isinstance(value, dict):
        return {}, ["'tags' must map tag names to {description, color}; ignored"]
    table: dict[str, TagMeaning] = {}
    warnings: list[str] = []
    for raw, entry in value.items():
        name = clean_tag(str(raw))
        if name is None:
            warnings.append(f"tags: '{raw}' is not a valid tag name; ignored")
            continue
        if isinstance(entry, str):
            entry = {"description": entry}
        if not isinstance(entry, dict):
            warnings.append(f"tags: '{raw}' must be a description or {{description, color}}")
            continue
        description = entry.get("description")
        if description is not None and not isinstance(description, str):
            warnings.append(f"tags: the description of '{raw}' must be text; ignored")
            description = None
        color = entry.get("color", entry.get("colour"))
        if color is not None and not is_color(color):
            shown = ", ".join(NAMED_COLORS)
            warnings.append(
                f"tags: the color of '{raw}' must be one of {shown} or #rrggbb; ignored"
            )
            color = None
        unknown = set(entry) - {"description", "color", "colour"}
        warnings.extend(f"tags: unknown key '{k}' of '{raw}' ignored" for k in sorted(unknown))
        text = description.strip()[:MAX_DESCRIPTION] if description else None
        table[name.casefold()] = TagMeaning(text or None, color.lower() if color else None)
    return table, warnings


def is_color(value: Any) -> bool:
    """True for a colour the table accepts."""
    return isinstance(value, str) and (
        value.lower() in NAMED_COLORS or _HEX.fullmatch(value) is not None
    )


def meaning_of(table: Mapping[str, TagMeaning], name: str) -> TagMeaning | None:
    """The meaning of tag ``name``: its own entry, else its nearest parent's, else None."""
    key = name.lstrip("#").casefold()
    while key:
        found = table.get(key)
        if found is not None:
            return found
        key = key.rpartition("/")[0]
    return None


def tag_hover_markdown(name: str, count: int, meaning: TagMeaning | None) -> str:
    """A tag's hover: its name, how many notes carry it, and what it stands for."""
    text = f"**#{name}** — {count} note{'s' * (count != 1)}"
    if meaning is None:
        return text
    if meaning.color:
        text += f" · colour {meaning.color}"
    if meaning.description:
        text += f"\n\n{meaning.description}"
    return text


def tag_detail(count: int, meaning: TagMeaning | None) -> str:
    """A tag completion's detail: how many files carry it, and its colour."""
    text = f"{count} file{'s' * (count != 1)}"
    return f"{text} · {meaning.color}" if meaning is not None and meaning.color else text


def tag_documentation(meaning: TagMeaning | None) -> str | None:
    """A tag completion's documentation: its description."""
    return meaning.description if meaning is not None else None
