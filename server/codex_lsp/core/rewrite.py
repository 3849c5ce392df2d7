"""Rewrite link text when a note, heading or block is renamed (pure string work)."""

from __future__ import annotations

import posixpath
from urllib.parse import quote

from .model import Link
from .resolve import strip_note_suffix
from .syntax import slugify


def renamed_target(
    written: str, link: Link, old_path: str, new_path: str, source: str
) -> str | None:
    """New text for a link's target part (``target_range`` text) after a note moves.

    ``written`` is the current text of ``target_range``. Returns None when the link reaches the
    note some other way that survives the rename (an alias) and must be left alone.
    """
    path_part, hash_sign, anchor = _split_written(written, link)
    if link.kind.is_markdown:
        new_rel = posixpath.relpath(new_path, posixpath.dirname(source) or ".")
        encoded = "%20" in path_part or " " not in path_part
        destination = quote(new_rel, safe="/") if encoded else new_rel
        if written.startswith("<"):
            return f"<{new_rel}{hash_sign}{anchor}>"
        return destination + hash_sign + anchor
    old_stem = strip_note_suffix(posixpath.basename(old_path))
    new_stem = strip_note_suffix(posixpath.basename(new_path))
    name = path_part.strip()
    last = name.rstrip("/").rsplit("/", 1)[-1]
    if strip_note_suffix(last).lower() != old_stem.lower():
        return None  # linked through an alias
    suffix = last[len(strip_note_suffix(last)) :]
    if "/" in name:
        if posixpath.dirname(old_path) != posixpath.dirname(new_path):
            replacement = strip_note_suffix(new_path) + suffix
        else:
            replacement = name.rsplit("/", 1)[0] + "/" + new_stem + suffix
    else:
        replacement = new_stem + suffix
    return replacement + hash_sign + anchor


def renamed_anchor(written: str, link: Link, new_heading: str, part: int = -1) -> str:
    """New text for a link's target part after a heading it names is renamed: the last part
    of a heading path ``A#B``, or part number ``part`` (of the parts that are not empty)."""
    path_part, _hash_sign, anchor = _split_written(written, link)
    pieces = anchor.split("#")
    written_parts = [n for n, piece in enumerate(pieces) if piece.strip()]
    if written_parts:
        pieces[written_parts[part]] = slugify(new_heading) if link.kind.is_markdown else new_heading
    return path_part + "#" + "#".join(pieces)


def renamed_block(written: str, link: Link, new_id: str) -> str:
    """New text for a link's target part after the block it points to gets a new id."""
    path_part, _, _ = _split_written(written, link)
    return f"{path_part}#^{new_id}"


def _split_written(written: str, link: Link) -> tuple[str, str, str]:
    if written.startswith("<") and written.endswith(">"):
        written = written[1:-1]
    path_part, hash_sign, anchor = written.partition("#")
    return path_part, hash_sign, anchor
