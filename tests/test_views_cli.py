"""CLI transcripts of ``codex-lsp query`` and ``codex-lsp views`` (real processes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codex_testing import cli

TODAY = "2026-03-09"


@pytest.fixture
def cache_home(tmp_path: Path) -> Path:
    """A private user cache folder."""
    return tmp_path / "cache"


def test_query_expression_as_table(lab_notebook: Path, cache_home: Path) -> None:
    result = cli(
        "query", lab_notebook, 'status == "done" && file.hasTag("assay/pcr")', cache=cache_home
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "name"
    assert sorted(lines[2:-1]) == [
        "2026-03-04 PCR optimisation.md",
        "2026-03-05 Gel check of PCR products.md",
        "EXP-011 Template titration.md",
        "EXP-012 Annealing gradient.md",
    ]
    assert lines[-1] == "4 rows"


def test_query_file_view_as_json(lab_notebook: Path, cache_home: Path) -> None:
    result = cli(
        "query",
        lab_notebook,
        "views/Experiments.base",
        "--view",
        "By status",
        "--format",
        "json",
        cache=cache_home,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [c["id"] for c in data["columns"]] == ["file.basename", "note.date", "note.protocol"]
    assert [(g["key"], len(g["rows"])) for g in data["groups"]] == [
        ("done", 5),
        ("planned", 1),
        ("running", 1),
    ]
    assert data["groups"][0]["summaries"] == {"note.date": "2026-03-06"}
    first = data["rows"][0]
    assert first["path"] == "experiments/2026-03-06 qPCR run 07.md"
    assert first["uri"] == (lab_notebook / first["path"]).resolve().as_uri()


def test_query_csv_and_tasks(lab_notebook: Path, cache_home: Path) -> None:
    result = cli("query", lab_notebook, "views/Open tasks.cdx", "--format", "csv", cache=cache_home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "path,note.text,file.basename,note.line",
        "projects/Plasmid library screen.md,Miniprep kit decision ([[2026-03-09 Miniprep yield"
        " comparison]]),Plasmid library screen,28",
        "projects/Plasmid library screen.md,First transfection ([[EXP-014 HEK293 transfection]]),"
        "Plasmid library screen,29",
    ]


def test_query_errors_exit_1(lab_notebook: Path, cache_home: Path) -> None:
    result = cli("query", lab_notebook, "status ==", cache=cache_home)
    assert result.returncode == 1
    assert result.stderr == "codex-lsp: query: expression ends too early\n"
    unknown = cli("query", lab_notebook, "views/Experiments.base", "--view", "X", cache=cache_home)
    assert unknown.returncode == 1
    assert "no view named 'X'" in unknown.stderr
    bad_day = cli("query", lab_notebook, "true", "--today", "soon", cache=cache_home)
    assert bad_day.returncode == 2 and "--today 'soon' is not a date" in bad_day.stderr


def test_views_lists_every_view(lab_notebook: Path, cache_home: Path) -> None:
    result = cli("views", lab_notebook, "--today", TODAY, cache=cache_home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "views/Experiments.base\tActive by protocol\t2",
        "views/Experiments.base\tBy status\t7",
        "views/Experiments.base\tBoard\t7",
        "views/Open tasks.cdx\tOpen tasks\t2",
        "views/This week.cdx\tThis week\t4",
    ]


def test_views_check_and_write(lab_notebook: Path, cache_home: Path) -> None:
    fresh = cli("views", lab_notebook, "--check", "--today", TODAY, cache=cache_home)
    assert (fresh.returncode, fresh.stdout) == (0, "")
    # A note changes status: the dashboard is stale until it is written again.
    exp = lab_notebook / "experiments" / "EXP-014 HEK293 transfection.md"
    exp.write_text(exp.read_text().replace("status: planned", "status: running"))
    stale = cli("views", lab_notebook, "--check", "--today", TODAY, cache=cache_home)
    assert (stale.returncode, stale.stdout) == (1, "stale: Dashboard.md\n")
    dashboard = lab_notebook / "Dashboard.md"
    before = dashboard.read_text()
    wrote = cli("views", lab_notebook, "--write", "--today", TODAY, cache=cache_home)
    assert (wrote.returncode, wrote.stdout) == (0, "updated: Dashboard.md\n")
    after = dashboard.read_text()
    assert "| EXP-014 HEK293 transfection | 2026-03-12 | Cell culture passaging |" in after
    assert after.split("<!-- codex:view")[0] == before.split("<!-- codex:view")[0]
    assert "**status: planned**" in before and "**status: planned**" not in after
    again = cli("views", lab_notebook, "--check", "--today", TODAY, cache=cache_home)
    assert again.returncode == 0


def test_example_materialized_views_are_fresh(lab_notebook: Path, cache_home: Path) -> None:
    """CI's check: the example's checked-in tables match its notes (on a copy, so the
    repository gains no index)."""
    result = cli("views", lab_notebook, "--check", "--today", TODAY, cache=cache_home)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


def test_views_write_fills_inline_markers(lab_notebook: Path, cache_home: Path) -> None:
    """An ``inline`` marker shows the nearest inline view block above it; one with no block
    above shows an error in place of its table."""
    note = lab_notebook / "Inline results.md"
    block = "```base\nfilters: 'status == \"planned\"'\nviews:\n  - name: Planned\n```\n"
    orphan = "<!-- codex:view inline -->\n<!-- /codex:view -->\n"
    pair = "<!-- codex:view inline#Planned -->\nold\n<!-- /codex:view -->\n"
    note.write_text(f"# Inline\n\n{orphan}\n{block}\n{pair}")
    stale = cli("views", lab_notebook, "--check", "--today", TODAY, cache=cache_home)
    assert (stale.returncode, stale.stdout) == (1, "stale: Inline results.md\n")
    wrote = cli("views", lab_notebook, "--write", "--today", TODAY, cache=cache_home)
    assert wrote.returncode == 0
    text = note.read_text()
    head, _, table = text.partition(f"{block}\n<!-- codex:view inline#Planned -->\n")
    assert head.startswith(
        "# Inline\n\n<!-- codex:view inline -->\n"
        "_codex:view error: no inline view block above this marker_\n<!-- /codex:view -->\n"
    )
    rows = sorted(table.splitlines()[2:-1])
    assert rows == ["| EXP-014 HEK293 transfection.md |", "| Overview.md |"]
    assert table.endswith("|\n<!-- /codex:view -->\n")
    again = cli("views", lab_notebook, "--check", "--today", TODAY, cache=cache_home)
    assert again.returncode == 0
