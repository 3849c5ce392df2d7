"""Paths and helpers shared by the test modules (independent of the code under test).

Import this module, not ``conftest``: pytest may load another folder's ``conftest`` under the
same module name.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from codex_lsp.core.model import Position, Range

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_NOTEBOOK = REPO_ROOT / "examples" / "lab-notebook"
CORPORA_DIR = REPO_ROOT.parent / "shared" / "corpora"


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, computed independently of the package."""
    return len(text.encode("utf-16-le")) // 2


def offset_of(text: str, pos: Position) -> int:
    """String offset of an LSP position in ``text``; fails if it lies outside the text."""
    lines = text.split("\n")
    assert 0 <= pos.line < len(lines), f"line {pos.line} outside 0..{len(lines) - 1}"
    start = sum(len(line) + 1 for line in lines[: pos.line])
    line = lines[pos.line]
    units = 0
    index = 0
    while units < pos.character:
        assert index < len(line), f"column {pos.character} past the end of line {pos.line}"
        units += 2 if ord(line[index]) > 0xFFFF else 1
        index += 1
    assert units == pos.character, f"column {pos.character} splits a surrogate pair"
    return start + index


def text_at(text: str, rng: Range) -> str:
    """The slice of ``text`` that an LSP range covers."""
    return text[offset_of(text, rng.start) : offset_of(text, rng.end)]


def cli(
    *args: str | Path, cache: Path, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``codex-lsp ARGS`` as a real process, with ``cache`` as its user cache folder."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "codex_lsp", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=cwd,
        timeout=120,
    )


def loaded_after(code: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter holds after running ``code``."""
    report = f"print(json.dumps([m for m in {modules!r} if m in sys.modules]))"
    script = f"import json, sys\n{code}\n{report}\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return list(json.loads(done.stdout))
