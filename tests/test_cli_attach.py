"""``codex-lsp attach NOTE FILE...`` run as a real process on a copy of the example notebook."""

from __future__ import annotations

import json
from pathlib import Path

from codex_testing import cli

NOTE = "experiments/EXP-014 HEK293 transfection.md"
CSV_TYPE = """
  plate-data:
    paths: ["**/*.csv"]
    required: [instrument, run_id]
    properties:
      instrument: {type: string}
      run_id: {type: string}
"""


def test_attach_copies_appends_and_reports(lab_notebook: Path, tmp_path: Path) -> None:
    schema = lab_notebook / ".codex" / "schema.yaml"
    schema.write_text(schema.read_text(encoding="utf-8") + CSV_TYPE, encoding="utf-8")
    outside = tmp_path / "desktop"
    outside.mkdir()
    (outside / "plate.csv").write_text("well,od\nA1,0.4\n", encoding="utf-8")
    (outside / "blot.png").write_bytes(b"\x89PNG\r\n\x1a\nblot")
    before = (lab_notebook / NOTE).read_text(encoding="utf-8")
    cache = tmp_path / "cache"
    result = cli(
        "attach", lab_notebook / NOTE, outside / "plate.csv", outside / "blot.png", cache=cache
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"copied {outside / 'plate.csv'} -> attachments/plate.csv",
        "created attachments/.plate.csv.json",
        f"copied {outside / 'blot.png'} -> attachments/blot.png",
        f"appended 2 embeds to {NOTE}",
    ]
    text = (lab_notebook / NOTE).read_text(encoding="utf-8")
    assert text == before.rstrip("\n") + "\n\n![[plate.csv]]\n![[blot.png]]\n"
    assert (lab_notebook / "attachments" / "blot.png").read_bytes() == b"\x89PNG\r\n\x1a\nblot"
    sidecar = json.loads((lab_notebook / "attachments/.plate.csv.json").read_text("utf-8"))
    assert sidecar == {"instrument": "", "run_id": ""}
    # The embeds resolve: check reports no problem on their lines (the last two).
    check = cli("check", lab_notebook, "--json", cache=cache)
    issues = json.loads(check.stdout)["issues"]
    last = len(text.splitlines()) - 1
    assert [i for i in issues if i["path"] == NOTE and i["line"] >= last - 1] == []
    assert any(i["path"] == NOTE for i in issues)  # the note's own broken link is still seen
    # Again: the identical image is reused, nothing copied.
    again = cli("attach", lab_notebook / NOTE, outside / "blot.png", cache=cache)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == f"reused {outside / 'blot.png'} -> attachments/blot.png"


def test_attach_failures_are_one_line(lab_notebook: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    missing = cli("attach", lab_notebook / NOTE, tmp_path / "nothing.png", cache=cache)
    assert missing.returncode == 2
    assert missing.stderr == f"codex-lsp: attach: {tmp_path / 'nothing.png'}: not a file\n"
    source = tmp_path / "x.png"
    source.write_bytes(b"x")
    outside = cli("attach", lab_notebook / NOTE, source, "--folder", "../up", cache=cache)
    assert outside.returncode == 2
    assert len(outside.stderr.splitlines()) == 1 and "'..'" in outside.stderr
    assert not (lab_notebook.parent / "up").exists()
