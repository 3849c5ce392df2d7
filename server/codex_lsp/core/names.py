"""The one check of names a client asks for: notes and folders, headings, tags, block ids.

Every rule keeps a name usable in a link and on disk; rules are in docs/protocol.md ("Paths and
names").
A refusal raises :class:`BadName` whose message says which character or rule failed. Note
names follow Obsidian's rules, so notebooks stay portable vaults: ``* " \\ / < > : | ?`` are
refused by file systems somewhere, ``# ^ [ ] |`` break wiki links; so do a backtick, ``%%``
and ``<!--``, which open code or a comment inside a link. A heading may hold inline code
(backticks that pair up), which a link keeps as part of itself.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

from .masking import inline_code_spans
from .syntax import NOTE_SUFFIXES

MAX_COMPONENT_BYTES = 255
# What file systems refuse somewhere (Windows, FAT, SMB shares) or links cannot spell.
NOTE_FORBIDDEN = '*"\\<>:|?#^[]'
HEADING_FORBIDDEN = "[]|#\\"
# Where these appear the parser reads code or a comment, so a link spelling them is cut.
LINK_BREAKERS = ("`", "%%", "<!--")
_TAG_CHAR = re.compile(r"[^\s#!\"$%&'()*+,.:;<=>?@\[\]\\^`{|}~]")
_ALL_DIGITS = re.compile(r"^[\d/]+$")
_BLOCK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")


class BadName(ValueError):
    """A name refused, with the reason as its message."""


def _describe(ch: str) -> str:
    if ch == "\n":
        return "a line break"
    if ch == "\t":
        return "a tab"
    if _is_control(ch):
        return f"the control character or lone surrogate U+{ord(ch):04X}"
    return f"'{ch}'"


def _is_control(ch: str) -> bool:
    # Cc: C0/C1 controls and DEL; Zl/Zp: the line and paragraph separators editors break on;
    # Cs: a lone surrogate (JSON can carry one), which no file system encoding accepts.
    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp")


def _no_controls(text: str, what: str) -> None:
    for ch in text:
        if _is_control(ch):
            raise BadName(f"{what} cannot contain {_describe(ch)}")


def _no_link_breakers(text: str, what: str, breakers: tuple[str, ...] = LINK_BREAKERS) -> None:
    for needle in breakers:
        if needle in text:
            raise BadName(f"{what} cannot contain '{needle}': links to it would break")


def _backticks_paired(text: str) -> bool:
    """True when every backtick of ``text`` belongs to a code span closed inside it: inline
    code inside a link is part of the link, an unpaired backtick would open code past it."""
    covered = sum(text.count("`", start, end) for start, end in inline_code_spans(text))
    return covered == text.count("`")


def _note_suffix(name: str) -> str:
    return next((s for s in NOTE_SUFFIXES if name.lower().endswith(s)), "")


def check_component(part: str, what: str = "a name") -> None:
    """Refuse one folder or file name of a notebook path (see the module docstring)."""
    if not part:
        raise BadName(f"{what} cannot be empty")
    if part in (".", ".."):
        raise BadName(f"{what} cannot be '{part}'")
    if part.startswith("."):
        raise BadName(f"{what} cannot start with '.' (hidden files are not indexed): '{part}'")
    _no_controls(part, what)
    for ch in part:
        if ch in NOTE_FORBIDDEN:
            raise BadName(f"{what} cannot contain {_describe(ch)}: '{part}'")
    _no_link_breakers(part, what)
    stem = part[: -len(suffix)] if (suffix := _note_suffix(part)) else part
    if part != part.strip() or stem != stem.strip():
        raise BadName(f"{what} cannot start or end with a space: '{part}'")
    size = len(part.encode("utf-8", "surrogatepass"))
    if size > MAX_COMPONENT_BYTES:
        raise BadName(
            f"{what} is {size} bytes long in UTF-8; file systems allow {MAX_COMPONENT_BYTES}"
        )


def check_relative_path(path: str, what: str = "a note path") -> str:
    """Refuse a notebook-relative path (``folder/name.md``) unless every part is a valid name;
    returns it normalised (no empty parts, no leading or trailing ``/``).

    Absolute paths, ``..`` and hidden parts (``.codex/x`` included) are refused, so a checked
    path always names something the indexer sees.
    """
    if path.startswith("/") or PurePosixPath(path).is_absolute():
        raise BadName(f"{what} must be relative to the notebook, not '{path}'")
    parts = path.split("/")
    for part in parts:
        check_component(part, f"each part of {what}")
    return "/".join(parts)


def check_folder(folder: str) -> str:
    """Refuse a notebook-relative folder (``""`` is the notebook root); returns it without
    leading or trailing ``/``."""
    if folder.startswith("/"):
        raise BadName(f"the folder must be relative to the notebook, not '{folder}'")
    folder = folder.strip("/")
    return check_relative_path(folder, "the folder") if folder else ""


def check_heading(text: str) -> str:
    """Refuse a heading text that could not be written on its line or linked to; returns it
    stripped. A heading may hold ``:`` or ``?``, but not a line break or what ends a link."""
    text = text.strip()
    if not text:
        raise BadName("a heading cannot be empty")
    _no_controls(text, "a heading")
    for ch in text:
        if ch in HEADING_FORBIDDEN:
            raise BadName(f"a heading cannot contain {_describe(ch)}: links to it would break")
    _no_link_breakers(text, "a heading", ("%%", "<!--"))
    if not _backticks_paired(text):
        raise BadName("a heading cannot contain an unpaired '`': links to it would break")
    if text.startswith("^"):
        raise BadName("a heading cannot start with '^': links to it would name a block")
    return text


def check_tag(raw: str) -> str:
    """Refuse a tag the parser would not read back whole; returns it without ``#`` or outer
    ``/`` (``a/b`` is a nested tag)."""
    name = raw.strip().lstrip("#").strip("/")
    if not name:
        raise BadName("a tag cannot be empty")
    _no_controls(name, "a tag")
    for ch in name:
        if not _TAG_CHAR.match(ch):
            raise BadName(f"a tag cannot contain {_describe(ch)}")
    if "//" in name:
        raise BadName("a tag cannot have an empty level ('//')")
    if _ALL_DIGITS.match(name):
        raise BadName("a tag cannot be only digits")
    return name


def check_block_id(raw: str) -> str:
    """Refuse a block id the parser would not read back; returns it without the ``^``."""
    name = raw.strip().removeprefix("^")
    if not _BLOCK_ID.fullmatch(name):
        bad = next((ch for ch in name if not (ch.isascii() and (ch.isalnum() or ch == "-"))), None)
        if not name:
            raise BadName("a block id cannot be empty")
        if bad is not None:
            raise BadName(f"a block id may hold only letters, digits and '-', not {_describe(bad)}")
        raise BadName("a block id must start with a letter or digit")
    return name
