"""Read the sidecars of one file from disk (``.NAME.json/.xml/.md``, docs/attachments.md).

Their problems belong to the sidecar itself (``check`` and the editor show them there), with
the owner's row in the index, so that they go when the owner is indexed again. Imported by
the index's worker processes: nothing heavier than the sidecar parser.
"""

from __future__ import annotations

import os
import posixpath
from typing import Any

from ..core.model import Position, Problem, Range, Severity
from ..core.sidecar import read_sidecar

_ZERO = Range(Position(0, 0), Position(0, 0))


def read_sidecar_files(
    root: str, owner: str, names: tuple[str, ...], max_size: int
) -> tuple[dict[str, dict[str, Any]], list[tuple[str, Problem]]]:
    """The metadata of each sidecar ``names`` of the file ``owner`` (notebook-relative) by
    kind, and the problems met, each with its sidecar's notebook-relative path. A sidecar
    larger than ``max_size`` bytes (the note limit) is not read."""
    folder = posixpath.dirname(owner)
    found: dict[str, dict[str, Any]] = {}
    problems: list[tuple[str, Problem]] = []
    for name in names:
        rel = posixpath.join(folder, name)
        kind = name.rsplit(".", 1)[-1].lower()
        try:
            with open(os.path.join(root, rel), "rb") as file:
                data = file.read(max_size + 1)
        except OSError as exc:
            message = f"{name}: {exc.strerror}"
            problems.append((rel, Problem("sidecar-unreadable", message, _ZERO, Severity.WARNING)))
            continue
        if len(data) > max_size:
            message = f"{name}: larger than {max_size} bytes; not read"
            problems.append((rel, Problem("sidecar-invalid", message, _ZERO, Severity.WARNING)))
            continue
        metadata, problem = read_sidecar(kind, data.decode("utf-8-sig", "replace"))
        if problem is not None:
            problems.append((rel, problem))
        found[kind] = metadata
    return found, problems


def orphaned_sidecar(sidecar: str, owner: str) -> tuple[str, str, str, str]:
    """The (path, code, severity, message) of the problem of a sidecar whose file is gone."""
    message = f"Orphaned sidecar: {posixpath.basename(owner)} does not exist next to it"
    return sidecar, "sidecar-orphaned", "warning", message
