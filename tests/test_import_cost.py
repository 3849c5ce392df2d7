"""Importing core and storage loads no library that only some requests need.

The server imports these layers before it answers ``initialize``; jsonschema (with
referencing and regex), pathspec and defusedxml load when a schema is compiled, a folder
scanned, an XML sidecar read or a new note written.
"""

from __future__ import annotations

import json
import subprocess
import sys

DEFERRED = (
    "jsonschema",
    "referencing",
    "regex",
    "pathspec",
    "defusedxml",
    "xml.etree",
    "frontmatter",
)


def test_core_and_storage_import_without_the_deferred_libraries() -> None:
    script = (
        "import importlib, json, pkgutil, sys\n"
        "import codex_lsp.core, codex_lsp.storage\n"
        "for package in (codex_lsp.core, codex_lsp.storage):\n"
        "    for info in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
        f"print(json.dumps([m for m in {DEFERRED!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout) == []


def test_a_schema_check_loads_them_when_it_runs() -> None:
    script = (
        "import json, sys\n"
        "from codex_lsp.core.schema.lint import load_schema\n"
        "load = load_schema('version: 1\\nproperties:\\n  n: {type: string, pattern: a}\\n')\n"
        "assert load.schema is not None, load.problems\n"
        "verdict = load.schema.evaluate('x.md', {'n': 'b'}, has_metadata=True)\n"
        "print(json.dumps([len(verdict.errors), 'jsonschema' in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout) == [1, True]
