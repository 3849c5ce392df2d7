"""Turn any user text into a safe SQLite FTS5 query and find matches in text.

FTS5 syntax (quotes, ``AND``, ``*``, ``-``, parentheses) is never passed through: the text is
split into words, each searched as a quoted prefix term, all required.
"""

from __future__ import annotations

import re

# Letters and digits: exactly what the full-text tokenizer (unicode61) keeps in one token, so
# every query word is one token ("snake_case" is two words, as the index has two tokens).
_WORD = re.compile(r"[^\W_]+")

# Separates a note's body from its searchable metadata text in the full-text content column,
# so that a match in the metadata is not taken for a position in the file.
METADATA_MARK = "\x1e"


MAX_QUERY_TERMS = 32
"""Words of a query used; the rest is ignored (each word is a term of the full-text query and
an alternative of the pattern that finds where a hit matches)."""


def query_terms(text: str) -> list[str]:
    """The first MAX_QUERY_TERMS words of ``text``, lowercased, in order, without duplicates."""
    terms: dict[str, None] = {}
    for word in _WORD.finditer(text):
        terms[word.group().lower()] = None
        if len(terms) == MAX_QUERY_TERMS:
            break
    return list(terms)


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression requiring every word as a prefix; None if there are no words."""
    terms = query_terms(text)
    if not terms:
        return None
    return " ".join(f'"{term}"*' for term in terms)


def first_match(text: str, terms: list[str]) -> tuple[int, int] | None:
    """Offsets of the earliest word in ``text`` that starts with one of ``terms``."""
    if not terms:
        return None
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(t) for t in terms) + r")\w*", re.IGNORECASE
    )
    found = pattern.search(text)
    return (found.start(), found.end()) if found else None
