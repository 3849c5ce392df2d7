"""What the server loads before it can answer ``initialize`` (bench/bench_startup.py times it)."""

from __future__ import annotations

import json
import subprocess
import sys

# Libraries the first answer does not need: they load when a database is opened.
LOADED_LATER = ("sqlite_utils",)


def test_creating_the_server_leaves_database_libraries_unloaded() -> None:
    script = (
        "import json, sys\n"
        "from codex_lsp.cli import main\n"
        "from codex_lsp.lsp.server import create_server\n"
        "create_server()\n"
        f"print(json.dumps([m for m in {LOADED_LATER!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout) == []


# What the server itself defers until a notebook opens (the CLI loads it for its commands).
SERVER_LOADS_LATER = (
    "codex_lsp.storage.indexer",
    "concurrent.futures.process",
    "multiprocessing",
    "sqlite_utils",
)


def test_creating_the_server_leaves_the_indexer_unloaded() -> None:
    script = (
        "import json, sys\n"
        "from codex_lsp.lsp.server import create_server\n"
        "create_server()\n"
        f"print(json.dumps([m for m in {SERVER_LOADS_LATER!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout) == []
