"""``codex-lsp new``: a note from a template, written to disk with tab stops as plain text."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

from codex_testing import cli

TEMPLATE = """\
---
codex-template:
  folder: runs/{{date:YYYY}}
  name: "R{{seq:2}} {{title}}"
title: {{title}}
---
# {{title}}

${1:Aim of the run}
{{cursor}}done
"""


def notebook(tmp_path: Path) -> Path:
    root = tmp_path / "nb"
    (root / ".codex" / "templates").mkdir(parents=True)
    (root / ".codex" / "templates" / "run.md").write_text(TEMPLATE, encoding="utf-8")
    (root / ".codex" / "schema.yaml").write_text(
        "version: 1\ntypes:\n  run:\n    paths: ['runs/**']\n    required: [status]\n"
        "    properties:\n      status: {enum: [planned, done]}\n",
        encoding="utf-8",
    )
    return root


def test_new_note_from_a_template(tmp_path: Path) -> None:
    root = notebook(tmp_path)
    year = _dt.date.today().year
    done = cli("new", root, "--template", "run", "--title", "yes", cache=tmp_path / "c")
    assert done.returncode == 0, done.stderr
    path = root / "runs" / str(year) / "R01 yes.md"
    assert done.stdout.strip() == str(path)
    assert path.read_text(encoding="utf-8") == (
        '---\ntitle: "yes"\nstatus: planned\n---\n# yes\n\nAim of the run\ndone\n'
    )
    second = cli("new", root, "--template", "run", "--title", "Gel", "--json", cache=tmp_path / "c")
    assert json.loads(second.stdout) == {
        "path": str(root / "runs" / str(year) / "R02 Gel.md"),
        "created": True,
        "template": "run",
    }


def test_new_plain_note_in_a_folder_and_refusals(tmp_path: Path) -> None:
    root = notebook(tmp_path)
    (root / "ideas").mkdir()
    done = cli("new", root / "ideas", "--title", "Spark", cache=tmp_path / "c")
    assert done.returncode == 0, done.stderr
    assert (
        (root / "ideas" / "Spark.md").read_text(encoding="utf-8").startswith("---\ntitle: Spark\n")
    )
    again = cli("new", root / "ideas", "--title", "Spark", cache=tmp_path / "c")
    assert (again.returncode, again.stdout.strip()) == (
        1,
        f"{root / 'ideas' / 'Spark.md'} exists already",
    )
    missing = cli("new", root, "--template", "nope", "--title", "x", cache=tmp_path / "c")
    assert missing.returncode == 2
    assert missing.stderr.strip() == "codex-lsp: new: no template 'nope' in .codex/templates"
