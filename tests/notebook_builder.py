"""A small declarative notebook for unit tests of feature logic: files by path, indexed,
without a server and without counts tied to examples/lab-notebook."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path

from codex_lsp.storage.workspace import IndexedNotebook, indexed_notebooks


def write_notebook(root: Path, files: Mapping[str, str]) -> Path:
    """Write ``files`` (notebook path to text) under ``root``, marked as a notebook."""
    (root / ".codex").mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@contextlib.contextmanager
def indexed(root: Path, files: Mapping[str, str]) -> Iterator[IndexedNotebook]:
    """The notebook of ``files`` written under ``root``, with an up-to-date index."""
    with indexed_notebooks(write_notebook(root, files)) as notebooks:
        [item] = notebooks
        yield item
