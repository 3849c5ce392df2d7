"""Rewrite link text when a note, heading or block is renamed (pure string work)."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from urllib.parse import quote

from .anchors import read_anchor
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


def renamed_names(written: str, link: Link, names: Sequence[int], new_name: str) -> str:
    """New text for a link's target part after the heading or block that names number
    ``names`` of its anchor (see :attr:`.anchors.Anchor.names`) name was renamed to
    ``new_name`` (a heading's text, written as its slug in Markdown links, or a block id)."""
    path_part, _hash_sign, anchor_text = _split_written(written, link)
    found = read_anchor(anchor_text).names
    for number in sorted(set(names), reverse=True):
        if number >= len(found):
            continue
        name = found[number]
        text = slugify(new_name) if link.kind.is_markdown and not name.is_block else new_name
        anchor_text = anchor_text[: name.start] + text + anchor_text[name.end :]
    renamed = path_part + "#" + anchor_text
    return f"<{renamed}>" if _bracketed(written) else renamed


def _bracketed(written: str) -> bool:
    return written.startswith("<") and written.endswith(">")


def _split_written(written: str, link: Link) -> tuple[str, str, str]:
    if _bracketed(written):
        written = written[1:-1]
    path_part, hash_sign, anchor = written.partition("#")
    return path_part, hash_sign, anchor
