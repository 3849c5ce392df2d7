"""The wheel that ``python -m build`` makes (PEP 517, the same backend ``pip wheel`` runs)
installs into a fresh environment and runs: ``--version``, and an index of the example."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

from codex_lsp import __version__
from codex_testing import EXAMPLE_NOTEBOOK, REPO_ROOT


def test_the_built_wheel_installs_and_runs(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, REPO_ROOT],
        check=True,
        timeout=300,
    )
    [wheel] = dist.glob("codex_lsp-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "codex_lsp/core/data/codex-schema.schema.json" in names
    assert not [n for n in names if n.startswith(("tests/", "clients/", "bench/"))]
    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    bin_dir = target / ("Scripts" if os.name == "nt" else "bin")
    site = Path(sysconfig.get_path("purelib", vars={"base": str(target), "platbase": str(target)}))
    # The dependencies come from this environment's site-packages, added as a plain folder so
    # that its .pth files (the editable install of the sources) are not read.
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", "utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", bin_dir / "python", "install", "-q",
         "--no-deps", wheel],
        check=True,
        timeout=300,
    )  # fmt: skip
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("PYTHONPATH", None)

    def run(*args: str | Path) -> str:
        done = subprocess.run(
            [bin_dir / "codex-lsp", *map(str, args)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert run("--version").strip() == f"codex-lsp {__version__}"
    notebook = tmp_path / "lab-notebook"
    shutil.copytree(EXAMPLE_NOTEBOOK, notebook, ignore=shutil.ignore_patterns("notebook.db*"))
    [indexed] = json.loads(run("index", notebook, "--json"))["notebooks"]
    assert indexed["stats"]["notes"] == 26
    where = subprocess.run(
        [bin_dir / "python", "-c", "import codex_lsp; print(codex_lsp.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert Path(where.strip()).is_relative_to(site)
