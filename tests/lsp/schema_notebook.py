"""A small notebook with a frontmatter schema, for the schema end-to-end tests."""

from __future__ import annotations

from pathlib import Path

SCHEMA = """\
version: 1
properties:
  title: {type: string, description: "The note's title"}
  tags: {type: array, items: {type: string}}
$defs:
  person: {type: string, x-codex-link: true, description: "Who did it"}
types:
  experiment:
    paths: ["experiments/**"]
    description: "A lab experiment"
    required: [status, date]
    additionalProperties: false
    properties:
      status: {enum: [planned, running, done, failed], description: "Where the run stands"}
      date: {type: string, format: date}
      protocol: {type: string, x-codex-link: true, description: "The protocol followed"}
      operator: {$ref: "#/$defs/person"}
      replicates: {type: integer, minimum: 1, default: 3}
      published: {type: boolean}
      sample:
        type: object
        required: [id]
        additionalProperties: false
        properties:
          id: {type: string}
          volume_ul: {type: number}
  protocol:
    paths: ["protocols/**"]
    required: [version]
    properties:
      version: {type: string, description: "Protocol revision"}
"""

FILES = {
    ".codex/schema.yaml": SCHEMA,
    ".codex/config.yaml": "",
    "protocols/PCR.md": "---\ntitle: PCR\nversion: '2.1'\ntags: [protocol, wet-lab]\n---\n# PCR\n",
    "people/Ana.md": "---\ntitle: Ana\ntags: [person]\n---\n# Ana\n",
    "experiments/Good run.md": (
        "---\ntype: experiment\nstatus: done\ndate: 2026-03-04\n"
        'protocol: "[[PCR]]"\noperator: "[[Ana]]"\ntags: [assay/pcr]\n---\n# Good run\n'
    ),
    "experiments/Archived run.md": "---\nstatus: archived\ndate: 2026-03-05\n---\n# Old\n",
    "data/run.csv": "well,ct\nA1,21.3\n",
    "data/.run.csv.json": (
        '{\n  "type": "experiment",\n  "status": "dne",\n  "date": "2026-03-06"\n}\n'
    ),
}


def make_notebook(root: Path) -> Path:
    """Write the notebook under ``root`` and return it."""
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
