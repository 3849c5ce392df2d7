"""Regular expressions and small helpers for the Markdown syntax the parser understands."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote, unquote_to_bytes

WIKI_LINK = re.compile(r"\[\[([^\[\]\n]+)\]\]")
# Every pattern runs in linear time: no two quantifiers may take turns at the same characters
# (a line of spaces would otherwise cost its length squared). The spaces after "](" are taken
# atomically (a look-ahead and a back-reference: Python 3.10 has no possessive quantifiers);
# a title may then follow them directly, which is what giving them back used to allow. The
# label is taken atomically too: only its longest run can be followed by "]", and a "[" that
# is no link (each of a wiki link's) is then given up at once instead of character by
# character.
MARKDOWN_LINK = re.compile(
    r"\[(?=(?P<label>[^\[\]\n]*(?:\[[^\[\]\n]*\][^\[\]\n]*)*))(?P=label)\]"
    r"\((?=(?P<space>\s*))(?P=space)"
    r"(?P<dest><[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"
    r"(?:(?:\s+|(?<=\s))(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?\s*\)"
)
# An ATX heading line, matched at a line start.
# Group 2 is the rest of the line: :func:`atx_heading_text` drops the closing sequence.
ATX_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+([^\n]*))?\r?(?=\n|\Z)")
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*\r?$", re.MULTILINE)
# Patterns start with a literal so the regex engine can skip ahead; the character before the
# match (start of line or whitespace) is checked by the caller with ``preceded_by_space``.
BLOCK_ID = re.compile(r"\^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*\r?$", re.MULTILINE)
INLINE_TAG = re.compile(r"#([^\s#!\"$%&'()*+,.:;<=>?@\[\]\\^`{|}~]+)")
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_SLUG_DROP = re.compile(r"[^\w\- ]", re.UNICODE)
ALL_DIGITS = re.compile(r"^[\d/]+$")
_WHITESPACE = re.compile(r"\s")
NOTE_SUFFIXES = (".md", ".markdown")


def atx_heading_text(rest: str | None) -> str:
    """The text of an ATX heading from the rest of its line (group 2 of ``ATX_HEADING``).

    Trailing spaces, a carriage return and a closing sequence of ``#`` after a space go.
    """
    if not rest:
        return ""
    if rest.endswith("\r"):
        rest = rest[:-1]
    rest = rest.rstrip(" \t")
    unclosed = rest.rstrip("#")
    if unclosed != rest and unclosed.endswith((" ", "\t")):
        return unclosed.rstrip(" \t")
    return rest


_WIKI_IN_TITLE = re.compile(r"!?\[\[([^\[\]|\n]*)(?:\|([^\[\]\n]*))?\]\]")
_MARKDOWN_IN_TITLE = re.compile(
    r"!?\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\([^()\n]*(?:\([^()\n]*\)[^()\n]*)*\)"
)
# Paired emphasis, strike-through, highlight and code markers, as a rendered title hides
# them; a lone "*" or "_" stays (snake_case and footnote-like names are text). A marked run
# is at most 200 characters long. Code is a run of backticks closed by a run of exactly as
# many, each taken whole (CommonMark's code spans): a run is never tried from inside it or
# as a shorter run, which keeps the pattern linear in the text.
_FORMATTING = re.compile(
    r"(\*\*|__|~~|==|(?<!`)(`+)(?!`))(?=\S)([^\n]{1,200}?)(?<=\S)(?(2)(?<!`))\1(?(2)(?!`))"
)
_SPACES = re.compile(r"\s+")


def plain_text(text: str) -> str:
    """``text`` as a title shows it: links by their label, paired formatting marks dropped.

    ``[[note|Shown]]`` and ``[Shown](url)`` become ``Shown``; ``[[note]]`` becomes ``note``;
    ``**bold**``, ``__bold__``, ``~~gone~~``, ``==marked==`` and `` `code` `` lose their marks.
    """
    if "[" in text:
        text = _WIKI_IN_TITLE.sub(lambda m: m.group(2) or m.group(1), text)
        text = _MARKDOWN_IN_TITLE.sub(lambda m: m.group(1), text)
    if any(mark in text for mark in ("**", "__", "~~", "==", "`")):
        text = _FORMATTING.sub(lambda m: m.group(3), text)
    return _SPACES.sub(" ", text).strip()


def is_note_name(name: str) -> bool:
    """True when a file name or path names a Markdown note (``.md``, ``.markdown``)."""
    return name.lower().endswith(NOTE_SUFFIXES)


def preceded_by_space(text: str, offset: int) -> bool:
    """True when ``offset`` starts the text or follows whitespace."""
    return offset == 0 or text[offset - 1].isspace()


def slugify(text: str) -> str:
    """GitHub-style heading slug: lowercase, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFC", text).strip().lower()
    return _SLUG_DROP.sub("", text).replace(" ", "-")


def clean_tag(raw: str) -> str | None:
    """Normalise a tag name (no ``#``, no trailing ``/``); None when it is not a valid tag."""
    return _cached_clean_tag(raw) if len(raw) <= _CACHED_TAG_LENGTH else _clean_tag(raw)


def _clean_tag(raw: str) -> str | None:
    name = raw.strip().lstrip("#").strip("/")
    if not name or ALL_DIGITS.match(name) or _WHITESPACE.search(name):
        return None
    return name


# Notes carry the same few tags again and again: a short one is read once (bounded cache).
_CACHED_TAG_LENGTH = 100
_cached_clean_tag = lru_cache(maxsize=4096)(_clean_tag)
DENDRON_PREFIX = re.compile(r"^\s*dendron://[^/]*/")


def split_target(inner: str) -> tuple[str, str | None, bool]:
    """Split ``path#anchor`` into (path, anchor, is_block) for wiki and Markdown links.

    A Dendron cross-vault prefix (``dendron://vault/``) is dropped: notes are found by name.
    """
    if "dendron:" in inner:
        inner = DENDRON_PREFIX.sub("", inner)
    path, sep, anchor = inner.partition("#")
    if not sep:
        return path.strip(), None, False
    anchor = anchor.strip()
    is_block = anchor.startswith("^")
    if is_block:
        anchor = anchor[1:]
    return path.strip(), anchor, is_block


def decode_markdown_destination(destination: str) -> str:
    """The path a Markdown link destination names (angle brackets removed, %-escapes decoded)."""
    if destination.startswith("<") and destination.endswith(">"):
        destination = destination[1:-1]
    if "%" not in destination:
        return destination
    if destination.isascii():  # what unquote makes of it, without its split into ASCII runs
        return unquote_to_bytes(destination).decode("utf-8", "replace")
    return unquote(destination)


def is_external(destination: str) -> bool:
    """True for URLs with a scheme (``https:``, ``mailto:``...) and protocol-relative URLs."""
    return bool(URL_SCHEME.match(destination)) or destination.startswith("//")
