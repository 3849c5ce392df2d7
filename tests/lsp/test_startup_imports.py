"""What creating the server loads: the first answer (``initialize``) needs pygls and the
features' classes, not SQLite, the storage services, schemas, views, git or watchdog
(docs/ARCHITECTURE.md, invariant 14; bench/bench_startup.py times it)."""

from __future__ import annotations

from codex_testing import loaded_after

# Modules that load on first use, once a notebook is opened or a request needs them.
LOADED_ON_FIRST_USE = (
    "sqlite3",
    "yaml",
    "jsonschema",
    "git",
    "watchdog",
    "codex_lsp.storage.service",
    "codex_lsp.storage.lookups",
    "codex_lsp.core.parser",
    "codex_lsp.core.schema.compile",
    "codex_lsp.core.views.engine",
    "codex_lsp.storage.git",
)


def test_creating_the_server_loads_no_heavy_layer() -> None:
    code = "from codex_lsp.lsp.server import create_server\ncreate_server()\n"
    assert loaded_after(code, LOADED_ON_FIRST_USE) == []
