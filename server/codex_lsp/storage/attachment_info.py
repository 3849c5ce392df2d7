"""What hover shows of an attachment: its index row and the first bytes of the file."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

from ..core.attachment_preview import AttachmentFacts, attachment_markdown
from ..core.media import HEAD_BYTES
from . import lookups


def attachment_facts(
    conn: sqlite3.Connection, root: Path, path: str, uri: str
) -> AttachmentFacts | None:
    """Facts about the live attachment at notebook-relative ``path`` (None for a note or a
    file the index does not know). Reads at most :data:`HEAD_BYTES` of it, and only from a
    regular file (a FIFO would block). Blocking: run on a reader thread."""
    row = conn.execute(
        "SELECT is_note, size, mime_type, title, properties FROM file_metadata"
        " WHERE path = ? AND deleted_at IS NULL",
        (path,),
    ).fetchone()
    if row is None or row[0]:
        return None
    size, head = _head(root / path)
    try:
        properties = json.loads(row[4] or "{}")
    except ValueError:
        properties = {}
    name = path.rsplit("/", 1)[-1]
    title = row[3] if row[3] and row[3] != name else None
    return AttachmentFacts(
        path,
        uri,
        size if size is not None else int(row[1]),
        row[2],
        head,
        title,
        properties if isinstance(properties, dict) else {},
    )


def _head(path: Path) -> tuple[int | None, bytes]:
    """The size and first :data:`HEAD_BYTES` bytes of a regular file; (None, b"") when it
    cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None, b""
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, b""
        chunks, left = [], HEAD_BYTES
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return info.st_size, b"".join(chunks)
    except OSError:
        return None, b""
    finally:
        os.close(fd)


def attachment_hover(conn: sqlite3.Connection, root: Path, path: str, uri: str) -> str | None:
    """Hover Markdown for a link that leads to the attachment at ``path`` (whose file URI is
    ``uri``): its facts and backlink count; None for a note or a file not in the index."""
    facts = attachment_facts(conn, root, path, uri)
    if facts is None:
        return None
    count = lookups.backlink_counts(conn, [path]).get(path, 0)
    return f"{attachment_markdown(facts)}\n\n*{count} backlink{'s' * (count != 1)}*"
