"""Templates: variables and tab stops (core/template_vars.py), the template file
(core/templates.py), and new notes planned from them with the schema (storage/new_note.py)."""

from __future__ import annotations

import datetime as _dt
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from codex_lsp.core.template_vars import MAX_TEMPLATE, TemplateError, Values, expand
from codex_lsp.core.templates import next_seq, read_template, seq_pattern
from codex_lsp.storage.new_note import NoteRefused, NoteRequest, plan_new_note
from codex_lsp.storage.notebooks import Notebook
from codex_lsp.storage.templates import list_templates

NOW = _dt.datetime(2026, 12, 2, 9, 30)
VALUES = Values(
    title="Gel run", now=NOW, folder="runs", author="Ada", uuid="u-1", clipboard="pasted", seq=7
)


def test_every_variable() -> None:
    template = (
        "{{title}}|{{date}}|{{date:dddd D MMMM}}|{{date:%Y.%m}}|{{time}}|{{time:HH[h]}}|"
        "{{folder}}|{{author}}|{{uuid}}|{{clipboard}}|{{seq}}|{{seq:3}}|{{ title }}|{{unknown}}"
    )
    assert expand(template, VALUES).text == (
        "Gel run|2026-12-02|Wednesday 2 December|2026.12|09:30|09h|"
        "runs|Ada|u-1|pasted|7|007|Gel run|{{unknown}}"
    )


def test_values_are_not_expanded_again() -> None:
    values = Values(title="{{date}} ${1:x}", now=NOW)
    result = expand("# {{title}} {{cursor}}", values)
    assert result.text == "# {{date}} ${1:x} "
    assert result.snippet == "# {{date\\}\\} \\${1:x\\} $0"


def test_tab_stops_become_defaults_and_a_snippet() -> None:
    result = expand("Aim: ${1:why} cost $5 {x}\n${2}{{cursor}}", VALUES)
    assert result.text == "Aim: why cost $5 {x}\n"
    assert result.snippet == "Aim: ${1:why} cost \\$5 {x\\}\n${2:}$0"


def test_a_template_without_stops_has_no_snippet() -> None:
    assert expand("# {{title}}", VALUES).snippet is None


def test_whole_frontmatter_values_are_written_as_yaml() -> None:
    values = Values(title="Run: 3 # final", now=NOW)
    text = expand("---\ntitle: {{title}}\nalias:\n  - {{title}}\n---\n# {{title}}\n", values).text
    front = text.split("---\n")[1]
    assert yaml.safe_load(front) == {"title": "Run: 3 # final", "alias": ["Run: 3 # final"]}
    assert text.endswith("# Run: 3 # final\n")


def test_templates_are_bounded() -> None:
    with pytest.raises(TemplateError):
        expand("x" * (MAX_TEMPLATE + 1), VALUES)
    with pytest.raises(TemplateError):
        expand("{{clipboard}}" * 20_000, Values(title="t", now=NOW, clipboard="y" * 60_000))


def test_the_template_key_is_read_and_removed() -> None:
    text = (
        "---\ncodex-template:\n  type: experiment\n  folder: experiments/{{date:YYYY}}\n"
        '  name: "EXP-{{seq}} {{title}}"\n\n  # a comment\nstatus: planned\n---\n# {{title}}\n'
    )
    template = read_template("experiment", text)
    assert template.spec.type == "experiment"
    assert template.spec.folder == "experiments/{{date:YYYY}}"
    assert template.spec.name == "EXP-{{seq}} {{title}}"
    assert template.body == "---\nstatus: planned\n---\n# {{title}}\n"
    alone = read_template("t", "---\ncodex-template: {type: x}\n---\n# {{title}}\n")
    assert alone.body == "# {{title}}\n"
    bad = read_template("t", "---\ncodex-template: [1]\n---\n")
    assert bad.problem == "codex-template must be a mapping"


def test_seq_is_one_more_than_the_largest_number_in_use() -> None:
    pattern = seq_pattern("EXP-{{seq:3}} {{title}}", lambda piece: piece.replace("{{title}}", "x"))
    assert pattern is not None
    assert next_seq(pattern, ["EXP-001 x", "EXP-012 y", "EXP-5", "exp-003 X", "EXP99 x"]) == 13
    assert next_seq(pattern, []) == 1
    assert seq_pattern("{{title}}", str) is None


# -- new notes on disk -------------------------------------------------------------------

SCHEMA = """\
version: 1
types:
  experiment:
    paths: ["experiments/**"]
    required: [status, operator]
    properties:
      status: {enum: [planned, running, done]}
      operator: {type: string}
  protocol:
    paths: ["protocols/**"]
    required: [version]
    properties:
      version: {type: string}
"""

EXPERIMENT = """\
---
codex-template:
  type: experiment
  folder: experiments/{{date:YYYY}}
  name: "EXP-{{seq:3}} {{title}}"
title: {{title}}
author: {{author}}
---
# {{title}}

${1:Aim}
{{cursor}}
"""


def notebook(tmp_path: Path, templates: dict[str, str], schema: str | None = SCHEMA) -> Notebook:
    root = tmp_path / "nb"
    (root / ".codex" / "templates").mkdir(parents=True)
    if schema is not None:
        (root / ".codex" / "schema.yaml").write_text(schema, encoding="utf-8")
    for name, text in templates.items():
        (root / ".codex" / "templates" / f"{name}.md").write_text(text, encoding="utf-8")
    return Notebook(root, True)


def test_a_typed_template_makes_a_numbered_valid_note(tmp_path: Path) -> None:
    nb = notebook(tmp_path, {"experiment": EXPERIMENT})
    subprocess.run(["git", "init", "-q", str(nb.root)], check=True)
    subprocess.run(["git", "-C", str(nb.root), "config", "user.name", "Rosalind F"], check=True)
    (nb.root / "experiments" / "2026").mkdir(parents=True)
    (nb.root / "experiments" / "2026" / "EXP-004 Old.md").write_text("x", encoding="utf-8")
    note = plan_new_note(nb, NoteRequest("Gel run", type="experiment", now=NOW))
    assert note.path == "experiments/2026/EXP-005 Gel run.md"
    assert note.template == "experiment"
    assert note.text == (
        '---\ntitle: Gel run\nauthor: Rosalind F\nstatus: planned\noperator: ""\n---\n'
        "# Gel run\n\nAim\n\n"
    )
    assert note.snippet == (
        '---\ntitle: Gel run\nauthor: Rosalind F\nstatus: planned\noperator: ""\n---\n'
        "# Gel run\n\n${1:Aim}\n$0\n"
    )


def test_the_folder_asked_for_wins_and_a_type_without_template_is_filled(tmp_path: Path) -> None:
    nb = notebook(tmp_path, {"experiment": EXPERIMENT})
    note = plan_new_note(nb, NoteRequest("Buffers", type="protocol", now=NOW))
    assert note.path == "protocols/Buffers.md"
    assert note.template is None
    assert 'version: ""' in note.text.splitlines()
    asked = plan_new_note(nb, NoteRequest("Buffers", folder="misc", type="protocol", now=NOW))
    assert asked.path == "misc/Buffers.md"
    assert "type: protocol" in asked.text.splitlines()


def test_plain_notes_stay_as_they_were(tmp_path: Path) -> None:
    nb = notebook(tmp_path, {}, schema=None)
    note = plan_new_note(nb, NoteRequest("Idea", now=NOW))
    assert (note.path, note.snippet) == ("Idea.md", None)
    assert note.text == "---\ntitle: Idea\ndate: '2026-12-02'\n---\n\n# Idea\n"


def test_refusals_name_the_reason(tmp_path: Path) -> None:
    nb = notebook(tmp_path, {"bad": "---\ncodex-template: 3\n---\n"})
    with pytest.raises(NoteRefused, match="no template 'nope'"):
        plan_new_note(nb, NoteRequest("x", template="nope"))
    with pytest.raises(NoteRefused, match="must be a mapping"):
        plan_new_note(nb, NoteRequest("x", template="bad"))
    with pytest.raises(NoteRefused, match="no note type 'nope'"):
        plan_new_note(nb, NoteRequest("x", type="nope"))
    with pytest.raises(NoteRefused, match="cannot be a note name"):
        plan_new_note(nb, NoteRequest("a:b"))
    with pytest.raises(NoteRefused, match="inside the notebook"):
        plan_new_note(nb, NoteRequest("x", folder="../out"))


def test_templates_are_listed_by_name(tmp_path: Path) -> None:
    nb = notebook(tmp_path, {"b": "# b", "a": EXPERIMENT})
    (nb.root / ".codex" / "templates" / "notes.txt").write_text("x", encoding="utf-8")
    assert [t.name for t in list_templates(nb)] == ["a", "b"]
    assert re.fullmatch(r"[\w-]+", list_templates(nb)[0].spec.type or "")
