"""``codex-lsp`` command line: index, search, tags, check, init, history, rename, mv, query,
views (and serve)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from .. import __version__
from ..core.textpos import utf16_offset
from ..storage import queries
from ..storage.database import DatabaseError
from ..storage.large_files import DEFAULT_MAX_KB, large_binaries_outside_lfs
from ..storage.tag_meanings import tag_listing, tag_table
from ..storage.workspace import IndexedNotebook, indexed_notebooks, init_notebook
from . import views as views_cli
from .progress import ProgressBar
from .rename import add_commands as add_rename_commands
from .rename import run as run_rename

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C
DEBUG_HELP = "show the traceback of a failure (otherwise one line on standard error)"
JSON_HELP = "print one JSON document (see docs/cli.md)"
PATH_HELP = "a folder or file: the notebook that holds it, and the notebooks below it"


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return value


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on standard error and exit status 2,
    like every other failure of the command (the usage stays one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        """Print ``codex-lsp: MESSAGE (see 'codex-lsp COMMAND --help')`` and exit 2."""
        self.exit(EXIT_USAGE, f"codex-lsp: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = OneLineParser(
        prog="codex-lsp", description="Index, search and check Markdown lab notebooks."
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"codex-lsp {__version__}",
        help="print the version and exit",
    )
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    # Also accepted after the command; SUPPRESS keeps a sub-command from resetting it.
    common = OneLineParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True)

    index = sub.add_parser(
        "index",
        parents=[common],
        help="bring the index of every notebook under PATH up to date",
        description="Bring the index of every notebook PATH covers up to date (docs/cli.md).",
    )
    index.add_argument("path", type=Path, metavar="PATH", help=PATH_HELP)
    index.add_argument("--full", action="store_true", help="re-read every file")
    index.add_argument("--json", action="store_true", help=JSON_HELP)

    search = sub.add_parser(
        "search",
        parents=[common],
        help="full-text search",
        description="Search the notebooks PATH covers: names and titles first, then relevance.",
    )
    search.add_argument("path", type=Path, metavar="PATH", help=PATH_HELP)
    search.add_argument(
        "query",
        nargs="?",
        default="",
        help='words, "a phrase", -word, OR, word*, tag:x, path:folder/ (docs/cli.md)',
    )
    search.add_argument(
        "--tag", action="append", default=[], metavar="TAG", help="only files with this tag"
    )
    search.add_argument(
        "--limit", type=positive_int, default=20, metavar="N", help="show at most N hits"
    )
    search.add_argument("--json", action="store_true", help=JSON_HELP)

    tags = sub.add_parser(
        "tags",
        parents=[common],
        help="list tags with the number of files carrying each",
        description="List the tags of the notebooks PATH covers, most used first.",
    )
    tags.add_argument("path", type=Path, metavar="PATH", help=PATH_HELP)
    tags.add_argument("--json", action="store_true", help=JSON_HELP)

    check = sub.add_parser(
        "check",
        parents=[common],
        help="report broken and ambiguous links and bad frontmatter",
        description="Report the issues of the files under PATH (exit status 1 on an error).",
    )
    check.add_argument("path", type=Path, metavar="PATH", help=PATH_HELP)
    check.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default) or json"
    )
    check.add_argument("--json", action="store_true", help="the same as --format json")
    check.add_argument(
        "--strict",
        action="store_true",
        help="also report ambiguous links that resolve to a same-folder or shortest-path match",
    )
    check.add_argument(
        "--max-size-kb",
        type=positive_int,
        default=DEFAULT_MAX_KB,
        metavar="KB",
        help="binaries larger than this that git tracks outside Git LFS are reported "
        f"(default {DEFAULT_MAX_KB}, as codex.git.autoCommitMaxSizeKb)",
    )

    history = sub.add_parser(
        "history",
        parents=[common],
        help="git history of a note (renames followed)",
        description="Git history of a note, renames followed.",
    )
    history.add_argument("path", type=Path, metavar="FILE", help="a note in a git work tree")
    history.add_argument("--limit", type=positive_int, metavar="N", help="show at most N entries")
    history.add_argument("--json", action="store_true", help=JSON_HELP)

    init = sub.add_parser(
        "init",
        parents=[common],
        help="make a folder a notebook (creates .codex/)",
        description="Make a folder a notebook: create .codex/ with config and schema.",
    )
    init.add_argument(
        "path",
        type=Path,
        nargs="?",
        default=Path("."),
        help="the folder (default: the current one; created if missing)",
    )
    init.add_argument("--json", action="store_true", help=JSON_HELP)

    add_rename_commands(sub, common)
    views_cli.add_parsers(sub, common)

    serve = sub.add_parser(
        "serve",
        parents=[common],
        help="run the language server (stdio by default)",
        description="Run the language server, on standard input and output by default.",
    )
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    serve.add_argument(
        "--log-file", type=Path, metavar="FILE", help="also write the server log to this file"
    )
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``argv``, also accepting options before the search query.

    argparse settles the optional ``query`` positional as soon as it reads PATH, so in
    ``search PATH --tag t QUERY`` (or ``search PATH --json -- -x``) the query is left over.
    """
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command == "search" and not args.query:
        words = extra[1:] if extra[0] == "--" else extra
        if len(words) == 1 and (extra[0] == "--" or not words[0].startswith("-")):
            args.query = words[0]
            extra = []
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status.

    Any failure is one line on standard error and status 2 (``--debug`` adds its traceback):
    a user sees what went wrong, not where in the code.
    """
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="codex-lsp: %(message)s", stream=sys.stderr)
    try:
        return _dispatch(args)
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        if args.debug:
            traceback.print_exc()
        print("codex-lsp: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        print(f"codex-lsp: {_failure(args, exc)}", file=sys.stderr)
        return EXIT_USAGE


def _failure(args: argparse.Namespace, exc: Exception) -> str:
    """One line saying which command failed on what, and why."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, DatabaseError):  # its message names the database already
        return reason
    path = getattr(args, "path", None)
    return f"{args.command} of {path}: {reason}" if path else f"{args.command}: {reason}"


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "serve":
        from ..lsp.server import run_server

        return run_server(tcp=args.tcp, log_file=args.log_file)
    if args.command == "history":
        from .history import run_history

        return run_history(args.path, args.limit, args.json)
    if args.command == "init":
        return _init(args.path, args.json)
    if args.command in ("rename", "mv"):
        return run_rename(args)
    if args.command in ("query", "views") and args.path.exists():
        return views_cli.run_query(args) if args.command == "query" else views_cli.run_views(args)
    if not args.path.exists():
        print(f"codex-lsp: {args.path}: no such file or folder", file=sys.stderr)
        return EXIT_USAGE
    return _run(args)


def _run(args: argparse.Namespace) -> int:
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


def _init(path: Path, as_json: bool) -> int:
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
