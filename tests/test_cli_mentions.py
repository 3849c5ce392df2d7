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


def test_the_innermost_notebook_holds_a_path_by_its_real_path(tmp_path: Path) -> None:
    """``holder_of``, the CLI's one way from a path to its notebook (mentions, rename, attach)."""
    from codex_lsp.storage.workspace import holder_of, indexed_notebooks

    for folder in ("outer/.codex", "outer/inner/.codex", "elsewhere"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "outer/inner/Deep.md").write_text("# Deep\n", encoding="utf-8")
    (tmp_path / "outer/Top.md").write_text("# Top\n", encoding="utf-8")
    (tmp_path / "elsewhere/Secret.md").write_text("# Secret\n", encoding="utf-8")
    (tmp_path / "outer/out").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with indexed_notebooks(tmp_path / "outer") as notebooks:
        found = holder_of(notebooks, tmp_path / "outer/inner/Deep.md")
        assert found is not None and found[1] == "Deep.md"
        assert found[0].notebook.root == (tmp_path / "outer/inner").resolve()
        top = holder_of(notebooks, tmp_path / "outer/Top.md")
        assert top is not None and top[0].notebook.root == (tmp_path / "outer").resolve()
        assert holder_of(notebooks, tmp_path / "outer/out/Secret.md") is None
        assert holder_of(notebooks, tmp_path / "elsewhere/Secret.md") is None
