"""The pure half of confining client paths to notebooks: which root a path lies under."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import PurePath


def lexically_normal(path: PurePath) -> PurePath:
    """``path`` with ``.`` and ``..`` applied to its text (symlinks are not looked at)."""
    return type(path)(os.path.normpath(path))


def nearest_root(path: PurePath, roots: Iterable[PurePath]) -> PurePath | None:
    """The deepest of ``roots`` that is ``path`` or one of its parents, if any."""
    best: PurePath | None = None
    for root in roots:
        if (path == root or root in path.parents) and (
            best is None or len(root.parts) > len(best.parts)
        ):
            best = root
    return best
