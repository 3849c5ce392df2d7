"""Template variables and tab stops (docs/templates.md), expanded in one bounded pass.

Variables: ``{{title}}``, ``{{date}}``, ``{{date:FORMAT}}``, ``{{time}}``,
``{{time:FORMAT}}``, ``{{folder}}``, ``{{author}}``, ``{{uuid}}``, ``{{clipboard}}``,
``{{seq}}`` (``{{seq:3}}`` pads to 3 digits) and ``{{cursor}}``; ``${1:default}`` and
``${1}`` are tab stops. An unknown ``{{name}}`` is kept as written, as Obsidian does. A value
is never expanded again (no recursion), so the result is at most the template's length times
the longest value, and :data:`MAX_RESULT` caps it.

In the frontmatter, a variable that is a whole YAML value (``title: {{title}}``) is written
as YAML (quoted when its text would read back as something else), so any title gives valid
frontmatter.

The result is plain text (tab stops become their defaults, ``{{cursor}}`` nothing) and, when
the template has tab stops or a cursor, an LSP snippet of the same text for the client.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

from .dates import BadFormat, format_date
from .frontmatter import find_frontmatter
from .schema.assist import yaml_value

MAX_TEMPLATE = 256 * 1024
MAX_VALUE = 64 * 1024
MAX_RESULT = 1024 * 1024
MAX_SEQ_WIDTH = 12

_PIECE = re.compile(
    r"\{\{\s*(?P<name>[A-Za-z]+)(?:\s*:(?P<arg>[^{}\n]{0,200}))?\s*\}\}"
    r"|\$\{(?P<stop>\d{1,2})(?::(?P<default>[^{}$\n]{0,500}))?\}"
)
_WHOLE_VALUE = re.compile(r"[ \t]*(?:-[ \t]+|[^:\n#]+:[ \t]+)\Z")


class TemplateError(ValueError):
    """A template that cannot be expanded (too large, a bad format)."""


@dataclass(frozen=True, slots=True)
class Values:
    """What the variables stand for in one new note."""

    title: str
    now: _dt.datetime
    folder: str = ""
    author: str = ""
    uuid: str = ""
    clipboard: str = ""
    seq: int | None = None


@dataclass(frozen=True, slots=True)
class Expanded:
    """A template's text with its variables filled in."""

    text: str  # tab stops replaced by their defaults, the cursor removed
    snippet: str | None  # the same text as an LSP snippet; None without tab stops


def escape_snippet(text: str) -> str:
    """``text`` as literal snippet text (``\\``, ``$`` and ``}`` escaped)."""
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")


def variable_value(name: str, arg: str | None, values: Values) -> str | None:
    """The text of ``{{name:arg}}``; None for a name that is not a variable."""
    if name == "title":
        return values.title
    if name == "date":
        return format_date(values.now, arg.strip() if arg else "YYYY-MM-DD")
    if name == "time":
        return format_date(values.now, arg.strip() if arg else "HH:mm")
    if name == "seq":
        width = int(arg) if arg and arg.strip().isdigit() else 0
        return f"{values.seq or 1:0{min(width, MAX_SEQ_WIDTH)}d}"
    simple = {
        "folder": values.folder,
        "author": values.author,
        "uuid": values.uuid,
        "clipboard": values.clipboard[:MAX_VALUE],
    }
    return simple.get(name)


def variables_in(template: str) -> set[str]:
    """The variable names ``template`` uses (``seq`` tells the caller to count)."""
    return {m["name"] for m in _PIECE.finditer(template[:MAX_TEMPLATE]) if m["name"]}


def expand_plain(template: str, values: Values) -> str:
    """``template`` (a file name or folder pattern) with its variables filled in; tab stops
    become their defaults."""
    return expand(template, values).text


def expand(template: str, values: Values) -> Expanded:
    """``template`` with its variables filled in (see the module docstring)."""
    if len(template) > MAX_TEMPLATE:
        raise TemplateError(f"a template is limited to {MAX_TEMPLATE // 1024} KiB")
    found = find_frontmatter(template)
    yaml_end = found[3] if found else 0
    plain: list[str] = []
    snippet: list[str] = []
    stops = False
    size = 0
    end = 0
    for match in _PIECE.finditer(template):
        literal = template[end : match.start()]
        plain.append(literal)
        snippet.append(escape_snippet(literal))
        end = match.end()
        if match["stop"] is not None:
            stops = True
            default = match["default"] or ""
            plain.append(default)
            snippet.append(f"${{{int(match['stop'])}:{escape_snippet(default)}}}")
            continue
        name = match["name"]
        if name == "cursor":
            stops = True
            snippet.append("$0")
            continue
        try:
            value = variable_value(name, match["arg"], values)
        except (BadFormat, ValueError) as exc:
            raise TemplateError(f"{{{{{name}}}}}: {exc}") from None
        if value is None:
            value = match[0]
        elif match.start() < yaml_end and _is_whole_value(template, match):
            value = yaml_value(value) if value else '""'
        size += len(value)
        if size > MAX_RESULT:
            raise TemplateError(f"a new note is limited to {MAX_RESULT // 1024} KiB")
        plain.append(value)
        snippet.append(escape_snippet(value))
    plain.append(template[end:])
    snippet.append(escape_snippet(template[end:]))
    return Expanded("".join(plain), "".join(snippet) if stops else None)


def _is_whole_value(template: str, match: re.Match[str]) -> bool:
    """True when ``match`` is all of a YAML value: ``key: {{x}}`` or ``- {{x}}`` alone."""
    line_start = template.rfind("\n", 0, match.start()) + 1
    line_end = template.find("\n", match.end())
    rest = template[match.end() : line_end if line_end != -1 else len(template)]
    return bool(_WHOLE_VALUE.match(template[line_start : match.start()])) and not rest.strip()
