"""Frontmatter schemas compiled once: a validator per note type, and choosing a note's type.

The file is YAML holding JSON Schema (draft 2020-12) objects (rules in docs/schema.md)::

    version: 1
    properties: {...}          # every note
    required: [...]            # every note with metadata
    $defs: {...}               # reusable schemas for "$ref": "#/$defs/NAME"
    types:
      NAME: {paths: [globs], required: [...], properties: {...}, ...any JSON Schema keyword}

:class:`NotebookSchema` builds one ``jsonschema`` validator per type (and one for notes
without a type); :meth:`NotebookSchema.evaluate` validates one note's metadata. Reading and
checking the file itself is :mod:`.lint`'s ``load_schema``.

Pure: nothing is ever fetched: ``$ref`` resolves inside the file through a ``referencing``
registry that has no retrieval. Link existence (``x-codex-link``) is asked of a resolver
callback.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .formats import FORMAT_HINTS, format_checker
from .links import LINK_KEYWORD, LinkResolver, asking_links, link_failure, link_keyword
from .patterns import glob_regex, pattern_keyword, pattern_properties_keyword
from .positions import PathItem

# jsonschema, referencing and regex load when a schema is first compiled or checked, not
# when this module is imported: a server answers its first requests without them.
if TYPE_CHECKING:
    import regex
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

SCHEMA_PATH = ".codex/schema.yaml"
BASE_URI = "urn:codex-lsp:notebook-schema"
#: Bumped whenever validation results could change for the same schema text.
LOGIC_VERSION = "1"
TAG_KEYS = ("tags", "tag")


@lru_cache(maxsize=1)
def codex_validator() -> Any:
    """The validator class: draft 2020-12 with ``x-codex-link`` and bounded patterns."""
    from jsonschema import Draft202012Validator, validators

    return validators.extend(
        Draft202012Validator,
        {
            LINK_KEYWORD: link_keyword,
            "pattern": pattern_keyword,
            "patternProperties": pattern_properties_keyword,
        },
    )


MEMO_LIMIT = 10_000
"""Verdicts a type's check remembers before it starts afresh: values that repeat (``status:
done``) are soon remembered again, and values of one note each (a list of its tags) must not
grow the memory of a large notebook's check."""


@dataclass(slots=True)
class _FastCheck:
    """Validity of ``{properties, required, additionalProperties}`` schemas, one key at a time.

    Property values repeat across notes (``status: done``), so the verdict per (key, value) is
    remembered. Only says *whether* a note is valid; errors always come from jsonschema.
    """

    required: tuple[str, ...]
    closed: bool
    properties: dict[str, Any]
    extra: Any
    uncached: frozenset[str]
    extra_uncached: bool
    # Properties that are lists of one schema (``{type: array, items: ...}``, tags, aliases):
    # a list is valid when each item is, and items repeat far more than whole lists.
    items: dict[str, Any] = field(default_factory=dict)
    memo: dict[tuple[str, Any], bool] = field(default_factory=dict)
    # Properties whose schema is a plain test (:func:`_plain_check`), asked directly: values
    # of one note each (a title, a date) would otherwise cost a jsonschema call apiece.
    plain: dict[str, Callable[[Any], bool]] = field(default_factory=dict)

    def is_valid(self, instance: Mapping[str, Any]) -> bool:
        for key in self.required:
            if key not in instance:
                return False
        properties = self.properties
        plain = self.plain
        for key, value in instance.items():
            check = plain.get(key)
            if check is not None:
                if not check(value):
                    return False
                continue
            validator = properties.get(key)
            cached = key not in self.uncached
            if validator is None:
                if self.closed:
                    return False
                validator = self.extra
                if validator is None:
                    continue
                cached = not self.extra_uncached
            if not cached:
                if not validator.is_valid(value):
                    return False
                continue
            item_validator = self.items.get(key)
            if item_validator is not None and type(value) is list:
                # Item verdicts are remembered apart from the verdicts on whole values.
                if not all(self._remembered("[]" + key, item_validator, v) for v in value):
                    return False
            elif not self._remembered(key, validator, value):
                return False
        return True

    def _remembered(self, name: str, validator: Any, value: Any) -> bool:
        """Whether ``value`` is valid against ``validator``, remembered under ``name`` and the
        value (when it has a key: see :func:`_memo_key`)."""
        memo_key = _memo_key(name, value)
        if memo_key is None:
            return bool(validator.is_valid(value))
        known = self.memo.get(memo_key)
        if known is None:
            if len(self.memo) >= MEMO_LIMIT:
                self.memo.clear()
            known = self.memo[memo_key] = bool(validator.is_valid(value))
        return known


def _memo_key(key: str, value: Any) -> tuple[str, Any] | None:
    if value is None or isinstance(value, (str, int, float, bool)):
        return key, (type(value).__name__, value)
    if isinstance(value, list) and all(type(v) is str for v in value):
        return key, ("list", *value)
    try:
        return key, json.dumps(value, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        return None


_ANNOTATIONS = frozenset(
    {"description", "title", "$comment", "default", "examples", "deprecated", "readOnly"}
    | {"writeOnly"}
)


def _list_of_one_schema(schema: Any) -> bool:
    """Whether ``schema`` says only "a list whose every item is valid against ``items``" (no
    bound on the list itself: its validity is that of each item)."""
    return (
        isinstance(schema, dict)
        and schema.get("type") == "array"
        and isinstance(schema.get("items"), dict)
        and all(key in _ANNOTATIONS or key in ("type", "items") for key in schema)
    )


def _plain_check(schema: Any) -> Callable[[Any], bool] | None:
    """A test equal to validating against ``schema``, for the schemas that say only which JSON
    types a value may have, a format this checker knows and whether it is a link (``{type:
    string, format: date}``, ``{type: string, x-codex-link: true}``, ``{}``), or that are a
    list of such items (``{type: array, items: ...}``); None for any other schema."""
    if _list_of_one_schema(schema):
        item = _plain_check(schema["items"])
        if item is None:
            return None
        return lambda value: isinstance(value, list) and all(item(v) for v in value)
    if not isinstance(schema, dict) or any(
        key not in _ANNOTATIONS and key not in ("type", "format", LINK_KEYWORD) for key in schema
    ):
        return None
    names = schema.get("type")
    types = [names] if isinstance(names, str) else names
    if types is not None and (
        not isinstance(types, list) or not types or any(t not in _PLAIN_TYPES for t in types)
    ):
        return None
    kinds = tuple({kind for t in types for kind in _PLAIN_TYPES[t]}) if types else None
    fmt = schema.get("format")
    if fmt is not None and fmt not in FORMAT_HINTS:
        return None
    conforms = format_checker().conforms if fmt is not None else None
    linked = schema.get(LINK_KEYWORD) is True

    def check(value: Any) -> bool:
        if kinds is not None and not isinstance(value, kinds):
            return False
        if conforms is not None and not conforms(value, fmt):
            return False
        return not linked or link_failure(value) is None

    return check


# The Python types of decoded JSON that each JSON Schema type accepts (a bool is no number).
_PLAIN_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "null": (type(None),),
    "array": (list,),
    "object": (dict,),
}


_FAST_TOP = frozenset(
    {"type", "properties", "required", "additionalProperties", "description", "title"}
    | {"$comment", "default", "examples", "deprecated", "readOnly", "writeOnly"}
)


@dataclass(slots=True)
class NoteType:
    """One note type (or, with ``name == ""``, the schema of notes without a type)."""

    name: str
    paths: tuple[str, ...]
    description: str | None
    schema: dict[str, Any]
    validator: Any
    patterns: tuple[regex.Pattern[str], ...] = ()
    fast: _FastCheck | None = None

    def matches(self, path: str) -> bool:
        """True when a notebook-relative path matches one of the ``paths`` globs."""
        return any(p.match(path) for p in self.patterns)

    @property
    def required(self) -> list[str]:
        """Top-level keys this type requires."""
        value = self.schema.get("required", [])
        return [str(v) for v in value] if isinstance(value, list) else []

    @property
    def label(self) -> str:
        """How messages name the type."""
        return f"type '{self.name}'" if self.name else "the notebook schema"


@dataclass(slots=True)
class Verdict:
    """The outcome of validating one note's metadata."""

    note_type: NoteType | None
    checked: bool
    errors: list[ValidationError] = field(default_factory=list)
    unknown_type: str | None = None
    link_targets: list[str] = field(default_factory=list)
    failure: str | None = None
    known_types: tuple[str, ...] = ()


class NotebookSchema:
    """A compiled ``schema.yaml``: types with their validators, compiled once."""

    def __init__(self, document: dict[str, Any], text: str) -> None:
        from referencing import Registry
        from referencing.jsonschema import DRAFT202012

        self.document = document
        self.text = text
        self.registry: Registry[Any] = Registry().with_resource(
            BASE_URI, DRAFT202012.create_resource(document)
        )
        self._resolver = self.registry.resolver(base_uri=BASE_URI)
        globals_ = document.get("properties") or {}
        self.global_properties: dict[str, Any] = globals_ if isinstance(globals_, dict) else {}
        required = document.get("required") or []
        self.global_required = [str(r) for r in required] if isinstance(required, list) else []
        self.types: dict[str, NoteType] = {}
        raw_types = document.get("types") or {}
        for name, body in raw_types.items() if isinstance(raw_types, dict) else ():
            self.types[str(name)] = self._compile(str(name), body if isinstance(body, dict) else {})
        self.base = self._compile("", None)
        self._names = tuple(self.types)
        self._group_types = {f"t{n}": name for n, name in enumerate(self.types)}
        self._by_path = _combined([t.patterns for t in self.types.values()])

    @property
    def empty(self) -> bool:
        """True when the schema checks nothing at all."""
        return not (self.global_properties or self.global_required or self.types)

    def _compile(self, name: str, body: dict[str, Any] | None) -> NoteType:
        schema = _rewrite_refs(self._effective(body))
        paths_value = (body or {}).get("paths", [])
        paths = (paths_value,) if isinstance(paths_value, str) else tuple(paths_value or ())
        description = (body or {}).get("description")
        validator = codex_validator()(
            schema, registry=self.registry, format_checker=format_checker()
        )
        return NoteType(
            name,
            tuple(str(p) for p in paths),
            description if isinstance(description, str) else None,
            schema,
            validator,
            tuple(glob_regex(str(p)) for p in paths),
            self._fast(schema),
        )

    def _effective(self, body: dict[str, Any] | None) -> dict[str, Any]:
        """A type's schema with the notebook-wide properties and required keys merged in."""
        schema = {k: copy.deepcopy(v) for k, v in (body or {}).items() if k != "paths"}
        merged: dict[str, Any] = copy.deepcopy(self.global_properties)
        own = schema.get("properties")
        for key, value in (own if isinstance(own, dict) else {}).items():
            merged[key] = {"allOf": [merged[key], value]} if key in merged else value
        merged.setdefault(
            "type",
            {"type": "string", "description": "The note's type (a name under `types`)."},
        )
        schema["properties"] = merged
        own_required = schema.get("required")
        required = [
            *self.global_required,
            *(own_required if isinstance(own_required, list) else []),
        ]
        if required:
            schema["required"] = list(dict.fromkeys(required))
        return schema

    def _fast(self, schema: dict[str, Any]) -> _FastCheck | None:
        if any(key not in _FAST_TOP for key in schema) or schema.get("type", "object") != "object":
            return None
        extra = schema.get("additionalProperties", True)
        properties = schema.get("properties", {})
        if not isinstance(properties, dict) or not isinstance(extra, (bool, dict)):
            return None
        required = schema.get("required", [])
        make = self._validator
        plain = {str(k): check for k, v in properties.items() if (check := _plain_check(v))}
        return _FastCheck(
            tuple(str(r) for r in required) if isinstance(required, list) else (),
            extra is False,
            {str(k): make(v) for k, v in properties.items()},
            make(extra) if isinstance(extra, dict) else None,
            frozenset(str(k) for k, v in properties.items() if self._uses_links(v)),
            isinstance(extra, dict) and self._uses_links(extra),
            {str(k): make(v["items"]) for k, v in properties.items() if _list_of_one_schema(v)},
            plain=plain,
        )

    def _uses_links(self, schema: Any) -> bool:
        """True when ``schema`` (following ``$ref``) has an ``x-codex-link`` keyword."""
        from referencing.exceptions import Unresolvable

        seen: set[str] = set()
        pending = [schema]
        while pending:
            item = pending.pop()
            if isinstance(item, dict):
                if LINK_KEYWORD in item:
                    return True
                ref = item.get("$ref")
                if isinstance(ref, str) and ref not in seen:
                    seen.add(ref)
                    try:
                        pending.append(self._resolver.lookup(ref).contents)
                    except Unresolvable:
                        return True
                pending.extend(v for k, v in item.items() if k not in ("enum", "const"))
            elif isinstance(item, list):
                pending.extend(item)
        return False

    def _validator(self, schema: Any) -> Any:
        return codex_validator()(schema, registry=self.registry, format_checker=format_checker())

    # -- choosing a type -------------------------------------------------------------------

    def choose_type(
        self, path: str, data: Mapping[str, Any] | None
    ) -> tuple[NoteType | None, str | None]:
        """The note's type: its ``type:`` value if the schema defines it, else the first type
        whose ``paths`` match. Also returns a ``type:`` value that names no type."""
        unknown = None
        declared = data.get("type") if data else None
        if isinstance(declared, str) and declared.strip() and self.types:
            found = self.types.get(declared.strip())
            if found is not None:
                return found, None
            unknown = declared.strip()
        if self._by_path is not None:
            found_path = self._by_path.match(path)
            if found_path is not None and found_path.lastgroup is not None:
                return self.types[self._group_types[found_path.lastgroup]], unknown
        return None, unknown

    def type_named(self, name: str | None) -> NoteType:
        """The type called ``name``, or the schema of untyped notes."""
        return self.types.get(name or "", self.base) if name else self.base

    # -- validating --------------------------------------------------------------------------

    def evaluate(
        self,
        path: str,
        data: Mapping[str, Any] | None,
        *,
        has_metadata: bool,
        resolver: LinkResolver | None = None,
        fast: bool = False,
    ) -> Verdict:
        """Validate one file's metadata (already plain JSON values).

        ``has_metadata`` says whether the file has frontmatter or sidecar metadata: without it,
        only a file whose path gives it a type is checked. ``fast`` first asks the memoised
        per-key check, so valid notes cost little; errors still come from jsonschema.
        """
        from referencing.exceptions import Unresolvable

        note_type, unknown = self.choose_type(path, data)
        names = self._names
        if note_type is None:
            if not has_metadata or (not self.global_properties and not self.global_required):
                return Verdict(None, False, unknown_type=unknown, known_types=names)
            note_type = self.base
        instance = normalise(data or {})
        with asking_links(resolver) as asked:
            try:
                if fast and note_type.fast is not None and note_type.fast.is_valid(instance):
                    errors: list[ValidationError] = []
                else:
                    errors = list(note_type.validator.iter_errors(instance))
            except (RecursionError, Unresolvable) as exc:
                failure = f"cannot be checked: {exc}"
                return Verdict(note_type, True, [], unknown, asked, failure, names)
        return Verdict(note_type, True, errors, unknown, asked, None, names)

    # -- what the schema says about a property (completion, hover) ------------------------

    def schemas_at(self, note_type: NoteType, path: Sequence[PathItem]) -> list[dict[str, Any]]:
        """Every schema object that applies at ``path`` (through ``allOf`` and ``$ref``)."""
        current = self._flatten(note_type.schema)
        for item in path:
            following: list[Any] = []
            for schema in current:
                if isinstance(item, str):
                    props = schema.get("properties")
                    if isinstance(props, dict) and item in props:
                        following.append(props[item])
                    elif isinstance(schema.get("additionalProperties"), dict):
                        following.append(schema["additionalProperties"])
                else:
                    prefix = schema.get("prefixItems")
                    if isinstance(prefix, list) and item < len(prefix):
                        following.append(prefix[item])
                    elif isinstance(schema.get("items"), dict):
                        following.append(schema["items"])
            current = [s for f in following for s in self._flatten(f)]
            if not current:
                return []
        return current

    def _flatten(self, schema: Any, depth: int = 0) -> list[dict[str, Any]]:
        from referencing.exceptions import Unresolvable

        if not isinstance(schema, dict) or depth > 20:
            return []
        found = [schema]
        ref = schema.get("$ref")
        if isinstance(ref, str):
            with contextlib.suppress(Unresolvable):
                found += self._flatten(self._resolver.lookup(ref).contents, depth + 1)
        for sub in schema.get("allOf", []) if isinstance(schema.get("allOf"), list) else []:
            found += self._flatten(sub, depth + 1)
        return found


def _combined(patterns: list[tuple[regex.Pattern[str], ...]]) -> regex.Pattern[str] | None:
    """One regex for every type's globs: group ``tN`` matches when type N is the first match."""
    import regex

    parts = [
        f"(?P<t{n}>{'|'.join(f'(?:{p.pattern})' for p in globs)})"
        for n, globs in enumerate(patterns)
        if globs
    ]
    return regex.compile("|".join(parts)) if parts else None


def _rewrite_refs(schema: Any) -> Any:
    """Make ``#...`` references absolute, so they resolve inside the schema file."""
    if isinstance(schema, dict):
        out = {}
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#"):
                out[key] = BASE_URI + value
            elif key in ("enum", "const", "default", "examples"):
                out[key] = value
            else:
                out[key] = _rewrite_refs(value)
        return out
    if isinstance(schema, list):
        return [_rewrite_refs(v) for v in schema]
    return schema


def normalise(data: Mapping[str, Any]) -> dict[str, Any]:
    """Metadata as the schema sees it: a ``tags``/``tag`` string becomes a list of tags.

    ``tags: "protocol, wet-lab"`` is read as ``["protocol", "wet-lab"]`` (split on commas and
    spaces, leading ``#`` dropped), exactly as the parser reads tags.
    """
    result = dict(data)
    for key in TAG_KEYS:
        value = result.get(key)
        if isinstance(value, str):
            result[key] = [t.lstrip("#") for t in re.split(r"[,\s]+", value) if t.strip("#")]
    return result


__all__ = [
    "BASE_URI",
    "LOGIC_VERSION",
    "SCHEMA_PATH",
    "NoteType",
    "NotebookSchema",
    "Verdict",
    "codex_validator",
    "normalise",
]
