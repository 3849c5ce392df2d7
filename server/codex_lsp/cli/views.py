"""``codex-lsp query`` and ``codex-lsp views``: run views, and keep materialized results fresh."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from ..core.views.engine import Result, ViewInvalid
from ..core.views.render import csv_text, terminal_table
from ..core.views.spec import ViewFile, read_view_file
from ..core.views.values import parse_date
from ..storage import views
from ..storage.workspace import IndexedNotebook, indexed_notebooks
from .progress import ProgressBar

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _now(text: str | None) -> dt.datetime:
    if text is None:
        return dt.datetime.now()
    date = parse_date(text)
    if date is None:
        raise ValueError(f"--today {text!r} is not a date (YYYY-MM-DD)")
    return date


def _view_file(spec: str, item: IndexedNotebook) -> ViewFile:
    candidate = Path(spec)
    if candidate.suffix.lstrip(".") in views.VIEW_EXTENSIONS:
        if not candidate.is_file():
            candidate = item.notebook.root / spec
        return read_view_file(candidate.read_text(encoding="utf-8"))
    return views.expression_file(spec)


def run_query(args: argparse.Namespace) -> int:
    """``codex-lsp query``: print a view's result; status 1 when the view has errors."""
    now = _now(args.today)
    bar = ProgressBar(sys.stderr)
    with indexed_notebooks(args.path, progress=bar.update) as notebooks:
        bar.finish()
        if not notebooks:
            print(f"codex-lsp: no notebook at {args.path}", file=sys.stderr)
            return EXIT_USAGE
        item = notebooks[0]
        file = _view_file(args.query, item)
        try:
            result = views.query(item.conn, item.notebook.root, file, args.view, now)
        except ViewInvalid as exc:
            print(f"codex-lsp: query: {exc}", file=sys.stderr)
            return EXIT_PROBLEMS
    _print_result(result, args.format, item.notebook.root)
    return EXIT_OK


def _print_result(result: Result, fmt: str, root: Path) -> None:
    if fmt == "json":
        data = result.to_json()
        for row in data["rows"]:
            row["uri"] = (root / row["path"]).as_uri()
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        sys.stdout.write(csv_text(result))
    else:
        sys.stdout.write(terminal_table(result))


def run_views(args: argparse.Namespace) -> int:
    """``codex-lsp views``: list views, or refresh (``--write``) / check (``--check``) results."""
    now = _now(args.today)
    base = args.path.resolve()
    bar = ProgressBar(sys.stderr)
    stale: list[str] = []
    listing: list[dict[str, object]] = []
    with indexed_notebooks(args.path, progress=bar.update) as notebooks:
        bar.finish()
        for item in notebooks:
            root = item.notebook.root
            if not (args.write or args.check):
                listing.extend(_listing(item, now))
                continue
            for rel, text in views.notes_with_markers(item.conn, root):
                path = root / rel
                if path != base and base not in path.parents:
                    continue
                fresh = views.refreshed(item.conn, root, text, now)
                if fresh == text:
                    continue
                stale.append(str(path.relative_to(base)) if path != base else path.name)
                if args.write:
                    with path.open("w", encoding="utf-8", newline="") as handle:
                        handle.write(fresh)
    if not (args.write or args.check):
        if args.json:
            print(json.dumps({"views": listing}, ensure_ascii=False, indent=2))
        else:
            for entry in listing:
                print(f"{entry['path']}\t{entry['view']}\t{entry['rows']}")
        return EXIT_OK
    verb = "updated" if args.write else "stale"
    if args.json:
        print(json.dumps({verb: stale}, ensure_ascii=False))
    else:
        for rel in stale:
            print(f"{verb}: {rel}")
    return EXIT_PROBLEMS if args.check and stale else EXIT_OK


def _listing(item: IndexedNotebook, now: dt.datetime) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    root = item.notebook.root
    for source in views.view_sources(item.conn, root):
        file = read_view_file(source.text)
        label = source.path if source.block is None else f"{source.path}#{source.line + 1}"
        for view in file.views:
            try:
                rows: object = views.query(item.conn, root, file, view.name, now).total
            except ViewInvalid as exc:
                rows = f"error: {exc}"
            out.append({"path": label, "view": view.name, "rows": rows})
    return out
