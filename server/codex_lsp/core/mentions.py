"""Unlinked mentions: where a text names a note (its file name, title or an alias) as plain
text, and the link that replaces such a mention (rules in docs/linking.md, "Unlinked mentions").

A mention is a whole-word, case-insensitive occurrence of a name, outside frontmatter, code,
comments, HTML, links (wiki, embeds, Markdown links and bare URLs) and tags. Names are found
word by word: the text's words are read once and only the names starting with a word are
tried there, so the cost is linear in the text whatever the number of names.
"""

from __future__ import annotations

import re
from bisect import insort
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from .frontmatter import find_frontmatter
from .masking import blank, mask_html, mask_markdown
from .syntax import MARKDOWN_LINK, WIKI_LINK

MAX_NAME_LENGTH = 200
"""Longer names (a title can be a sentence) are never looked for."""
MAX_NAME_WORDS = 12
MAX_PATTERN_WORDS = 64
"""Up to this many first words, one pattern finds them (see :class:`NameIndex`)."""
MIN_HINT_LETTERS = 4
"""A one-word name shorter than this is not hinted (docs/linking.md)."""

_WORD = re.compile(r"\w+")
_URL = re.compile(r"(?:\b[A-Za-z][A-Za-z0-9+.-]*://|\bwww\.|\bmailto:)[^\s<>()\[\]]*")
_AUTOLINK = re.compile(r"<[A-Za-z][A-Za-z0-9+.-]*:[^\s<>]*>")
_SPACE = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]")
_LINK_SYNTAX = re.compile(r"[\[\]|]")  # a name with these cannot be written in a wiki link


@dataclass(frozen=True, slots=True)
class Name:
    """A name a note is known by, ready to be looked for.

    ``target`` is the note's notebook-relative path; ``words`` its lower-cased words;
    ``seps`` what separates them (``" "`` for white space, which any run of spaces or tabs
    matches), ``lead`` and ``trail`` the symbols before the first word and after the last
    (``.NET``, ``C++``), lower-cased.
    """

    text: str
    target: str
    words: tuple[str, ...]
    seps: tuple[str, ...]
    lead: str
    trail: str


@dataclass(frozen=True, slots=True)
class Mention:
    """A name found at ``[start, end)`` (offsets in the text), naming the note ``target``."""

    start: int
    end: int
    name: str
    target: str


def note_names(stem: str, title: str, aliases: Iterable[str]) -> list[str]:
    """The names of a note, each once (case-insensitively), in the order stem, title,
    aliases; names too long or without a word are left out."""
    found: dict[str, str] = {}
    for name in (stem, title, *aliases):
        text = " ".join(name.split())
        if not text or len(text) > MAX_NAME_LENGTH or not _WORD.search(text):
            continue
        found.setdefault(text.lower(), text)
    return list(found.values())


def make_name(text: str, target: str) -> Name | None:
    """``text`` as a :class:`Name` of the note ``target``; None when it has no word, too
    many, or brackets or ``|`` (it could not be the label of a wiki link)."""
    found = list(_WORD.finditer(text))
    if not found or len(found) > MAX_NAME_WORDS or len(text) > MAX_NAME_LENGTH:
        return None
    if _LINK_SYNTAX.search(text):
        return None
    words = tuple(m.group().lower() for m in found)
    seps = tuple(_sep(text[a.end() : b.start()]) for a, b in pairwise(found))
    lead = text[: found[0].start()].strip().lower()
    trail = text[found[-1].end() :].strip().lower()
    return Name(text, target, words, seps, lead, trail)


def _sep(text: str) -> str:
    """A separator as names and texts are compared: white space runs as one space."""
    return _SPACE.sub(" ", text).lower()


def worth_hinting(name: str) -> bool:
    """Whether a mention of ``name`` is worth a hint: the name has a letter (dates and
    numbers are not), and is more than one word or a word of at least ``MIN_HINT_LETTERS``."""
    if not _LETTER.search(name):
        return False
    words = _WORD.findall(name)
    return len(words) > 1 or len(name.strip()) >= MIN_HINT_LETTERS


def plain_text(text: str, body_start: int | None = None) -> str:
    """``text`` with everything that is not plain prose blanked out, offsets kept: the
    frontmatter (up to ``body_start``, found when None), code, comments, HTML, wiki links and
    embeds, Markdown links and images, and URLs."""
    if body_start is None:
        block = find_frontmatter(text)
        body_start = block[1] if block else 0
    masked = mask_html(mask_markdown(text))
    if body_start:
        masked = blank(masked[:body_start]) + masked[body_start:]
    for pattern, needle in (
        (WIKI_LINK, "[["),
        (MARKDOWN_LINK, "]("),
        (_AUTOLINK, "<"),
        (_URL, ""),
    ):
        if needle in masked:
            masked = pattern.sub(lambda m: blank(m.group(0)), masked)
    return masked


class NameIndex:
    """Names by their first word (by their first two for names of several words), longest
    first: where a word of a text starts a name.

    With few first words (the names of one note), a pattern of them finds where to look
    without reading every word of the text.
    """

    def __init__(self, names: Iterable[Name]) -> None:
        self.by_key: dict[tuple[str, ...], list[Name]] = {}
        self.firsts: Counter[str] = Counter()
        self.longer: Counter[str] = Counter()  # first words of names of several words
        self.starts = _WORD
        for name in names:
            self.add(name)
        if 0 < len(self.firsts) <= MAX_PATTERN_WORDS:
            alternatives = "|".join(re.escape(w) for w in sorted(self.firsts, key=len)[::-1])
            self.starts = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def __bool__(self) -> bool:
        return bool(self.firsts)

    def add(self, name: Name) -> None:
        """Look for ``name`` too (the way starts are found stays as built)."""
        insort(self.by_key.setdefault(name.words[:2], []), name, key=_longest_first)
        self.firsts[name.words[0]] += 1
        if len(name.words) > 1:
            self.longer[name.words[0]] += 1

    def discard(self, name: Name) -> None:
        """Stop looking for ``name``."""
        found = self.by_key.get(name.words[:2], [])
        if name not in found:
            return
        found.remove(name)
        if not found:
            del self.by_key[name.words[:2]]
        for counts, counted in ((self.firsts, True), (self.longer, len(name.words) > 1)):
            if counted:
                counts[name.words[0]] -= 1
                if counts[name.words[0]] <= 0:
                    del counts[name.words[0]]

    def candidates(self, text: str, first: re.Match[str]) -> list[Name]:
        """The names that may start at the word ``first`` of ``text``, longest first."""
        word = first.group().lower()
        if word not in self.firsts:
            return []
        found: list[Name] = []
        if word in self.longer:
            following = _WORD.search(text, first.end(), first.end() + MAX_NAME_LENGTH)
            if following is not None:
                found += self.by_key.get((word, following.group().lower()), [])
        return found + self.by_key.get((word,), [])


def _longest_first(name: Name) -> int:
    return -len(name.text)


def find_mentions(masked: str, names: NameIndex) -> list[Mention]:
    """Every mention of ``names`` in ``masked`` (a text passed through :func:`plain_text`),
    in order, none overlapping (the longest name wins at a place)."""
    found: list[Mention] = []
    after = 0
    for first in names.starts.finditer(masked):
        if first.start() < after:
            continue
        for name in names.candidates(masked, first):
            span = _match(masked, first, name)
            if span is None or span[0] < after or not _whole(masked, *span):
                continue
            found.append(Mention(span[0], span[1], name.text, name.target))
            after = span[1]
            break
    return found


def _match(text: str, first: re.Match[str], name: Name) -> tuple[int, int] | None:
    """The offsets of ``name`` when its first word is ``first`` in ``text``, else None."""
    end = first.end()
    for step in range(1, len(name.words)):
        following = _WORD.search(text, end, end + MAX_NAME_LENGTH)
        if following is None or following.group().lower() != name.words[step]:
            return None
        between = text[end : following.start()]
        if "\n" in between or _sep(between) != name.seps[step - 1]:
            return None
        end = following.end()
    start = first.start() - len(name.lead)
    if start < 0 or text[start : first.start()].lower() != name.lead:
        return None
    if text[end : end + len(name.trail)].lower() != name.trail:
        return None
    return start, end + len(name.trail)


def _whole(text: str, start: int, end: int) -> bool:
    """Whether ``[start, end)`` is whole words: no word character, ``#`` (a tag) or ``@``
    touches it."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (before in "#@" or _is_word(before) or _is_word(after))


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def link_text(target_name: str, written: str) -> str:
    """The wiki link replacing the mention ``written`` of a note linked as ``target_name``:
    ``[[written]]`` when they are the same, else ``[[target_name|written]]``."""
    if written == target_name:
        return f"[[{written}]]"
    return f"[[{target_name}|{written}]]"
