"""``codex-lsp mentions PATH NOTE``: the unlinked mentions of a note (docs/cli.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..core.resolve import LinkStatus, resolve_link
from ..storage.catalog import SqlCatalog
from ..storage.mentions import MentionPlace, mentions_of
from ..storage.workspace import IndexedNotebook, holder_of, indexed_notebooks

EXIT_OK, EXIT_FAILED = 0, 2


def run(args: argparse.Namespace) -> int:
    """Print the mentions of ``args.note`` in the notebook at ``args.path``."""
    if not args.path.exists():
        print(f"codex-lsp: {args.path}: no such file or folder", file=sys.stderr)
        return EXIT_FAILED
    with indexed_notebooks(args.path) as notebooks:
        found = _note(notebooks, args.path, args.note)
        if found is None:
            print(f"codex-lsp: no note {args.note!r} in {args.path}", file=sys.stderr)
            return EXIT_FAILED
        item, rel = found
        places = mentions_of(item.conn, rel)
    base = args.path.resolve()
    if args.json:
        json.dump(
            {"note": _shown(item, base, rel), "mentions": [_json(item, base, p) for p in places]},
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        sys.stdout.write("\n")
        return EXIT_OK
    for place in places:
        start = place.range.start
        where = f"{_shown(item, base, place.path)}:{start.line + 1}:{start.character + 1}"
        print(f"{where}: {place.context}")
    return EXIT_OK


def _note(
    notebooks: list[IndexedNotebook], path: Path, note: str
) -> tuple[IndexedNotebook, str] | None:
    """The notebook and path of ``note``: a file (as given, or inside ``path``), else a name
    resolved as a link written at the root of the notebook would be."""
    for candidate in (Path(note), path / note):
        found = holder_of(notebooks, candidate) if candidate.is_file() else None
        if found is not None:
            return found
    for item in sorted(notebooks, key=lambda i: -len(i.notebook.root.parts)):
        result = resolve_link(note, None, False, "", SqlCatalog(item.conn))
        if result.status is LinkStatus.RESOLVED and result.target is not None:
            return item, result.target
    return None


def _shown(item: IndexedNotebook, base: Path, rel: str) -> str:
    """A notebook path as the user sees it: relative to PATH."""
    absolute = item.notebook.root / rel
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        return absolute.as_posix()


def _json(item: IndexedNotebook, base: Path, place: MentionPlace) -> dict[str, Any]:
    return place.as_dict(_shown(item, base, place.path))
