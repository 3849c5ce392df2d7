"""Digests of what the parser and the index workers make of many notes (a differential test).

The parse must stay exactly what it was while it is made faster: ``tests/data/parse_golden.json``
holds, for every note of every corpus in ``../shared/corpora``, of a generated notebook and of
a seeded random mix of Markdown syntax, a digest of :func:`parse_note`'s result and of the
rows :func:`prepare_file` makes of it. Digests, not results: no vault text enters the
repository. Regenerate (only when a parse result is meant to change, and say why)::

    python tests/parse_golden.py --write
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from codex_lsp.core.parser import parse_note
from codex_lsp.storage.reader import prepare_file
from codex_lsp.storage.scanner import FileStat

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPORA_DIR = REPO_ROOT.parent / "shared" / "corpora"
GOLDEN = Path(__file__).resolve().parent / "data" / "parse_golden.json"
GENERATED_NOTES = 400
RANDOM_NOTES = 2000
_MAX_SIZE = 10_000_000
_NOW = "2026-01-01T00:00:00+00:00"

# Pieces of the syntax the parser reads, and of what confuses it, mixed at random.
_FRAGMENTS = (
    "[[",
    "]]",
    "[[Note]]",
    "[[a/b|label]]",
    "![[img.png]]",
    "[[#Heading]]",
    "[[n#^blk]]",
    "[[x\\|y]]",
    "[[`code`|c]]",
    "[[dendron://v/a.b]]",
    "[t](a.md)",
    "![i](<a b.png>)",
    '[t](b.md#h "title")',
    "[t](https://x.y)",
    "[t](a%20b.md)",
    "](",
    "(",
    ")",
    "#tag",
    " #tag/sub",
    "#1984",
    "#",
    "##",
    "# Head",
    "## Sub ##",
    "###### six",
    "####### no",
    "^abc",
    " ^blk-1",
    "^",
    "`",
    "``",
    "`code`",
    "```",
    "```py",
    "~~~",
    "    ",
    "\t",
    "  ",
    "---",
    "...",
    "===",
    "- ",
    "* ",
    "1. ",
    "> ",
    "| a |",
    "<div>",
    "</div>",
    '<span a="#c">',
    "<!--",
    "-->",
    "%%",
    "<script>",
    "</script>",
    "\r\n",
    "\n",
    "\n\n",
    "word",
    "µ",
    "é",
    "😀",
    "Ελληνικά",
    "\ufeff",
    "title: T",
    "tags: [a, b]",
    "aliases: x, y",
    "tags: a b",
    "key:",
    "  - item",
    "{",
    "}",
    "&a",
    "*a",
    "c++",
    ".net",
    "2024-01-02",
)


def canonical_parse(text: str, stem: str) -> str:
    """Everything :func:`parse_note` says of ``text``, as one deterministic string."""
    note = parse_note(text, stem)
    return repr(
        (
            note.title,
            note.frontmatter,
            note.frontmatter_range,
            note.field_spans,
            note.fields,
            note.aliases,
            note.tags,
            note.headings,
            note.blocks,
            note.links,
            note.problems,
            note.body,
            note.title_heading,
            note.tag_names,
        )
    )


def canonical_rows(root: Path, path: str, size: int, text: str | None = None) -> str:
    """The rows a worker makes of one file, as one deterministic string (what a full run adds
    from the other files and the index aside: its links' early answers, whether it was
    indexed)."""
    stat = FileStat(path, 0, size)
    prepared = prepare_file(root, stat, _MAX_SIZE, "file-id", _NOW, text)
    fields = [name for name in prepared._fields if name not in ("answers", "indexed")]
    return repr(tuple(getattr(prepared, name) for name in fields))


def digest(*parts: str) -> str:
    """A short digest of ``parts``."""
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode("utf-8", "surrogatepass"))
        hasher.update(b"\0")
    return hasher.hexdigest()[:12]


def note_paths(root: Path) -> list[str]:
    """Notebook-relative paths of every ``.md`` file under ``root``, sorted."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [
            os.path.relpath(os.path.join(folder, f), root) for f in files if f.endswith(".md")
        ]
    return sorted(p.replace(os.sep, "/") for p in found)


def folder_digests(root: Path) -> dict[str, str]:
    """A digest per note of ``root``: its parse and its rows, keyed by a digest of its path."""
    out = {}
    for path in note_paths(root):
        data = (root / path).read_bytes()
        text = data.decode("utf-8-sig", errors="replace")
        stem = path.rsplit("/", 1)[-1][:-3]
        out[digest(path)[:8]] = digest(
            canonical_parse(text, stem), canonical_rows(root, path, len(data))
        )
    return out


def random_notes(count: int = RANDOM_NOTES, seed: int = 17) -> Iterator[str]:
    """``count`` texts mixed from :data:`_FRAGMENTS`, the same on every run."""
    rng = random.Random(seed)
    for _ in range(count):
        pieces = [rng.choice(_FRAGMENTS) for _ in range(rng.randrange(1, 80))]
        if rng.random() < 0.4:
            pieces = ["---\n", rng.choice(_FRAGMENTS), "\n---\n", *pieces]
        yield "".join(pieces)


def random_digests(root: Path) -> dict[str, str]:
    """A digest per random text: its parse and its rows."""
    out = {}
    for number, text in enumerate(random_notes()):
        size = len(text.encode("utf-8", "surrogatepass"))
        rows = canonical_rows(root, f"r{number}.md", size, text)
        out[str(number)] = digest(canonical_parse(text, f"r{number}"), rows)
    return out


def generated_notebook(folder: Path) -> Path:
    """A notebook of :data:`GENERATED_NOTES` notes from ``bench/generate.py`` (seeded)."""
    root = folder / "generated"
    subprocess.run(
        [
            sys.executable,
            REPO_ROOT / "bench" / "generate.py",
            root,
            "--notes",
            str(GENERATED_NOTES),
        ],
        check=True,
        capture_output=True,
    )
    return root


def corpus_names() -> list[str]:
    """The corpora in ``../shared/corpora``."""
    return sorted(
        p.name for p in CORPORA_DIR.iterdir() if p.is_dir() and not p.name.startswith(".")
    )


def all_digests(scratch: Path) -> dict[str, dict[str, str]]:
    """Every group of digests: each corpus, the generated notebook, the random texts."""
    groups = {f"corpus/{name}": folder_digests(CORPORA_DIR / name) for name in corpus_names()}
    groups["generated"] = folder_digests(generated_notebook(scratch))
    groups["random"] = random_digests(scratch)
    return groups


def main() -> None:
    """Print how many digests differ from the golden file, or (``--write``) rewrite it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the golden file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        groups = all_digests(Path(scratch))
    if args.write:
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(groups, indent=0, sort_keys=True) + "\n")
        return
    golden = json.loads(GOLDEN.read_text())
    for name, digests in groups.items():
        wrong = [k for k, v in digests.items() if golden.get(name, {}).get(k) != v]
        print(f"{name}: {len(digests)} notes, {len(wrong)} differ")


if __name__ == "__main__":
    main()
