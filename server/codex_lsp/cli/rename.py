"""``codex-lsp rename`` (a note, heading, block id or tag) and ``codex-lsp mv`` (a note or
folder): every link or tag that names it is rewritten; ``--dry-run`` prints the change as a
unified diff instead (docs/cli.md)."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from ..core.anchors import heading_for_anchor, heading_keys, read_anchor
from ..core.edits import Move, Plan, apply_edits
from ..core.names import check_relative_path, check_tag
from ..storage.notebooks import really_inside
from ..storage.rename_plan import Refused, RenamePlanner, Subject, checked, new_note_path
from ..storage.workspace import IndexedNotebook, holder_of, indexed_notebooks

EXIT_OK, EXIT_FAILED = 0, 2


def run(args: argparse.Namespace) -> int:
    """Run ``rename KIND ...`` or ``mv OLD NEW``; returns the exit status."""
    if not args.path.exists():
        print(f"codex-lsp: {args.path}: no such file or folder", file=sys.stderr)
        return EXIT_FAILED
    with indexed_notebooks(args.path) as notebooks:
        try:
            if args.command == "mv":
                item = _holder(notebooks, args.path)
                plans = [(item, _move(item, args.path, args.new))]
            elif args.kind == "tag":
                plans = [(item, _tag(item, args.old, args.new)) for item in notebooks]
            else:
                item = _holder(notebooks, args.path)
                plans = [(item, _in_note(item, args))]
        except Refused as exc:
            print(f"codex-lsp: {exc}", file=sys.stderr)
            return EXIT_FAILED
    if not any(plan for _, plan in plans):
        print("codex-lsp: nothing names it: no change", file=sys.stderr)
        return EXIT_OK
    for item, plan in plans:
        root = item.notebook.root
        if args.dry_run:
            sys.stdout.writelines(plan_diff(plan, partial(_read_in, root)))
        else:
            _apply(root, plan)
            _summary(plan)
    return EXIT_OK


def _holder(notebooks: list[IndexedNotebook], path: Path) -> IndexedNotebook:
    """The innermost notebook that holds ``path``."""
    found = holder_of(notebooks, path)
    if found is None:
        raise Refused(f"{path} is not inside a notebook")
    return found[0]


def _rel(item: IndexedNotebook, path: Path) -> str:
    """``path`` relative to the notebook root, checked as a notebook path."""
    root = item.notebook.root
    absolute = Path(os.path.abspath(path))
    if not really_inside(absolute, root):
        raise Refused(f"{path} is not inside the notebook {root}")
    return checked(check_relative_path, absolute.relative_to(root).as_posix(), "notebook path")


def _move(item: IndexedNotebook, old_path: Path, new_path: Path) -> Plan:
    """``mv OLD NEW``: the moves of every file under OLD and the link edits they need."""
    if new_path.is_dir():
        new_path = new_path / old_path.name
    old, new = _rel(item, old_path), _rel(item, new_path)
    if new_path.exists() or new_path.is_symlink():
        raise Refused(f"{new} already exists")
    planner = RenamePlanner(item.conn, item.notebook.root)
    plan = planner.moves(planner.files_moved(old, new))
    plan.moves.append(_checked_move(item, old, new))
    if not old_path.is_dir():
        plan.moves += planner.sidecar_moves(Move(old, new))
    return plan


def _checked_move(item: IndexedNotebook, old: str, new: str) -> Move:
    """The move of ``old`` to ``new``, refused when ``new`` leads out through a symlink."""
    if not really_inside(item.notebook.root / new, item.notebook.root):
        raise Refused(f"{new} leads outside the notebook through a symlink")
    return Move(old, new)


def _tag(item: IndexedNotebook, old: str, new: str) -> Plan:
    """``rename tag``: every place the tag (and its nested tags) is written."""
    planner = RenamePlanner(item.conn, item.notebook.root)
    tag = checked(check_tag, old.strip().lstrip("#"), "tag")
    return planner.tag(tag, checked(check_tag, new.strip().lstrip("#"), "tag"))


def _in_note(item: IndexedNotebook, args: argparse.Namespace) -> Plan:
    """``rename note|heading|block``: the subject found in the note, renamed."""
    planner = RenamePlanner(item.conn, item.notebook.root)
    rel = _rel(item, args.path)
    source = planner.load(rel)
    if source is None:
        raise Refused(f"{args.path} cannot be read as a note")
    if args.kind == "note":
        move = Move(rel, new_note_path(rel, args.new))
        if (item.notebook.root / move.new).exists() and move.new.lower() != rel.lower():
            raise Refused(f"{move.new} already exists")
        plan = planner.note(move.old, move.new)
        plan.moves.append(_checked_move(item, move.old, move.new))
        plan.moves += planner.sidecar_moves(move)
        return plan
    if args.kind == "heading":
        number = heading_for_anchor(heading_keys(source.note.headings), read_anchor(args.old))
        if number is None:
            raise Refused(f"{rel} has no heading '{args.old}'")
        heading = source.note.headings[number]
        return planner.rename(source, Subject("heading", heading, heading.range), args.new)
    block_id = args.old.strip().lstrip("^")
    block = next((b for b in source.note.blocks if b.id == block_id), None)
    if block is None:
        raise Refused(f"{rel} has no block '^{block_id}'")
    return planner.rename(source, Subject("block", block, block.range), args.new.lstrip("^"))


def _read_in(root: Path, rel: str) -> str:
    """The text of ``rel`` in the notebook at ``root``."""
    return _read(root / rel)


def _read(path: Path) -> str:
    """A file's text with its line breaks as written."""
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def plan_diff(plan: Plan, read: Callable[[str], str]) -> list[str]:
    """The plan as a git-style unified diff (paths relative to the notebook root)."""
    moved = {m.old: m.new for m in plan.moves}
    lines: list[str] = []
    for move in plan.moves:
        if move.old not in plan.edits:
            lines += [f"diff --git a/{move.old} b/{move.new}\n", f"rename from {move.old}\n",
                      f"rename to {move.new}\n"]  # fmt: skip
    for rel, edits in sorted(plan.edits.items()):
        new = moved.get(rel, rel)
        before = read(rel)
        after = apply_edits(before, edits)
        lines.append(f"diff --git a/{rel} b/{new}\n")
        if new != rel:
            lines += [f"rename from {rel}\n", f"rename to {new}\n"]
        lines += difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            f"a/{rel}",
            f"b/{new}",
        )
    return lines


def _apply(root: Path, plan: Plan) -> None:
    """Write the edited files, then make the moves."""
    for rel, edits in plan.edits.items():
        path = root / rel
        text = apply_edits(_read(path), edits)
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    for move in plan.moves:
        target = root / move.new
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(root / move.old, target)


def _summary(plan: Plan) -> None:
    """What was changed, one line a file."""
    for rel, edits in sorted(plan.edits.items()):
        print(f"{rel}: {len(edits)} edit{'s' * (len(edits) != 1)}")
    for move in plan.moves:
        print(f"moved {move.old} -> {move.new}")
