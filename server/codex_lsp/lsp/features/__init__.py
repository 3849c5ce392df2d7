"""The features of the language server, one module each, added to the host in this order.

How to write a feature (see ``lsp/feature.py``)::

    class Backlinks(Feature):
        # A class docstring, state in attributes set in __init__.

        @command("codex.backlinkCount")  # or @handles(types.TEXT_DOCUMENT_HOVER, options)
        async def count(self, *args: Any) -> int:
            uri = required_field(command_argument(args), "uri", str, "a file URI")
            doc = await self.server.note_at(uri)  # None unless a note of an open notebook
            if doc is None:
                raise RequestFailed(f"{uri} is not a note of an open notebook")
            rows = await self.server.read(doc.service, lambda c: lookups.links_to(c, doc.rel))
            return len(rows)

        def on_save(self, uri: str) -> None:  # also on_open, on_change, on_close, ...
            self.server.run_task(self.check(uri), name=f"checking {uri}")

then add the class to ``FEATURES`` below. State lives in attributes set in ``__init__``;
background work goes through ``server.run_task``; disk, SQLite and git work through
``server.read`` or a thread. A feature never imports another: to add to another feature's
answer, append to ``server.providers`` in ``setup()`` (problems, completion, hover, actions,
lenses), and put shared helpers below the features (``lsp/``, storage or core). A feature
module imports at module level only what ``initialize`` needs (lsprotocol, ``lsp/`` helpers,
light core modules); storage, the views engine, schemas and git are imported where used.
"""

from __future__ import annotations

from ..feature import Feature
from .actions import Actions
from .attachments import Attachments
from .commands import Commands
from .completion import Completion
from .connections import NoteConnections
from .daily import Daily
from .diagnostics import Diagnostics
from .extract import Extract
from .history import History
from .hover import Hover
from .mentions import Mentions
from .navigation import Navigation
from .new_notes import Templates
from .refresh import Refresh
from .rename import Rename
from .schema import Schema
from .sidecars import Sidecars
from .symbols import Symbols
from .sync import Sync
from .view_properties import ViewProperties
from .views import Views

# Sync first: it turns the document notifications into every feature's hooks. Providers
# answer in this order too (views before schema: a view block's completion wins).
FEATURES: tuple[type[Feature], ...] = (
    Sync,
    Diagnostics,
    Completion,
    Navigation,
    Hover,
    Actions,
    Rename,
    Symbols,
    Mentions,
    Commands,
    NoteConnections,
    Views,
    History,
    Schema,
    Sidecars,
    Refresh,
    ViewProperties,
    Attachments,
    Templates,
    Daily,
    Extract,
)
