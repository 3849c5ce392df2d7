"""Read one file from disk and turn it into the rows the indexer stores.

:func:`prepare_file` is what worker processes run: it takes a file's stat, reads, hashes and
parses it, and returns a :class:`PreparedFile` of plain rows (cheap to send between processes).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ..core.model import Link, ParsedNote, Position, Problem, Range, Severity
from ..core.parser import parse_note
from ..core.resolve import lookup_key, strip_note_suffix
from ..core.search_query import METADATA_MARK
from ..core.sidecar import merge_metadata, parse_sidecar
from ..core.syntax import is_note_name, split_target
from .scanner import FileStat

_ZERO = Range(Position(0, 0), Position(0, 0))
_PROPERTIES_JSON = json.JSONEncoder(ensure_ascii=False, default=str)
_BINARY_PROBE = 8192

RangeCols = tuple[int, int, int, int]


def range_cols(r: Range) -> RangeCols:
    """A range as four integers (start line, start column, end line, end column)."""
    return r[0] + r[1]  # two (line, column) tuples


class PreparedFile(NamedTuple):
    """Everything the indexer writes for one file, as plain values and row tuples.

    A named tuple, because worker processes send one per file: it pickles in half the time
    of a dataclass.
    """

    stat: FileStat
    content_hash: str = ""
    mime_type: str = ""
    title: str = ""
    body_line: int = 0
    properties: str = "{}"
    aliases: Sequence[str] = ()
    headings: Sequence[tuple[Any, ...]] = ()
    blocks: Sequence[tuple[Any, ...]] = ()
    tags: Sequence[tuple[Any, ...]] = ()
    links: Sequence[tuple[Any, ...]] = ()
    problems: Sequence[tuple[Any, ...]] = ()
    search_text: str = ""
    tag_names: Sequence[str] = ()
    error: str | None = None

    @property
    def lookup_key(self) -> str:
        """The catalog key of the file (stem for notes, file name for attachments)."""
        name = os.path.basename(self.stat.path)
        return (strip_note_suffix(name) if self.stat.is_note else name).lower()


def mime_type_of(path: str) -> str:
    """Best-guess MIME type from the file name."""
    if is_note_name(path):
        return "text/markdown"
    return mimetypes.guess_type(path)[0] or "application/octet-stream"


def decode_text(data: bytes) -> tuple[str, Problem | None]:
    """Decode UTF-8 (BOM allowed); invalid bytes become U+FFFD and a problem is reported."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8-sig", errors="replace")
        line = data[: exc.start].count(b"\n")
        return text, Problem(
            "bad-encoding",
            f"Not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "invalid bytes are shown as \ufffd",
            Range(Position(line, 0), Position(line, 0)),
            Severity.WARNING,
        )


def prepare_file(
    root: Path, stat: FileStat, max_size: int, text: str | None = None
) -> PreparedFile:
    """Read, hash and (for notes) parse one file; ``text`` replaces the disk content if given.

    Never raises for a file's content; an unreadable file gives ``error``.
    """
    absolute = os.path.join(root, stat.path)
    try:
        if text is not None:
            data = text.encode("utf-8")
        else:
            with open(absolute, "rb") as file:
                data = file.read()
    except OSError as exc:
        return PreparedFile(stat, error=f"cannot be read: {exc.strerror}")
    content_hash, mime_type = hashlib.sha256(data).hexdigest(), mime_type_of(stat.path)
    name = os.path.basename(stat.path)
    sidecars, problems = _read_sidecars(os.path.dirname(absolute), stat.sidecars)
    note = _parse_note(data, name, max_size, problems) if stat.is_note else None
    properties = merge_metadata(note.frontmatter if note else None, sidecars)
    problem_rows = [(p.code, p.severity.value, p.message, *range_cols(p.range)) for p in problems]
    if note is None:
        tag_names = _metadata_tags(properties)
        return PreparedFile(
            stat,
            content_hash,
            mime_type,
            title=strip_note_suffix(name) if stat.is_note else name,
            properties=_PROPERTIES_JSON.encode(properties),
            tags=[(t, "metadata", None, None, None, None) for t in tag_names],
            problems=problem_rows,
            search_text=METADATA_MARK + _metadata_text(properties),
            tag_names=tag_names,
        )
    extra = _metadata_text(properties)
    return PreparedFile(
        stat,
        content_hash,
        mime_type,
        title=note.title,
        body_line=note.frontmatter_range.end.line if note.frontmatter_range else 0,
        properties=_PROPERTIES_JSON.encode(properties),
        aliases=note.aliases,
        headings=[(h.level, h.text, h.slug, *range_cols(h.range)) for h in note.headings],
        blocks=[(b.id, *range_cols(b.range)) for b in note.blocks],
        tags=[(t.name, t.source.value, *range_cols(t.range)) for t in note.tags],
        links=[_link_row(link) for link in note.links],
        problems=problem_rows,
        search_text=f"{note.body}\n{METADATA_MARK}{extra}" if extra else note.body,
        tag_names=note.tag_names,
    )


def _parse_note(
    data: bytes, name: str, max_size: int, problems: list[Problem]
) -> ParsedNote | None:
    """The parsed note, or None (with a problem added) when it is too large or binary."""
    if len(data) > max_size:
        message = f"Note is larger than {max_size} bytes; not parsed"
        problems.append(Problem("too-large", message, _ZERO, Severity.WARNING))
        return None
    if b"\x00" in data[:_BINARY_PROBE]:
        message = "Note looks like a binary file; not parsed"
        problems.append(Problem("binary", message, _ZERO, Severity.WARNING))
        return None
    decoded, encoding_problem = decode_text(data)
    if encoding_problem:
        problems.append(encoding_problem)
    note = parse_note(decoded, strip_note_suffix(name))
    problems.extend(note.problems)
    return note


def _link_row(link: Link) -> tuple[Any, ...]:
    """The columns of a link row that come from the note itself."""
    return (
        link.kind.value,
        link.target,
        link.anchor,
        int(link.is_block),
        link.label,
        *range_cols(link.range),
        *range_cols(link.target_range),
        lookup_key(link.target) if link.target else "",
        _label_key(link),
    )


def _label_key(link: Link) -> str | None:
    """Look-up key of a wiki link's label, which may be its target (Dendron order)."""
    if link.kind.is_markdown or not link.label:
        return None
    path = split_target(link.label)[0]
    return lookup_key(path) if path else None


def prepare_batch(root: Path, stats: list[FileStat], max_size: int) -> list[PreparedFile]:
    """:func:`prepare_file` over several files (the unit of work of a worker process)."""
    return [prepare_file(root, stat, max_size) for stat in stats]


def _metadata_tags(properties: dict[str, Any]) -> list[str]:
    value = properties.get("tags", properties.get("tag"))
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list):
        return []
    return list(dict.fromkeys(str(v).lstrip("#") for v in value if str(v).strip("# ")))


def _metadata_text(properties: dict[str, Any]) -> str:
    """String values of metadata (besides title and tags), so that they are searchable."""
    return " ".join(
        str(v)
        for k, v in properties.items()
        if k not in ("title", "tags", "tag") and isinstance(v, (str, int, float))
    )


def _read_sidecars(
    folder: str, sidecars: tuple[str, ...]
) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    found: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    for name in sidecars:
        kind = name.rsplit(".", 1)[-1]
        try:
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as file:
                text = file.read()
        except OSError as exc:
            problems.append(
                Problem("sidecar-unreadable", f"{name}: {exc.strerror}", _ZERO, Severity.WARNING)
            )
            continue
        data, error = parse_sidecar(kind, text)
        if error:
            problems.append(Problem("sidecar-invalid", f"{name}: {error}", _ZERO, Severity.WARNING))
        found[kind] = data
    return found, problems
