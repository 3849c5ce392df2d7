"""Resolve an index run's links to the columns stored with them, asking each question once."""

from __future__ import annotations

import json
import os
from typing import Any

from ..core.model import LinkKind
from ..core.resolve import Catalog, Resolution, label_may_decide, resolve_link

Columns = tuple[str, str | None, str | None]
"""The stored answer of a link: status, target id, candidates (JSON)."""


class LinkResolver:
    """Resolves links to (status, target id, candidates JSON), caching identical questions.

    Most answers do not depend on where the link is written: a name with one match (or none)
    is found the same way from every folder. Those are cached once for the whole notebook;
    the others (same-note anchors, relative paths, ambiguous names) once per folder. A label
    is only part of the question when the target side of the link leads nowhere.
    """

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._anywhere: dict[tuple[Any, ...], _Answer] = {}
        self._per_folder: dict[tuple[Any, ...], _Answer] = {}
        self._folders: dict[str, str] = {}  # source path -> its folder

    def __call__(
        self,
        kind: str,
        target: str,
        anchor: str | None,
        is_block: int,
        label: str | None,
        path: str,
    ) -> Columns:
        """The status, target id and candidates (JSON) columns of one stored link."""
        markdown = kind in _MARKDOWN_KINDS
        question: tuple[Any, ...] = (markdown, target, anchor, is_block, None)
        result, columns = self._anywhere.get(question) or self._lookup(question, path)
        if label and not markdown and label_may_decide(result, relative=False):
            question = (markdown, target, anchor, is_block, label)
            columns = (self._anywhere.get(question) or self._lookup(question, path))[1]
        return columns

    def _lookup(self, question: tuple[Any, ...], path: str) -> _Answer:
        """The answer to ``question`` asked from ``path``, unless it holds from anywhere."""
        markdown, target, anchor, is_block, alternate = question
        if target:
            folder = self._folders.get(path)
            if folder is None:
                folder = self._folders[path] = os.path.dirname(path)
        local = (*question, folder if target else path)
        found = self._per_folder.get(local)
        if found is not None:
            return found
        result = resolve_link(
            target,
            anchor,
            bool(is_block),
            path,
            self._catalog,
            relative=markdown,
            alternate=alternate,
        )
        found = (result, self._columns(result))
        if result.candidates or markdown or not _is_plain_name(target, alternate):
            self._per_folder[local] = found
        else:
            self._anywhere[question] = found
        return found

    def _columns(self, result: Resolution) -> Columns:
        target = self._catalog.get(result.target) if result.target else None
        target_id = target.ref if target else None  # the storage catalogs keep the file id there
        candidates = json.dumps(list(result.candidates)) if result.candidates else None
        return result.status.value, target_id, candidates


_Answer = tuple[Resolution, Columns]
_MARKDOWN_KINDS = frozenset(kind.value for kind in LinkKind if kind.is_markdown)


def _is_plain_name(target: str, alternate: str | None) -> bool:
    """True when neither side of a wiki link is written relative to its note (or empty)."""
    return (
        bool(target)
        and not target.startswith((".", "/"))
        and (not alternate or not alternate.lstrip().startswith((".", "/")))
    )


__all__ = ["Columns", "LinkResolver"]
