"""Attaching files to a note: copy them into the notebook, without clashes or duplicates.

Shared by ``codex.attach`` and ``codex-lsp attach`` (rules in docs/attachments.md). Each
source file (which may lie anywhere: the user chose it) is copied into a hidden temporary
file of the attachment folder while it is hashed; then

* a live file of the notebook with the same content (SHA-256, as the index stores it, checked
  again on disk), or a file of the attachment folder with the same bytes, is reused instead
  of a second copy;
* otherwise the copy takes the file's name, or ``name-1.ext``... when the name is taken by
  other content (a hard link of the temporary file: an existing file is never overwritten);
* a new copy gets a JSON sidecar ``.NAME.json`` holding the keys the notebook's schema
  requires of it (by the type its path gives it), when there are any and no sidecar exists.

Blocking (disk and hashing); the index is read through ``lookup``, which runs a query on a
connection the caller owns (the language server's reader thread, or the CLI's own).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import posixpath
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..core.attach_names import embed_link, free_name, safe_file_name
from ..core.names import BadName
from ..core.resolve import lookup_key
from ..core.schema.template import required_entries
from ..core.yamlload import load_yaml
from .notebooks import Notebook, really_inside
from .schema_store import schema_source

T = TypeVar("T")
Lookup = Callable[[Callable[[sqlite3.Connection], T]], T]

CHUNK = 1024 * 1024


class AttachFailed(Exception):
    """A file could not be attached; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Attached:
    """One attached file: where it came from, where it is, and the embed that shows it."""

    source: str  # the path read
    path: str  # notebook-relative
    link: str  # ``![[name]]``
    reused: bool  # an identical file was already in the notebook
    sidecar: str | None  # notebook-relative path of the sidecar created, if one was


@dataclass(frozen=True, slots=True)
class _Copy:
    source: Path
    name: str
    temporary: Path
    size: int
    digest: str


def attach_files(
    notebook: Notebook,
    folder: str,
    sources: Sequence[Path],
    lookup: Lookup[Any],
    today: _dt.date | None = None,
) -> list[Attached]:
    """Copy ``sources`` into the notebook-relative ``folder`` (see the module docstring).

    Raises :class:`AttachFailed` before anything is left in the notebook when a source cannot
    be read or the folder leads outside the notebook; files attached before a later failure
    stay (each is a complete file).
    """
    root = notebook.root
    target = root / folder if folder else root
    if not really_inside(target, root):
        raise AttachFailed(f"{folder} leads outside the notebook through a symlink")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AttachFailed(f"cannot create the folder {folder}: {exc.strerror}") from exc
    if not really_inside(target, root):  # a symlink raced in while it was created
        raise AttachFailed(f"{folder} leads outside the notebook through a symlink")
    names = [_name_of(source) for source in sources]
    copies: list[_Copy] = []
    try:
        for source, name in zip(sources, names, strict=True):
            copies.append(_copy_in(source, name, target))
        hashes = {copy.digest for copy in copies}
        known = lookup(lambda conn: _paths_by_hash(conn, hashes))
        day = today or _dt.date.today()
        return [_settle(notebook, folder, copy, known, lookup, day) for copy in copies]
    finally:
        for copy in copies:
            copy.temporary.unlink(missing_ok=True)


def _name_of(source: Path) -> str:
    try:
        return safe_file_name(source.name)
    except BadName as exc:
        raise AttachFailed(f"{source}: {exc}") from None


def _copy_in(source: Path, name: str, target: Path) -> _Copy:
    """Copy ``source`` to a hidden temporary file in ``target`` (the indexer skips hidden
    files), hashing it on the way. Only regular files are read: a FIFO or device would never
    end, and a folder is not a file."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise AttachFailed(f"{source}: {exc.strerror}") from exc
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise AttachFailed(f"{source} is not a regular file")
    os.set_blocking(fd, True)
    with os.fdopen(fd, "rb") as reader:
        handle, temporary = tempfile.mkstemp(prefix=".codex-attach-", dir=target)
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(handle, "wb") as writer:
                while chunk := reader.read(CHUNK):
                    digest.update(chunk)
                    writer.write(chunk)
                    size += len(chunk)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise AttachFailed(f"{source}: {exc.strerror}") from exc
    return _Copy(source, name, Path(temporary), size, digest.hexdigest())


def _paths_by_hash(conn: sqlite3.Connection, hashes: set[str]) -> dict[str, list[str]]:
    """Live attachments of the index by content hash."""
    found: dict[str, list[str]] = {}
    for digest in hashes:
        rows = conn.execute(
            "SELECT path FROM file_metadata WHERE content_hash = ? AND is_note = 0"
            " AND deleted_at IS NULL ORDER BY path",
            (digest,),
        )
        found[digest] = [row[0] for row in rows]
    return found


def _name_is_unique(conn: sqlite3.Connection, path: str) -> bool:
    """True when no other file (nor alias) of the index answers to ``path``'s file name."""
    key = lookup_key(path)
    other = conn.execute(
        "SELECT 1 FROM file_metadata WHERE lookup_key = ? AND path != ? AND deleted_at IS NULL",
        (key, path),
    ).fetchone()
    alias = conn.execute("SELECT 1 FROM alias WHERE key = ?", (key,)).fetchone()
    return other is None and alias is None


def _settle(
    notebook: Notebook,
    folder: str,
    copy: _Copy,
    known: dict[str, list[str]],
    lookup: Lookup[Any],
    today: _dt.date,
) -> Attached:
    """Reuse an identical file, or give the copy its free name and a sidecar."""
    root = notebook.root
    candidates = [*known.get(copy.digest, []), *_same_size_in(root, folder, copy.size)]
    reused = next((p for p in candidates if _same_content(root / p, copy)), None)
    sidecar = None
    if reused is not None:
        path = reused
    else:
        path = _link_free(root, folder, copy)
        sidecar = _write_sidecar(notebook, path, today)
    unique = lookup(lambda conn: _name_is_unique(conn, path))
    return Attached(str(copy.source), path, embed_link(path, unique), reused is not None, sidecar)


def _link_free(root: Path, folder: str, copy: _Copy) -> str:
    """Give the temporary copy the first free name (a hard link never replaces a file that
    appeared meanwhile: it fails, and the next number is tried)."""
    while True:
        path = free_name(folder, copy.name, lambda p: os.path.lexists(root / p))
        try:
            os.link(copy.temporary, root / path)
        except FileExistsError:
            continue
        except OSError:
            # File systems without hard links: an exclusive create, then a copy.
            try:
                with open(root / path, "xb") as out, open(copy.temporary, "rb") as src:
                    while chunk := src.read(CHUNK):
                        out.write(chunk)
            except FileExistsError:
                continue
            except OSError as exc:
                raise AttachFailed(f"cannot write {path}: {exc.strerror}") from exc
        return path


def _same_size_in(root: Path, folder: str, size: int) -> list[str]:
    """Visible regular files of ``size`` bytes in ``folder``, which the index may not know
    yet (attached a moment ago, or copied there by hand)."""
    found = []
    try:
        with os.scandir(root / folder if folder else root) as entries:
            for entry in entries:
                if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                    continue
                if entry.stat(follow_symlinks=False).st_size == size:
                    found.append(posixpath.join(folder, entry.name) if folder else entry.name)
    except OSError:
        return []
    return sorted(found)


def _same_content(path: Path, copy: _Copy) -> bool:
    """True when the regular file at ``path`` holds exactly the copied bytes."""
    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_size != copy.size:
            return False
        digest = hashlib.sha256()
        with open(path, "rb") as reader:
            while chunk := reader.read(CHUNK):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == copy.digest


def sidecar_metadata(notebook: Notebook, path: str, today: _dt.date) -> dict[str, Any]:
    """The keys the notebook's schema requires of the attachment at ``path``, each with its
    default, first allowed value, today for a date, or a typed blank (as new notes get)."""
    schema = schema_source(notebook).state().schema
    if schema is None or schema.empty:
        return {}
    metadata: dict[str, Any] = {}
    for key, yaml_text in required_entries(schema, path, (), today):
        _, value = load_yaml(yaml_text)
        metadata[key] = value
    return metadata


def _write_sidecar(notebook: Notebook, path: str, today: _dt.date) -> str | None:
    metadata = sidecar_metadata(notebook, path, today)
    if not metadata:
        return None
    folder, name = posixpath.split(path)
    sidecar = posixpath.join(folder, f".{name}.json") if folder else f".{name}.json"
    text = json.dumps(metadata, indent=2, ensure_ascii=False) + "\n"
    try:
        with open(notebook.root / sidecar, "x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        return None  # a sidecar the user wrote is theirs
    except OSError as exc:
        raise AttachFailed(f"cannot write {sidecar}: {exc.strerror}") from exc
    return sidecar
