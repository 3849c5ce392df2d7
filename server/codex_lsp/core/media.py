"""What an attachment is, read from its name and first bytes (pure: bytes in, facts out).

The kind of a file (image, data, pdf...) for completion and hover; the pixel size of an
image, read from its header (PNG, GIF, JPEG, WebP, BMP, SVG) so no image library is needed;
and the first rows of a CSV or TSV file as a table. Callers read a bounded head of the file
(``HEAD_BYTES``) and pass it in: nothing here reads more than it is given.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

HEAD_BYTES = 64 * 1024  # what hover reads of an attachment: headers and first rows fit
TABLE_ROWS = 10  # data rows shown under a CSV header
TABLE_COLUMNS = 12  # columns shown; wider tables are cut, saying so
CELL_CHARS = 40  # a longer cell is cut with an ellipsis

IMAGE_EXTENSIONS = frozenset(
    {"png", "jpg", "jpeg", "gif", "webp", "bmp", "svg", "avif", "tif", "tiff", "ico", "heic"}
)
DATA_EXTENSIONS = frozenset(
    {"csv", "tsv", "tab", "json", "jsonl", "ndjson", "xlsx", "xls", "ods", "parquet", "feather"}
    | {"h5", "hdf5", "npy", "npz", "mat", "fcs", "xml", "yaml", "yml", "txt", "dat", "sqlite"}
)
DELIMITED_EXTENSIONS = frozenset({"csv", "tsv", "tab"})
_KIND_BY_EXTENSION = {
    "pdf": "pdf",
    **{ext: "audio" for ext in ("mp3", "wav", "flac", "ogg", "m4a", "aac", "opus")},
    **{ext: "video" for ext in ("mp4", "webm", "mov", "mkv", "avi", "ogv")},
    **{ext: "archive" for ext in ("zip", "tar", "gz", "tgz", "bz2", "xz", "7z", "zst")},
    **{ext: "document" for ext in ("doc", "docx", "odt", "rtf", "ppt", "pptx", "odp", "epub")},
    **{ext: "code" for ext in ("py", "r", "ipynb", "m", "jl", "sh", "js", "ts", "c", "cpp")},
}
_KIND_BY_MIME_PREFIX = (("image/", "image"), ("audio/", "audio"), ("video/", "video"))


def extension_of(name: str) -> str:
    """The lower-case extension of a file name, without the dot ("" when it has none)."""
    base = name.rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    return ext.lower() if dot and stem else ""


def attachment_kind(name: str, mime: str | None = None) -> str:
    """What a file is, in one word: image, data, pdf, audio, video, archive, document, code
    or file. The extension decides; a MIME type (from the index) settles the unknown ones."""
    ext = extension_of(name)
    if ext in IMAGE_EXTENSIONS:
        return "image"
    if ext in DATA_EXTENSIONS:
        return "data"
    if ext in _KIND_BY_EXTENSION:
        return _KIND_BY_EXTENSION[ext]
    for prefix, kind in _KIND_BY_MIME_PREFIX:
        if mime and mime.startswith(prefix):
            return kind
    return "file"


T = TypeVar("T")


def attachment_detail(path: str) -> str:
    """The ``detail`` of an attachment's completion item: its kind and folder."""
    folder = posixpath.dirname(path)
    kind = attachment_kind(path)
    return f"{kind} in {folder}" if folder else kind


def is_image(path: str) -> bool:
    """True for a file that ``![[...]]`` shows as an image."""
    return attachment_kind(path) == "image"


def images_first(items: list[T], path_of: Callable[[T], str]) -> list[T]:
    """``items`` with images moved before everything else, each group keeping its order
    (completion after ``![[`` and ``![...](``)."""
    return sorted(items, key=lambda item: not is_image(path_of(item)))


def human_size(size: int) -> str:
    """A byte count as people read it: ``812 B``, ``1.4 KB``, ``23.0 MB`` (powers of 1024)."""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            break
    return f"{value:.1f} {unit}"


# -- image sizes ------------------------------------------------------------------------------


def image_size(head: bytes) -> tuple[int, int] | None:
    """(width, height) in pixels from the first bytes of an image; None when the format is
    not one read here or the header is cut short or damaged."""
    try:
        for reader in (_png, _gif, _jpeg, _webp, _bmp, _svg):
            found = reader(head)
            if found is not None:
                return found if found[0] > 0 and found[1] > 0 else None
    except (struct.error, IndexError, ValueError):
        return None
    return None


def _png(head: bytes) -> tuple[int, int] | None:
    if not head.startswith(b"\x89PNG\r\n\x1a\n") or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def _gif(head: bytes) -> tuple[int, int] | None:
    if head[:6] not in (b"GIF87a", b"GIF89a"):
        return None
    width, height = struct.unpack("<HH", head[6:10])
    return width, height


# JPEG start-of-frame markers (baseline, progressive, lossless...), which hold the size;
# C4 (Huffman tables), C8 (reserved) and CC (arithmetic coding) are not frames.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg(head: bytes) -> tuple[int, int] | None:
    if not head.startswith(b"\xff\xd8"):
        return None
    at = 2
    while at + 4 <= len(head):
        if head[at] != 0xFF:
            return None
        marker = head[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            at += 2
            continue
        (length,) = struct.unpack(">H", head[at + 2 : at + 4])
        if marker in _SOF:
            height, width = struct.unpack(">HH", head[at + 5 : at + 9])
            return width, height
        if length < 2:
            return None
        at += 2 + length
    return None


def _webp(head: bytes) -> tuple[int, int] | None:
    if head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        return None
    chunk = head[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L":
        if head[20] != 0x2F:
            return None
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        if head[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def _bmp(head: bytes) -> tuple[int, int] | None:
    if head[:2] != b"BM" or len(head) < 26:
        return None
    header_size = struct.unpack("<I", head[14:18])[0]
    if header_size == 12:  # OS/2 BITMAPCOREHEADER
        width, height = struct.unpack("<HH", head[18:22])
        return width, height
    width, height = struct.unpack("<ii", head[18:26])
    return abs(width), abs(height)  # a negative height means rows run top-down


_SVG_TAG = re.compile(rb"<svg\b[^>]{0,4096}>", re.IGNORECASE)
_SVG_ATTR = re.compile(rb"""\b(width|height|viewBox)\s*=\s*["']([^"']{0,200})["']""")
_SVG_LENGTH = re.compile(rb"^\s*([0-9]+(?:\.[0-9]+)?)\s*(px)?\s*$")


def _svg(head: bytes) -> tuple[int, int] | None:
    """The size an SVG declares: its ``width``/``height`` in pixels (unit-less or ``px``),
    else its ``viewBox``. Lengths in other units (``mm``, ``%``) have no pixel size."""
    tag = _SVG_TAG.search(head[:HEAD_BYTES])
    if tag is None:
        return None
    attrs = {m.group(1).lower(): m.group(2) for m in _SVG_ATTR.finditer(tag.group(0))}
    width = _SVG_LENGTH.match(attrs.get(b"width", b""))
    height = _SVG_LENGTH.match(attrs.get(b"height", b""))
    if width and height:
        return round(float(width.group(1))), round(float(height.group(1)))
    box = attrs.get(b"viewbox", b"").replace(b",", b" ").split()
    if len(box) == 4:
        return round(float(box[2])), round(float(box[3]))
    return None


# -- delimited tables -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Table:
    """The first rows of a delimited file: its header, data rows, and what was left out."""

    delimiter: str
    header: list[str]
    rows: list[list[str]]
    more_rows: bool  # rows beyond those shown (or beyond the bytes read)
    more_columns: int  # columns not shown


def read_table(head: bytes, extension: str, complete: bool) -> Table | None:
    """The header and first :data:`TABLE_ROWS` rows of a CSV/TSV file from its first bytes.

    ``complete`` says whether ``head`` is the whole file (else its last, probably cut, line
    is dropped). The delimiter is tab for ``.tsv``/``.tab``; for others ``csv.Sniffer``
    chooses among comma, semicolon, tab and bar, comma when it cannot tell. None when the
    bytes hold no row.
    """
    text = head.decode("utf-8-sig", errors="replace")
    if not complete and "\n" in text:
        text = text[: text.rfind("\n") + 1]
    if extension in ("tsv", "tab"):
        delimiter = "\t"
    else:
        try:
            delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    rows: list[list[str]] = []
    more = not complete
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(rows) > TABLE_ROWS:
                more = True
                break
            rows.append(row)
    except csv.Error:
        more = True  # a field too long or a quote never closed: show what was read
    if not rows:
        return None
    header, data = rows[0], rows[1:]
    width = max(len(row) for row in rows)
    shown = min(width, TABLE_COLUMNS)
    return Table(
        delimiter,
        _pad(header, shown),
        [_pad(row, shown) for row in data],
        more,
        width - shown,
    )


def _pad(row: list[str], width: int) -> list[str]:
    return (row + [""] * width)[:width]


def table_markdown(table: Table) -> str:
    """A :class:`Table` as a Markdown table, with a line saying what is not shown."""

    def cells(row: list[str]) -> str:
        return "| " + " | ".join(_cell(cell) for cell in row) + " |"

    lines = [cells(table.header), "|" + "---|" * len(table.header)]
    lines.extend(cells(row) for row in table.rows)
    notes = []
    if table.more_rows:
        notes.append(f"first {len(table.rows)} rows")
    if table.more_columns:
        notes.append(f"{table.more_columns} more column{'s' * (table.more_columns != 1)}")
    if notes:
        lines.append("")
        lines.append(f"*{', '.join(notes)}*")
    return "\n".join(lines)


def _cell(text: str) -> str:
    """A cell's text made safe inside a Markdown table row: one line, ``|`` escaped, short."""
    flat = " ".join(text.split())
    if len(flat) > CELL_CHARS:
        flat = flat[: CELL_CHARS - 1] + "…"
    return flat.replace("\\", "\\\\").replace("|", "\\|") or " "
