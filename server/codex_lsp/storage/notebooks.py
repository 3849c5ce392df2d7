"""Discover notebooks: folders with a ``.codex/`` directory, or implicit ones.

An implicit notebook (a folder with no ``.codex/`` above it) keeps its database under the
user's cache directory, so we never write into a user's tree uninvited.
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


def is_notebook_root(folder: Path) -> bool:
    """True when ``folder`` holds a ``.codex/`` directory."""
    return (folder / CODEX_DIR).is_dir()


def enclosing_notebook(path: Path) -> Notebook | None:
    """The nearest explicit notebook containing ``path`` (itself included), if any."""
    current = path.resolve()
    if current.is_file():
        current = current.parent
    for folder in (current, *current.parents):
        if is_notebook_root(folder):
            return Notebook(folder, explicit=True)
    return None


def nested_notebook_roots(folder: Path) -> list[Path]:
    """Explicit notebook roots strictly below ``folder`` (skipping hidden and tool folders)."""
    found: list[Path] = []
    for dirpath, dirnames, _ in os.walk(folder):
        here = Path(dirpath)
        if here != folder and CODEX_DIR in dirnames:
            found.append(here)
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIRS]
    return found


def discover(path: Path) -> list[Notebook]:
    """Notebooks that a folder given by the user (CLI argument, workspace folder) covers.

    The enclosing notebook (or the folder itself as an implicit notebook when there is none),
    followed by every explicit notebook nested below it.
    """
    folder = path.resolve()
    if folder.is_file():
        folder = folder.parent
    top = enclosing_notebook(folder) or Notebook(folder, explicit=False)
    notebooks = [top]
    notebooks.extend(Notebook(root, explicit=True) for root in nested_notebook_roots(top.root))
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
