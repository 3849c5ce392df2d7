"""The grammar of the ``codex-lsp`` command line: every sub-command and its arguments.

Kept apart from the commands themselves so that parsing (and ``--help``) loads no index,
schema or view code: a command's modules are imported when that command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, NoReturn

from .. import __version__
from ..core.attach_names import DEFAULT_FOLDER
from ..core.lfs import DEFAULT_MAX_KB

EXIT_USAGE = 2
DEBUG_HELP = "show the traceback of a failure (otherwise one line on standard error)"
JSON_HELP = "print one JSON document (see docs/cli.md)"
PATH_HELP = "a folder or file: the notebook that holds it, and the notebooks below it"
TODAY_HELP = "evaluate as if today were DATE (YYYY-MM-DD), for reproducible results"


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
    add_attach_command(sub, common)
    add_new_command(sub, common)
    add_mentions_command(sub, common)
    add_view_commands(sub, common)

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


def add_rename_commands(
    sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> None:
    """Add ``rename`` (with its kinds) and ``mv`` to the CLI's sub-commands."""
    rename = sub.add_parser(
        "rename",
        parents=[common],
        help="rename a note, heading, block id or tag and rewrite what names it",
        description="Rename and rewrite every link or tag that names it (docs/cli.md).",
    )
    kinds = rename.add_subparsers(
        dest="kind", required=True, help="what to rename: note, heading, block or tag"
    )
    note = kinds.add_parser(
        "note",
        parents=[common],
        help="give a note a new name",
        description="Give a note a new name.",
    )
    note.add_argument("path", type=Path, metavar="NOTE", help="the note file")
    note.add_argument("new", metavar="NAME", help="its new name (same folder unless a path)")
    heading = kinds.add_parser(
        "heading",
        parents=[common],
        help="rename a heading of a note",
        description="Rename a heading of a note.",
    )
    heading.add_argument("path", type=Path, metavar="NOTE", help="the note file")
    heading.add_argument("old", metavar="HEADING", help="the heading (text, slug or A#B path)")
    heading.add_argument("new", metavar="TEXT", help="its new text")
    block = kinds.add_parser(
        "block",
        parents=[common],
        help="give a block a new id",
        description="Give a block a new id.",
    )
    block.add_argument("path", type=Path, metavar="NOTE", help="the note file")
    block.add_argument("old", metavar="ID", help="the block id (with or without ^)")
    block.add_argument("new", metavar="NEW_ID", help="its new id")
    tag = kinds.add_parser(
        "tag",
        parents=[common],
        help="rename a tag and its nested tags",
        description="Rename a tag and its nested tags.",
    )
    tag.add_argument("path", type=Path, metavar="PATH", help="a folder or file of the notebooks")
    tag.add_argument("old", metavar="TAG", help="the tag (with or without #)")
    tag.add_argument("new", metavar="NEW_TAG", help="its new name")
    for parser in (note, heading, block, tag):
        _dry_run(parser)
    move = sub.add_parser(
        "mv",
        parents=[common],
        help="move a note or folder and rewrite the links to and in it",
        description="Move a note or folder inside its notebook, rewriting links (docs/cli.md).",
    )
    move.add_argument("path", type=Path, metavar="OLD", help="the note or folder")
    move.add_argument("new", type=Path, metavar="NEW", help="where it goes (into NEW if a folder)")
    _dry_run(move)


def _dry_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="print the change as a unified diff, change nothing"
    )


def add_attach_command(
    sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> None:
    """Add ``attach`` to the CLI's sub-commands."""
    attach = sub.add_parser(
        "attach",
        parents=[common],
        help="copy files into the notebook and embed them at the end of a note",
        description=(
            "Copy files into the notebook's attachment folder (an identical file already there"
            " is reused, a name taken by other content is numbered), create the JSON sidecar"
            " the schema asks for, and append ![[name]] embeds to the note (docs/cli.md)."
        ),
    )
    attach.add_argument("path", type=Path, metavar="NOTE", help="the note to embed them in")
    attach.add_argument("files", type=Path, nargs="+", metavar="FILE", help="files to attach")
    attach.add_argument(
        "--folder",
        default=DEFAULT_FOLDER,
        metavar="PATTERN",
        help=f"where the copies go (default {DEFAULT_FOLDER}; {{{{note}}}}: the note's name,"
        " '.': the note's folder)",
    )


def add_new_command(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    """Add ``new`` to the CLI's sub-commands."""
    new = sub.add_parser(
        "new",
        parents=[common],
        help="create a note from a template (or with its schema type's required keys)",
        description="Create a note from a template (docs/templates.md).",
    )
    new.add_argument(
        "path",
        type=Path,
        metavar="PATH",
        help="the notebook, or a folder in it where the note goes",
    )
    new.add_argument("--title", required=True, help="the note's title")
    new.add_argument("--template", help="a template of .codex/templates (its file name)")
    new.add_argument("--type", dest="note_type", help="a note type of the schema")
    new.add_argument("--json", action="store_true", help="print {path, created, template}")


def add_mentions_command(
    sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> None:
    """Add ``mentions`` to the CLI's sub-commands."""
    mentions = sub.add_parser(
        "mentions",
        parents=[common],
        help="list the places that name a note as plain text (unlinked mentions)",
        description="List the unlinked mentions of a note (docs/cli.md).",
    )
    mentions.add_argument("path", type=Path, metavar="PATH", help="the notebook (a folder)")
    mentions.add_argument(
        "note", metavar="NOTE", help="the note: its file, or its name as a link would write it"
    )
    mentions.add_argument("--json", action="store_true", help="print one JSON document")


def add_view_commands(
    sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> None:
    """Add the ``query`` and ``views`` subcommands."""
    query = sub.add_parser(
        "query",
        parents=[common],
        help="run a view (a .cdx/.base file or a filter expression) over a notebook",
        description="Run a view file or a filter expression over the notebook holding PATH.",
    )
    query.add_argument("path", type=Path, metavar="PATH", help="a folder of the notebook")
    query.add_argument("query", metavar="EXPR-or-FILE", help="a .cdx/.base file or an expression")
    query.add_argument("--view", metavar="NAME", help="the view of the file (default: the first)")
    query.add_argument(
        "--format", choices=("table", "json", "csv"), default="table", help="output (table)"
    )
    query.add_argument("--today", metavar="DATE", help=TODAY_HELP)

    views_cmd = sub.add_parser(
        "views",
        parents=[common],
        help="list views, or refresh/check materialized view results in notes",
        description=(
            "Without options, list the views of the notebooks under PATH with their row "
            "counts. --write refreshes every <!-- codex:view --> block of the notes under "
            "PATH; --check exits 1 when one is stale."
        ),
    )
    views_cmd.add_argument("path", type=Path, metavar="PATH", help="a folder or note")
    mode = views_cmd.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite stale materialized results")
    mode.add_argument("--check", action="store_true", help="exit 1 when a result is stale")
    views_cmd.add_argument("--json", action="store_true", help="print one JSON document")
    views_cmd.add_argument("--today", metavar="DATE", help=TODAY_HELP)
