"""Text of new notes, and the templates they are made from (docs/templates.md).

A template is a Markdown file whose frontmatter may hold ``codex-template: {type, folder,
name, description}``: the note type it makes, the folder and the file name pattern of the
notes it makes. That key is the template's own and never reaches the note.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .frontmatter import find_frontmatter
from .names import check_relative_path
from .syntax import is_note_name
from .yamlload import YamlFailure, load_yaml

SPEC_KEY = "codex-template"
_SPEC_LINE = re.compile(r"^codex-template[ \t]*:", re.MULTILINE)
_CONTINUED = re.compile(r"[ \t#\r\n]")  # indented, a comment or blank: the value goes on


def new_note_text(title: str, today: _dt.date | None = None) -> str:
    """A new note: frontmatter with ``title`` and ``date``, then the title as a heading."""
    date = (today or _dt.date.today()).isoformat()
    import frontmatter  # loads with the first note created

    post = frontmatter.Post(f"# {title}\n", title=title, date=date)
    return frontmatter.dumps(post, sort_keys=False) + "\n"


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """What a template says about the notes it makes (all optional)."""

    type: str | None = None
    folder: str | None = None
    name: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Template:
    """A template file read: its name (the file stem), spec, and body to expand."""

    name: str
    spec: TemplateSpec
    body: str  # the template without its ``codex-template`` key
    problem: str | None = None  # why the spec could not be read, if it could not


def read_template(name: str, text: str) -> Template:
    """The template called ``name`` (its file stem) from its ``text``."""
    found = find_frontmatter(text)
    if found is None:
        return Template(name, TemplateSpec(), text)
    _, block_end, yaml_start, yaml_end = found
    yaml_text = text[yaml_start:yaml_end]
    line = _SPEC_LINE.search(yaml_text)
    if line is None:
        return Template(name, TemplateSpec(), text)
    start = line.start()
    end = _block_end(yaml_text, line.end())
    spec, problem = _spec(yaml_text[start:end])
    rest = yaml_text[:start] + yaml_text[end:]
    # Nothing else in the frontmatter: no empty block is left behind.
    body = text[:yaml_start] + rest + text[yaml_end:] if rest.strip() else text[block_end:]
    return Template(name, spec, body, problem)


def _block_end(yaml_text: str, after: int) -> int:
    """Where the top-level key whose value starts at ``after`` ends (the next top-level key)."""
    newline = yaml_text.find("\n", after)
    while newline != -1:
        following = newline + 1
        if following >= len(yaml_text) or not _CONTINUED.match(yaml_text, following):
            return following
        newline = yaml_text.find("\n", following)
    return len(yaml_text)


def _spec(yaml_text: str) -> tuple[TemplateSpec, str | None]:
    try:
        _, data = load_yaml(yaml_text)
    except (YamlFailure, RecursionError) as exc:
        return TemplateSpec(), f"{SPEC_KEY} is not valid YAML: {exc}"
    value = data.get(SPEC_KEY) if isinstance(data, dict) else None
    if value is None:
        return TemplateSpec(), None
    if not isinstance(value, dict):
        return TemplateSpec(), f"{SPEC_KEY} must be a mapping"
    fields = {}
    for key in ("type", "folder", "name", "description"):
        item = value.get(key)
        if item is not None and not isinstance(item, str):
            return TemplateSpec(), f"{SPEC_KEY}.{key} must be a string"
        fields[key] = item.strip() if isinstance(item, str) and item.strip() else None
    return TemplateSpec(**fields), None


def note_path(folder: str, title: str) -> str:
    """Notebook-relative path for a new note titled ``title`` in ``folder`` (checked by
    :func:`check_folder`); raises :class:`BadName` with the rule it breaks.

    A title with ``/`` is a path from the notebook root. Whether a symlinked folder on the way
    leads outside the notebook is the caller's check (it needs the disk).
    """
    name = title.strip()
    if not is_note_name(name):
        name += ".md"
    path = name if "/" in name or not folder else f"{folder}/{name}"
    return check_relative_path(path, "a note path")


_SEQ = re.compile(r"\{\{\s*seq\s*(?::[^{}\n]*)?\}\}")


def seq_pattern(name_template: str, expand_part: Callable[[str], str]) -> re.Pattern[str] | None:
    """A pattern matching the file stems ``name_template`` makes, its ``{{seq}}`` numbers as
    groups; None when the pattern has no ``{{seq}}``. ``expand_part`` fills in the other
    variables of each piece before a number; what follows the last number is not compared
    (``EXP-{{seq}} {{title}}`` counts every ``EXP-N ...``, whatever its title)."""
    pieces = _SEQ.split(name_template)
    if len(pieces) < 2:
        return None
    counted = r"(\d+)".join(re.escape(expand_part(p)) for p in pieces[:-1])
    return re.compile(counted + r"(\d+)(?:\D.*)?\Z", re.I | re.S)


def next_seq(pattern: re.Pattern[str], stems: Iterable[str]) -> int:
    """One more than the largest ``{{seq}}`` number among ``stems`` (1 when none match)."""
    highest = 0
    for stem in stems:
        match = pattern.match(stem)
        if match is not None:
            highest = max([highest, *(int(n) for n in match.groups())])
    return highest + 1
