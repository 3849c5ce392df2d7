"""A notebook's tag table (``.codex/config.yaml`` ``tags:``) where features need it, and the
tag listing of ``codex-lsp tags`` and ``codex.tags`` with each tag's meaning.

The table is read from disk when the file changed (its size and time stamp), so that an
edit of the configuration shows in the next hover without re-indexing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from ..core.tag_table import TagMeaning, meaning_of
from .config import load_config
from .notebooks import Notebook
from .queries import TagCount

_lock = threading.Lock()
_cache: dict[str, tuple[tuple[int, int] | None, dict[str, TagMeaning]]] = {}


def tag_table(notebook: Notebook) -> dict[str, TagMeaning]:
    """The tag table of ``notebook`` (empty without one). Blocking: call it off the event
    loop (a reader thread)."""
    path = os.path.join(notebook.codex_dir, "config.yaml")
    try:
        info = os.stat(path)
        stamp: tuple[int, int] | None = (info.st_mtime_ns, info.st_size)
    except OSError:
        stamp = None
    with _lock:
        cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    table = load_config(notebook.codex_dir).tags if stamp is not None else {}
    with _lock:
        _cache[path] = (stamp, table)
    return table


def tag_listing(
    counts: Iterable[TagCount], tables: Iterable[Mapping[str, TagMeaning]]
) -> list[dict[str, Any]]:
    """Tags with their number of files summed over notebooks, most used first (then by
    name), each with its meaning from the first table that has one; a tag of a table that no
    file carries is listed with 0."""
    table: dict[str, TagMeaning] = {}
    for each in tables:
        for key, meaning in each.items():
            table.setdefault(key, meaning)
    summed: dict[str, int] = {}
    spelling: dict[str, str] = {}
    for tag in counts:
        key = tag.name.casefold()
        spelling.setdefault(key, tag.name)
        summed[key] = summed.get(key, 0) + tag.count
    for key in table:
        spelling.setdefault(key, key)
        summed.setdefault(key, 0)
    ordered = sorted(summed, key=lambda k: (-summed[k], spelling[k].lower()))
    rows = []
    for key in ordered:
        found = meaning_of(table, key)
        shown = found.as_dict() if found is not None else {}
        rows.append({"name": spelling[key], "count": summed[key], **shown})
    return rows
