"""core/media.py and core/attachment_preview.py: kinds, image sizes, CSV tables, hover text."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codex_lsp.core.attachment_preview import AttachmentFacts, attachment_markdown
from codex_lsp.core.media import (
    HEAD_BYTES,
    attachment_kind,
    human_size,
    image_size,
    read_table,
    table_markdown,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "lab-notebook" / "data"


def png(width: int, height: int) -> bytes:
    """A complete, valid PNG of one grey pixel row repeated (what an image library writes)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg(width: int, height: int, progressive: bool = False) -> bytes:
    """A JPEG header as cameras write it: an APP0 (JFIF) and a DQT segment before the frame."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes(64)
    sof = (
        (b"\xff\xc2" if progressive else b"\xff\xc0")
        + struct.pack(">HBHHB", 11, 8, height, width, 1)
        + b"\x01\x11\x00"
    )
    return b"\xff\xd8" + app0 + dqt + sof + b"\xff\xd9"


def test_kinds_by_extension_and_mime() -> None:
    assert attachment_kind("gel.PNG") == "image"
    assert attachment_kind("data/run.csv") == "data"
    assert attachment_kind("paper.pdf") == "pdf"
    assert attachment_kind("talk.mp4") == "video"
    assert attachment_kind("raw.bin") == "file"
    assert attachment_kind("raw.xyz", "image/x-weird") == "image"
    assert attachment_kind(".hidden") == "file"


def test_human_sizes() -> None:
    assert human_size(812) == "812 B"
    assert human_size(1536) == "1.5 KB"
    assert human_size(23 * 1024 * 1024) == "23.0 MB"


def test_the_example_gel_image_size() -> None:
    assert image_size((EXAMPLE / "gel-2026-03-05.png").read_bytes()) == (56, 40)


@pytest.mark.parametrize(
    ("data", "size"),
    [
        (png(3, 2), (3, 2)),
        (b"GIF89a" + struct.pack("<HH", 640, 480) + bytes(20), (640, 480)),
        (jpeg(1024, 768), (1024, 768)),
        (jpeg(33, 17, progressive=True), (33, 17)),
        (  # WebP, extended format (VP8X): sizes minus one in 24 bits
            b"RIFF"
            + bytes(4)
            + b"WEBPVP8X"
            + bytes(8)
            + (799).to_bytes(3, "little")
            + (599).to_bytes(3, "little"),
            (800, 600),
        ),
        (  # WebP, lossless (VP8L): 14-bit sizes minus one after the 0x2f signature
            b"RIFF"
            + bytes(4)
            + b"WEBPVP8L"
            + bytes(4)
            + b"\x2f"
            + ((99) | (49 << 14)).to_bytes(4, "little"),
            (100, 50),
        ),
        (  # WebP, lossy (VP8): the key frame's start code, then the sizes
            b"RIFF"
            + bytes(4)
            + b"WEBPVP8 "
            + bytes(4)
            + bytes(3)
            + b"\x9d\x01\x2a"
            + struct.pack("<HH", 320, 240),
            (320, 240),
        ),
        (b"BM" + bytes(12) + struct.pack("<Iii", 40, 16, -9) + bytes(20), (16, 9)),
        (
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="120px" '
            b'height="80">',
            (120, 80),
        ),
        (b'<svg viewBox="0 0 24 12" width="100%">', (24, 12)),
    ],
)
def test_image_sizes_from_headers(data: bytes, size: tuple[int, int]) -> None:
    assert image_size(data) == size


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff",
        b"GIF8",
        b"<svg width='3mm' height='2mm'>",
        b"not an image at all",
    ],
)
def test_cut_or_foreign_headers_have_no_size(data: bytes) -> None:
    assert image_size(data) is None


@settings(max_examples=300, deadline=200)
@given(
    st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8", b"GIF89a", b"RIFF", b"BM", b"<svg"]),
    st.binary(max_size=200),
)
def test_no_header_crashes_the_reader(prefix: bytes, rest: bytes) -> None:
    found = image_size(prefix + rest)
    assert found is None or (found[0] > 0 and found[1] > 0)


def test_the_example_csv_shows_its_header_and_ten_rows() -> None:
    data = (EXAMPLE / "qpcr-run-07.csv").read_bytes()
    table = read_table(data[:HEAD_BYTES], "csv", len(data) <= HEAD_BYTES)
    assert table is not None
    assert table.delimiter == ","
    assert table.header == ["well", "sample", "target", "task", "copies_per_ul", "ct", "tm_c"]
    assert len(table.rows) == 10 and table.rows[0][0] == "A1"
    assert table.more_rows
    text = table_markdown(table)
    assert text.splitlines()[0] == "| well | sample | target | task | copies_per_ul | ct | tm_c |"
    assert text.endswith("*first 10 rows*")


def test_semicolons_are_sniffed_and_tsv_uses_tabs() -> None:
    table = read_table(b"a;b;c\n1;2;3\n4;5;6\n", "csv", True)
    assert table is not None and table.header == ["a", "b", "c"] and not table.more_rows
    tsv = read_table(b"x\ty\n1,5\t2\n", "tsv", True)
    assert tsv is not None and tsv.rows == [["1,5", "2"]]


def test_a_cut_last_line_is_dropped_and_cells_are_escaped() -> None:
    table = read_table(b"name,note\nA,x|y\nB,partial li", "csv", False)
    assert table is not None and table.rows == [["A", "x|y"]] and table.more_rows
    assert "x\\|y" in table_markdown(table)


def test_no_rows() -> None:
    assert read_table(b"\n\n", "csv", True) is None


def test_hover_of_an_image_shows_it_with_its_size() -> None:
    data = png(3, 2)
    text = attachment_markdown(
        AttachmentFacts("data/gel.png", "file:///nb/data/gel.png", len(data), "image/png", data)
    )
    assert text.startswith("**gel.png** · 3 × 2 px · ")
    assert "![gel.png](file:///nb/data/gel.png)" in text
    assert "`image/png`" in text


def test_hover_of_a_csv_shows_a_table_and_sidecar_metadata() -> None:
    data = b"well,ct\nA1,14.5\n"
    facts = AttachmentFacts(
        "run.csv",
        "file:///nb/run.csv",
        len(data),
        "text/csv",
        data,
        "qPCR run 07",
        {
            "title": "qPCR run 07",
            "instrument": "QuantStudio 5",
            "units": {"ct": "cycles"},
            "tags": ["data/qpcr", "assay/qpcr"],
        },
    )
    text = attachment_markdown(facts)
    assert text.startswith("**qPCR run 07** · 16 B · `text/csv`")
    assert "| well | ct |\n|---|---|\n| A1 | 14.5 |" in text
    assert "- **instrument**: QuantStudio 5" in text
    assert "- **units**: ct: cycles" in text
    assert "- **tags**: data/qpcr, assay/qpcr" in text
    assert "**title**" not in text


def test_hover_of_another_file_gives_size_and_type() -> None:
    text = attachment_markdown(
        AttachmentFacts("raw.bin", "file:///nb/raw.bin", 2048, None, b"\x00\x01")
    )
    assert text == "**raw.bin** · 2.0 KB · `application/octet-stream`  \n`raw.bin`"


@settings(max_examples=200, deadline=500)
@given(st.binary(max_size=3000), st.sampled_from(["csv", "tsv", "png", "bin"]), st.booleans())
def test_no_file_content_crashes_the_hover(data: bytes, extension: str, complete: bool) -> None:
    text = attachment_markdown(
        AttachmentFacts(
            f"f.{extension}", "file:///nb/f", len(data) if complete else 10**9, None, data
        )
    )
    assert text.startswith(f"**f.{extension}**")
    table = read_table(data, extension, complete)
    assert table is None or (len(table.rows) <= 10 and len(table.header) <= 12)
