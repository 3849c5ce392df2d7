"""Read one file from disk and turn it into the rows the indexer stores.

:func:`prepare_file` is what worker processes run: it takes a file's stat, reads, hashes and
parses it, and returns a :class:`PreparedFile` of plain rows (cheap to send between processes).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.model import Link, ParsedNote, Position, Problem, Range, Severity
from ..core.parser import parse_note
from ..core.resolve import lookup_key, strip_note_suffix
from ..core.search_query import METADATA_MARK
from ..core.sidecar import merge_metadata, parse_sidecar
from ..core.syntax import is_note_name, split_target
from .scanner import FileStat

_ZERO = Range(Position(0, 0), Position(0, 0))
_BINARY_PROBE = 8192

RangeCols = tuple[int, int, int, int]


def range_cols(r: Range) -> RangeCols:
    """A range as four integers (start line, start column, end line, end column)."""
    return r[0] + r[1]  # two (line, column) tuples


@dataclass(slots=True)
class PreparedFile:
    """Everything the indexer writes for one file, as plain values and row tuples."""

    stat: FileStat
    content_hash: str = ""
    mime_type: str = ""
    title: str = ""
    body_line: int = 0
    properties: str = "{}"
    aliases: list[str] = field(default_factory=list)
    headings: list[tuple[Any, ...]] = field(default_factory=list)
    blocks: list[tuple[Any, ...]] = field(default_factory=list)
    tags: list[tuple[Any, ...]] = field(default_factory=list)
    links: list[tuple[Any, ...]] = field(default_factory=list)
    problems: list[tuple[Any, ...]] = field(default_factory=list)
    search_text: str = ""
    tag_names: list[str] = field(default_factory=list)
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
    prepared = PreparedFile(stat, hashlib.sha256(data).hexdigest(), mime_type_of(stat.path))
    name = os.path.basename(stat.path)
    sidecars, problems = _read_sidecars(os.path.dirname(absolute), stat.sidecars)
    note: ParsedNote | None = None
    if not stat.is_note:
        prepared.title = name
    elif len(data) > max_size:
        problems.append(
            Problem(
                "too-large",
                f"Note is larger than {max_size} bytes; not parsed",
                _ZERO,
                Severity.WARNING,
            )
        )
    elif b"\x00" in data[:_BINARY_PROBE]:
        problems.append(
            Problem("binary", "Note looks like a binary file; not parsed", _ZERO, Severity.WARNING)
        )
    else:
        decoded, encoding_problem = decode_text(data)
        if encoding_problem:
            problems.append(encoding_problem)
        note = parse_note(decoded, strip_note_suffix(name))
        problems.extend(note.problems)
    properties = merge_metadata(note.frontmatter if note else None, sidecars)
    prepared.properties = json.dumps(properties, ensure_ascii=False, default=str)
    prepared.problems = [
        (p.code, p.severity.value, p.message, *range_cols(p.range)) for p in problems
    ]
    if note is None:
        prepared.title = prepared.title or strip_note_suffix(name)
        prepared.tag_names = _metadata_tags(properties)
        prepared.tags = [(t, "metadata", None, None, None, None) for t in prepared.tag_names]
        prepared.search_text = METADATA_MARK + _metadata_text(properties)
        return prepared
    _fill_from_note(prepared, note, properties)
    return prepared


def _fill_from_note(prepared: PreparedFile, note: ParsedNote, properties: dict[str, Any]) -> None:
    prepared.title = note.title
    prepared.body_line = note.frontmatter_range.end.line if note.frontmatter_range else 0
    prepared.aliases = note.aliases
    prepared.headings = [(h.level, h.text, h.slug, *range_cols(h.range)) for h in note.headings]
    prepared.blocks = [(b.id, *range_cols(b.range)) for b in note.blocks]
    prepared.tags = [(t.name, t.source.value, *range_cols(t.range)) for t in note.tags]
    prepared.tag_names = note.tag_names
    prepared.links = [
        (
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
        for link in note.links
    ]
    extra = _metadata_text(properties)
    prepared.search_text = f"{note.body}\n{METADATA_MARK}{extra}" if extra else note.body


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
