"""The plain edit model: text edits and file moves in notebook-relative terms.

Features plan their changes as :class:`Edit` values (a file, a range, the new text) and
:class:`Move` values; the LSP adapter turns a :class:`Plan` into a ``WorkspaceEdit`` and the
CLI applies it to the files (or prints it as a diff).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .model import Range
from .textpos import LineIndex


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``range`` of the file at ``path`` (notebook-relative) with ``new_text``."""

    path: str
    range: Range
    new_text: str


@dataclass(frozen=True, slots=True)
class Move:
    """Move the file at ``old`` to ``new`` (notebook-relative paths)."""

    old: str
    new: str


@dataclass(slots=True)
class Plan:
    """Edits grouped by file, each file with the version of the text they were computed from
    (an editor buffer's version; None for the text on disk), then the moves."""

    edits: dict[str, list[Edit]] = field(default_factory=dict)
    versions: dict[str, int | None] = field(default_factory=dict)
    moves: list[Move] = field(default_factory=list)

    def add(self, edit: Edit, version: int | None) -> None:
        """Add one edit computed from the text of ``version``."""
        self.edits.setdefault(edit.path, []).append(edit)
        self.versions[edit.path] = version

    def merge(self, other: Plan) -> None:
        """Add ``other``'s edits and moves; an edit of the same range in ``other`` wins."""
        for path, extra in other.edits.items():
            replaced = {_key(e.range) for e in extra}
            kept = [e for e in self.edits.get(path, []) if _key(e.range) not in replaced]
            self.edits[path] = kept + extra
            self.versions[path] = other.versions[path]
        self.moves.extend(other.moves)

    def __bool__(self) -> bool:
        return bool(self.edits or self.moves)


def _key(r: Range) -> tuple[int, int, int, int]:
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with ``edits`` applied (ranges refer to ``text``; they must not overlap)."""
    index = LineIndex(text)
    spans = sorted(
        ((index.offset(e.range.start), index.offset(e.range.end), e.new_text) for e in edits),
        reverse=True,
    )
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text
