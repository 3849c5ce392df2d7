"""Every failure of the command line is one line on standard error and exit status 2; only
``--debug`` shows a traceback (issue 13, item 10)."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_lsp.cli import main as cli_main
from codex_lsp.storage.indexer import Indexer
from codex_testing import EXAMPLE_NOTEBOOK, cli
from mounts import tmpfs


def assert_one_line_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit status 2, nothing on stdout, one ``codex-lsp:`` line on stderr naming ``words``."""
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("codex-lsp: "), result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.fixture
def cache_home(tmp_path: Path) -> Path:
    """An empty XDG cache folder for the child processes."""
    path = tmp_path / "xdg-cache"
    path.mkdir()
    return path


def _newer_database(root: Path) -> None:
    from codex_lsp.storage.database import APPLICATION_ID

    conn = sqlite3.connect(root / ".codex/notebook.db")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 999")
    conn.execute("CREATE TABLE future (x)")
    conn.commit()
    conn.close()


def _database_is_a_folder(root: Path) -> None:
    (root / ".codex/notebook.db").mkdir()


BROKEN_NOTEBOOKS = {
    "newer database": _newer_database,
    "database is a folder": _database_is_a_folder,
}
NOTEBOOK_COMMANDS = [
    ("index",),
    ("index", "--json"),
    ("search", "x"),
    ("tags",),
    ("check",),
    ("check", "--format", "json"),
]


@pytest.mark.parametrize("broken", sorted(BROKEN_NOTEBOOKS))
@pytest.mark.parametrize("args", NOTEBOOK_COMMANDS, ids=" ".join)
def test_every_notebook_command_fails_in_one_line(
    lab_notebook: Path, cache_home: Path, broken: str, args: tuple[str, ...]
) -> None:
    BROKEN_NOTEBOOKS[broken](lab_notebook)
    result = cli(args[0], lab_notebook, *args[1:], cache=cache_home)
    assert_one_line_failure(result, "notebook.db")


@pytest.mark.parametrize(
    "args",
    [
        ("index", "MISSING"),
        ("search", "MISSING", "x"),
        ("tags", "MISSING"),
        ("check", "MISSING"),
        ("history", "MISSING"),
        ("history", "FILE", "--limit", "0"),
        ("history", "FOLDER"),
        ("init", "FILE"),
        ("init", "FILE/sub"),
        ("serve", "--tcp", "nowhere"),
    ],
    ids=" ".join,
)
def test_every_command_with_a_broken_input_fails_in_one_line(
    tmp_path: Path, cache_home: Path, args: tuple[str, ...]
) -> None:
    file = tmp_path / "note.md"
    file.write_text("# x\n", encoding="utf-8")
    places = {"MISSING": str(tmp_path / "missing"), "FILE": str(file), "FOLDER": str(tmp_path)}
    real = [places.get(a, a).replace("FILE", str(file)) for a in args]
    assert_one_line_failure(cli(*real, cache=cache_home))


def _disk_full(*args: object, **kwargs: object) -> None:
    raise sqlite3.OperationalError("database or disk is full")


def test_an_unexpected_error_is_one_line_and_exit_2(
    lab_notebook: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(Indexer, "index", _disk_full)
    assert cli_main.main(["index", str(lab_notebook)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [f"codex-lsp: index of {lab_notebook}: database or disk is full"]


def test_debug_shows_the_traceback(
    lab_notebook: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(Indexer, "index", _disk_full)
    for argv in (["--debug", "check", str(lab_notebook)], ["check", str(lab_notebook), "--debug"]):
        assert cli_main.main(argv) == 2
        err = capsys.readouterr().err
        assert "Traceback (most recent call last)" in err
        assert "sqlite3.OperationalError: database or disk is full" in err


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MiB file system: room for the example notebook and its index (16 KiB pages,
    and a WAL as large as a full run) once it is no longer full."""
    with tmpfs(tmp_path / "small", "4m") as mount:
        yield mount


def test_disk_full_for_real(small_disk: Path, cache_home: Path) -> None:
    import shutil

    root = small_disk / "lab"
    shutil.copytree(EXAMPLE_NOTEBOOK, root, ignore=shutil.ignore_patterns("notebook.db*"))
    free = shutil.disk_usage(small_disk).free
    (small_disk / "filler").write_bytes(b"\0" * (free - 64 * 1024))
    result = cli("index", root, "--full", cache=cache_home)
    assert_one_line_failure(result, "full")
    assert not list((root / ".codex").glob("notebook.db.*-*")), "a full disk is not damage"
    # Once space is back, the same command succeeds: nothing was left half-done.
    (small_disk / "filler").unlink()
    again = cli("index", root, cache=cache_home)
    assert again.returncode == 0, again.stderr
