"""Sidecars in the editor: an open ``.NAME.json/.xml`` that cannot be read is a warning on
it (docs/attachments.md); a closed one's problem comes from the index, as ``check``'s."""

from __future__ import annotations

import sqlite3

from ...core.problems import NoteProblem, setting_for_code
from ...core.resolve import Catalog
from ...core.schema.check import sidecar_owner
from ...core.sidecar import read_sidecar
from ...storage.notebooks import Notebook
from ..server import CodexServer


def sidecar_text_problems(
    conn: sqlite3.Connection, notebook: Notebook, rel: str, text: str, catalog: Catalog
) -> list[NoteProblem]:
    """The problems of an open JSON or XML sidecar's current text (a problem provider of
    diagnostics; nothing for any other file): the same check as indexing, on the buffer."""
    kind = rel.rsplit(".", 1)[-1].lower()
    if sidecar_owner(rel) is None or kind == "md":
        return []  # an open Markdown sidecar is a note: its bad frontmatter is ``yaml-invalid``
    _, problem = read_sidecar(kind, text)
    if problem is None:
        return []
    setting = setting_for_code(problem.code)
    return [NoteProblem(problem.code, problem.message, problem.range, setting, problem.severity)]


def register(server: CodexServer) -> None:
    """Provide the problems of open sidecars to diagnostics."""
    server.problem_providers.append(sidecar_text_problems)
