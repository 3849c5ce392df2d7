"""What the server loads before it can answer ``initialize`` (bench/bench_startup.py times it)."""

from __future__ import annotations

from codex_testing import loaded_after

# What the server itself defers until a notebook opens (the CLI loads it for its commands).
SERVER_LOADS_LATER = (
    "codex_lsp.storage.indexer",
    "concurrent.futures.process",
    "multiprocessing",
)


def test_creating_the_server_leaves_the_indexer_unloaded() -> None:
    code = "from codex_lsp.lsp.server import create_server\ncreate_server()\n"
    assert loaded_after(code, SERVER_LOADS_LATER) == []
