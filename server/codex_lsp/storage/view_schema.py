"""What a notebook's schema (``.codex/schema.yaml``) says about properties, for views.

The one place the views code reads the schema modules, through their public functions.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from ..core.schema.assist import enum_values, json_types
from .notebooks import Notebook
from .schema_store import schema_source

_KINDS = {"string": "string", "number": "number", "integer": "number", "boolean": "boolean",
          "array": "list", "object": "object"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SchemaProperty:
    """A property the schema declares: its kind (as :class:`PropertyInfo` names them, ``any``
    when the schema allows several) and its allowed values when it lists them."""

    kind: str
    enum: tuple[Any, ...]


def schema_properties(notebook: Notebook, conn: sqlite3.Connection) -> dict[str, SchemaProperty]:
    """Every property the notebook's schema declares, for any note type (merged)."""
    schema = schema_source(notebook).state(conn).schema
    if schema is None:
        return {}
    out: dict[str, SchemaProperty] = {}
    for note_type in [schema.base, *schema.types.values()]:
        declared = note_type.schema.get("properties")
        for name, body in declared.items() if isinstance(declared, dict) else ():
            if not isinstance(body, dict):
                continue
            # What applies through `$ref` and `allOf` (a property often names its values once
            # in `$defs`), as the schema's own completion and hover see it.
            schemas = schema.schemas_at(note_type, (name,)) or [body]
            types = json_types(schemas)
            kind = _KINDS.get(types[0], "any") if len(types) == 1 else "any"
            if kind == "string" and any(s.get("format") in ("date", "date-time") for s in schemas):
                kind = "date"
            enum = tuple(enum_values(schemas))
            if enum and not types:
                kind = "string" if all(isinstance(v, str) for v in enum) else "any"
            known = out.get(name)
            if known is not None:
                kind = known.kind if known.kind == kind else "any"
                enum = tuple(dict.fromkeys([*known.enum, *enum]))
            out[name] = SchemaProperty(kind, enum)
    return out
