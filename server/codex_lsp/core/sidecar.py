"""Sidecar metadata (``.NAME.json``, ``.NAME.xml``, ``.NAME.md`` next to ``NAME``).

Parsed from text already read by the caller, then merged with the priority
frontmatter > JSON > XML > Markdown. The formats, as docs/attachments.md shows them:

- JSON: an object.
- XML: the root element's children become keys; an element with child elements becomes a
  mapping, except a list element (``<tags><tag>ml</tag><tag>pytorch</tag></tags>``: children
  all of one name, several of them or named as the singular of their parent) which becomes a
  list; repeated elements become lists; the attributes of an element with children are keys.
- Markdown: a YAML frontmatter, and the ``Key: Value`` lines of a ``# Metadata`` section
  (``Tags: ml, pytorch`` gives a list for ``tags`` and ``aliases``); keys lower-cased.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .frontmatter import find_frontmatter, load_frontmatter
from .model import Position, Problem, Range, Severity
from .textpos import LineIndex
from .yamlload import MAX_NESTING, plain_value

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

SIDECAR_PRIORITY = ("md", "xml", "json")

# The keys of a Markdown ``Key: Value`` block whose value is a comma-separated list.
LIST_KEYS = frozenset({"tags", "tag", "aliases", "alias"})
# A ``# Metadata`` heading (any level), then ``Key: Value`` lines up to the next heading.
_METADATA_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+metadata[ \t]*#*[ \t]*$", re.IGNORECASE)
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]|$)")
# The key is bounded and the value taken whole (stripped after): linear in the line's length.
_KEY_VALUE = re.compile(r"^[ \t]*(?:[-*+][ \t]+)?([^\s:][^:]{0,199}?)[ \t]*:(.*)$")
_ZERO = Range(Position(0, 0), Position(0, 0))


def described_file(name: str) -> str | None:
    """``.run.csv.json`` -> ``run.csv``: the name of the file a hidden file is the sidecar of,
    or None. The described name must have an extension, so that a tool's hidden file
    (``.prettierrc.json``, ``.markdownlint.md``) is no sidecar."""
    if not name.startswith("."):
        return None
    for kind in SIDECAR_PRIORITY:
        suffix = f".{kind}"
        if name.endswith(suffix):
            owner = name[1 : -len(suffix)]
            stem, dot, extension = owner.rpartition(".")
            return owner if stem and dot and extension else None
    return None


def parse_sidecar(kind: str, text: str) -> tuple[dict[str, Any], str | None]:
    """Parse one sidecar's text; returns (metadata, error message or None)."""
    data, problem = read_sidecar(kind, text)
    return data, problem.message if problem else None


def read_sidecar(kind: str, text: str) -> tuple[dict[str, Any], Problem | None]:
    """Parse one sidecar's text; returns (metadata, a ``sidecar-invalid`` problem or None).

    The problem's range is where the parser stopped, when it says so. Never raises.
    """
    try:
        if kind == "json":
            return _json(text)
        if kind == "xml":
            return _xml(text)
        if kind == "md":
            return _markdown(text)
    except json.JSONDecodeError as exc:
        return {}, _invalid(kind, exc.msg, _at(text, exc.pos))
    except (ValueError, RecursionError) as exc:
        return {}, _invalid(kind, str(exc), _ZERO)
    return {}, _invalid(kind, f"unknown sidecar kind {kind}", _ZERO)


def _xml(text: str) -> tuple[dict[str, Any], Problem | None]:
    # defusedxml (and ElementTree under it) load with the first XML sidecar read.
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        return _bounded("xml", _xml_to_dict(SafeET.fromstring(text)))
    except SafeET.ParseError as exc:
        line, column = getattr(exc, "position", (1, 0))
        where = LineIndex(text).offset(Position(max(line - 1, 0), 0)) + column
        return {}, _invalid("xml", str(exc), _at(text, where))
    except (ValueError, DefusedXmlException, RecursionError) as exc:
        return {}, _invalid("xml", str(exc), _ZERO)


def _invalid(kind: str, detail: str, where: Range) -> Problem:
    return Problem(
        "sidecar-invalid", f"invalid {kind.upper()} sidecar: {detail}", where, Severity.WARNING
    )


def _at(text: str, offset: int) -> Range:
    """An empty range at character ``offset`` of ``text`` (clamped to it)."""
    pos = LineIndex(text).position(max(0, min(offset, len(text))))
    return Range(pos, pos)


def _json(text: str) -> tuple[dict[str, Any], Problem | None]:
    data = json.loads(text)
    if not isinstance(data, dict):
        return {}, Problem(
            "sidecar-invalid", "JSON sidecar must hold an object", _ZERO, Severity.WARNING
        )
    return _bounded("json", plain_value(data))


def _bounded(kind: str, data: dict[str, Any]) -> tuple[dict[str, Any], Problem | None]:
    """``data``, or nothing and a problem when it nests deeper than YAML may (MAX_NESTING):
    metadata is walked again and again (JSON, schema validation, hover)."""
    if _nesting(data) > MAX_NESTING:
        return {}, _invalid(kind, f"nested more than {MAX_NESTING} levels deep", _ZERO)
    return data, None


def _nesting(value: Any) -> int:
    """How deep lists and dicts nest in ``value`` (0 for a scalar), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            current = list(current.values())
        elif not isinstance(current, list):
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((item, depth + 1) for item in current)
    return deepest


def _xml_to_dict(root: Element) -> dict[str, Any]:
    value = _xml_value(root)
    if isinstance(value, dict):
        return value
    return {str(root.tag): value}  # a root holding a list or text is metadata of one key


def _xml_value(element: Element) -> Any:
    """The value of one element: its text, a list (list element) or a mapping."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    if not element.attrib and _is_list_element(element.tag, children):
        return [_xml_value(child) for child in children]
    result: dict[str, Any] = dict(element.attrib)
    for child in children:
        value = _xml_value(child)
        key = str(child.tag)
        if key in result:
            existing = result[key]
            result[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            result[key] = value
    return result


def _is_list_element(tag: Any, children: list[Element]) -> bool:
    """True for ``<tags><tag/>...</tags>``: children of one name, several of them, or one
    whose name is the parent's singular."""
    names = {child.tag for child in children}
    if len(names) != 1:
        return False
    name = str(next(iter(names)))
    return len(children) > 1 or str(tag) in (f"{name}s", f"{name}es", f"{name}-list")


def _markdown(text: str) -> tuple[dict[str, Any], Problem | None]:
    """A Markdown sidecar's frontmatter, over the ``Key: Value`` lines of its ``# Metadata``
    section."""
    data: dict[str, Any] = {}
    body_start = 0
    found = find_frontmatter(text)
    if found is not None:
        block = load_frontmatter(text, LineIndex(text))
        body_start = found[1]
        if block is not None and block.problems:
            first = block.problems[0]
            return {}, _invalid("md", first.message, first.range)
        if block is not None and block.data:
            data = dict(block.data)
    return {**metadata_block(text[body_start:]), **data}, None


def metadata_block(text: str) -> dict[str, Any]:
    """The ``Key: Value`` lines under a ``# Metadata`` heading of Markdown ``text`` (up to the
    next heading), keys lower-cased; the values of tags and aliases split at commas."""
    found: dict[str, Any] = {}
    inside = False
    for line in text.splitlines():
        if _HEADING.match(line):
            if inside:
                break
            inside = bool(_METADATA_HEADING.match(line))
            continue
        if not inside:
            continue
        match = _KEY_VALUE.match(line)
        if match is None:
            continue
        key, value = match.group(1).strip().lower(), match.group(2).strip()
        if key in LIST_KEYS:
            found[key] = [item.strip() for item in value.split(",") if item.strip()]
        else:
            found[key] = value
    return found


def merge_metadata(
    frontmatter: dict[str, Any] | None, sidecars: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Merge sidecar metadata (keyed by kind) under the frontmatter, by priority."""
    merged: dict[str, Any] = {}
    for kind in SIDECAR_PRIORITY:
        merged.update(sidecars.get(kind, {}))
    merged.update(frontmatter or {})
    return merged
