"""The command line loads a command's modules only when that command runs."""

from __future__ import annotations

from codex_testing import loaded_after

# What parsing the command line (and ``--help``) must not load: the index, schema and views.
HEAVY = (
    "codex_lsp.storage.workspace",
    "codex_lsp.storage.indexer",
    "codex_lsp.storage.queries",
    "codex_lsp.core.schema.compile",
    "codex_lsp.core.views.engine",
    "jsonschema",
    "sqlite3",
    "yaml",
)


def test_parsing_every_command_loads_none_of_them() -> None:
    code = (
        "from codex_lsp.cli.main import parse_args\n"
        "for argv in (['index', '.'], ['search', '.', 'x'], ['check', '.'], ['serve'],\n"
        "             ['rename', 'tag', '.', 'a', 'b'], ['mv', 'a', 'b'], ['query', '.', 'x'],\n"
        "             ['views', '.'], ['history', 'a.md'], ['init'], ['attach', 'n.md', 'f'],\n"
        "             ['new', '.', '--title', 'x'], ['mentions', '.', 'n']):\n"
        "    parse_args(argv)\n"
    )
    assert loaded_after(code, HEAVY) == []


def test_help_loads_no_command() -> None:
    code = (
        "import contextlib, io\n"
        "from codex_lsp.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
    )
    assert loaded_after(code, HEAVY) == []
