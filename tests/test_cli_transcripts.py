"""The examples of docs/cli.md's `rename` and `mv` section are golden transcripts: each
``console`` block runs, command after command, in a fresh copy of the notebook the section
declares, and prints exactly what the doc shows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from codex_testing import cli

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
SECTION = "## `rename` and `mv`"
BLOCK = re.compile(r"^```(\w+)(?: file=(\S+))?\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def section_blocks(section: str) -> tuple[dict[str, str], list[str]]:
    """The files a section of docs/cli.md declares and its console blocks."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(section)
    end = text.index("\n## `", start + len(section))  # the next command (notes hold "## ")
    files: dict[str, str] = {}
    consoles: list[str] = []
    for kind, path, body in BLOCK.findall(text[start:end]):
        if path:
            files[path] = body
        elif kind == "console":
            consoles.append(body)
    return files, consoles


FILES, CONSOLES = section_blocks(SECTION)


def steps(console: str) -> list[tuple[list[str], str]]:
    """(arguments after ``codex-lsp``, expected output) of each ``$`` line of a block."""
    found: list[tuple[list[str], str]] = []
    for line in console.splitlines(keepends=True):
        if line.startswith("$ "):
            words = shlex.split(line[2:])
            assert words[0] == "codex-lsp", line
            found.append((words[1:], ""))
        else:
            args, output = found[-1]
            found[-1] = (args, output + line)
    return found


def write_notebook(work: Path, files: dict[str, str]) -> None:
    """The files of a section under ``work``, with ``nb`` made a notebook."""
    for rel, text in files.items():
        path = work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (work / "nb" / ".codex").mkdir()


def run_console(tmp_path: Path, files: dict[str, str], console: str) -> None:
    """Run a console block's commands in a fresh copy of ``files``; each prints what it shows."""
    work = tmp_path / "work"
    write_notebook(work, files)
    for args, expected in steps(console):
        result = cli(*args, cache=tmp_path / "cache", cwd=work)
        assert (result.returncode, result.stdout) == (0, expected), result.stderr


def test_the_section_has_examples() -> None:
    assert FILES and len(CONSOLES) >= 2
    assert {args[0] for console in CONSOLES for args, _ in steps(console)} == {"rename", "mv"}


@pytest.mark.parametrize("console", CONSOLES)
def test_doc_example_is_what_the_command_prints(tmp_path: Path, console: str) -> None:
    run_console(tmp_path, FILES, console)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["rename", "heading", "nb/notes/b.md", "Nope", "X"], "has no heading 'Nope'"),
        (["rename", "block", "nb/notes/b.md", "mix", "two words"], "not a valid block id"),
        (["mv", "nb/notes/b.md", "nb/notes/a.md"], "notes/a.md already exists"),
    ],
)
def test_a_refused_rename_says_why_and_changes_nothing(
    tmp_path: Path, args: list[str], reason: str
) -> None:
    work = tmp_path / "work"
    write_notebook(work, FILES)
    result = cli(*args, cache=tmp_path / "cache", cwd=work)
    assert result.returncode == 2 and reason in result.stderr, result.stderr
    assert {rel: (work / rel).read_text(encoding="utf-8") for rel in FILES} == FILES
