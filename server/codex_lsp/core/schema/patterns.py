"""Regular expressions and globs from a schema file, run with a deadline.

A schema's ``pattern`` is user text and Python's ``re`` has no bound on backtracking:
patterns and path globs run on the ``regex`` engine, which avoids most catastrophic
backtracking and can stop a search at a deadline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

# jsonschema, referencing and regex load when a schema is first compiled or checked, not
# when this module is imported: a server answers its first requests without them.
if TYPE_CHECKING:
    import regex
    from jsonschema.exceptions import ValidationError

#: Seconds one ``pattern`` or ``patternProperties`` search may take before the value is
#: reported as unchecked.
PATTERN_TIMEOUT = 0.05


@lru_cache(maxsize=256)
def compiled_pattern(pattern: str) -> regex.Pattern[str]:
    """A schema pattern compiled once (raises ``regex.error`` when it is not valid)."""
    import regex

    return regex.compile(pattern)


class PatternTimeout(Exception):
    """Why a ``pattern`` error has no verdict: the search passed :data:`PATTERN_TIMEOUT`."""


def pattern_search(pattern: str, text: str) -> bool | None:
    """Whether a schema's regular expression matches somewhere in ``text``: None when the
    search passed its deadline, False as well when the pattern does not compile."""
    import regex

    try:
        return compiled_pattern(pattern).search(text, timeout=PATTERN_TIMEOUT) is not None
    except TimeoutError:
        return None
    except regex.error:
        return False


def _unchecked(subject: str, pattern: str) -> ValidationError:
    from jsonschema.exceptions import ValidationError

    return ValidationError(
        f"{subject} could not be checked against {pattern!r}: the pattern took longer than "
        f"{PATTERN_TIMEOUT * 1000:.0f} ms (simplify the regular expression)",
        cause=PatternTimeout(),
    )


def pattern_keyword(
    validator: Any, pattern: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """``pattern`` with a deadline (replaces jsonschema's unbounded ``re.search``)."""
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "string") or not isinstance(pattern, str):
        return
    found = pattern_search(pattern, instance)
    if found is None:
        yield _unchecked(repr(instance), pattern)
    elif not found:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def pattern_properties_keyword(
    validator: Any, patterns: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """``patternProperties`` with a deadline on each key's search."""
    if not validator.is_type(instance, "object") or not isinstance(patterns, dict):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            found = pattern_search(pattern, key)
            if found is None:
                yield _unchecked(f"key {key!r}", pattern)
            elif found:
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def glob_regex(pattern: str) -> regex.Pattern[str]:
    """A notebook-relative glob: ``*`` and ``?`` stay in a folder, ``**`` crosses folders."""
    import regex

    out = []
    i = 0
    pattern = pattern.strip().lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            close = pattern.find("]", i + 2)
            if close == -1:
                out.append(re.escape(char))
            else:
                inner = pattern[i + 1 : close]
                if inner.startswith("!"):
                    inner = "^" + inner[1:]
                out.append("[" + inner.replace("\\", "\\\\") + "]")
                i = close
        else:
            out.append(re.escape(char))
        i += 1
    return regex.compile("".join(out) + r"\Z")


__all__ = [
    "PATTERN_TIMEOUT",
    "PatternTimeout",
    "compiled_pattern",
    "glob_regex",
    "pattern_keyword",
    "pattern_properties_keyword",
    "pattern_search",
]
