"""``codex-lsp history FILE [--limit N] [--json]``: the git history of one note."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..storage.git import GitError, GitUnavailable, find_repository

EXIT_OK, EXIT_ERROR = 0, 2


def run_history(file: Path, limit: int | None, as_json: bool) -> int:
    """Print the history of ``file`` (newest first, renames followed); returns the status."""
    if limit is not None and limit < 1:
        print("codex-lsp: --limit must be a positive integer", file=sys.stderr)
        return EXIT_ERROR
    path = file.absolute()
    if path.is_dir():
        print(f"codex-lsp: {file} is a folder; history needs a file", file=sys.stderr)
        return EXIT_ERROR
    try:
        repo = find_repository(path)
        rel = repo.relpath(path)
        entries = repo.history(rel, limit)
    except (GitUnavailable, GitError) as exc:
        print(f"codex-lsp: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if not entries and not path.exists():
        print(f"codex-lsp: {file}: no such file, and git has no history of it", file=sys.stderr)
        return EXIT_ERROR
    if as_json:
        document = {
            "file": str(path),
            "repository": str(repo.root),
            "path": rel,
            "history": [entry.as_dict() for entry in entries],
        }
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not entries:
        print(f"{rel}: no commits")
    for entry in entries:
        if entry.working_tree:
            print(f"{'(working tree)':<12}  {entry.subject}")
            continue
        day = (entry.date or "")[:10]
        moved = f"  [{entry.path}]" if entry.path != rel else ""
        print(f"{entry.short_commit or '':<12}  {day}  {entry.author}  {entry.subject}{moved}")
    return EXIT_OK
