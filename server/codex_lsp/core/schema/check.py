"""Check one file's metadata against the notebook schema, with exact ranges and clear messages.

A note's metadata is its frontmatter merged over its sidecars (``.NAME.json`` > ``.NAME.xml``
> ``.NAME.md``), exactly as the index stores it; an attachment's metadata is its sidecars.
Each jsonschema error becomes a :class:`SchemaIssue` in the file that holds the offending key:

* a wrong type, enum value, format or other value constraint: on the value;
* an unknown key (``additionalProperties: false``): on the key;
* a missing required key: on the opening ``---`` line (the key of the enclosing mapping when
  the object is nested); a note of a type that needs keys but has no frontmatter at all gets
  one issue on its first line;
* an ``x-codex-link`` value that is not a link, or links to no note: on the value / the link.

Pure: texts in, issues out. Link existence is asked of a resolver callback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..frontmatter import load_frontmatter
from ..model import Position, Range, Severity
from ..sidecar import merge_metadata, parse_sidecar
from ..textpos import LineIndex
from .compile import NotebookSchema, NoteType, Verdict
from .formats import FORMAT_HINTS
from .links import LINK_KEYWORD, LinkFailure, LinkResolver
from .messages import closest, describe, path_label, show_value, type_words
from .patterns import PatternTimeout, pattern_search
from .positions import NodeLocator, PathItem

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

SIDECAR_ORDER = ("json", "xml", "md")
_ZERO = Range(Position(0, 0), Position(0, 0))
_MAX_LISTED = 12

CODES = {
    "type": "schema-type",
    "enum": "schema-enum",
    "const": "schema-enum",
    "format": "schema-format",
    "required": "schema-required",
    "additionalProperties": "schema-unknown-property",
    "unevaluatedProperties": "schema-unknown-property",
    LINK_KEYWORD: "schema-link",
}


@dataclass(frozen=True, slots=True)
class SchemaIssue:
    """One schema violation: the file it is in (notebook-relative), where, and why.

    ``data`` carries what a quick fix needs (``kind``: required, no-frontmatter, enum,
    unknown, unknown-type; with ``key``, ``suggestion``, ``type``, ``keys``...).
    """

    path: str
    code: str
    message: str
    range: Range
    severity: Severity = Severity.ERROR
    data: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class SidecarText:
    """The text of a sidecar metadata file (``kind``: json, xml or md)."""

    path: str
    kind: str
    text: str


@dataclass(slots=True)
class FileCheck:
    """Everything checking one file found; ``verdict`` is None when it was not checked."""

    issues: list[SchemaIssue]
    verdict: Verdict | None = None


@dataclass(slots=True)
class _Source:
    """One file holding metadata, with a way to find positions in it."""

    path: str
    kind: str
    data: dict[str, Any]
    locator: NodeLocator | None
    opening: Range


def sidecar_owner(path: str) -> str | None:
    """``data/.run.csv.json`` -> ``data/run.csv``: the file a sidecar describes, or None."""
    folder, _, name = path.rpartition("/")
    if not name.startswith(".") or len(name) < 3:
        return None
    for kind in SIDECAR_ORDER:
        suffix = f".{kind}"
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            owner = name[1 : -len(suffix)]
            return f"{folder}/{owner}" if folder else owner
    return None


def check_file(
    schema: NotebookSchema,
    path: str,
    note_text: str | None,
    sidecars: Sequence[SidecarText] = (),
    resolver: LinkResolver | None = None,
) -> FileCheck:
    """Check the metadata of the file at ``path``.

    ``note_text`` is the text of a note (None for an attachment, whose metadata lives only in
    its sidecars). A note whose frontmatter is not valid YAML is not checked (the parser
    reports the YAML error). Never raises.
    """
    sources: list[_Source] = []
    front: dict[str, Any] | None = None
    has_front = False
    note_index: LineIndex | None = None
    if note_text is not None:
        note_index = LineIndex(note_text)
        block = load_frontmatter(note_text, note_index)
        if block is not None:
            if block.problems or block.data is None:
                return FileCheck([])
            has_front = True
            front = block.data
            locator = NodeLocator(
                note_text,
                block.yaml_start,
                block.yaml_start + len(block.yaml_text),
                index=note_index,
            )
            sources.append(
                _Source(path, "frontmatter", front, locator, _opening(note_text, note_index))
            )
    side_data: dict[str, dict[str, Any]] = {}
    for sidecar in sorted(sidecars, key=lambda s: SIDECAR_ORDER.index(s.kind)):
        if sidecar.kind not in SIDECAR_ORDER or sidecar.kind in side_data:
            continue
        data, error = parse_sidecar(sidecar.kind, sidecar.text)
        if error is not None or not data:
            continue
        side_data[sidecar.kind] = data
        sources.append(_sidecar_source(sidecar, data))
    if note_text is None and not side_data:
        return FileCheck([])
    merged = merge_metadata(front, side_data)
    verdict = schema.evaluate(
        path, merged, has_metadata=has_front or bool(side_data), resolver=resolver
    )
    if not verdict.checked:
        if verdict.unknown_type is None:
            return FileCheck([], None)
        mapper = _Mapper(sources, path, None)
        mapper.unknown_type(verdict.unknown_type, verdict)
        return FileCheck(mapper.issues, None)
    issues = _issues(verdict, sources, path, note_text, note_index, has_front)
    return FileCheck(issues, verdict)


def _opening(text: str, index: LineIndex) -> Range:
    """The opening ``---`` line of a frontmatter block."""
    start = 1 if text.startswith("\ufeff") else 0
    return index.range(start, start + 3)


def _sidecar_source(sidecar: SidecarText, data: dict[str, Any]) -> _Source:
    text = sidecar.text
    index = LineIndex(text)
    if sidecar.kind == "json":
        brace = text.find("{")
        opening = index.range(brace, brace + 1) if brace != -1 else _ZERO
        return _Source(
            sidecar.path, "json", data, NodeLocator(text, index=index, is_json=True), opening
        )
    if sidecar.kind == "md":
        block = load_frontmatter(text, index)
        if block is not None:
            locator = NodeLocator(
                text, block.yaml_start, block.yaml_start + len(block.yaml_text), index=index
            )
            return _Source(sidecar.path, "md", data, locator, _opening(text, index))
    return _Source(sidecar.path, sidecar.kind, data, None, _ZERO)


# -- from errors to issues ----------------------------------------------------------------------


def _issues(
    verdict: Verdict,
    sources: list[_Source],
    path: str,
    note_text: str | None,
    note_index: LineIndex | None,
    has_front: bool,
) -> list[SchemaIssue]:
    mapper = _Mapper(sources, path, verdict.note_type)
    if verdict.unknown_type is not None:
        mapper.unknown_type(verdict.unknown_type, verdict)
    if verdict.failure is not None:
        primary = mapper.primary
        mapper.issues.append(
            SchemaIssue(
                primary.path if primary else path,
                "schema-unchecked",
                f"Metadata {verdict.failure}",
                primary.opening if primary else _ZERO,
                Severity.WARNING,
            )
        )
    if note_text is not None and not has_front and not sources:
        if verdict.errors:
            mapper.issues.append(_no_frontmatter(verdict, path))
        return mapper.issues
    for error in verdict.errors:
        mapper.add(error)
    return mapper.issues


def _no_frontmatter(verdict: Verdict, path: str) -> SchemaIssue:
    note_type = verdict.note_type
    assert note_type is not None
    missing = list(note_type.required)
    rng = Range(Position(0, 0), Position(0, 0))  # where the block would go
    if missing:
        message = (
            f"Notes of {note_type.label} need frontmatter with "
            f"{', '.join(repr(k) for k in missing)}; this note has none"
        )
    else:
        details = "; ".join(e.message for e in verdict.errors[:3])
        message = f"Notes of {note_type.label} need frontmatter; this note has none ({details})"
    return SchemaIssue(
        path,
        "schema-no-frontmatter",
        message,
        rng,
        Severity.ERROR,
        {"kind": "no-frontmatter", "type": note_type.name, "keys": missing},
    )


class _Mapper:
    def __init__(self, sources: list[_Source], path: str, note_type: NoteType | None) -> None:
        self.sources = sources
        self.path = path
        self.note_type = note_type
        self.issues: list[SchemaIssue] = []
        self._reported: set[tuple[tuple[PathItem, ...], str]] = set()

    @property
    def type_name(self) -> str:
        return self.note_type.name if self.note_type is not None else ""

    @property
    def label(self) -> str:
        return self.note_type.label if self.note_type is not None else "the notebook schema"

    @property
    def primary(self) -> _Source | None:
        return self.sources[0] if self.sources else None

    def source_for(self, path: Sequence[PathItem]) -> _Source | None:
        if path and isinstance(path[0], str):
            for source in self.sources:
                if path[0] in source.data:
                    return source
        return self.primary

    def place(
        self, path: Sequence[PathItem], instance: Any = None, *, on_key: bool = False
    ) -> tuple[str, Range]:
        source = self.source_for(path)
        if source is None:
            return self.path, _ZERO
        rng = None
        if source.locator is not None and path:
            if on_key:
                rng = source.locator.key_range(path)
            rng = rng or source.locator.nearest_range(path, instance)
        return source.path, rng or source.opening

    def emit(
        self,
        error_path: Sequence[PathItem],
        code: str,
        message: str,
        data: dict[str, Any] | None = None,
        *,
        instance: Any = None,
        on_key: bool = False,
        place: tuple[str, Range] | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        file_path, rng = place or self.place(error_path, instance, on_key=on_key)
        self.issues.append(SchemaIssue(file_path, code, message, rng, severity, data or {}))

    # -- kinds of error ------------------------------------------------------------------

    def unknown_type(self, name: str, verdict: Verdict) -> None:
        schema_types = list(verdict.known_types)
        guess = closest(name, schema_types)
        hint = f": did you mean '{guess}'?" if guess else ""
        chosen = (
            f" (checked as {self.note_type.label})"
            if self.note_type is not None and self.note_type.name
            else ""
        )
        self.emit(
            ["type"],
            "schema-unknown-type",
            f"Unknown note type: expected one of {', '.join(schema_types)}; "
            f"found {describe(name)}{hint}{chosen}",
            {"kind": "replace", "suggestion": guess} if guess else {"kind": "unknown-type"},
            instance=name,
            severity=Severity.WARNING,
        )

    def add(self, error: ValidationError) -> None:
        path = list(error.absolute_path)
        kind = str(error.validator)
        label = path_label(path) or "The frontmatter"
        code = CODES.get(kind, "schema-invalid")
        instance = error.instance
        if kind == "required":
            self._required(error, path)
        elif kind in ("additionalProperties", "unevaluatedProperties"):
            self._unknown_keys(error, path)
        elif kind == LINK_KEYWORD:
            self._link(error, path, label)
        elif kind in ("enum", "const"):
            choices = list(error.validator_value) if kind == "enum" else [error.validator_value]
            shown = ", ".join(show_value(v) for v in choices[:_MAX_LISTED])
            if len(choices) > _MAX_LISTED:
                shown += ", …"
            strings = [c for c in choices if isinstance(c, str)]
            guess = closest(instance, strings) if isinstance(instance, str) else None
            expected = f"one of {shown}" if kind == "enum" else shown
            message = f"{label}: expected {expected}; found {describe(instance)}"
            if guess is not None and guess != instance:
                message += f": did you mean '{guess}'?"
            data = {"kind": "replace", "suggestion": guess} if guess and guess != instance else {}
            self.emit(path, code, message, data, instance=instance)
        elif kind == "type":
            message = (
                f"{label}: expected {type_words(error.validator_value)}, found {describe(instance)}"
            )
            self.emit(path, code, message, instance=instance)
        elif kind == "format":
            hint = FORMAT_HINTS.get(str(error.validator_value), f"format {error.validator_value}")
            self.emit(path, code, f"{label}: expected {hint}, found {describe(instance)}")
        elif kind in ("anyOf", "oneOf"):
            options = [expectation([s]) for s in error.validator_value if isinstance(s, dict)]
            wanted = " or ".join(o for o in options if o) or "a value matching the schema"
            if kind == "oneOf" and not error.context:
                wanted = f"exactly one of: {wanted}"
            self.emit(path, code, f"{label}: expected {wanted}, found {describe(instance)}")
        else:
            self.emit(path, code, f"{label}: {_plain_message(error)}", instance=instance)

    def _required(self, error: ValidationError, path: list[PathItem]) -> None:
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        wanted = (
            [str(k) for k in error.validator_value]
            if isinstance(error.validator_value, list)
            else []
        )
        missing = [k for k in wanted if k not in instance]
        key = next((k for k in missing if (tuple(path), k) not in self._reported), None)
        if key is None:
            return
        self._reported.add((tuple(path), key))
        schemas = self._schemas_at(error, key)
        expected = expectation(schemas)
        detail = f": expected {expected}" if expected else ""
        if path:
            source = self.source_for(path)
            place = None
            if source is not None and source.locator is not None:
                rng = source.locator.key_range(path) or source.locator.nearest_range(path)
                if rng is not None:
                    place = (source.path, rng)
            self.emit(
                path,
                "schema-required",
                f"{path_label(path)}: missing required property '{key}'{detail}",
                {"kind": "required", "key": key, "path": path, "missing": missing},
                place=place,
            )
            return
        self.emit(
            path,
            "schema-required",
            f"Missing required property '{key}' ({self.label}){detail}",
            {"kind": "required", "key": key, "type": self.type_name, "missing": missing},
        )

    def _schemas_at(self, error: ValidationError, key: str) -> list[dict[str, Any]]:
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        properties = schema.get("properties")
        if isinstance(properties, Mapping) and isinstance(properties.get(key), dict):
            return [properties[key]]
        return []

    def _unknown_keys(self, error: ValidationError, path: list[PathItem]) -> None:
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        properties = (
            schema.get("properties") if isinstance(schema.get("properties"), Mapping) else {}
        )
        allowed = [str(k) for k in (properties or {})]
        patterns = schema.get("patternProperties")
        pattern_list = list(patterns) if isinstance(patterns, Mapping) else []
        extras: list[str] = []
        for key in instance:
            key = str(key)
            if key in allowed or any(pattern_search(p, key) for p in pattern_list):
                continue
            if error.validator == "unevaluatedProperties" and repr(key) not in error.message:
                continue
            extras.append(key)
        where = f" in {path_label(path)}" if path else ""
        for key in extras:
            guess = closest(key, [a for a in allowed if a not in instance])
            if guess:
                hint = f"; did you mean '{guess}'?"
            else:
                listed = ", ".join(allowed[:_MAX_LISTED]) + (
                    ", …" if len(allowed) > _MAX_LISTED else ""
                )
                hint = f"; expected one of {listed}" if allowed else ""
            owner = self.label if not path else "the schema"
            self.emit(
                [*path, key],
                "schema-unknown-property",
                f"Unknown property '{key}'{where}: not allowed by {owner}{hint}",
                {"kind": "unknown", "key": key, "path": path, "suggestion": guess},
                on_key=True,
            )

    def _link(self, error: ValidationError, path: list[PathItem], label: str) -> None:
        cause = error.cause if isinstance(error.cause, LinkFailure) else None
        instance = error.instance
        if cause is None or cause.kind == "syntax":
            self.emit(
                path,
                "schema-link",
                f'{label}: expected a [[link]] to a note (written in quotes: "[[Note]]"), '
                f"found {describe(instance)}",
                {"kind": "link-syntax"},
                instance=instance,
            )
            return
        file_path, rng = self.place(path, instance)
        source = self.source_for(path)
        if source is not None and source.locator is not None:
            rng = _link_range(source.locator, rng) or rng
        if cause.kind == "missing":
            message = (
                f"{label}: no note named '{cause.target}' (expected a link to an existing note)"
            )
        else:
            message = f"{label}: [[{cause.target}]] links to a file that is not a note"
        self.emit(
            path,
            "schema-link",
            message,
            {"kind": "link-missing", "target": cause.target},
            place=(file_path, rng),
        )


def _link_range(locator: NodeLocator, rng: Range) -> Range | None:
    """The ``[[...]]`` inside a value's range."""
    start = locator.index.offset(rng.start)
    end = locator.index.offset(rng.end)
    opening = locator.text.find("[[", start, end)
    closing = locator.text.find("]]", opening + 2, end) if opening != -1 else -1
    if opening == -1 or closing == -1:
        return None
    return locator.index.range(opening, closing + 2)


_PLAIN = {
    "minLength": "expected at least {v} character(s), found {i}",
    "maxLength": "expected at most {v} character(s), found {i}",
    "minItems": "expected at least {v} item(s), found {i}",
    "maxItems": "expected at most {v} item(s), found {i}",
    "minimum": "expected at least {v}, found {i}",
    "maximum": "expected at most {v}, found {i}",
    "exclusiveMinimum": "expected more than {v}, found {i}",
    "exclusiveMaximum": "expected less than {v}, found {i}",
    "multipleOf": "expected a multiple of {v}, found {i}",
    "pattern": "expected text matching {v!r}, found {i}",
    "uniqueItems": "expected items without repeats, found {i}",
    "minProperties": "expected at least {v} properties, found {n}",
    "maxProperties": "expected at most {v} properties, found {n}",
}


def _plain_message(error: ValidationError) -> str:
    template = _PLAIN.get(str(error.validator))
    if template is None or isinstance(error.cause, PatternTimeout):
        return error.message
    instance = error.instance
    count = len(instance) if isinstance(instance, (Mapping, list)) else 0
    return template.format(v=error.validator_value, i=describe(instance), n=count)


def expectation(schemas: Sequence[Mapping[str, Any]]) -> str | None:
    """What a value must be, in words: ``one of a, b``, ``a date (YYYY-MM-DD)``, ``a list``..."""
    for schema in schemas:
        if isinstance(schema.get("enum"), list):
            values = schema["enum"]
            shown = ", ".join(show_value(v) for v in values[:_MAX_LISTED])
            return f"one of {shown}" + (", …" if len(values) > _MAX_LISTED else "")
        if "const" in schema:
            return show_value(schema["const"])
    for schema in schemas:
        if schema.get(LINK_KEYWORD) is True:
            return "a [[link]] to a note"
    for schema in schemas:
        hint = FORMAT_HINTS.get(str(schema.get("format")))
        if hint:
            return hint
    for schema in schemas:
        if "type" in schema:
            return type_words(schema["type"])
    return None


__all__ = [
    "SIDECAR_ORDER",
    "FileCheck",
    "SchemaIssue",
    "SidecarText",
    "check_file",
    "expectation",
    "sidecar_owner",
]
