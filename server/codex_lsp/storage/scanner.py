"""Walk a notebook's folder and list the files to index, with what was skipped and why."""

from __future__ import annotations

import os
import stat
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

from ..core.sidecar import described_file
from ..core.syntax import is_note_name
from .config import NotebookConfig
from .notebooks import SKIPPED_DIRS, Notebook, is_notebook_root, really_inside

if TYPE_CHECKING:
    import pathspec

SIDECAR_SUFFIXES = (".json", ".xml", ".md")


class FileStat(NamedTuple):
    """One file found by the scanner; ``path`` is notebook-relative POSIX.

    A named tuple: worker processes receive and send back thousands of them.
    """

    path: str
    mtime_ns: int
    size: int
    sidecars: tuple[str, ...] = ()

    @property
    def is_note(self) -> bool:
        """True for Markdown notes."""
        return is_note_name(self.path)


class ScannedFiles:
    """Files in the order they were added, held compactly: one path string each, their times
    and sizes in arrays, sidecars apart (few files have any).

    A large run holds the files of its scan until its last chunk goes to a worker. As a list
    of :class:`FileStat` they took three times the memory, and freeing each tuple and integer
    once it was handed out gave none of it back: the tuples were allocated in between the
    run's path strings, which live on. Gives :class:`FileStat` tuples, made on access.
    """

    __slots__ = ("_mtimes", "_paths", "_sidecars", "_sizes")

    def __init__(self, stats: Iterable[FileStat] = ()) -> None:
        self._paths: list[str] = []
        self._mtimes = array("q")
        self._sizes = array("q")
        self._sidecars: dict[int, tuple[str, ...]] = {}
        for item in stats:
            self.add(item)

    def add(self, item: FileStat) -> None:
        """Add one file after the others."""
        if item.sidecars:
            self._sidecars[len(self._paths)] = item.sidecars
        self._paths.append(item.path)
        self._mtimes.append(item.mtime_ns)
        self._sizes.append(item.size)

    def paths(self) -> list[str]:
        """Every path, in order (the list itself: not to be changed)."""
        return self._paths

    def __len__(self) -> int:
        return len(self._paths)

    def __iter__(self) -> Iterator[FileStat]:
        for index in range(len(self._paths)):
            yield self._stat(index)

    def chunks(self, size: int) -> Iterator[list[FileStat]]:
        """The files ``size`` at a time, in order."""
        for start in range(0, len(self._paths), size):
            yield [self._stat(i) for i in range(start, min(start + size, len(self._paths)))]

    def _stat(self, index: int) -> FileStat:
        sidecars = self._sidecars.get(index, ()) if self._sidecars else ()
        return FileStat(self._paths[index], self._mtimes[index], self._sizes[index], sidecars)


@dataclass(slots=True)
class ScanResult:
    """Files to index and problems met on the way."""

    files: ScannedFiles = field(default_factory=ScannedFiles)
    problems: list[tuple[str, str]] = field(default_factory=list)
    orphans: list[tuple[str, str]] = field(default_factory=list)
    """(sidecar, the path of the file it describes) of each sidecar whose file is gone."""


def sidecar_names(name: str) -> tuple[str, ...]:
    """File names of the possible sidecars of ``name`` in the same folder."""
    return tuple(f".{name}{suffix}" for suffix in SIDECAR_SUFFIXES)


class _Ignore:
    """gitignore-style rules: the notebook's ``exclude`` globs and ``.gitignore`` files."""

    def __init__(self, root: Path, config: NotebookConfig) -> None:
        import pathspec  # loads with the first scan, not with the server

        self._specs: list[tuple[str, pathspec.PathSpec]] = []
        if config.exclude:
            self._specs.append(("", pathspec.GitIgnoreSpec.from_lines(config.exclude)))
        self.add_gitignore(root, "")

    def add_gitignore(self, folder: Path, prefix: str) -> None:
        """Read ``folder/.gitignore`` (``prefix`` is its notebook-relative path)."""
        try:
            lines = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return
        import pathspec

        self._specs.append((prefix, pathspec.GitIgnoreSpec.from_lines(lines.splitlines())))

    def ignored(self, rel: str, is_dir: bool) -> bool:
        """True when ``rel`` is excluded by any rule that applies to it."""
        for prefix, spec in self._specs:
            if prefix:
                if not rel.startswith(prefix + "/"):
                    continue
                candidate = rel[len(prefix) + 1 :]
            else:
                candidate = rel
            if spec.match_file(candidate + "/" if is_dir else candidate):
                return True
        return False


class FileSink(Protocol):
    """Where a scan puts the files it finds, in order."""

    def add(self, item: FileStat) -> None:
        """Take the next file found."""


def scan_notebook(
    notebook: Notebook, config: NotebookConfig, files: FileSink | None = None
) -> ScanResult:
    """List every note and attachment of ``notebook``, in the result's ``files`` or, when
    given, in ``files`` (the result's stay empty).

    Skips tool and hidden folders, nested notebooks, ignored paths and symlinks that leave
    the notebook; reports symlink loops, broken links and unreadable folders as problems.
    """
    result = ScanResult()
    sink: FileSink = files if files is not None else result.files
    root = notebook.root
    real_root = os.path.realpath(root)
    ignore = _Ignore(root, config)
    visited: set[str] = {real_root}
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        folder, prefix = stack.pop()
        # A folder is read twice, its hidden names first (sidecars, .gitignore), then one
        # entry at a time: a list of a large flat folder's entries would hold each file.
        try:
            hidden = _hidden_names(folder)
            entries = os.scandir(folder)
        except OSError as exc:
            result.problems.append((prefix or ".", f"folder cannot be read: {exc.strerror}"))
            continue
        if prefix and ".gitignore" in hidden:
            ignore.add_gitignore(Path(folder), prefix)
        owners = _described(hidden)  # sidecar -> the name of the file it describes
        wanted = set(owners.values())
        present: set[str] = set()  # those names found in the folder
        try:
            with entries:
                for entry in entries:
                    if entry.name in wanted:
                        present.add(entry.name)
                    _scan_entry(
                        entry, prefix, hidden, ignore, real_root, visited, stack, sink, result
                    )
        except OSError as exc:  # the folder went away while it was read
            result.problems.append((prefix or ".", f"folder cannot be read: {exc.strerror}"))
            continue
        join = f"{prefix}/" if prefix else ""
        for sidecar, owner in sorted(owners.items()):
            if owner not in present:  # a sidecar whose file is gone
                result.orphans.append((join + sidecar, join + owner))
    return result


def _hidden_names(folder: str) -> set[str]:
    """The names in ``folder`` that start with a dot."""
    with os.scandir(folder) as entries:
        return {entry.name for entry in entries if entry.name.startswith(".")}


def _scan_entry(
    entry: os.DirEntry[str],
    prefix: str,
    hidden: set[str],
    ignore: _Ignore,
    real_root: str,
    visited: set[str],
    stack: list[tuple[str, str]],
    sink: FileSink,
    result: ScanResult,
) -> None:
    """Add the file ``entry`` to ``sink``, or its folder to ``stack`` (one of the folder at
    notebook path ``prefix``)."""
    name = entry.name
    if name.startswith("."):
        return
    rel = f"{prefix}/{name}" if prefix else name
    try:
        is_link = entry.is_symlink()
        is_dir = entry.is_dir()
        is_file = not is_dir and entry.is_file()
    except OSError as exc:
        result.problems.append((rel, f"cannot be read: {exc.strerror}"))
        return
    if is_link and not _symlink_ok(entry.path, real_root, rel, result):
        return
    if is_dir:
        if name in SKIPPED_DIRS or is_notebook_root(Path(entry.path)):
            return
        if ignore.ignored(rel, is_dir=True):
            return
        real = os.path.realpath(entry.path)
        if real in visited:
            result.problems.append((rel, "symlink loop: folder already visited"))
            return
        visited.add(real)
        stack.append((entry.path, rel))
    elif is_file:
        if ignore.ignored(rel, is_dir=False):
            return
        _add_file(entry, rel, hidden, sink, result)


def _described(hidden: set[str]) -> dict[str, str]:
    """The sidecars among ``hidden`` names, with the name of the file each describes."""
    return {name: owner for name in hidden if (owner := described_file(name)) is not None}


def _symlink_ok(path: str, real_root: str, rel: str, result: ScanResult) -> bool:
    target = os.path.realpath(path)
    if not os.path.exists(target):
        result.problems.append((rel, "broken symlink"))
        return False
    if target != real_root and not target.startswith(real_root + os.sep):
        result.problems.append((rel, "symlink leads outside the notebook; not followed"))
        return False
    return True


def _add_file(
    entry: os.DirEntry[str], rel: str, hidden: set[str], sink: FileSink, result: ScanResult
) -> None:
    try:
        info = entry.stat()
    except OSError as exc:
        result.problems.append((rel, f"cannot be read: {exc.strerror}"))
        return
    if not stat.S_ISREG(info.st_mode):
        return
    mtime, size = info.st_mtime_ns, info.st_size
    sidecars: tuple[str, ...] = ()
    if hidden:
        sidecars = tuple(s for s in sidecar_names(entry.name) if s in hidden)
        folder = os.path.dirname(entry.path)
        for sidecar in sidecars:
            try:
                side = os.stat(os.path.join(folder, sidecar))
            except OSError:
                continue
            mtime = max(mtime, side.st_mtime_ns)
            size += side.st_size
    sink.add(FileStat(rel, mtime, size, sidecars))


def indexable_path(notebook: Notebook, config: NotebookConfig, rel: str) -> str | None:
    """The notebook path a changed file stands for, or None if the scanner would skip it.

    A sidecar (``.NAME.json``...) stands for ``NAME``; hidden and tool folders, nested
    notebooks and ignored paths are skipped, as in :func:`scan_notebook`.
    """
    parts = rel.split("/")
    name = parts[-1]
    if name.startswith("."):
        owner = next(
            (
                name[1 : -len(s)]
                for s in SIDECAR_SUFFIXES
                if name.endswith(s) and len(name) > len(s) + 1
            ),
            None,
        )
        if owner is None:
            return None
        parts[-1] = owner
    if any(part.startswith(".") or part in SKIPPED_DIRS for part in parts[:-1]):
        return None
    folder = notebook.root
    ignore = _Ignore(notebook.root, config)
    for depth, part in enumerate(parts[:-1]):
        folder = folder / part
        prefix = "/".join(parts[: depth + 1])
        if is_notebook_root(folder) or ignore.ignored(prefix, is_dir=True):
            return None
        ignore.add_gitignore(folder, prefix)
    path = "/".join(parts)
    if ignore.ignored(path, is_dir=False):
        return None
    # A path a client reports may reach outside through a symlink the scan would not follow.
    return path if really_inside(notebook.root / path, notebook.root) else None
