"""Large binaries that git tracks outside Git LFS: what ``codex-lsp check`` warns about
(``large-file-outside-lfs``, docs/attachments.md).

The limit is the auto-commit one (``codex.git.autoCommitMaxSizeKb``): a file over it is never
committed automatically, and one that git holds in full grows every clone.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from .git import GitError, GitUnavailable, find_repository_or_none
from .queries import Issue

_SNIFF = 8192


def large_binaries_outside_lfs(conn: sqlite3.Connection, root: Path, max_bytes: int) -> list[Issue]:
    """A warning for each live indexed file of the notebook at ``root`` larger than
    ``max_bytes``, binary (a NUL byte in its first 8 KiB), whose committed blob in HEAD is the
    content itself rather than a Git LFS pointer. Runs git only when such a file exists."""
    candidates: dict[str, int] = {}
    for (path,) in conn.execute(
        "SELECT path FROM file_metadata WHERE deleted_at IS NULL AND size > ?", (max_bytes,)
    ):
        size = _binary_size(root / path)
        if size is not None and size > max_bytes:
            candidates[path] = size
    if not candidates:
        return []
    repo = find_repository_or_none(root)
    if repo is None:
        return []
    try:
        prefix = root.resolve().relative_to(repo.root).as_posix()
    except ValueError:  # the notebook is not in the work tree git found
        return []
    in_repo = {(f"{prefix}/{p}" if prefix != "." else p): p for p in candidates}
    try:
        stored = _blob_sizes(repo.run("ls-tree", "-r", "-l", "-z", "HEAD", "--", *in_repo)[1])
    except (GitError, GitUnavailable):
        return []
    issues = []
    for repo_path, blob_size in sorted(stored.items()):
        path = in_repo.get(repo_path)
        if path is None or blob_size <= max_bytes:
            continue  # a small blob: an LFS pointer (or a file that grew since its commit)
        message = (
            f"Binary file of {blob_size} bytes tracked by git outside Git LFS (over the "
            f"{max_bytes // 1024} KiB limit); `git lfs migrate import --include='{path}'` "
            "moves it to LFS"
        )
        issues.append(Issue(path, 0, 0, 0, 0, "warning", "large-file-outside-lfs", message))
    return issues


def _binary_size(path: Path) -> int | None:
    """The size of the file at ``path`` when it looks binary, else None."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF)
            size = os.fstat(handle.fileno()).st_size
    except OSError:
        return None
    return size if b"\0" in head else None


def _blob_sizes(out: bytes) -> dict[str, int]:
    """``git ls-tree -l -z`` output as repository path -> blob size."""
    sizes = {}
    for entry in out.split(b"\0"):
        meta, _, name = entry.partition(b"\t")
        fields = meta.split()
        if len(fields) == 4 and fields[1] == b"blob" and fields[3].isdigit():
            sizes[os.fsdecode(name)] = int(fields[3])
    return sizes
