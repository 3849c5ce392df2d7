"""The examples of docs/cli.md's `mentions` section are golden transcripts: each ``console``
block runs, command after command, in a fresh copy of the notebook the section declares, and
prints exactly what the doc shows (as tests/test_cli_transcripts.py does for `rename`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_testing import cli
from test_cli_transcripts import run_console, section_blocks, steps

SECTION = "## `mentions`"


FILES, CONSOLES = section_blocks(SECTION)


def test_the_section_has_examples() -> None:
    assert FILES and CONSOLES
    assert {args[0] for console in CONSOLES for args, _ in steps(console)} == {"mentions"}


@pytest.mark.parametrize("console", CONSOLES)
def test_doc_example_is_what_the_command_prints(tmp_path: Path, console: str) -> None:
    run_console(tmp_path, FILES, console)


def test_a_note_that_is_not_there_is_refused(tmp_path: Path) -> None:
    (tmp_path / "nb" / ".codex").mkdir(parents=True)
    (tmp_path / "nb" / "A.md").write_text("# A\n", encoding="utf-8")
    result = cli("mentions", "nb", "Nowhere", cache=tmp_path / "cache", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert "no note 'Nowhere' in nb" in result.stderr
