"""Importing core and storage loads no library that only some requests need.

The server imports these layers before it answers ``initialize``; jsonschema (with
referencing and regex), pathspec and defusedxml load when a schema is compiled, a folder
scanned, an XML sidecar read or a new note written.
"""

from __future__ import annotations

from codex_testing import loaded_after

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
    code = (
        "import importlib, json, pkgutil, sys\n"
        "import codex_lsp.core, codex_lsp.storage\n"
        "for package in (codex_lsp.core, codex_lsp.storage):\n"
        "    for info in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
    )
    assert loaded_after(code, DEFERRED) == []


def test_a_schema_check_loads_them_when_it_runs() -> None:
    code = (
        "from codex_lsp.core.schema.lint import load_schema\n"
        "load = load_schema('version: 1\\nproperties:\\n  n: {type: string, pattern: a}\\n')\n"
        "assert load.schema is not None, load.problems\n"
        "verdict = load.schema.evaluate('x.md', {'n': 'b'}, has_metadata=True)\n"
        "assert len(verdict.errors) == 1, verdict.errors\n"
    )
    assert loaded_after(code, ("jsonschema",)) == ["jsonschema"]
