"""Git LFS pointer files (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md).

A file tracked by Git LFS is stored in git as a small text pointer naming the content's
object id and size; history shows that pointer, never the (possibly huge, binary) content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_MAX_KB = 1024
"""The default size limit, in KiB, of auto-commits and of the check for large binaries that
git holds outside LFS."""

# The spec caps a pointer at 1024 bytes; its first line is always the version.
MAX_POINTER_BYTES = 1024
_VERSION = b"version https://git-lfs.github.com/spec/v1\n"
_OID = re.compile(rb"^oid ([a-z0-9]+):([0-9a-f]{64})$", re.MULTILINE)
_SIZE = re.compile(rb"^size ([0-9]{1,20})$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class LfsPointer:
    """What a pointer says: the hash method and object id, and the content's size."""

    method: str
    oid: str
    size: int


def lfs_pointer(data: bytes) -> LfsPointer | None:
    """The pointer ``data`` holds, or None when it is no LFS pointer."""
    if len(data) > MAX_POINTER_BYTES or not data.startswith(_VERSION):
        return None
    oid, size = _OID.search(data), _SIZE.search(data)
    if oid is None or size is None:
        return None
    return LfsPointer(oid.group(1).decode(), oid.group(2).decode(), int(size.group(1)))


def pointer_text(pointer: LfsPointer, path: str) -> str:
    """What history shows of a version stored in Git LFS: the pointer's oid and size."""
    return (
        f"{path} is stored in Git LFS; git holds this pointer to it.\n"
        f"oid: {pointer.method}:{pointer.oid}\n"
        f"size: {pointer.size} bytes\n"
    )
