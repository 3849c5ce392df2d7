"""``codex-lsp new PATH --title X [--template T] [--type Y]``: a new note made the way
``codex.createNote`` makes it (docs/cli.md, docs/templates.md), written to disk. Tab stops
are left as their default text."""

from __future__ import annotations

import argparse
import json
import sys

from ..core.template_vars import TemplateError
from ..storage.new_note import NoteRefused, NoteRequest, plan_new_note
from ..storage.notebooks import enclosing_notebook, really_inside

EXIT_OK, EXIT_EXISTS, EXIT_FAILED = 0, 1, 2


def run_new(args: argparse.Namespace) -> int:
    """Create the note; prints its path (exit 1 when it exists already, 2 when refused)."""
    folder_path = args.path.resolve()
    if not folder_path.is_dir():
        print(f"codex-lsp: {args.path}: not a folder", file=sys.stderr)
        return EXIT_FAILED
    notebook = enclosing_notebook(folder_path)
    if notebook is None:
        print(f"codex-lsp: {args.path} is not inside a notebook", file=sys.stderr)
        return EXIT_FAILED
    folder = folder_path.relative_to(notebook.root).as_posix()
    request = NoteRequest(
        title=args.title,
        folder=None if folder == "." else folder,
        template=args.template,
        type=args.note_type,
    )
    try:
        note = plan_new_note(notebook, request)
    except (NoteRefused, TemplateError) as exc:
        print(f"codex-lsp: new: {exc}", file=sys.stderr)
        return EXIT_FAILED
    target = notebook.root / note.path
    if not really_inside(target, notebook.root):
        print(f"codex-lsp: new: {note.path} leads outside the notebook", file=sys.stderr)
        return EXIT_FAILED
    created = not target.exists()
    if created:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8", newline="") as out:
            out.write(note.text)
    if args.json:
        print(json.dumps({"path": str(target), "created": created, "template": note.template}))
    else:
        print(target if created else f"{target} exists already")
    return EXIT_OK if created else EXIT_EXISTS
