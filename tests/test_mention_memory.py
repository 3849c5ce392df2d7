"""The unlinked-mention hints' names are held for the whole session, once per note: what they
hold per note stays small (a server holding a 100,000-note notebook must stay within 300 MB)."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

from codex_lsp.storage.database import connect
from codex_lsp.storage.indexer import Indexer
from codex_lsp.storage.mentions import NameCache, mentions_in
from codex_lsp.storage.notebooks import Notebook

PER_NOTE_ALLOWANCE = 700
"""Bytes one more note may add: its path, its names and their lowercased words."""
PEAK_ALLOWANCE = 850
"""Bytes one more note may add at the peak of reading them: the rows are read one at a time."""

WORDS = ("absorbance", "adapter", "batch", "blot", "membrane", "complex", "dye", "gradient")


def name_of(n: int) -> str:
    """The file name (and title) of note ``n``: three words and its number."""
    return " ".join(WORDS[(n * k) % len(WORDS)] for k in (1, 3, 7)).capitalize() + f" {n:05d}"


def test_hint_names_hold_little_per_note(tmp_path: Path) -> None:
    root = tmp_path / "nb"
    (root / ".codex").mkdir(parents=True)
    notes = 4000
    for n in range(notes):
        name = name_of(n)
        alias = f"aliases: [{name} kit]\n" if n % 7 == 0 else ""
        text = f"---\ntitle: {name}\n{alias}---\n# {name}\n"
        (root / f"{name}.md").write_text(text, encoding="utf-8")
    indexer = Indexer(Notebook(root, explicit=True))
    try:
        indexer.index(full=True)
    finally:
        indexer.close()
    conn = connect(root / ".codex" / "notebook.db")
    try:
        # The words of names are interned: a first build puts them in the interpreter's table
        # of interned strings, whose growth (by whole copies, at sizes that depend on all the
        # process interned before) is not the names' own. It stays alive while the second
        # build, the measured one, finds every word there: a word held twice would count.
        warm = NameCache()
        warm.refresh(conn)
        cache = NameCache()
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            cache.refresh(conn)
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - before
            peak = tracemalloc.get_traced_memory()[1] - before
        finally:
            tracemalloc.stop()
        assert cache.built
        assert held < notes * PER_NOTE_ALLOWANCE, held / notes
        assert peak < notes * PEAK_ALLOWANCE, peak / notes
        # The names still answer: a name of one note is hinted, the note's own is not.
        text = f"About {name_of(7).lower()} kit and {name_of(8)}."
        found = mentions_in(cache, f"{name_of(8)}.md", text)
        assert [(m.name, m.target) for m, _ in found] == [(f"{name_of(7)} kit", f"{name_of(7)}.md")]
        assert warm.built
    finally:
        conn.close()
