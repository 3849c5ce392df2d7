"""Unlinked mentions: ``codex.mentions``, a hint on each mention in open notes, its code
actions ("Link it", "Link all N mentions") and the code lens count (the logic:
``lsp/mention_actions.py``, ``storage/mentions.py``, ``core/mentions.py``; rules in
docs/linking.md)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ..feature import Feature, command
from ..requests import command_argument, required_field

if TYPE_CHECKING:
    import sqlite3

    from ...core.problems import NoteProblem
    from ...core.resolve import Catalog
    from ...storage.mentions import NameCache
    from ...storage.notebooks import Notebook
    from ...storage.service import NotebookService
    from ..server import Document

log = logging.getLogger(__name__)


class Mentions(Feature):
    """Unlinked mentions of notes: hints, quick fixes, a lens and ``codex.mentions``."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        # Names worth a hint, per notebook; read and updated on the notebook's reader thread.
        self.caches: dict[Path, NameCache] = {}
        # The last hints of each note, with the text and names state they were found for.
        self._hints: dict[
            tuple[Path, str], tuple[str, tuple[int, int], tuple[NoteProblem, ...]]
        ] = {}

    def setup(self) -> None:
        """Provide the hints, their quick fixes and the lens."""
        providers = self.server.providers
        providers.problems.append(self.hints)
        providers.actions.append(self.actions)
        providers.lenses.append(self.lens)

    def hints(
        self, conn: sqlite3.Connection, notebook: Notebook, rel: str, text: str, catalog: Catalog
    ) -> list[NoteProblem]:
        """The unlinked-mention hints of an open note (none when the setting is "off").

        On the interactive lane the names are used as they are: bringing them up to date
        (or building them, which reads every note) is the background lane's work, after
        which the diagnostics of open notes are checked again."""
        if self.server.settings.diagnostics.unlinked_mentions == "off":
            return []
        from ...storage.service import on_interactive_lane
        from ..mention_actions import mention_hints

        cache = self._cache(notebook.root)
        if not on_interactive_lane():
            cache.refresh(conn)
        # After an index change every open note is checked again, usually with its text
        # and the names unchanged: finding its mentions again would give the same hints
        # and hold the interpreter from the requests being answered meanwhile.
        key = (notebook.root, rel)
        state = cache.state
        known = self._hints.get(key)
        if known is not None and known[0] == text and known[1] == state:
            return list(known[2])
        found = mention_hints(cache, rel, text)
        if len(self._hints) > 256:
            self._hints.clear()
        self._hints[key] = (text, state, tuple(found))
        return found

    def _cache(self, root: Path) -> NameCache:
        from ...storage.mentions import NameCache

        return self.caches.setdefault(root, NameCache())

    def on_index_changed(self, service: NotebookService) -> None:
        """Bring the names up to date on the background lane, ahead of the diagnostics that
        follow there; if hints were answered before the names were first built, the index
        has in effect changed for them: say so once they are."""
        if self.server.settings.diagnostics.unlinked_mentions == "off":
            return
        from ...storage.service import NotebookClosed

        cache = self._cache(service.notebook.root)
        loop = asyncio.get_running_loop()

        def done(refreshed: Future[bool]) -> None:
            failure = None if refreshed.cancelled() else refreshed.exception()
            if isinstance(failure, NotebookClosed):
                return
            if failure is not None:
                log.error("the names of %s were not read: %s", service.notebook.root, failure)
            elif refreshed.result():
                loop.call_soon_threadsafe(self.server.index_changed, service)

        service.read(cache.refresh).add_done_callback(done)

    async def actions(
        self,
        doc: Document,
        diagnostics: Sequence[types.Diagnostic],
        only: Sequence[str] | None,
        selection: types.Range,
    ) -> list[types.CodeAction]:
        """ "Link it" and "Link all N mentions" for the hints in the request."""
        from ..mention_actions import mention_actions

        return await mention_actions(self.server, doc, list(diagnostics))

    async def lens(self, doc: Document) -> list[types.CodeLens]:
        """ "N unlinked mentions" beside the backlinks lens (which it follows on and off)."""
        if not self.server.settings.code_lens_backlinks:
            return []
        from ...core.locate import title_heading
        from ..mention_actions import mention_lens

        heading = title_heading(doc.note)
        lens = await mention_lens(self.server, doc, heading.range.start.line if heading else 0)
        return [lens] if lens is not None else []

    @command("codex.mentions")
    async def mentions(self, *args: Any) -> list[dict[str, Any]]:
        """``codex.mentions {uri}``: every unlinked mention of the note, with its context."""
        from ..mention_actions import mentions_for, place_json

        uri = required_field(command_argument(args), "uri", str, "a string (a note URI)")
        where = await self.server.confine(uri)
        places = await mentions_for(self.server, where.service, where.rel)
        return [place_json(self.server, where.service, place) for place in places]
