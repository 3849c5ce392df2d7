"""``codex-lsp attach NOTE FILE...``: copy files into the notebook's attachment folder and
append their embeds to the note (docs/cli.md)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..core.attach_names import attachment_folder
from ..core.names import BadName
from ..core.syntax import is_note_name
from ..storage.attach import Attached, AttachFailed, attach_files
from ..storage.workspace import holder_of, indexed_notebooks

EXIT_OK, EXIT_FAILED = 0, 2


class _Refused(Exception):
    """The command cannot be carried out; the message says why."""


def run(args: argparse.Namespace) -> int:
    """Run ``attach``; returns the exit status (2 with one line on standard error on failure)."""
    try:
        for source in args.files:
            if not source.is_file():
                raise _Refused(f"{source}: not a file")
        if not args.path.is_file() or not is_note_name(args.path.name):
            raise _Refused(f"{args.path}: not a note")
        with indexed_notebooks(args.path) as notebooks:
            found = holder_of(notebooks, args.path)
            if found is None:
                raise _Refused(f"{args.path} is not inside a notebook")
            item, note = found
            folder = attachment_folder(args.folder, note)
            sources = [Path(os.path.abspath(source)) for source in args.files]
            attached = attach_files(item.notebook, folder, sources, lambda query: query(item.conn))
            _append(item.notebook.root / note, attached)
            sidecars = [a.sidecar for a in attached if a.sidecar]
            item.indexer.update_paths([note, *(a.path for a in attached), *sidecars])
    except (_Refused, AttachFailed, BadName) as exc:
        print(f"codex-lsp: attach: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for entry in attached:
        verb = "reused" if entry.reused else "copied"
        print(f"{verb} {entry.source} -> {entry.path}")
        if entry.sidecar:
            print(f"created {entry.sidecar}")
    print(f"appended {len(attached)} embed{'s' * (len(attached) != 1)} to {note}")
    return EXIT_OK


def _append(note: Path, attached: list[Attached]) -> None:
    """Append the embeds to the note, each on its own line, after a blank line."""
    with open(note, "rb") as reader:
        data = reader.read()
    if not data or data.endswith(b"\n\n"):
        gap = b""
    elif data.endswith(b"\n"):
        gap = b"\n"
    else:
        gap = b"\n\n"
    text = "\n".join(a.link for a in attached) + "\n"
    with open(note, "ab") as writer:
        writer.write(gap + text.encode("utf-8"))
