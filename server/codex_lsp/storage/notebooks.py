"""Discover notebooks: the folder a note belongs to, and the notebooks under a folder.

A notebook root is the nearest folder holding a notebook marker: ``.codex/`` (our own), or
the marker of another notes tool (an Obsidian vault, a Foam workspace, a zk notebook, a
Dendron workspace); with none above, the nearest git work tree. Only a ``.codex/`` root is
explicit: any other (implicit) notebook keeps its database under the user's cache directory,
so we never write into a user's tree uninvited. The rules are in docs/cli.md, "Notebooks".
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..core.paths import lexically_normal, nearest_root

CODEX_DIR = ".codex"
DB_NAME = "notebook.db"
SKIPPED_DIRS = frozenset({".git", ".codex", ".obsidian", ".trash", "node_modules"})
# What makes a folder a notebook root, as (path inside the folder, is a folder): ours first.
NOTEBOOK_MARKERS: tuple[tuple[str, bool], ...] = (
    (CODEX_DIR, True),
    (".obsidian", True),  # Obsidian vault
    (".foam", True),  # Foam workspace
    (".vscode/foam.json", False),  # Foam workspace (older layout)
    (".zk", True),  # zk notebook
    ("dendron.yml", False),  # Dendron workspace
)
GIT_MARKER = ".git"  # a folder, or a file in a linked work tree or submodule


@dataclass(frozen=True, slots=True)
class Notebook:
    """A notebook root and where its database lives."""

    root: Path
    explicit: bool

    @property
    def codex_dir(self) -> Path:
        """The notebook's ``.codex/`` folder (may not exist for implicit notebooks)."""
        return self.root / CODEX_DIR

    @property
    def db_path(self) -> Path:
        """Path of the SQLite index."""
        if self.explicit:
            return self.codex_dir / DB_NAME
        return cache_dir_for(self.root) / DB_NAME

    @property
    def name(self) -> str:
        """A display name: the root folder's name."""
        return self.root.name or str(self.root)


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/codex-lsp`` (default ``~/.cache/codex-lsp``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "codex-lsp"


def cache_dir_for(root: Path) -> Path:
    """Cache folder of an implicit notebook, keyed by its absolute path."""
    absolute = str(root.resolve())
    digest = hashlib.sha256(absolute.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", root.name)[:40] or "root"
    return user_cache_dir() / f"{readable}-{digest}"


def notebook_marker(folder: Path) -> str | None:
    """The first of ``NOTEBOOK_MARKERS`` that ``folder`` holds, if any."""
    for name, is_dir in NOTEBOOK_MARKERS:
        marker = folder / name
        if marker.is_dir() if is_dir else marker.is_file():
            return name
    return None


def is_notebook_root(folder: Path) -> bool:
    """True when ``folder`` holds a notebook marker (``.codex/``, a vault's, ...)."""
    return notebook_marker(folder) is not None


def is_explicit_root(folder: Path) -> bool:
    """True when ``folder`` holds a ``.codex/`` directory (its index lives there)."""
    return (folder / CODEX_DIR).is_dir()


def enclosing_notebook(path: Path) -> Notebook | None:
    """The notebook ``path`` belongs to (itself included), if any: the nearest folder with
    a notebook marker, else the nearest git work tree. Blocking (stats every parent)."""
    current = path.resolve()
    if current.is_file():
        current = current.parent
    folders = (current, *current.parents)
    for folder in folders:
        if is_notebook_root(folder):
            return Notebook(folder, explicit=is_explicit_root(folder))
    for folder in folders:
        if os.path.lexists(folder / GIT_MARKER):
            return Notebook(folder, explicit=False)
    return None


def notebook_of_note(path: Path) -> Notebook | None:
    """The notebook an editor serves a note opened on its own in: ``enclosing_notebook``,
    else the note's folder as an implicit notebook (a lone note), unless that folder is the
    home folder or the filesystem root, which are never indexed whole. Blocking."""
    found = enclosing_notebook(path)
    if found is not None:
        return found
    folder = path.resolve()
    if not folder.is_dir():
        folder = folder.parent
    if folder == Path(folder.anchor) or folder == Path.home().resolve():
        return None
    return Notebook(folder, explicit=False)


def nested_notebook_roots(folder: Path) -> list[Path]:
    """Notebook roots (marked ones) strictly below ``folder``, sorted, skipping hidden and
    tool folders."""
    found: list[Path] = []
    for dirpath, dirnames, _ in os.walk(folder):
        here = Path(dirpath)
        if here != folder and is_notebook_root(here):
            found.append(here)
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIRS]
    return sorted(found)


def discover(path: Path) -> list[Notebook]:
    """Notebooks that a folder given by the user (CLI argument, workspace folder) covers.

    The notebook the folder belongs to (``enclosing_notebook``, or the folder itself as an
    implicit notebook when there is none), followed by every marked notebook nested below
    the folder. A folder inside a notebook is served as part of it, so that its links
    resolve as in the whole notebook.
    """
    folder = path.resolve()
    if folder.is_file():
        folder = folder.parent
    top = enclosing_notebook(folder) or Notebook(folder, explicit=False)
    notebooks = [top]
    notebooks.extend(
        Notebook(root, explicit=is_explicit_root(root)) for root in nested_notebook_roots(folder)
    )
    return notebooks


def real_path(path: Path) -> Path:
    """``path`` as the system reaches it: every symlink resolved (a dangling one, or one above
    parts that do not exist yet, included) and each ``..`` applied after the link before it."""
    return Path(os.path.realpath(path))


def really_inside(path: Path, root: Path) -> bool:
    """True when ``path``, followed through its symlinks, ends inside ``root`` (itself too)."""
    real, real_root = real_path(path), real_path(root)
    return real == real_root or real_root in real.parents


def notebook_relative(path: Path, roots: Iterable[Path]) -> tuple[Path, str] | None:
    """The root among ``roots`` (real paths) that holds ``path``, and the path relative to it;
    None when ``path`` does not really lie inside one of them.

    A path spelled inside a root keeps its spelling (a symlinked note inside the notebook is
    known by its link's path, as the scanner names it) but must reach a file of that root, the
    same one its spelling with ``..`` applied names: ``nb/lnk/x`` with ``lnk -> /elsewhere``,
    or ``nb/lnk/../x`` that the system reads from ``/elsewhere/..``, is refused. A path spelled
    elsewhere counts by its real path (a notebook opened through a symlinked folder).
    Blocking (it stats every part of the path).
    """
    roots = list(roots)
    spelled = lexically_normal(path)
    root = nearest_root(spelled, roots)
    if root is not None:
        real = real_path(path)
        if not (real == root or root in real.parents) or real_path(Path(spelled)) != real:
            return None
        return Path(root), spelled.relative_to(root).as_posix()
    real = real_path(path)
    root = nearest_root(real, roots)
    if root is None:
        return None
    return Path(root), real.relative_to(root).as_posix()
