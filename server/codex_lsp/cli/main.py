"""``codex-lsp`` command line: index, search, tags, check, init, history, rename, mv, attach,
query, views, new, mentions (and serve)."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence

from .arguments import build_parser

EXIT_OK, EXIT_USAGE = 0, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


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
    from ..storage.database import DatabaseError

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
    if args.command in ("rename", "mv"):
        from .rename import run as run_rename

        return run_rename(args)
    if args.command == "mentions":
        from .mentions import run as run_mentions

        return run_mentions(args)
    if args.command == "new":
        from .new import run_new

        return run_new(args)
    if args.command == "attach":
        from .attach import run as run_attach

        return run_attach(args)
    if args.command in ("query", "views") and args.path.exists():
        from . import views as views_cli

        return views_cli.run_query(args) if args.command == "query" else views_cli.run_views(args)
    from . import commands

    if args.command == "init":
        return commands.init(args.path, args.json)
    if not args.path.exists():
        print(f"codex-lsp: {args.path}: no such file or folder", file=sys.stderr)
        return EXIT_USAGE
    return commands.run(args)
