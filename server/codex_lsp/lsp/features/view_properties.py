"""``codex.properties``: the properties a notebook knows (kind, allowed values), so that an
editor's view renderer can offer the schema's values when a cell is edited and lay out a board's
columns in the schema's order."""

from __future__ import annotations

from typing import Any

from ..feature import Feature, command
from ..requests import command_argument, required_field


class ViewProperties(Feature):
    """The properties view editors offer."""

    @command("codex.properties")
    async def properties(self, *args: Any) -> dict[str, Any]:
        """``codex.properties``: the notebook's properties with kinds and allowed values."""
        from ...storage import views as stored_views

        ls = self.server
        uri = required_field(command_argument(args), "uri", str, "a file URI")
        where = await ls.confine(uri)
        service = where.service
        known = await ls.read(
            service, lambda conn: stored_views.known_properties(service.notebook, conn)
        )
        return {
            "uri": uri,
            "properties": {
                name: {"kind": info.kind, "count": info.count, "enum": list(info.enum)}
                for name, info in sorted(known.items())
            },
        }
