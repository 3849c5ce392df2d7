"""Hostile notes through the command line, run as a real process on a copy of the example."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

INDEX_WITHIN = 30.0  # seconds for the whole process: the bomb alone took minutes before


def run(*args: str | Path, cache: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """``codex-lsp ARGS`` with its own cache folder; the result and how long it took."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONIOENCODING": "utf-8"}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "codex_lsp", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=600,
    )
    return result, time.perf_counter() - start


def issues(notebook: Path, cache: Path) -> list[dict[str, Any]]:
    result, _ = run("check", notebook, "--format", "json", cache=cache)
    found: list[dict[str, Any]] = json.loads(result.stdout)["issues"]
    return found


def laughs(levels: int = 9, width: int = 9) -> str:
    """Nested YAML aliases: ``width ** levels`` values from a few hundred bytes."""
    names = [chr(ord("a") + n) for n in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [" + ",".join(['"x"'] * width) + "]"]
    for previous, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * width) + "]")
    return "\n".join(lines)


def test_index_with_a_yaml_bomb_finishes_and_indexes_the_rest(
    lab_notebook: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    bomb = f"---\n{laughs()}\n---\n# Laughs\n\n[[PCR amplification]] and [[Nowhere]]\n"
    (lab_notebook / "Laughs.md").write_text(bomb, encoding="utf-8")
    result, took = run("index", lab_notebook, "--json", cache=cache)
    assert took < INDEX_WITHIN, f"index took {took:.1f} s"
    assert result.returncode == 0, result.stderr
    [notebook] = json.loads(result.stdout)["notebooks"]
    assert notebook["stats"]["added"] == 32  # the 31 files of the example and the bomb
    every = issues(lab_notebook, cache)
    found = [(i["path"], i["code"]) for i in every]
    [invalid] = [i for i in every if i["code"] == "yaml-invalid"]
    assert invalid["path"] == "Laughs.md"
    assert "aliases are expanded" in invalid["message"]
    assert ("Laughs.md", "link-broken") in found  # the body of the note was indexed
    assert ("experiments/EXP-014 HEK293 transfection.md", "link-broken") in found


def test_check_finds_no_link_in_indented_code_after_a_fence(
    lab_notebook: Path, tmp_path: Path
) -> None:
    note = "# Code\n\n```\nfenced\n```\n    [[Not a link]]\n\n[[Missing]]\n"
    (lab_notebook / "Code.md").write_text(note, encoding="utf-8")
    found = [(i["code"], i["line"]) for i in issues(lab_notebook, tmp_path / "cache")
             if i["path"] == "Code.md"]  # fmt: skip
    assert found == [("link-broken", 7)]  # [[Missing]], and nothing from the code
