"""The ``x-codex-link`` keyword: a property whose value must be a ``[[link]]`` to a note.

Whether the target exists is asked of a resolver callback, set for the duration of one
validation by :func:`asking_links`, so the compiled validators stay pure and shareable.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..syntax import is_note_name
from .messages import describe

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

LINK_KEYWORD = "x-codex-link"

LinkResolver = Callable[[str], "str | None"]
"""Resolves a link target (the text inside ``[[...]]`` before ``#`` and ``|``) to the
notebook-relative path it leads to, or None when nothing matches."""

_LINK_VALUE = re.compile(r"^\s*\[\[([^\[\]|#]*)(#[^\[\]|]*)?(\|[^\[\]]*)?\]\]\s*$")


class LinkFailure(Exception):
    """Why an ``x-codex-link`` value failed: ``kind`` is ``syntax``, ``missing`` or ``not-note``."""

    def __init__(self, kind: str, target: str, resolved: str | None = None) -> None:
        super().__init__(kind, target)
        self.kind = kind
        self.target = target
        self.resolved = resolved  # the file a ``not-note`` link leads to


@dataclass(slots=True)
class _LinkContext:
    resolver: LinkResolver | None
    asked: list[str] = field(default_factory=list)


_LINKS: contextvars.ContextVar[_LinkContext | None] = contextvars.ContextVar(
    "codex_schema_links", default=None
)


def link_target(value: str) -> str | None:
    """The target of a value written as one ``[[link]]``, or None."""
    found = _LINK_VALUE.match(value)
    if not found or not found.group(1).strip():
        return None
    return found.group(1).strip()


def link_keyword(
    validator: Any, enabled: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """The ``x-codex-link`` keyword for jsonschema: syntax always, existence when asked."""
    from jsonschema.exceptions import ValidationError

    if enabled is not True:
        return
    failure = link_failure(instance)
    if failure is None:
        return
    if failure.kind == "syntax":
        message = f"expected a [[link]] to a note, found {describe(instance)}"
    elif failure.kind == "missing":
        message = (
            f"expected a link to an existing note, found [[{failure.target}]]:"
            " no note has that name"
        )
    else:
        message = (
            f"expected a link to a note, found [[{failure.target}]],"
            f" which is a file ({failure.resolved})"
        )
    yield ValidationError(message, cause=failure)


def link_failure(instance: Any) -> LinkFailure | None:
    """Why ``instance``, the value of a property marked ``x-codex-link``, is no link to a note
    (None if it is one, or is no string: that is the ``type`` keyword's business). Asks the
    resolver of :func:`asking_links`, if any, and records the target asked."""
    if not isinstance(instance, str):
        return None
    target = link_target(instance)
    if target is None:
        return LinkFailure("syntax", instance)
    context = _LINKS.get()
    if context is None or context.resolver is None:
        return None
    context.asked.append(target)
    resolved = context.resolver(target)
    if resolved is None:
        return LinkFailure("missing", target)
    if not is_note_name(resolved):
        return LinkFailure("not-note", target, resolved)
    return None


@contextmanager
def asking_links(resolver: LinkResolver | None) -> Iterator[list[str]]:
    """Validate with ``resolver`` answering ``x-codex-link`` targets; yields the targets asked."""
    context = _LinkContext(resolver)
    token = _LINKS.set(context)
    try:
        yield context.asked
    finally:
        _LINKS.reset(token)


__all__ = [
    "LINK_KEYWORD",
    "LinkFailure",
    "LinkResolver",
    "asking_links",
    "link_failure",
    "link_keyword",
    "link_target",
]
