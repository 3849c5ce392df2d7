"""Operations over every notebook under a folder: what the CLI (and scripts) call."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .indexer import Indexer, IndexStats
from .notebooks import CODEX_DIR, Notebook, discover, notebook_relative

SCHEMA_TEMPLATE = """\
# Frontmatter schema for this notebook (JSON Schema draft 2020-12 objects, written in YAML).
version: 1

# Properties every note may have, as loose as Obsidian reads them: a key left empty, an
# empty list item, a number where text is expected, one string instead of a list.
properties:
  title: {type: [string, number, "null"]}
  tags: {type: [array, string, "null"], items: {type: [string, number, "null"]}}
  aliases: {type: [array, string, "null"], items: {type: [string, number, "null"]}}

# Note types: a note gets a type from its `type:` value or from `paths` globs.
types: {}
#  experiment:
#    paths: ["experiments/**"]
#    required: [status, date]
#    properties:
#      status: {enum: [planned, running, done, failed]}
#      date: {type: string, format: date}
"""

GITIGNORE_TEMPLATE = "notebook.db*\n"


@dataclass(slots=True)
class IndexedNotebook:
    """A notebook with an open, up-to-date index."""

    notebook: Notebook
    indexer: Indexer
    stats: IndexStats

    @property
    def conn(self) -> sqlite3.Connection:
        """The notebook's database connection."""
        return self.indexer.conn


def holder_of(notebooks: list[IndexedNotebook], path: Path) -> tuple[IndexedNotebook, str] | None:
    """The innermost of ``notebooks`` that really holds ``path`` (symlinks followed, see
    ``notebook_relative``) and the path relative to its root (``.`` for the root itself);
    None when none of them does."""
    roots = {item.notebook.root: item for item in notebooks}
    found = notebook_relative(Path(os.path.abspath(path)), roots)
    return (roots[found[0]], found[1]) if found is not None else None


@contextlib.contextmanager
def indexed_notebooks(
    path: Path,
    *,
    full: bool = False,
    progress: Callable[[Notebook, int, int], None] | None = None,
) -> Iterator[list[IndexedNotebook]]:
    """Discover the notebooks under ``path``, bring each index up to date, and yield them."""
    opened: list[IndexedNotebook] = []
    try:
        for notebook in discover(path):
            indexer = Indexer(notebook)
            callback = None
            if progress is not None:

                def callback(done: int, total: int, nb: Notebook = notebook) -> None:
                    progress(nb, done, total)

            opened.append(
                IndexedNotebook(notebook, indexer, indexer.index(full=full, progress=callback))
            )
        yield opened
    finally:
        for item in opened:
            item.indexer.close()


def init_notebook(path: Path) -> list[tuple[Path, bool]]:
    """Create ``.codex/`` with config, schema and .gitignore; returns (file, created) pairs."""
    from .config import CONFIG_TEMPLATE

    codex = path / CODEX_DIR
    codex.mkdir(parents=True, exist_ok=True)
    results = []
    for name, text in (
        ("config.yaml", CONFIG_TEMPLATE),
        ("schema.yaml", SCHEMA_TEMPLATE),
        (".gitignore", GITIGNORE_TEMPLATE),
    ):
        target = codex / name
        if target.exists():
            results.append((target, False))
            continue
        target.write_text(text, encoding="utf-8")
        results.append((target, True))
    return results
