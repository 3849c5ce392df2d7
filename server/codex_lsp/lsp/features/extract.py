"""Extract and inline as refactoring code actions (the logic: ``lsp/extract_actions.py``,
``core/extract.py``; rules in docs/linking.md, "Extract and inline")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lsprotocol import types

from ..feature import Feature

if TYPE_CHECKING:
    from ..server import Document


class Extract(Feature):
    """Extract a selection or a section to a new note; inline an embed."""

    def setup(self) -> None:
        """Provide the refactoring actions."""
        self.server.providers.actions.append(self.actions)

    async def actions(
        self,
        doc: Document,
        diagnostics: Sequence[types.Diagnostic],
        only: Sequence[str] | None,
        selection: types.Range,
    ) -> list[types.CodeAction]:
        """Extract (the selection, or the section of the heading under the cursor) and inline
        (the embed under the cursor)."""
        from ..extract_actions import extract_actions

        return await extract_actions(self.server, doc, selection, only)
