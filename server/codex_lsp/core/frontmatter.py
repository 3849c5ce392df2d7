"""Find and load the YAML frontmatter block at the top of a note.

YAML is always read as the safe loader reads it (no object construction): flat frontmatter by
:mod:`.flatyaml`, which gives the same values, the rest by the safe loader itself. Invalid YAML
becomes a :class:`Problem` with the position PyYAML reports; the caller still indexes the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .flatyaml import load_flat
from .model import FieldSpan, Problem, Range, Severity
from .textpos import LineIndex
from .yamlload import YamlFailure, load_yaml

_OPEN = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)


@dataclass(slots=True)
class FrontmatterBlock:
    """Where the frontmatter sits and what it contains."""

    start: int
    end: int
    yaml_start: int
    yaml_text: str
    data: dict[str, Any] | None = None
    spans: list[FieldSpan] = field(default_factory=list)  # top-level keys, as offsets
    problems: list[Problem] = field(default_factory=list)


def find_frontmatter(text: str) -> tuple[int, int, int, int] | None:
    """Offsets (block start, block end, yaml start, yaml end) of a fenced block, or None.

    The block must open with ``---`` on the first line and close with ``---`` or ``...``.
    """
    opening = _OPEN.match(text)
    if not opening:
        return None
    close = _CLOSE.search(text, opening.end())
    if not close:
        return None
    end = close.end()
    if end < len(text) and text[end] == "\n":
        end += 1
    return 0, end, opening.end(), close.start()


def load_frontmatter(text: str, index: LineIndex) -> FrontmatterBlock | None:
    """Parse the frontmatter of ``text``; None when the note has no frontmatter block."""
    found = find_frontmatter(text)
    if found is None:
        return None
    start, end, yaml_start, yaml_end = found
    block = FrontmatterBlock(start, end, yaml_start, text[yaml_start:yaml_end])
    flat = load_flat(block.yaml_text, yaml_start)
    if flat is not None:
        block.data, block.spans = flat
        return block
    try:
        node, data = load_yaml(block.yaml_text)
    except YamlFailure as failure:
        where = yaml_start + failure.offset if failure.offset is not None else yaml_start
        pos = index.position(min(where, len(text)))
        block.problems.append(
            Problem(
                "yaml-invalid", f"Invalid YAML in frontmatter: {failure.detail}", Range(pos, pos)
            )
        )
        return block
    except RecursionError:  # valid YAML, but too deep to turn into plain values
        pos = index.position(yaml_start)
        block.problems.append(
            Problem(
                "yaml-invalid", "Invalid YAML in frontmatter: nested too deeply", Range(pos, pos)
            )
        )
        return block
    if data is None:
        block.data = {}
        return block
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        block.problems.append(
            Problem(
                "yaml-not-mapping",
                f"Frontmatter must be a mapping of keys to values, found {type(data).__name__}",
                index.range(yaml_start, yaml_end),
                Severity.WARNING,
            )
        )
        return block
    block.data = data
    block.spans = key_spans(node, yaml_start)
    return block


def key_spans(node: yaml.MappingNode, base: int) -> list[FieldSpan]:
    """Where each top-level key of a loaded mapping and its value are (offsets plus
    ``base``, the offset of the YAML text)."""
    return [
        (
            str(key_node.value),
            base + key_node.start_mark.index,
            base + key_node.end_mark.index,
            base + value_node.start_mark.index,
            base + value_node.end_mark.index,
        )
        for key_node, value_node in node.value
        if isinstance(key_node, yaml.ScalarNode)
    ]
