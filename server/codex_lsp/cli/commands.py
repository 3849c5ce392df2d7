"""``codex-lsp index``, ``search``, ``tags``, ``check`` and ``init``: the commands that read
the notebooks under a path through their index (docs/cli.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..core.textpos import utf16_offset
from ..storage import queries
from ..storage.large_files import large_binaries_outside_lfs
from ..storage.tag_meanings import tag_listing, tag_table
from ..storage.workspace import IndexedNotebook, indexed_notebooks, init_notebook
from .progress import ProgressBar

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def run(args: argparse.Namespace) -> int:
    """Run ``index``, ``search``, ``tags`` or ``check`` on ``args.path``; the exit status."""
    bar = ProgressBar(sys.stderr)
    with indexed_notebooks(
        args.path, full=getattr(args, "full", False), progress=bar.update
    ) as notebooks:
        bar.finish()
        base = args.path.resolve()
        if args.command == "index":
            return _index(notebooks, base, args.json)
        if args.command == "search":
            return _search(notebooks, base, args)
        if args.command == "tags":
            return _tags(notebooks, args.json)
        as_json = args.json or args.format == "json"
        return _check(notebooks, base, as_json, args.strict, args.max_size_kb * 1024)


def _shown(item: IndexedNotebook, base: Path, path: str) -> str:
    """A path as the user sees it: relative to the folder given on the command line."""
    absolute = item.notebook.root / path
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        return str(absolute)


def _index(notebooks: list[IndexedNotebook], base: Path, as_json: bool) -> int:
    if as_json:
        print(
            json.dumps(
                {
                    "notebooks": [
                        {
                            "root": str(i.notebook.root),
                            "database": str(i.indexer.db_path),
                            "explicit": i.notebook.explicit,
                            "stats": i.stats.as_dict(),
                        }
                        for i in notebooks
                    ]
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return EXIT_OK
    for item in notebooks:
        s = item.stats
        print(f"{item.notebook.root}  ({'notebook' if item.notebook.explicit else 'implicit'})")
        print(
            f"  {s.notes} notes, {s.attachments} attachments, {s.links} links "
            f"({s.broken_links} broken, {s.ambiguous_links} ambiguous), {s.tags} tags"
        )
        print(
            f"  {s.added} added, {s.modified} modified, {s.removed} removed, {s.moved} moved "
            f"in {s.seconds:.2f} s"
        )
        for warning in s.warnings:
            print(f"  warning: {warning}")
    return EXIT_OK


def _search(notebooks: list[IndexedNotebook], base: Path, args: argparse.Namespace) -> int:
    hits = []
    for item in notebooks:
        for hit in queries.search(item.conn, args.query, args.tag, args.limit):
            hits.append((hit, item))
    hits.sort(key=lambda pair: -pair[0].score)
    hits = hits[: args.limit]
    if args.json:
        print(
            json.dumps(
                {
                    "query": args.query,
                    "tags": args.tag,
                    "hits": [
                        {
                            **hit.as_dict(),
                            "notebook": str(item.notebook.root),
                            "file": str(item.notebook.root / hit.path),
                        }
                        for hit, item in hits
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return EXIT_OK
    if not hits:
        print("no matches")
    bold = sys.stdout.isatty()
    for hit, item in hits:
        print(f"{_shown(item, base, hit.path)}:{hit.line + 1}:{hit.character + 1}  {hit.title}")
        if hit.snippet:
            print(f"    {_marked(hit) if bold else hit.snippet}")
    return EXIT_OK


_BOLD, _PLAIN = "\x1b[1m", "\x1b[22m"


def _marked(hit: queries.SearchHit) -> str:
    """The snippet with its matches in bold (for a terminal)."""
    text = hit.snippet
    parts = []
    last = 0
    for start16, end16 in hit.snippet_matches:
        start, end = utf16_offset(text, start16), utf16_offset(text, end16)
        parts += [text[last:start], _BOLD, text[start:end], _PLAIN]
        last = end
    return "".join(parts) + text[last:]


def _tags(notebooks: list[IndexedNotebook], as_json: bool) -> int:
    rows = tag_listing(
        (tag for item in notebooks for tag in queries.list_tags(item.conn)),
        [tag_table(item.notebook) for item in notebooks],
    )
    if as_json:
        print(json.dumps({"tags": rows}, indent=2, ensure_ascii=False))
        return EXIT_OK
    width = max((len(row["name"]) for row in rows), default=0)
    digits = max((len(str(row["count"])) for row in rows), default=0)
    for row in rows:
        meaning = "  ".join(v for v in (row.get("color"), row.get("description")) if v)
        if meaning:
            print(f"#{row['name']:<{width}}  {row['count']:<{digits}}  {meaning}")
        else:
            print(f"#{row['name']:<{width}}  {row['count']}")
    return EXIT_OK


def _check(
    notebooks: list[IndexedNotebook], base: Path, as_json: bool, strict: bool, max_bytes: int
) -> int:
    found = [
        (issue, item)
        for item in notebooks
        for issue in sorted(
            queries.check(item.conn, strict=strict)
            + large_binaries_outside_lfs(item.conn, item.notebook.root, max_bytes),
            key=lambda i: (i.path, i.line, i.character, i.code),
        )
        if _under(item.notebook.root / issue.path, base)
    ]
    errors = sum(1 for issue, _ in found if issue.severity == "error")
    warnings = len(found) - errors
    if as_json:
        print(
            json.dumps(
                {
                    "errors": errors,
                    "warnings": warnings,
                    "issues": [
                        {
                            **issue.as_dict(),
                            "notebook": str(item.notebook.root),
                            "file": str(item.notebook.root / issue.path),
                        }
                        for issue, item in found
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        for issue, item in found:
            print(
                f"{_shown(item, base, issue.path)}:{issue.line + 1}:{issue.character + 1}: "
                f"{issue.severity}: {issue.message} [{issue.code}]"
            )
        print(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
    return EXIT_PROBLEMS if errors else EXIT_OK


def _under(path: Path, base: Path) -> bool:
    """Whether ``path`` is ``base`` or lies below it: what ``check PATH`` reports."""
    return path == base or base in path.parents


def init(path: Path, as_json: bool) -> int:
    """Run ``init PATH``: make the folder a notebook; the exit status."""
    if path.exists() and not path.is_dir():
        print(f"codex-lsp: {path} is not a folder", file=sys.stderr)
        return EXIT_USAGE
    results = init_notebook(path)
    if as_json:
        files = [{"file": str(target), "created": created} for target, created in results]
        print(json.dumps({"files": files}, indent=2, ensure_ascii=False))
        return EXIT_OK
    for target, created in results:
        print(f"{'created' if created else 'exists, left alone'}: {target}")
    return EXIT_OK
