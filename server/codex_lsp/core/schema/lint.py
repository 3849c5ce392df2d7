"""Reading a schema file: its YAML, its shape, its JSON Schemas, with problems placed in it.

:func:`load_schema` turns the text into a :class:`SchemaLoad`: the compiled
:class:`~.compile.NotebookSchema` (``None`` when the file has errors) and the problems
found in the file, with ranges in it. Never raises. The JSON Schema of the file itself is
package data, read once.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..model import Position, Problem, Range, Severity
from ..textpos import LineIndex
from ..yamlload import YamlFailure, load_yaml
from .compile import BASE_URI, NotebookSchema
from .links import LINK_KEYWORD
from .messages import closest, describe, path_label, show_value, type_words
from .patterns import compiled_pattern
from .positions import NodeLocator, PathItem

# jsonschema, referencing and regex load when a schema is first compiled or checked, not
# when this module is imported: a server answers its first requests without them.
if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

META_SCHEMA_RESOURCE = "data/codex-schema.schema.json"
# The data folder is core's (the wheel ships it there), beside this package.
_CORE_PACKAGE = (__package__ or "codex_lsp.core.schema").rpartition(".")[0]
JSON_TYPES = ("string", "number", "integer", "boolean", "array", "object", "null")

#: Keywords of JSON Schema draft 2020-12 (anything else, except ``x-...``, is probably a typo).
KNOWN_KEYWORDS = frozenset(
    [
        "$schema",
        "$id",
        "$ref",
        "$anchor",
        "$dynamicRef",
        "$dynamicAnchor",
        "$vocabulary",
        "$comment",
        "$defs",
        "definitions",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "dependentSchemas",
        "prefixItems",
        "items",
        "contains",
        "properties",
        "patternProperties",
        "additionalProperties",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
        "type",
        "enum",
        "const",
        "multipleOf",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "maxContains",
        "minContains",
        "maxProperties",
        "minProperties",
        "required",
        "dependentRequired",
        "title",
        "description",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "examples",
        "format",
        "contentEncoding",
        "contentMediaType",
        "contentSchema",
    ]
)
_ONE_SCHEMA = (
    "additionalProperties",
    "items",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "not",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
)
_SCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


@dataclass(slots=True)
class SchemaLoad:
    """The result of reading ``schema.yaml``: the schema (None if invalid) and its problems."""

    schema: NotebookSchema | None
    problems: list[Problem]
    text: str

    @property
    def valid(self) -> bool:
        """True when the text compiled (warnings allowed)."""
        return self.schema is not None


@lru_cache(maxsize=1)
def meta_schema() -> dict[str, Any]:
    """The JSON Schema of ``schema.yaml`` itself (shipped as package data)."""
    text = resources.files(_CORE_PACKAGE).joinpath(META_SCHEMA_RESOURCE).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@lru_cache(maxsize=1)
def _meta_validators() -> tuple[Any, Any]:
    from jsonschema import Draft7Validator, Draft202012Validator

    return Draft7Validator(meta_schema()), Draft202012Validator(Draft202012Validator.META_SCHEMA)


class _Collector:
    def __init__(self, text: str) -> None:
        self.index = LineIndex(text)
        self.locator = NodeLocator(text, index=self.index)
        self.problems: list[Problem] = []
        self._seen: set[tuple[Range, str]] = set()

    def add(
        self,
        code: str,
        message: str,
        path: Sequence[PathItem],
        *,
        on_key: bool = False,
        severity: Severity = Severity.ERROR,
    ) -> None:
        rng = (self.locator.key_range(path) if on_key else None) or self.locator.nearest_range(path)
        if rng is None:
            rng = Range(Position(0, 0), Position(0, 0))
        if (rng, code) in self._seen:
            return
        self._seen.add((rng, code))
        self.problems.append(Problem(code, message, rng, severity))

    @property
    def has_errors(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)


def load_schema(text: str) -> SchemaLoad:
    """Read and compile a schema file; never raises. Errors make ``schema`` None."""
    collector = _Collector(text)
    try:
        document = _parse(text, collector)
        if document is None:
            return SchemaLoad(None, collector.problems, text)
        _check_structure(document, collector)
        _check_schemas(document, collector)
        if collector.has_errors:
            return SchemaLoad(None, collector.problems, text)
        schema = NotebookSchema(document, text)
        _trial(schema, collector)
    except RecursionError:
        collector.add("schema-file-invalid", "The schema is too deeply nested to be read", [])
        return SchemaLoad(None, collector.problems, text)
    if collector.has_errors:
        return SchemaLoad(None, collector.problems, text)
    return SchemaLoad(schema, collector.problems, text)


def _parse(text: str, collector: _Collector) -> dict[str, Any] | None:
    try:
        _, data = load_yaml(text)
    except YamlFailure as failure:
        pos = collector.index.position(failure.offset or 0)
        collector.problems.append(
            Problem(
                "schema-file-yaml",
                f"Invalid YAML in the schema: {failure.detail}",
                Range(pos, pos),
            )
        )
        return None
    if data is None:
        return {"version": 1}
    if not isinstance(data, dict):
        collector.add(
            "schema-file-invalid",
            f"The schema must be a mapping with `version: 1`, found {describe(data)}",
            [],
        )
        return None
    document: dict[str, Any] = data
    return document


def _check_structure(document: dict[str, Any], collector: _Collector) -> None:
    """The shape of the file (its own JSON Schema), with readable messages."""
    file_validator, _ = _meta_validators()
    for error in file_validator.iter_errors(document):
        _report_meta_error(_deepest(error), collector, top=True)


def _check_schemas(document: dict[str, Any], collector: _Collector) -> None:
    """Each schema against the 2020-12 meta-schema; ``$ref``, keywords and patterns."""
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    _, meta = _meta_validators()
    roots: list[tuple[tuple[PathItem, ...], Any, bool]] = []
    for section in ("properties", "$defs"):
        value = document.get(section)
        if isinstance(value, dict):
            roots += [((section, str(k)), v, False) for k, v in value.items()]
    types = document.get("types")
    if isinstance(types, dict):
        roots += [(("types", str(k)), v, True) for k, v in types.items()]
    registry: Registry[Any] = Registry().with_resource(
        BASE_URI, DRAFT202012.create_resource(document)
    )
    resolver = registry.resolver(base_uri=BASE_URI)
    walked: list[tuple[tuple[PathItem, ...], dict[str, Any]]] = []
    for root_path, root, is_type in roots:
        if not isinstance(root, (dict, bool)):
            continue  # reported by the structure check
        checked = (
            {k: v for k, v in root.items() if k != "paths"} if isinstance(root, dict) else root
        )
        for error in meta.iter_errors(checked):
            error = _deepest(error)
            _report_meta_error(error, collector, prefix=root_path)
        for path, schema in _walk(root, root_path):
            walked.append((path, schema))
            _check_keywords(path, schema, collector, allow_paths=is_type and path == root_path)
            ref = schema.get("$ref")
            if isinstance(ref, str):
                _check_ref(ref, (*path, "$ref"), resolver, collector)
    _check_cycles(walked, resolver, collector)


_IN_PLACE_ONE = ("not", "if", "then", "else")
_IN_PLACE_LIST = ("allOf", "anyOf", "oneOf")


def _in_place(schema: dict[str, Any], resolver: Any) -> list[dict[str, Any]]:
    """Schemas applied to the same value as ``schema`` (no descent into the value)."""
    from referencing.exceptions import Unresolvable

    found: list[Any] = [schema.get(key) for key in _IN_PLACE_ONE]
    for key in _IN_PLACE_LIST:
        value = schema.get(key)
        if isinstance(value, list):
            found += value
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        with contextlib.suppress(Unresolvable):
            found.append(resolver.lookup(ref).contents)
    return [f for f in found if isinstance(f, dict)]


def _check_cycles(
    walked: list[tuple[tuple[PathItem, ...], dict[str, Any]]], resolver: Any, collector: _Collector
) -> None:
    """``$ref`` chains that come back to where they started without reading deeper into the
    value never end; report them at the ``$ref`` that closes the loop."""
    paths = {id(schema): path for path, schema in walked}
    state: dict[int, int] = {}  # 1: on the current chain, 2: done
    for _, start in walked:
        if id(start) in state:
            continue
        stack = [(start, iter(_in_place(start, resolver)))]
        state[id(start)] = 1
        while stack:
            schema, following = stack[-1]
            step = next(following, None)
            if step is None:
                state[id(schema)] = 2
                stack.pop()
                continue
            seen = state.get(id(step))
            if seen == 1:
                path = paths.get(id(schema), ())
                collector.add(
                    "schema-file-ref",
                    "This $ref makes a cycle: the schema refers to itself without end",
                    (*path, "$ref") if "$ref" in schema else path,
                )
            elif seen is None:
                state[id(step)] = 1
                stack.append((step, iter(_in_place(step, resolver))))


def _check_keywords(
    path: tuple[PathItem, ...], schema: dict[str, Any], collector: _Collector, allow_paths: bool
) -> None:
    for key in schema:
        key = str(key)
        if key in KNOWN_KEYWORDS or key.startswith("x-") or (allow_paths and key == "paths"):
            continue
        known = [*KNOWN_KEYWORDS, LINK_KEYWORD] + (["paths"] if allow_paths else [])
        guess = closest(key, known)
        hint = f"; did you mean '{guess}'?" if guess else " (it is ignored)"
        collector.add(
            "schema-file-keyword",
            f"Unknown keyword '{key}'{hint}",
            (*path, key),
            on_key=True,
            severity=Severity.WARNING,
        )
    if "$id" in schema:
        collector.add(
            "schema-file-invalid",
            "$id is not supported: references resolve inside schema.yaml",
            (*path, "$id"),
            on_key=True,
        )
    for key in ("pattern",):
        value = schema.get(key)
        if isinstance(value, str):
            _check_regex(value, (*path, key), collector)
    patterns = schema.get("patternProperties")
    if isinstance(patterns, dict):
        for pattern in patterns:
            _check_regex(str(pattern), (*path, "patternProperties", str(pattern)), collector, True)


def _check_regex(
    pattern: str, path: tuple[PathItem, ...], collector: _Collector, on_key: bool = False
) -> None:
    import regex

    try:
        compiled_pattern(pattern)
    except regex.error as exc:
        collector.add(
            "schema-file-invalid",
            f"Invalid regular expression {pattern!r}: {exc}",
            path,
            on_key=on_key,
        )


def _check_ref(ref: str, path: tuple[PathItem, ...], resolver: Any, collector: _Collector) -> None:
    from referencing.exceptions import Unresolvable

    if not ref.startswith("#"):
        collector.add(
            "schema-file-ref",
            f"$ref {ref!r} points outside schema.yaml: only references inside the file "
            '("#/$defs/NAME") are allowed, nothing is fetched',
            path,
        )
        return
    try:
        resolver.lookup(ref)
    except Unresolvable:
        collector.add("schema-file-ref", f"$ref {ref!r} points to nothing in schema.yaml", path)


def _walk(
    schema: Any, path: tuple[PathItem, ...]
) -> Iterator[tuple[tuple[PathItem, ...], dict[str, Any]]]:
    """Every schema object inside ``schema`` with its path in the document."""
    if not isinstance(schema, dict):
        return
    yield path, schema
    for key in _ONE_SCHEMA:
        if key in schema:
            yield from _walk(schema[key], (*path, key))
    for key in _SCHEMA_LIST:
        value = schema.get(key)
        if isinstance(value, list):
            for number, item in enumerate(value):
                yield from _walk(item, (*path, key, number))
    for key in _SCHEMA_MAP:
        value = schema.get(key)
        if isinstance(value, dict):
            for name, item in value.items():
                yield from _walk(item, (*path, key, str(name)))


def _deepest(error: ValidationError) -> ValidationError:
    """The most specific error under an ``anyOf``/``oneOf`` failure."""
    while error.context:
        candidates = sorted(
            error.context, key=lambda e: (-len(e.absolute_path), e.validator == "type")
        )
        deeper = candidates[0]
        if len(deeper.absolute_path) <= len(error.absolute_path) and deeper.validator == "type":
            break  # "'strng' is not of type 'boolean'" explains less than the failure itself
        error = deeper
    return error


def _report_meta_error(
    error: ValidationError,
    collector: _Collector,
    *,
    prefix: tuple[PathItem, ...] = (),
    top: bool = False,
) -> None:
    path = (*prefix, *error.absolute_path)
    instance = error.instance
    if path and path[-1] == "$ref":
        return  # explained by _check_ref
    if error.validator == "pattern" and path and path[-1] == "types" and isinstance(instance, str):
        collector.add(
            "schema-file-invalid",
            f"Invalid type name {instance!r}: use letters, digits, '_', '.' and '-'",
            (*path, instance),
            on_key=True,
        )
        return
    where = path_label(path)
    at_type = bool(path) and (
        path[-1] == "type" or (len(path) > 1 and isinstance(path[-1], int) and path[-2] == "type")
    )
    if at_type and _unknown_type(instance):
        names = instance if isinstance(instance, list) else [instance]
        bad = next(str(n) for n in names if n not in JSON_TYPES)
        guess = closest(bad, JSON_TYPES)
        hint = f"; did you mean '{guess}'?" if guess else ""
        collector.add(
            "schema-file-unknown-type",
            f"Unknown type '{bad}': expected one of {', '.join(JSON_TYPES)}{hint}",
            path,
        )
        return
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = list(error.schema.get("properties", {}))
        for key in instance:
            if key in allowed:
                continue
            guess = closest(str(key), allowed)
            hint = (
                f"; did you mean '{guess}'?" if guess else f"; expected one of {', '.join(allowed)}"
            )
            place = (
                "at the top of schema.yaml" if top and not error.absolute_path else f"in {where}"
            )
            collector.add(
                "schema-file-invalid",
                f"Unknown key '{key}' {place}{hint}",
                (*path, str(key)),
                on_key=True,
            )
        return
    if error.validator == "required" and isinstance(instance, dict):
        missing = [r for r in error.validator_value if r not in instance]
        collector.add(
            "schema-file-invalid",
            f"Missing {', '.join(repr(m) for m in missing)}"
            + (f" in {where}" if where else " (write `version: 1` at the top)"),
            path,
        )
        return
    if error.validator == "const":
        message = (
            f"{where}: expected {show_value(error.validator_value)}, found {describe(instance)}"
        )
    elif error.validator == "type":
        message = (
            f"{where}: expected {type_words(error.validator_value)}, found {describe(instance)}"
        )
    elif error.validator == "enum":
        choices = ", ".join(show_value(v) for v in error.validator_value)
        message = f"{where}: expected one of {choices}, found {describe(instance)}"
    else:
        message = f"{where}: {error.message}" if where else error.message
    collector.add("schema-file-invalid", message, path)


def _unknown_type(value: Any) -> bool:
    if isinstance(value, str):
        return value not in JSON_TYPES
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return any(v not in JSON_TYPES for v in value)
    return False


def _trial(schema: NotebookSchema, collector: _Collector) -> None:
    """Run every validator once, so reference cycles show up here and not on a note."""
    for note_type in [*schema.types.values(), schema.base]:
        try:
            note_type.validator.is_valid({})
            note_type.validator.is_valid({"type": "x", "tags": ["x"]})
        except RecursionError:
            path: tuple[PathItem, ...] = ("types", note_type.name) if note_type.name else ()
            collector.add(
                "schema-file-ref",
                f"{note_type.label.capitalize()} refers to itself without end ($ref cycle)",
                path,
                on_key=bool(note_type.name),
            )
        except Exception as exc:  # a broken schema must never stop the server
            path = ("types", note_type.name) if note_type.name else ()
            collector.add(
                "schema-file-invalid",
                f"{note_type.label.capitalize()} cannot be used: {exc}",
                path,
                on_key=bool(note_type.name),
            )


__all__ = ["JSON_TYPES", "SchemaLoad", "load_schema", "meta_schema"]
