"""Read one file from disk and turn it into the rows the indexer stores.

:func:`prepare_file` is what worker processes run: it takes a file's stat, reads, hashes and
parses it, and returns a :class:`PreparedFile` of plain rows (cheap to send between processes).
"""

from __future__ import annotations

import codecs
import datetime as _dt
import hashlib
import json
import marshal
import mimetypes
import os
import posixpath
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from ..core.metadata import indexed
from ..core.model import NoteRows, Position, Problem, Range, Severity
from ..core.parser import note_rows
from ..core.resolve import Target, lookup_key, strip_note_suffix
from ..core.search_query import METADATA_MARK, folded_text
from ..core.sidecar import merge_metadata
from ..core.syntax import is_note_name
from .scanner import FileStat
from .sidecar_files import read_sidecar_files
from .streaming_links import EarlyAnswers

_ZERO = Range(Position(0, 0), Position(0, 0))
_PROPERTIES_JSON = json.JSONEncoder(ensure_ascii=False, default=str)
_BINARY_PROBE = 8192

RangeCols = tuple[int, int, int, int]


def range_cols(r: Range) -> RangeCols:
    """A range as four integers (start line, start column, end line, end column)."""
    return r[0] + r[1]  # two (line, column) tuples


Row = tuple[Any, ...]


class PreparedFile(NamedTuple):
    """The rows the indexer writes for one file, ready for their tables.

    Every row starts with ``file_id``, the id the indexer planned for the file; when it gives
    the file another one (a moved file keeps its old id), :meth:`with_id` re-keys the rows.
    Column orders are those of the indexer's INSERT statements (storage/indexer.py). A named
    tuple of plain rows, because worker processes send one per file.
    """

    stat: FileStat
    file_id: str
    content_hash: str = ""
    file_row: Row = ()
    alias_rows: Sequence[Row] = ()
    heading_rows: Sequence[Row] = ()
    block_rows: Sequence[Row] = ()
    tag_rows: Sequence[Row] = ()
    """``(file_id, tag name, source, *range)``: the indexer puts the tag's id for its name."""
    problem_rows: Sequence[Row] = ()
    search_row: Row = ()
    links: Sequence[Row] = ()
    """Parsed links, without the file id: the indexer resolves them (``_link_row``)."""
    error: str | None = None
    answers: Sequence[Row] | None = None
    """In a full run, the early answer of each link (storage/streaming_links.py)."""
    indexed: bool = False
    """In a full run, whether the file was in the index before (set by the indexer)."""

    def with_id(self, file_id: str) -> PreparedFile:
        """The same rows for the file id ``file_id``."""

        def rekey(rows: Sequence[Row]) -> list[Row]:
            return [(file_id, *row[1:]) for row in rows]

        return self._replace(
            file_id=file_id,
            file_row=(file_id, *self.file_row[1:]),
            alias_rows=rekey(self.alias_rows),
            heading_rows=rekey(self.heading_rows),
            block_rows=rekey(self.block_rows),
            tag_rows=rekey(self.tag_rows),
            problem_rows=rekey(self.problem_rows),
            search_row=(file_id, file_id, *self.search_row[2:]),
        )

    def target(self) -> Target:
        """What link resolution needs to know of the file."""
        return Target(
            self.stat.path,
            self.stat.is_note,
            tuple(row[1] for row in self.alias_rows),
            tuple((row[3], row[4], row[2]) for row in self.heading_rows),  # text, slug, level
            frozenset(row[1] for row in self.block_rows),
            self.file_id,
        )


def mime_type_of(path: str) -> str:
    """Best-guess MIME type from the file name."""
    if is_note_name(path):
        return "text/markdown"
    return mimetypes.guess_type(path)[0] or "application/octet-stream"


def decode_text(data: bytes) -> tuple[str, Problem | None]:
    """Decode UTF-8 (BOM allowed); invalid bytes become U+FFFD and a problem is reported."""
    # Without a byte order mark, "utf-8-sig" decodes as "utf-8", which bytes.decode does
    # itself, without a look-up of the codec and a call of its Python code.
    codec = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        return data.decode(codec), None
    except UnicodeDecodeError as exc:
        text = data.decode(codec, errors="replace")
        line = data[: exc.start].count(b"\n")
        return text, Problem(
            "bad-encoding",
            f"Not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "invalid bytes are shown as \ufffd",
            Range(Position(line, 0), Position(line, 0)),
            Severity.WARNING,
        )


def prepare_file(
    root: Path, stat: FileStat, max_size: int, file_id: str, now: str, text: str | None = None
) -> PreparedFile:
    """Read, hash and (for notes) parse one file into rows for ``file_id``; ``now`` is the run's
    time stamp, ``text`` replaces the disk content if given.

    Never raises for a file's content; an unreadable file gives ``error``.
    """
    folder = os.fspath(root)
    absolute = os.path.join(folder, stat.path)
    try:
        data = text.encode("utf-8") if text is not None else read_bytes(absolute, stat.size)
    except OSError as exc:
        return PreparedFile(stat, file_id, error=f"cannot be read: {exc.strerror}")
    content_hash = hashlib.sha256(data).hexdigest()
    name = os.path.basename(stat.path)
    is_note = stat.is_note
    sidecars, sidecar_problems = read_sidecar_files(folder, stat.path, stat.sidecars, max_size)
    problems: list[Problem] = []
    note = _parse_note(data, name, max_size, problems) if is_note else None
    properties = merge_metadata(note.frontmatter if note else None, sidecars)
    tag_rows: list[Row]
    if note is not None:
        own_tags = note.tag_names
        meta = indexed(properties, note.title, own_tags, note.aliases)
        tag_rows = [(file_id, *tag) for tag in note.tags]
        tag_names = [*own_tags, *meta.metadata_tags]
        body = note.body
    else:
        meta = indexed(properties, strip_note_suffix(name) if is_note else None)
        tag_rows, tag_names, body = [], list(meta.metadata_tags), ""
    tag_rows += [(file_id, t, "metadata", None, None, None, None) for t in meta.metadata_tags]
    search_text = f"{body}\n{METADATA_MARK}{meta.metadata_text}" if meta.metadata_text else body
    title = meta.title or name
    aliases = meta.aliases if is_note else ()  # links name attachments by file name only
    file_row = (
        file_id,
        stat.path,
        name,
        os.path.splitext(name)[1].lstrip(".").lower(),
        stat.size,
        "text/markdown" if is_note else mime_type_of(stat.path),
        content_hash,
        _iso_from_ns(stat.mtime_ns) if stat.mtime_ns else now,
        stat.mtime_ns or None,
        title,
        note.frontmatter_end_line or 0 if note else 0,
        _PROPERTIES_JSON.encode(properties),
        int(is_note),
        lookup_key(stat.path),
        now,
        now,
    )
    return PreparedFile(
        stat,
        file_id,
        content_hash,
        file_row,
        alias_rows=[(file_id, alias, alias.lower()) for alias in aliases],
        heading_rows=[(file_id, seq, *h) for seq, h in enumerate(note.headings if note else ())],
        block_rows=[(file_id, *block) for block in (note.blocks if note else ())],
        tag_rows=tag_rows,
        problem_rows=[
            (file_id, path, p.code, p.severity.value, p.message, *range_cols(p.range))
            for path, p in [*((stat.path, p) for p in problems), *sidecar_problems]
        ],
        search_row=_search_row(
            file_id, stat.path, is_note, meta.title, aliases, search_text, tag_names
        ),
        links=note.links if note else [],
    )


def _search_row(
    file_id: str,
    path: str,
    is_note: bool,
    title: str,
    aliases: Sequence[str],
    search_text: str,
    tag_names: Sequence[str],
) -> Row:
    """The file's row of the full-text index: name, folder, title (a note's), aliases, text,
    tags and their folded copy if needed (columns in storage/database.py)."""
    folder, name = posixpath.split(path)
    if is_note:
        name = strip_note_suffix(name)
    alias_text = "\n".join(aliases)
    tag_text = " ".join(tag_names)
    folded = folded_text(name, folder, title, alias_text, search_text, tag_text)
    return (file_id, file_id, name, folder, title, alias_text, search_text, tag_text, folded)


def read_bytes(path: str, size: int) -> bytes:
    """The content of the file at ``path``, expected to be ``size`` bytes long.

    Plain ``os`` calls: half the cost of ``open().read()`` for a small file, which matters when
    a run reads thousands. A file that grew since its size was taken is read to its end.
    """
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        data = os.read(fd, size + 1)
        if len(data) <= size:  # a short read of a file is its end: no read to learn that
            return data
        chunks = [data]
        while chunks[-1]:
            chunks.append(os.read(fd, max(size, 65536)))
        return b"".join(chunks)
    finally:
        os.close(fd)


def _iso_from_ns(ns: int) -> str:
    """A file time stamp (nanoseconds since the epoch) as ISO 8601 UTC, to the second."""
    seconds, fraction = divmod(ns, 1_000_000_000)
    # Files written together share their second. Far enough from a second's ends, the time
    # as a float (rounded to the microsecond) cannot fall into another second: the
    # second's text is then worked out once.
    if _SURE_FRACTION[0] <= fraction < _SURE_FRACTION[1] and 0 < seconds < _SURE_SECONDS:
        return _iso_second(seconds)
    return _dt.datetime.fromtimestamp(ns / 1e9, _dt.timezone.utc).isoformat(timespec="seconds")


_SURE_FRACTION = (1_000_000, 999_000_000)  # nanoseconds: a millisecond from either end
_SURE_SECONDS = 2**32  # below it, a float errs by far less than that millisecond


@lru_cache(maxsize=1024)
def _iso_second(seconds: int) -> str:
    return _dt.datetime.fromtimestamp(seconds, _dt.timezone.utc).isoformat(timespec="seconds")


def _parse_note(data: bytes, name: str, max_size: int, problems: list[Problem]) -> NoteRows | None:
    """The parsed note, or None (with a problem added) when it is too large or binary."""
    if len(data) > max_size:
        message = f"Note is larger than {max_size} bytes; not parsed"
        problems.append(Problem("too-large", message, _ZERO, Severity.WARNING))
        return None
    if _looks_binary(data):
        message = "Note looks like a binary file; not parsed"
        problems.append(Problem("binary", message, _ZERO, Severity.WARNING))
        return None
    decoded, encoding_problem = decode_text(data)
    if encoding_problem:
        problems.append(encoding_problem)
    note = note_rows(decoded, strip_note_suffix(name))
    problems.extend(note.problems)
    return note


def _looks_binary(data: bytes) -> bool:
    """True when NUL bytes say the file is no text: not UTF-8, or NUL in every eighth byte.

    A valid UTF-8 note may hold a few NULs (pasted into a code block); UTF-16 text or an
    image renamed ``.md`` has far more, or is not UTF-8 at all.
    """
    if data.find(b"\x00", 0, _BINARY_PROBE) == -1:  # memchr: counting would read every byte
        return False
    probe = data[:_BINARY_PROBE]
    nuls = probe.count(b"\x00")
    if nuls * 8 > len(probe):
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def prepare_batch(
    root: Path, files: list[tuple[FileStat, str]], max_size: int, now: str, names: str | None
) -> bytes:
    """:func:`prepare_chunk` in a worker process, packed for the trip back
    (:func:`unpack_batch`); ``names``: the path of a full run's files (storage/run_files.py)."""
    answers = EarlyAnswers.shared(names) if names is not None else None
    return pack_batch(prepare_chunk(root, files, max_size, now, answers))


def prepare_chunk(
    root: Path,
    files: list[tuple[FileStat, str]],
    max_size: int,
    now: str,
    answers: EarlyAnswers | None,
) -> list[PreparedFile]:
    """:func:`prepare_file` over several ``(stat, file id)`` (a worker process's unit of
    work); in a full run, each file's links get their early ``answers``."""
    prepared = [prepare_file(root, stat, max_size, file_id, now) for stat, file_id in files]
    if answers is None:
        return prepared
    found = iter(answers.chunk([(item.stat.path, item.links) for item in prepared]))
    return [item._replace(answers=next(found)) for item in prepared]


def pack_batch(files: Sequence[PreparedFile]) -> bytes:
    """Prepared files as bytes for another process of this interpreter.

    Their rows are plain tuples, lists, strings and numbers, which :mod:`marshal` writes and
    reads in half the time :mod:`pickle` takes (it keeps no memo of every object, and named
    tuples go as plain ones); both ends run the same Python, which is all marshal requires.
    """
    return marshal.dumps([(tuple(item.stat), *item[1:]) for item in files])


def unpack_batch(data: bytes) -> list[PreparedFile]:
    """The prepared files that :func:`pack_batch` packed."""
    return [PreparedFile(FileStat(*item[0]), *item[1:]) for item in marshal.loads(data)]
