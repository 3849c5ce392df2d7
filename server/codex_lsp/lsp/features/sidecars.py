"""Sidecars in the editor: an open ``.NAME.json/.xml`` that cannot be read is a warning on
it (docs/attachments.md); a closed one's problem comes from the index, as ``check``'s."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..feature import Feature

if TYPE_CHECKING:
    import sqlite3

    from ...core.problems import NoteProblem
    from ...core.resolve import Catalog
    from ...storage.notebooks import Notebook


class Sidecars(Feature):
    """The problems of open sidecars, as a problem provider of diagnostics."""

    def setup(self) -> None:
        """Provide the problems of open sidecars."""
        self.server.providers.problems.append(sidecar_text_problems)


def sidecar_text_problems(
    conn: sqlite3.Connection, notebook: Notebook, rel: str, text: str, catalog: Catalog
) -> list[NoteProblem]:
    """The problems of an open JSON or XML sidecar's current text (nothing for any other
    file): the same check as indexing, on the buffer."""
    from ...core.problems import NoteProblem, setting_for_code
    from ...core.schema.check import sidecar_owner
    from ...core.sidecar import read_sidecar

    kind = rel.rsplit(".", 1)[-1].lower()
    if sidecar_owner(rel) is None or kind == "md":
        return []  # an open Markdown sidecar is a note: its bad frontmatter is ``yaml-invalid``
    _, problem = read_sidecar(kind, text)
    if problem is None:
        return []
    setting = setting_for_code(problem.code)
    return [NoteProblem(problem.code, problem.message, problem.range, setting, problem.severity)]
