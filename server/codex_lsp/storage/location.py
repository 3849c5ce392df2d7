"""Where a notebook's index is kept: its own ``.codex/notebook.db``, or the user cache.

A notebook on a read-only mount, or whose ``.codex/`` folder or database the user cannot
write, is still searchable: its index is built (and kept up to date) under the user cache
folder instead, as for an implicit notebook, and a warning says so once per process. The
database in the notebook is left alone, never renamed.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from .notebooks import DB_NAME, Notebook, cache_dir_for

log = logging.getLogger(__name__)

_warned: set[Path] = set()
_warned_lock = threading.Lock()


def index_path(notebook: Notebook) -> Path:
    """The database file to use for ``notebook``."""
    own = notebook.db_path
    if not notebook.explicit or writable(own):
        return own
    fallback = cache_dir_for(notebook.root) / DB_NAME
    with _warned_lock:
        first = own not in _warned
        _warned.add(own)
    if first:
        log.warning("%s cannot be written (read-only); using an index in %s", own, fallback)
    return fallback


def writable(database: Path) -> bool:
    """True when SQLite can write ``database``: its folder (for the journal files) and every
    one of its files that exists. A read-only mount answers no even to root."""
    folder = database.parent
    while not folder.exists() and folder != folder.parent:  # created on first use
        folder = folder.parent
    if not os.access(folder, os.W_OK):
        return False
    files = (Path(f"{database}{suffix}") for suffix in ("", "-wal", "-shm"))
    return all(os.access(file, os.W_OK) for file in files if file.exists())
