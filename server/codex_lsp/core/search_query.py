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


def query_terms(text: str) -> list[str]:
    """The words of ``text``, lowercased, in order, without duplicates."""
    return list(dict.fromkeys(w.lower() for w in _WORD.findall(text)))


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
