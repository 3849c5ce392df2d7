"""Safe YAML loading shared by frontmatter, schema files and range look-ups.

Always the safe loader (libyaml's when present): no object construction. Text nested so deeply
that libyaml would overflow the C stack is refused before it is parsed.
"""

from __future__ import annotations

from typing import Any

import yaml

try:
    SafeLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - libyaml missing
    SafeLoader = yaml.SafeLoader


class YamlFailure(Exception):
    """YAML that cannot be loaded; ``offset`` is where in the text, when known."""

    def __init__(self, detail: str, offset: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.offset = offset


MAX_DEPTH = 1000


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """True when YAML text may nest ``limit`` levels or more (flow brackets or indentation).

    libyaml composes recursively in C: thousands of levels crash the process instead of
    raising, so such text is refused before it is parsed. (Deeper than Python's recursion
    limit could not be constructed anyway.)
    """
    if len(text) < limit:
        return False
    if text.count("[") + text.count("{") >= limit:
        depth = 0
        for char in text:
            if char in "[{":
                depth += 1
                if depth >= limit:
                    return True
            elif char in "]}" and depth:
                depth -= 1
    return any(len(line) - len(line.lstrip(" -?:\t")) >= limit for line in text.splitlines())


def compose_yaml(text: str) -> yaml.Node | None:
    """The node tree of one YAML document (None for an empty one); raises YamlFailure."""
    return _load(text, construct=False)[0]


def load_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree and the value of one YAML document; raises YamlFailure."""
    return _load(text, construct=True)


def _load(text: str, *, construct: bool) -> tuple[yaml.Node | None, Any]:
    if too_deep(text):
        raise YamlFailure("nested too deeply")
    try:
        loader = SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if construct and node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = exc.problem or exc.context or "invalid YAML"
        raise YamlFailure(detail, min(mark.index, len(text)) if mark else None) from exc
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, MemoryError) as exc:
        raise YamlFailure(str(exc) or type(exc).__name__) from exc
    return node, data
