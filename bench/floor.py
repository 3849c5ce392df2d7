"""The floor we race against: the cheapest possible full pass over a notebook.

Walks the tree (skipping hidden directories such as ``.codex`` and ``.git``), reads every
``*.md`` file, decodes it as UTF-8, splits off the YAML frontmatter between ``---`` fences and
parses it with libyaml (``yaml.CSafeLoader``). No Markdown parsing, no SQLite, no link
resolution: any real indexer has to do at least this much, so its cold-index time divided by
this number says how much overhead the indexer itself adds.

Usage::

    python bench/floor.py DIR [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = ["FloorStats", "floor_seconds", "floor_stats"]

# libyaml's loader; fall back to the pure-Python one (much slower) if PyYAML lacks libyaml.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
LOADER_NAME: str = _LOADER.__name__
_FRONTMATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?$", re.S | re.M)


@dataclass(frozen=True, slots=True)
class FloorStats:
    """What one floor pass saw and how long it took."""

    notes: int
    bytes: int
    frontmatter: int
    frontmatter_errors: int
    seconds: float


def _split_frontmatter(text: str) -> str | None:
    """The YAML between an opening ``---`` line and the next ``---`` line, if any."""
    if not text.startswith("---"):
        return None
    match = _FRONTMATTER.match(text)
    return match.group(1) if match else None


def floor_stats(root: Path) -> FloorStats:
    """Do one floor pass over ``root`` and return counts plus the elapsed wall time."""
    start = time.perf_counter()
    notes = total_bytes = with_fm = errors = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.endswith(".md") or name.startswith("."):
                continue
            with open(os.path.join(dirpath, name), "rb") as fh:
                data = fh.read()
            notes += 1
            total_bytes += len(data)
            text = data.decode("utf-8", errors="replace")
            fm = _split_frontmatter(text)
            if fm is None:
                continue
            with_fm += 1
            try:
                yaml.load(fm, Loader=_LOADER)
            except yaml.YAMLError:
                errors += 1
    return FloorStats(notes, total_bytes, with_fm, errors, time.perf_counter() - start)


def floor_seconds(root: Path) -> float:
    """Wall-clock seconds for one floor pass (walk, read, decode, parse frontmatter) of ``root``."""
    return floor_stats(root).seconds


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: print note count and seconds for each pass."""
    parser = argparse.ArgumentParser(description="Time the I/O + frontmatter floor.")
    parser.add_argument("root", type=Path, help="notebook directory")
    parser.add_argument("--repeat", type=int, default=1, help="number of passes (1)")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        parser.error(f"not a directory: {args.root}")
    times: list[float] = []
    for _ in range(max(1, args.repeat)):
        stats = floor_stats(args.root)
        times.append(stats.seconds)
        print(
            f"{stats.notes} notes, {stats.bytes / 1e6:.1f} MB, "
            f"{stats.frontmatter} with frontmatter ({stats.frontmatter_errors} errors), "
            f"{stats.seconds:.3f} s [{LOADER_NAME}]"
        )
    if len(times) > 1:
        print(f"min {min(times):.3f} s, median {statistics.median(times):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
