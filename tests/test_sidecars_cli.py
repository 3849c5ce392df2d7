"""``codex-lsp tags``, ``check`` and ``mv`` with sidecars and a tag table (docs/attachments.md,
docs/cli.md), run as real processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codex_testing import cli
from notebook_builder import write_notebook


@pytest.fixture
def cache_home(tmp_path: Path) -> Path:
    path = tmp_path / "xdg-cache"
    path.mkdir()
    return path


CONFIG = (
    "tags:\n"
    "  ml: {description: Machine learning runs, color: blue}\n"
    "  pytorch: PyTorch code or models\n"
    "  archive: {color: '#808080'}\n"
)


def test_tags_prints_each_tags_description_and_colour(tmp_path: Path, cache_home: Path) -> None:
    root = write_notebook(
        tmp_path / "nb",
        {
            ".codex/config.yaml": CONFIG,
            "data/loss.csv": "epoch,loss\n",
            "data/.loss.csv.json": '{"title": "Training run", "tags": ["ml", "pytorch"]}',
            "Run.md": "Notes #ml #lab\n",
        },
    )
    data = json.loads(cli("tags", root, "--json", cache=cache_home).stdout)
    assert data["tags"] == [
        {"name": "ml", "count": 2, "description": "Machine learning runs", "color": "blue"},
        {"name": "lab", "count": 1},
        {"name": "pytorch", "count": 1, "description": "PyTorch code or models"},
        {"name": "archive", "count": 0, "color": "#808080"},
    ]
    text = cli("tags", root, cache=cache_home)
    assert text.stdout.splitlines() == [
        "#ml       2  blue  Machine learning runs",
        "#lab      1",
        "#pytorch  1  PyTorch code or models",
        "#archive  0  #808080",
    ]


def test_check_reports_broken_and_orphaned_sidecars_on_the_sidecar(
    tmp_path: Path, cache_home: Path
) -> None:
    root = write_notebook(
        tmp_path / "nb",
        {
            "data/run.csv": "a\n",
            "data/.run.csv.json": '{\n  "title": "Run",\n  oops\n}\n',
            "data/.run.csv.xml": "<m>\n<a>\n</m>\n",
            "data/.run.csv.md": "---\ntags: [a\n---\n",
            "data/.deleted.csv.json": '{"title": "Gone"}',
            ".prettierrc.json": "{}",  # a tool's hidden file, no sidecar
            "Note.md": "Text\n",
        },
    )
    result = cli("check", root, "--json", cache=cache_home)
    assert result.returncode == 0  # warnings only
    issues = {(i["path"], i["code"], i["line"]) for i in json.loads(result.stdout)["issues"]}
    assert issues == {
        ("data/.run.csv.json", "sidecar-invalid", 2),
        ("data/.run.csv.xml", "sidecar-invalid", 2),
        ("data/.run.csv.md", "sidecar-invalid", 2),
        ("data/.deleted.csv.json", "sidecar-orphaned", 0),
    }
    text = cli("check", root, cache=cache_home).stdout
    assert (
        "data/.deleted.csv.json:1:1: warning: Orphaned sidecar: deleted.csv does not exist" in text
    )


def test_mv_moves_a_files_sidecars_with_it(tmp_path: Path, cache_home: Path) -> None:
    root = write_notebook(
        tmp_path / "nb",
        {
            "data/run.csv": "a\n",
            "data/.run.csv.json": '{"title": "Run"}',
            "data/.run.csv.md": "# Metadata\nOwner: Ana\n",
            "Note.md": "See [[run.csv]].\n",
        },
    )
    dry = cli(
        "mv", root / "data/run.csv", root / "archive/run-1.csv", "--dry-run", cache=cache_home
    )
    assert dry.returncode == 0, dry.stderr
    assert "rename from data/.run.csv.json\nrename to archive/.run-1.csv.json\n" in dry.stdout
    moved = cli("mv", root / "data/run.csv", root / "archive/run-1.csv", cache=cache_home)
    assert moved.returncode == 0, moved.stderr
    assert sorted(p.name for p in (root / "archive").iterdir()) == [
        ".run-1.csv.json",
        ".run-1.csv.md",
        "run-1.csv",
    ]
    assert not (root / "data/.run.csv.json").exists()
    assert "[[run-1.csv]]" in (root / "Note.md").read_text(encoding="utf-8")
    check = json.loads(cli("check", root, "--json", cache=cache_home).stdout)
    assert check["issues"] == []


def test_mv_refuses_when_the_sidecars_new_name_is_taken(tmp_path: Path, cache_home: Path) -> None:
    root = write_notebook(
        tmp_path / "nb",
        {
            "data/run.csv": "a\n",
            "data/.run.csv.json": "{}",
            "data/.new.csv.json": "{}",
        },
    )
    result = cli("mv", root / "data/run.csv", root / "data/new.csv", cache=cache_home)
    assert result.returncode == 2
    assert "data/.new.csv.json already exists" in result.stderr
    assert (root / "data/run.csv").exists()


def test_rename_tag_renames_it_in_the_json_sidecar_of_a_note(
    tmp_path: Path, cache_home: Path
) -> None:
    root = write_notebook(
        tmp_path / "nb",
        {
            "Run.md": "Text #ml\n",
            ".Run.md.json": '{"tags": ["ml", "ml/cnn", "other"]}',
            "Plain.md": "No tags\n",
            ".Plain.md.json": '{"tags": ["ml"]}',
        },
    )
    result = cli("rename", "tag", root, "ml", "learning", cache=cache_home)
    assert result.returncode == 0, result.stderr
    assert json.loads((root / ".Run.md.json").read_text(encoding="utf-8"))["tags"] == [
        "learning",
        "learning/cnn",
        "other",
    ]
    assert json.loads((root / ".Plain.md.json").read_text(encoding="utf-8"))["tags"] == ["learning"]
    assert (root / "Run.md").read_text(encoding="utf-8") == "Text #learning\n"
