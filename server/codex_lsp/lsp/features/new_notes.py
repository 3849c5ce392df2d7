"""``codex.templates``: the templates a new note can be made from (docs/templates.md); the
creation itself is ``lsp/note_creation.py``'s, shared by ``codex.createNote`` and
``codex.daily``."""

from __future__ import annotations

import asyncio
from typing import Any

from ..convert import path_to_uri
from ..feature import Feature, command
from ..requests import command_argument, optional_field


class Templates(Feature):
    """``codex.templates``: the notebook's templates that fit a type or folder."""

    @command("codex.templates")
    async def templates(self, *args: Any) -> list[dict[str, Any]]:
        """The templates of ``.codex/templates`` that fit, with what each says of its notes."""
        from ...storage.new_note import fitting_templates
        from ...storage.templates import TEMPLATE_FOLDER, list_templates

        ls = self.server
        arg = command_argument(args)
        service = await ls.confine_notebook(
            optional_field(arg, "notebook", str, "a path or file URI")
        )
        note_type = optional_field(arg, "type", str, "a note type name")
        folder = optional_field(arg, "folder", str, "a string")
        found = await asyncio.to_thread(list_templates, service.notebook)
        root = service.notebook.root
        return [
            {
                "name": t.name,
                "uri": path_to_uri(root / TEMPLATE_FOLDER / f"{t.name}.md"),
                "type": t.spec.type,
                "folder": t.spec.folder,
                "pattern": t.spec.name,
                "description": t.spec.description,
                **({"problem": t.problem} if t.problem else {}),
            }
            for t in fitting_templates(found, note_type, (folder or "").strip("/") or None)
        ]
