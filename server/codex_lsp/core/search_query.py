"""Turn any user text into a safe SQLite FTS5 query, and find its matches in text.

The syntax (docs/cli.md, "Query syntax") is read here, never passed to FTS5: every word
becomes quoted tokens, so no user text can be an FTS5 syntax error.

Matching folds case and diacritics alike in the query and the text (:func:`fold`). The
full-text tokenizer removes diacritics of Latin letters only, so the index also stores a
folded copy of text in other scripts (:func:`folded_text`), which is where ``ελληνικα``
finds ``Ελληνικά``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

# Letters and digits, as the full-text tokenizer (unicode61) keeps them in one token: it splits
# on underscores too. The New Tai Lue vowels are letters to Python but separators to the
# tokenizer: a query token containing one would reach FTS5 as a phrase.
_TOKEN = re.compile(r"[^\W_\u19b0-\u19c9]+")
_TOKEN_CHAR = r"[^\W_\u19b0-\u19c9]"
_SEPARATORS = r"[\W_\u19b0-\u19c9]+"

# Separates a note's body from its searchable metadata text in the full-text content column,
# so that a match in the metadata is not taken for a position in the file.
METADATA_MARK = "\x1e"

# A word ending in these (``c++``, ``C#``) or starting with a dot (``.NET``) is searched for
# as written: the tokenizer drops the symbols and would leave a one-letter word. The index
# holds such words as one token each, their symbols spelt with a letter no text uses this way
# (``c++`` is ``cǂpǂp``), in the ``folded`` column.
_LITERAL = re.compile(r"^(?:[^\W_]+[+#]+|\.[^\W\d_][^\W_]*)$")
_WORD_START = re.compile(r"[^\W_]+")
_DOT_WORD = re.compile(r"\.[^\W\d_][^\W_]*")
_LITERAL_SPELLING = str.maketrans({"+": "ǂp", "#": "ǂh", ".": "ǂd"})
_IMPLICIT_PREFIX_MIN = 2


# Blocks where combining marks are: those marks (Mn) are the diacritics :func:`fold` removes.
_MARK_BLOCKS = (
    (0x0300, 0x036F), (0x0483, 0x0489), (0x0591, 0x05C7), (0x0610, 0x061A), (0x064B, 0x065F),
    (0x0670, 0x0670), (0x06D6, 0x06ED), (0x0711, 0x0711), (0x0730, 0x074A), (0x07A6, 0x07B0),
    (0x07EB, 0x07F3), (0x0816, 0x082D), (0x0859, 0x085B), (0x08D3, 0x08FF), (0x0900, 0x0DFF),
    (0x0E31, 0x0E4E), (0x0EB1, 0x0ECD), (0x0F18, 0x0FC6), (0x1000, 0x109D), (0x135D, 0x135F),
    (0x1712, 0x1734), (0x17B4, 0x17D3), (0x1A17, 0x1A7F), (0x1AB0, 0x1AFF), (0x1B00, 0x1B73),
    (0x1DC0, 0x1DFF), (0x20D0, 0x20F0), (0x2CEF, 0x2CF1), (0x2DE0, 0x2DFF), (0x302A, 0x302F),
    (0x3099, 0x309A), (0xA66F, 0xA69F), (0xA8E0, 0xA8F1), (0xFE20, 0xFE2F),
)  # fmt: skip


@lru_cache(maxsize=1)
def _marks() -> re.Pattern[str]:
    """The combining marks of ``_MARK_BLOCKS`` (a few thousand characters looked at once)."""
    marks = [
        chr(code)
        for low, high in _MARK_BLOCKS
        for code in range(low, high + 1)
        if unicodedata.category(chr(code)) == "Mn"
    ]
    return re.compile("[" + "".join(re.escape(mark) for mark in marks) + "]")


def fold(text: str) -> str:
    """``text`` without case and diacritics: ``Ελληνικά`` → ``ελληνικα``, ``Größe`` → ``grosse``.

    Case-folded, decomposed, combining marks removed, recomposed. Line breaks stay where
    they are: a folded text has the lines of the original.
    """
    if text.isascii():
        return text.lower()
    folded = text.casefold()
    if unicodedata.is_normalized("NFD", folded) and not _marks().search(folded):
        return folded
    stripped = _marks().sub("", unicodedata.normalize("NFD", folded))
    return unicodedata.normalize("NFC", stripped)


def fold_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """:func:`fold` a character at a time and, for each offset of the folded text (and its
    end), the offset in ``text`` it comes from; None when they are the same offsets (ASCII
    text). For short texts (a line, a snippet); the same as :func:`fold` but where marks
    would combine across characters (which :func:`find_first` allows for)."""
    if text.isascii():
        return text.lower(), None
    parts: list[str] = []
    offsets: list[int] = []
    done = 0
    # ASCII characters fold to themselves lowered, one for one: only the others are folded
    # one by one (a line of prose holds a few).
    for run in _NOT_ASCII.finditer(text):
        start, end = run.span()
        parts.append(text[done:start].lower())
        offsets.extend(range(done, start))
        for index in range(start, end):
            folded = _fold_char(text[index])
            parts.append(folded)
            offsets.extend([index] * len(folded))
        done = end
    parts.append(text[done:].lower())
    offsets.extend(range(done, len(text) + 1))
    return "".join(parts), offsets


_NOT_ASCII = re.compile("[^\x00-\x7f]+")


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    return fold(char)


def find_first(text: str, pattern: re.Pattern[str]) -> tuple[int, int] | None:
    """Offsets in ``text`` of the first match of ``pattern`` in the folded text."""
    folded = fold(text)
    found = pattern.search(folded)
    if found is None:
        return None
    if text.isascii():
        return found.start(), found.end()
    line = folded.count("\n", 0, found.start())
    line_start = 0
    for _ in range(line):
        line_start = text.index("\n", line_start) + 1
    line_end = text.find("\n", line_start)
    in_line = next(find_all(text[line_start : None if line_end == -1 else line_end], pattern), None)
    if in_line is None:  # words side by side across a line break
        return next(find_all(text, pattern), None)
    return line_start + in_line[0], line_start + in_line[1]


def find_all(text: str, pattern: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    """Offsets in ``text`` (a short one) of every match of ``pattern`` in the folded text."""
    folded, offsets = fold_with_offsets(text)
    for found in pattern.finditer(folded):
        if found.end() > found.start():
            if offsets is None:
                yield found.start(), found.end()
            else:
                yield offsets[found.start()], offsets[found.end() - 1] + 1


def tokens(text: str) -> list[str]:
    """The folded words of ``text``, in order (``snake_case`` is two words, as in the index)."""
    return _TOKEN.findall(fold(text))


def folded_text(*texts: str) -> str:
    """What the index's ``folded`` column holds for ``texts``: their folded copy when the
    tokenizer would not fold them alike itself, and their literal words (``c++``).

    The tokenizer folds the case of every script but removes diacritics of Latin letters only:
    Greek accents, Cyrillic ``ё``, combining marks and ``ß`` need the folded copy (where
    ``ελληνικα`` finds ``Ελληνικά``, phrases included).
    """
    joined = "\n".join(texts)
    literals = " ".join(dict.fromkeys(map(_literal_token, _literals(joined))))
    if not _needs_folded_copy(joined):
        return literals
    folded = fold(joined)
    return f"{folded}\n{literals}" if literals else folded


def _literal_token(word: str) -> str:
    """The token the index holds for a literal word: folded, its symbols spelt out."""
    return _spelt(word) if len(word) > _CACHED_LENGTH else _cached_spelt(word)


def _spelt(word: str) -> str:
    return fold(word).translate(_LITERAL_SPELLING)


# Notes repeat their literal words (``.md``, ``c++``): a short one is spelt once.
_CACHED_LENGTH = 100
_cached_spelt = lru_cache(maxsize=1024)(_spelt)


def _literals(text: str) -> Iterator[str]:
    """The words of ``text`` that :func:`parse_query` reads as literals (``c++``, ``.net``),
    as written. A search for the symbols first: most notes have a few ``#`` and no ``+``."""
    for symbol in "+#":
        start = text.find(symbol)
        while start != -1:
            end = start + 1
            before = text[start - 1] if start else " "
            if before.isalnum():
                while end < len(text) and text[end] in "+#":
                    end += 1
                yield _word_before(text, start) + text[start:end]
            start = text.find(symbol, end)
    yield from _DOT_WORD.findall(text)


def _word_before(text: str, end: int) -> str:
    """The letters and digits just before ``end`` (at most 64), read backwards: a pattern
    anchored at the end would try every start in the window."""
    window = text[max(0, end - 64) : end][::-1]
    found = _WORD_START.match(window)
    return window[: found.end()][::-1] if found else ""


def _needs_folded_copy(text: str) -> bool:
    """Whether ``text`` has characters the tokenizer does not fold as :func:`fold` does."""
    if text.isascii():
        return False
    try:
        text.encode("latin-1")  # the quick answer for Western European text
    except UnicodeEncodeError:
        return _needs_folding().search(text) is not None
    return "ß" in text


@lru_cache(maxsize=1)
def _needs_folding() -> re.Pattern[str]:
    blocks = [(0x00DF, 0x00DF), (0x017F, 0x017F), (0x0370, 0x052F), (0x1F00, 0x1FFF)]
    ranges = "".join(f"{chr(low)}-{chr(high)}" for low, high in blocks + list(_MARK_BLOCKS))
    return re.compile(f"[{ranges}]")


@dataclass(frozen=True, slots=True)
class Term:
    """One searched item: a word, a word of several tokens (``node.js``, searched as a
    phrase), a phrase or a literal (``c++``). ``tokens`` are folded; the last one is a prefix
    when ``prefix``."""

    tokens: tuple[str, ...]
    prefix: bool = False
    literal: str | None = None
    """The folded word as written (``c++``), searched as the token the index holds for it."""

    def fts(self) -> str:
        """The FTS5 expression of the term (a phrase of its tokens)."""
        if self.literal is not None:
            return '"' + self.literal.translate(_LITERAL_SPELLING) + '"'
        return '"' + " ".join(self.tokens) + '"' + ("*" if self.prefix else "")

    def pattern(self) -> str:
        """A regular expression finding the term in folded text.

        It starts with the term's first characters, which lets the regex engine skip ahead;
        the lookbehind after them checks the character before the term.
        """
        if self.literal is not None:
            body = re.escape(self.literal)
            if _TOKEN.match(self.literal):
                body += f"(?<!{_TOKEN_CHAR}{body})"
            return body + (f"(?!{_TOKEN_CHAR})" if _TOKEN.fullmatch(self.literal[-1]) else "")
        first = re.escape(self.tokens[0])
        words = [first + f"(?<!{_TOKEN_CHAR}{first})", *map(re.escape, self.tokens[1:])]
        tail = f"{_TOKEN_CHAR}*" if self.prefix else f"(?!{_TOKEN_CHAR})"
        return _SEPARATORS.join(words) + tail


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed query: groups of alternatives (all groups required), excluded terms, and
    filters on tags and folders."""

    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    tags: tuple[str, ...] = ()
    excluded_tags: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    """Folded ``path:`` values: a file's path must contain each, from the start of a folder."""
    excluded_paths: tuple[str, ...] = ()

    @property
    def has_text(self) -> bool:
        """Whether any word is searched for (otherwise files are only filtered)."""
        return bool(self.groups)

    def fts(self) -> str | None:
        """The FTS5 MATCH expression of the words and folders; None if there are neither."""
        return " AND ".join(self._word_parts() + self._folder_parts()) or None

    def whole_words_fts(self) -> str | None:
        """The FTS5 MATCH expression of :meth:`fts` with every word whole, not a prefix: it
        matches a subset of the files, and is much cheaper when a prefix stands for many
        words (the index merges their lists of files first). None if no word is a prefix."""
        if not any(term.prefix for group in self.groups for term in group):
            return None
        whole = [tuple(replace(term, prefix=False) for term in group) for group in self.groups]
        return replace(self, groups=tuple(whole)).fts()

    def without_prefixes_fts(self) -> str | None:
        """The FTS5 MATCH expression of :meth:`fts` without the words that hold a prefix
        (a group of alternatives goes whole): it matches a superset of the files, and costs
        the index no merge of every word a prefix stands for. None if every word holds a
        prefix and no folder is given, or if no word does."""
        if not any(term.prefix for group in self.groups for term in group):
            return None
        kept = tuple(g for g in self.groups if not any(term.prefix for term in g))
        return replace(self, groups=kept).fts()

    def named_fts(self) -> str | None:
        """The FTS5 MATCH expression of the files holding every word in their name, title,
        aliases or tags (the columns that weigh most in ranking), in the folders; None if
        the query has no words."""
        if not self.groups:
            return None
        named = "{name title aliases tags} : (" + " AND ".join(self._word_parts()) + ")"
        return " AND ".join([named, *self._folder_parts()])

    def name_candidates_fts(self) -> tuple[str, str] | None:
        """The FTS5 MATCH expressions of the files a name band can hold (:meth:`name_words`),
        in the folders: those whose name or title starts with the words in order (with a
        literal such as ``c++``, holds them), and those whose aliases hold them. None if the
        query is not such words.

        ``folded`` (a folded copy of text the tokenizer does not fold alike, names first) is
        searched too when a word is not ASCII or holds ``ss`` (``ß`` folded): any other
        ASCII word's matches are in the other columns, and searching one more column costs
        as much as the others.
        """
        words = self.name_words()
        if words is None:
            return None
        every = "(" + " AND ".join(t.fts() for t in words) + ")"
        folded = any(not t.isascii() or "ss" in t for term in words for t in term.tokens)
        if any(term.literal is not None for term in words):
            starts = "{name title folded} : " + every
        else:
            phrase = '"' + " ".join(token for term in words for token in term.tokens) + '"'
            phrase = "^" + phrase + ("*" if words[-1].prefix else "")
            starts = f"({{name title}} : {phrase}" + (f" OR folded : {phrase})" if folded else ")")
        aliases = "{aliases folded}" if folded else "aliases"
        folders = self._folder_parts()
        return (
            " AND ".join([starts, *folders]),
            " AND ".join([f"{aliases} : {every}", *folders]),
        )

    def _word_parts(self) -> list[str]:
        return [
            group[0].fts() if len(group) == 1 else "(" + " OR ".join(t.fts() for t in group) + ")"
            for group in self.groups
        ]

    def _folder_parts(self) -> list[str]:
        parts = []
        for path in self.paths:
            words = tokens(path)
            if words:
                last = "*" if not path.endswith("/") else ""
                quoted = [f'"{w}"' for w in words]
                quoted[-1] += last
                parts.append("{folder name} : (" + " AND ".join(quoted) + ")")
        return parts

    def excluded_fts(self) -> str | None:
        """FTS5 expression of the excluded terms; None if none."""
        return " OR ".join(term.fts() for term in self.excluded) if self.excluded else None

    def accepts_path(self, path: str) -> bool:
        """Whether ``path`` passes the ``path:`` filters (from the start of a folder name)."""
        folded = "/" + fold(path)
        return all("/" + value in folded for value in self.paths) and not any(
            "/" + value in folded for value in self.excluded_paths
        )

    def name_words(self) -> tuple[Term, ...] | None:
        """The terms a name or title is compared with: the searched words in order, when the
        query is words and phrases only (no alternatives)."""
        if not self.groups or any(len(group) != 1 for group in self.groups):
            return None
        return tuple(group[0] for group in self.groups)

    def highlighter(self) -> re.Pattern[str] | None:
        """A regular expression finding every searched term in folded text."""
        terms = [t for group in self.groups for t in group]
        if not terms:
            return None
        ordered = sorted(terms, key=lambda t: -len(t.literal or " ".join(t.tokens)))
        return re.compile("|".join(f"(?:{t.pattern()})" for t in ordered))


_PIECE = re.compile(r'(-?)(?:"([^"]*)(?:"|$)|(\S+))')

MAX_QUERY_TERMS = 32
"""Different pieces of a query used (words, phrases, filters), and words of one phrase: the
rest is ignored. Each is a term of the full-text query and an alternative of the pattern that
finds where a hit matches, so a query of thousands of words must not make thousands."""


def parse_query(text: str) -> SearchQuery:
    """Read user text as a query: ``"phrase"``, ``-word``, ``OR``, ``word*``, ``tag:x``,
    ``path:folder/``; anything else is literal text. Never fails."""
    pieces: dict[tuple[bool, bool, str], None] = {}  # (excluded, quoted, text), in order
    for match in _PIECE.finditer(text):
        minus, quoted, word = match.groups()
        if quoted is not None:
            pieces[(bool(minus), True, quoted)] = None
        else:
            pieces[(bool(minus), False, word)] = None
        if len(pieces) == MAX_QUERY_TERMS:
            break
    tags: list[str] = []
    excluded_tags: list[str] = []
    paths: list[str] = []
    excluded_paths: list[str] = []
    excluded: list[Term] = []
    groups: list[list[Term]] = []
    join_next = False
    last: tuple[int, int, bool] | None = None  # where the last searched word went, quoted
    last_piece = len(pieces) - 1
    for index, (minus, quoted, word) in enumerate(list(pieces)):
        # Between two words, OR and AND are operators (AND changes nothing); else words.
        if not quoted and not minus and word in ("OR", "AND") and groups and index < last_piece:
            join_next = word == "OR"
            continue
        if not quoted and word.lower().startswith("tag:") and word[4:].strip("#/"):
            (excluded_tags if minus else tags).append(word[4:])
            continue
        if not quoted and word.lower().startswith("path:") and word[5:].strip("/"):
            (excluded_paths if minus else paths).append(fold(word[5:].lstrip("/")))
            continue
        term = _term(word, quoted)
        if term is None:
            continue
        if minus:
            excluded.append(term)
            continue
        if join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        last = (len(groups) - 1, len(groups[-1]) - 1, quoted)
        join_next = False
    if last is not None and not last[2]:
        group, place, _ = last
        groups[group][place] = _implicit_prefix(groups[group][place])
    return SearchQuery(
        tuple(tuple(g) for g in groups),
        tuple(excluded),
        tuple(tags),
        tuple(excluded_tags),
        tuple(paths),
        tuple(excluded_paths),
    )


def _term(word: str, quoted: bool) -> Term | None:
    words = tokens(word)[:MAX_QUERY_TERMS]
    if not words:
        return None
    if quoted:
        return Term(tuple(words))
    if word.endswith("*") and _TOKEN.fullmatch(word[:-1]):
        return Term(tuple(words), prefix=True)
    folded = fold(word.lstrip("#"))
    if _LITERAL.match(folded):
        return Term(tuple(words), literal=folded)
    return Term(tuple(words))


def _implicit_prefix(term: Term) -> Term:
    """The last word typed is a prefix (from two letters on), unless it is a literal."""
    if term.prefix or term.literal is not None or len(term.tokens[-1]) < _IMPLICIT_PREFIX_MIN:
        return term
    return Term(term.tokens, prefix=True)
