"""Frontmatter schemas: read ``.codex/schema.yaml``, compile it once, choose a note's type.

The file is YAML holding JSON Schema (draft 2020-12) objects (rules in docs/schema.md)::

    version: 1
    properties: {...}          # every note
    required: [...]            # every note with metadata
    $defs: {...}               # reusable schemas for "$ref": "#/$defs/NAME"
    types:
      NAME: {paths: [globs], required: [...], properties: {...}, ...any JSON Schema keyword}

:func:`load_schema` turns the text into a :class:`SchemaLoad`: the compiled
:class:`NotebookSchema` (``None`` when the file has errors) and the problems found in the
file, with ranges in it. Compiling builds one ``jsonschema`` validator per type (and one for
notes without a type); :meth:`NotebookSchema.evaluate` validates one note's metadata.

Pure: no I/O (the JSON Schema for the schema file is package data, read once), nothing is
ever fetched: ``$ref`` resolves inside the file through a ``referencing`` registry that has
no retrieval. Link existence (``x-codex-link``) is asked of a resolver callback.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import datetime as _dt
import difflib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

# jsonschema, referencing and regex load when a schema is first compiled or checked, not
# when this module is imported: a server answers its first requests without them.
if TYPE_CHECKING:
    import regex
    from jsonschema import FormatChecker
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

from ..model import Position, Problem, Range, Severity
from ..syntax import is_note_name
from ..textpos import LineIndex
from ..yamlload import YamlFailure, load_yaml
from .positions import NodeLocator, PathItem

SCHEMA_PATH = ".codex/schema.yaml"
BASE_URI = "urn:codex-lsp:notebook-schema"
META_SCHEMA_RESOURCE = "data/codex-schema.schema.json"
# The data folder is core's (the wheel ships it there), beside this package.
_CORE_PACKAGE = (__package__ or "codex_lsp.core.schema").rpartition(".")[0]
#: Bumped whenever validation results could change for the same schema text.
LOGIC_VERSION = "1"

JSON_TYPES = ("string", "number", "integer", "boolean", "array", "object", "null")
CHECKED_FORMATS = ("date", "date-time", "email", "uri")
TAG_KEYS = ("tags", "tag")
LINK_KEYWORD = "x-codex-link"
TYPE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
#: Seconds one ``pattern`` or ``patternProperties`` search may take before the value is
#: reported as unchecked: a schema's regular expression is user text, and Python's ``re`` has
#: no bound on backtracking. Patterns and path globs run on the ``regex`` engine, which
#: avoids most catastrophic backtracking and can stop a search at a deadline.
PATTERN_TIMEOUT = 0.05

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

LinkResolver = Callable[[str], "str | None"]
"""Resolves a link target (the text inside ``[[...]]`` before ``#`` and ``|``) to the
notebook-relative path it leads to, or None when nothing matches."""


# -- formats -------------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATE_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))?$"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.][^@\s]*$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")

FORMAT_HINTS = {
    "date": "a date (YYYY-MM-DD)",
    "date-time": "a date and time (YYYY-MM-DDTHH:MM:SS, optional offset)",
    "email": "an e-mail address",
    "uri": "a URI with a scheme (https://…)",
}


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    found = _DATE_TIME.match(value)
    if not found or not _is_date(found.group(1)):
        return False
    hour, minute, second = int(found.group(2)), int(found.group(3)), int(found.group(4))
    if hour > 23 or minute > 59 or second > 60:
        return False
    if found.group(5):
        return int(found.group(6)) <= 23 and int(found.group(7)) <= 59
    return True


def _is_email(value: object) -> bool:
    return not isinstance(value, str) or bool(_EMAIL.match(value))


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(_URI.match(value))


@lru_cache(maxsize=1)
def format_checker() -> FormatChecker:
    """The checker of the formats :data:`CHECKED_FORMATS` (made once, at first use)."""
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    checker.checks("date")(_is_date)
    checker.checks("date-time")(_is_date_time)
    checker.checks("email")(_is_email)
    checker.checks("uri")(_is_uri)
    return checker


# -- x-codex-link ---------------------------------------------------------------------------

_LINK_VALUE = re.compile(r"^\s*\[\[([^\[\]|#]*)(#[^\[\]|]*)?(\|[^\[\]]*)?\]\]\s*$")


class LinkFailure(Exception):
    """Why an ``x-codex-link`` value failed: ``kind`` is ``syntax``, ``missing`` or ``not-note``."""

    def __init__(self, kind: str, target: str) -> None:
        super().__init__(kind, target)
        self.kind = kind
        self.target = target


@dataclass(slots=True)
class _LinkContext:
    resolver: LinkResolver | None
    asked: list[str] = field(default_factory=list)


_LINKS: contextvars.ContextVar[_LinkContext | None] = contextvars.ContextVar(
    "codex_schema_links", default=None
)


def link_target(value: str) -> str | None:
    """The target of a value written as one ``[[link]]``, or None."""
    found = _LINK_VALUE.match(value)
    if not found or not found.group(1).strip():
        return None
    return found.group(1).strip()


def _link_keyword(
    validator: Any, enabled: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    from jsonschema.exceptions import ValidationError

    if enabled is not True or not isinstance(instance, str):
        return
    target = link_target(instance)
    if target is None:
        yield ValidationError(
            f"expected a [[link]] to a note, found {describe(instance)}",
            cause=LinkFailure("syntax", instance),
        )
        return
    context = _LINKS.get()
    if context is None or context.resolver is None:
        return
    context.asked.append(target)
    resolved = context.resolver(target)
    if resolved is None:
        yield ValidationError(
            f"expected a link to an existing note, found [[{target}]]: no note has that name",
            cause=LinkFailure("missing", target),
        )
    elif not is_note_name(resolved):
        yield ValidationError(
            f"expected a link to a note, found [[{target}]], which is a file ({resolved})",
            cause=LinkFailure("not-note", target),
        )


@lru_cache(maxsize=256)
def _compiled_pattern(pattern: str) -> regex.Pattern[str]:
    import regex

    return regex.compile(pattern)


class PatternTimeout(Exception):
    """Why a ``pattern`` error has no verdict: the search passed :data:`PATTERN_TIMEOUT`."""


def pattern_search(pattern: str, text: str) -> bool | None:
    """Whether a schema's regular expression matches somewhere in ``text``: None when the
    search passed its deadline, False as well when the pattern does not compile."""
    import regex

    try:
        return _compiled_pattern(pattern).search(text, timeout=PATTERN_TIMEOUT) is not None
    except TimeoutError:
        return None
    except regex.error:
        return False


def _unchecked(subject: str, pattern: str) -> ValidationError:
    from jsonschema.exceptions import ValidationError

    return ValidationError(
        f"{subject} could not be checked against {pattern!r}: the pattern took longer than "
        f"{PATTERN_TIMEOUT * 1000:.0f} ms (simplify the regular expression)",
        cause=PatternTimeout(),
    )


def _pattern_keyword(
    validator: Any, pattern: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """``pattern`` with a deadline (replaces jsonschema's unbounded ``re.search``)."""
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "string") or not isinstance(pattern, str):
        return
    found = pattern_search(pattern, instance)
    if found is None:
        yield _unchecked(repr(instance), pattern)
    elif not found:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties_keyword(
    validator: Any, patterns: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """``patternProperties`` with a deadline on each key's search."""
    if not validator.is_type(instance, "object") or not isinstance(patterns, dict):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            found = pattern_search(pattern, key)
            if found is None:
                yield _unchecked(f"key {key!r}", pattern)
            elif found:
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


@lru_cache(maxsize=1)
def codex_validator() -> Any:
    """The validator class: draft 2020-12 with ``x-codex-link`` and bounded patterns."""
    from jsonschema import Draft202012Validator, validators

    return validators.extend(
        Draft202012Validator,
        {
            LINK_KEYWORD: _link_keyword,
            "pattern": _pattern_keyword,
            "patternProperties": _pattern_properties_keyword,
        },
    )


# -- descriptions used in messages ------------------------------------------------------------

_TYPE_WORDS = {
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "nothing (null)",
}


def describe(value: Any) -> str:
    """A short description of a found value: ``'text'``, ``42 (an integer)``, ``a list``..."""
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "…"
        return repr(shown) if shown else "an empty string"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, int):
        return f"{value} (an integer)"
    if isinstance(value, float):
        return f"{value} (a number)"
    if value is None:
        return "nothing (null)"
    if isinstance(value, list):
        return f"a list of {len(value)}" if value else "an empty list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def type_words(expected: Any) -> str:
    """``"string"`` -> ``a string``; ``["string", "null"]`` -> ``a string or nothing (null)``."""
    names = expected if isinstance(expected, list) else [expected]
    words = [_TYPE_WORDS.get(str(n), str(n)) for n in names]
    return " or ".join(words) if words else "a value"


def show_value(value: Any) -> str:
    """A value as written in YAML frontmatter (for lists of choices)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def closest(word: str, choices: Sequence[str]) -> str | None:
    """The choice closest to ``word`` (case-insensitive), if any is close enough."""
    if not word or not choices:
        return None
    lowered = {c.lower(): c for c in reversed(choices)}
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.75)
    return lowered[found[0]] if found else None


def path_label(path: Sequence[PathItem]) -> str:
    """``["sample", "volumes", 2]`` -> ``sample.volumes[2]``."""
    label = ""
    for item in path:
        if isinstance(item, int):
            label += f"[{item}]"
        else:
            label += f".{item}" if label else str(item)
    return label


# -- the compiled schema --------------------------------------------------------------------


def _glob_regex(pattern: str) -> regex.Pattern[str]:
    """A notebook-relative glob: ``*`` and ``?`` stay in a folder, ``**`` crosses folders."""
    import regex

    out = []
    i = 0
    pattern = pattern.strip().lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            close = pattern.find("]", i + 2)
            if close == -1:
                out.append(re.escape(char))
            else:
                inner = pattern[i + 1 : close]
                if inner.startswith("!"):
                    inner = "^" + inner[1:]
                out.append("[" + inner.replace("\\", "\\\\") + "]")
                i = close
        else:
            out.append(re.escape(char))
        i += 1
    return regex.compile("".join(out) + r"\Z")


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
    memo: dict[tuple[str, Any], bool] = field(default_factory=dict)

    def is_valid(self, instance: Mapping[str, Any]) -> bool:
        for key in self.required:
            if key not in instance:
                return False
        properties, memo = self.properties, self.memo
        for key, value in instance.items():
            validator = properties.get(key)
            cached = key not in self.uncached
            if validator is None:
                if self.closed:
                    return False
                validator = self.extra
                if validator is None:
                    continue
                cached = not self.extra_uncached
            memo_key = _memo_key(key, value) if cached else None
            if memo_key is None:
                if not validator.is_valid(value):
                    return False
                continue
            known = memo.get(memo_key)
            if known is None:
                if len(memo) > 100_000:
                    memo.clear()
                known = memo[memo_key] = bool(validator.is_valid(value))
            if not known:
                return False
        return True


def _memo_key(key: str, value: Any) -> tuple[str, Any] | None:
    if value is None or isinstance(value, (str, int, float, bool)):
        return key, (type(value).__name__, value)
    if isinstance(value, list) and all(type(v) is str for v in value):
        return key, ("list", *value)
    try:
        return key, json.dumps(value, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        return None


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
            tuple(_glob_regex(str(p)) for p in paths),
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
        return _FastCheck(
            tuple(str(r) for r in required) if isinstance(required, list) else (),
            extra is False,
            {str(k): make(v) for k, v in properties.items()},
            make(extra) if isinstance(extra, dict) else None,
            frozenset(str(k) for k, v in properties.items() if self._uses_links(v)),
            isinstance(extra, dict) and self._uses_links(extra),
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
        context = _LinkContext(resolver)
        token = _LINKS.set(context)
        try:
            if fast and note_type.fast is not None and note_type.fast.is_valid(instance):
                errors: list[ValidationError] = []
            else:
                errors = list(note_type.validator.iter_errors(instance))
        except (RecursionError, Unresolvable) as exc:
            failure = f"cannot be checked: {exc}"
            return Verdict(note_type, True, [], unknown, context.asked, failure, names)
        finally:
            _LINKS.reset(token)
        return Verdict(note_type, True, errors, unknown, context.asked, None, names)

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


# -- loading the schema file ------------------------------------------------------------------


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
        _compiled_pattern(pattern)
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


__all__ = [
    "BASE_URI",
    "CHECKED_FORMATS",
    "JSON_TYPES",
    "LINK_KEYWORD",
    "LOGIC_VERSION",
    "SCHEMA_PATH",
    "LinkFailure",
    "LinkResolver",
    "NoteType",
    "NotebookSchema",
    "SchemaLoad",
    "Verdict",
    "closest",
    "codex_validator",
    "describe",
    "format_checker",
    "link_target",
    "load_schema",
    "meta_schema",
    "normalise",
    "path_label",
    "show_value",
    "type_words",
]
