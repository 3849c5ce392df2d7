"""The Python evaluator of view expressions over note records, with the function table.

Names follow Bases: a bare name or ``note.x`` is a property (frontmatter and sidecars),
``file.*`` the file, ``formula.x`` a formula of the view file, ``git.date``/``git.author`` the
last commit. The supported functions are :data:`GLOBAL_FUNCTIONS`, :data:`METHODS` and the
fields :data:`FILE_FIELDS`/:data:`VALUE_FIELDS` (docs/views.md lists them against the Bases
documentation); an unknown one is a type-check error, so it never reaches the evaluator.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .expr import Binary, Call, Expr, ListExpr, Literal, Member, Name, Unary
from .values import (
    compare,
    display,
    equal,
    is_number,
    parse_date,
    parse_duration,
    shift,
    truthy,
)

ROOTS = ("note", "file", "formula", "git", "this")

FILE_FIELDS: dict[str, str] = {
    "name": "string",
    "basename": "string",
    "path": "string",
    "folder": "string",
    "ext": "string",
    "size": "number",
    "ctime": "date",
    "mtime": "date",
    "tags": "list",
    "links": "list",
    "backlinks": "list",
}
"""``file.*`` fields and their types."""
GIT_FIELDS: dict[str, str] = {"date": "date", "author": "string"}
"""``git.*`` fields: the last commit touching the note."""
VALUE_FIELDS: dict[str, str] = {
    "length": "number",
    "year": "number",
    "month": "number",
    "day": "number",
    "hour": "number",
    "minute": "number",
    "second": "number",
}
"""Fields of values: ``length`` of text and lists, the parts of a date."""


@dataclass(frozen=True, slots=True)
class Signature:
    """A function's arity and the type it returns (``any`` when it depends on arguments)."""

    min_args: int
    max_args: int | None
    returns: str
    doc: str


GLOBAL_FUNCTIONS: dict[str, Signature] = {
    "date": Signature(1, 1, "date", "date(text): the date ISO text names"),
    "now": Signature(0, 0, "date", "now(): the current date and time"),
    "today": Signature(0, 0, "date", "today(): today's date, at midnight"),
    "if": Signature(2, 3, "any", "if(condition, then, else?): then when condition is truthy"),
    "number": Signature(1, 1, "number", "number(value): value as a number"),
    "list": Signature(1, 1, "list", "list(value): value as a list"),
    "min": Signature(1, None, "number", "min(a, b, ...): the smallest number"),
    "max": Signature(1, None, "number", "max(a, b, ...): the largest number"),
    "length": Signature(1, 1, "number", "length(value): characters of text, items of a list"),
}
"""Functions called on their own."""

METHODS: dict[str, Signature] = {
    "hasTag": Signature(1, None, "boolean", "file.hasTag(tag, ...): any tag, nested tags too"),
    "inFolder": Signature(1, 1, "boolean", "file.inFolder(folder): in folder or a subfolder"),
    "hasLink": Signature(1, 1, "boolean", "file.hasLink(target): links to the note"),
    "hasProperty": Signature(1, 1, "boolean", "file.hasProperty(name): has the property"),
    "contains": Signature(1, 1, "boolean", "value.contains(x): text contains x, list holds x"),
    "containsAll": Signature(1, None, "boolean", "list.containsAll(a, ...): holds every one"),
    "containsAny": Signature(1, None, "boolean", "list.containsAny(a, ...): holds any"),
    "startsWith": Signature(1, 1, "boolean", "text.startsWith(prefix)"),
    "endsWith": Signature(1, 1, "boolean", "text.endsWith(suffix)"),
    "lower": Signature(0, 0, "string", "text.lower(): in lower case"),
    "upper": Signature(0, 0, "string", "text.upper(): in upper case"),
    "trim": Signature(0, 0, "string", "text.trim(): without surrounding spaces"),
    "split": Signature(1, 1, "list", "text.split(separator): a list of parts"),
    "join": Signature(1, 1, "string", "list.join(separator): the items joined as text"),
    "isEmpty": Signature(0, 0, "boolean", "value.isEmpty(): null, empty text or empty list"),
    "toString": Signature(0, 0, "string", "value.toString(): as text"),
    "round": Signature(0, 1, "number", "number.round(digits?)"),
    "abs": Signature(0, 0, "number", "number.abs()"),
    "format": Signature(1, 1, "string", "date.format(pattern): YYYY MM DD HH mm ss tokens"),
}
"""Methods (``value.name(args)``); ``hasTag``..``hasProperty`` are methods of ``file``."""

FILE_METHODS = ("hasTag", "inFolder", "hasLink", "hasProperty")


@dataclass(slots=True)
class Record:
    """One row's data: a note (or a task, whose own fields are in ``properties``)."""

    path: str
    properties: Mapping[str, Any]
    size: int = 0
    ctime: dt.datetime | None = None
    mtime: dt.datetime | None = None
    tags: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    backlinks: tuple[str, ...] = ()
    git_date: dt.datetime | None = None
    git_author: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The file name without extension (Bases' ``file.name`` is the whole name)."""
        base = self.path.rsplit("/", 1)[-1]
        return base.rsplit(".", 1)[0] if "." in base else base

    @property
    def folder(self) -> str:
        """The folder, relative to the notebook root ("" at the root)."""
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""

    @property
    def ext(self) -> str:
        """The extension without dot."""
        base = self.path.rsplit("/", 1)[-1]
        return base.rsplit(".", 1)[1] if "." in base else ""


def tag_matches(tag: str, wanted: str) -> bool:
    """Whether ``tag`` is ``wanted`` or nested under it (ASCII case folded, as the index)."""
    t, w = _ascii_fold(tag.lstrip("#")), _ascii_fold(wanted.lstrip("#"))
    return t == w or t.startswith(w + "/")


_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ascii_fold(text: str) -> str:
    return text.translate(_ASCII_FOLD)


def link_matches(link: str, wanted: str) -> bool:
    """Whether a resolved link path (or unresolved name) is the note ``wanted`` names."""
    w = wanted.strip()
    if w.startswith("[[") and w.endswith("]]"):
        w = w[2:-2].split("|", 1)[0].split("#", 1)[0]
    w = w.removesuffix(".md")
    stem = link.removesuffix(".md")
    return stem == w or stem.rsplit("/", 1)[-1] == w


class EvalError(Exception):
    """A runaway evaluation (formulas that refer to each other in a cycle)."""


class Evaluator:
    """Evaluates expressions of one view file (its formulas) at one instant."""

    def __init__(self, formulas: Mapping[str, Expr], now: dt.datetime) -> None:
        self.formulas = formulas
        self.now = now
        self._formula_depth = 0

    def value(self, node: Expr, rec: Record) -> Any:
        """The value of ``node`` for ``rec`` (None where Bases would be null or an error)."""
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Name):
            if node.name in ROOTS:
                return None
            return rec.properties.get(node.name)
        if isinstance(node, Member):
            return self._member(node, rec)
        if isinstance(node, Binary):
            return self._binary(node, rec)
        if isinstance(node, Unary):
            v = self.value(node.operand, rec)
            if node.op == "!":
                return not truthy(v)
            return -v if is_number(v) else None
        if isinstance(node, ListExpr):
            return [self.value(i, rec) for i in node.items]
        return self._call(node, rec)

    def test(self, node: Expr, rec: Record) -> bool:
        """Whether ``node`` holds for ``rec``."""
        return truthy(self.value(node, rec))

    def column(self, prop: str, rec: Record) -> Any:
        """The value of a column id (``note.x``, ``file.name``, ``formula.y``, ``x``)."""
        root, _, rest = prop.partition(".")
        if rest and root in ROOTS:
            return self._root_field(root, rest, rec)
        return rec.properties.get(prop)

    def getter(self, prop: str) -> Callable[[Record], Any]:
        """:meth:`column` for one column id, resolved once (a view reads it on every row)."""
        root, _, rest = prop.partition(".")
        if not rest or root not in ROOTS:
            return lambda rec: rec.properties.get(prop)
        if root == "note":
            return lambda rec: rec.properties.get(rest)
        if root == "file":
            field_of = _FILE_FIELDS.get(rest)
            return field_of if field_of is not None else lambda rec: None
        return lambda rec: self._root_field(root, rest, rec)

    def _root_field(self, root: str, name: str, rec: Record) -> Any:
        if root == "note":
            return rec.properties.get(name)
        if root == "file":
            return _file_field(name, rec)
        if root == "git":
            return rec.git_date if name == "date" else rec.git_author if name == "author" else None
        if root == "formula":
            expr = self.formulas.get(name)
            if expr is None:
                return None
            self._formula_depth += 1
            try:
                if self._formula_depth > 32:
                    raise EvalError(f"formula {name} refers to itself")
                return self.value(expr, rec)
            finally:
                self._formula_depth -= 1
        return None

    def _member(self, node: Member, rec: Record) -> Any:
        if isinstance(node.target, Name) and node.target.name in ROOTS:
            return self._root_field(node.target.name, node.name, rec)
        target = self.value(node.target, rec)
        return value_field(target, node.name)

    def _binary(self, node: Binary, rec: Record) -> Any:
        op = node.op
        if op == "&&":
            return self.test(node.left, rec) and self.test(node.right, rec)
        if op == "||":
            return self.test(node.left, rec) or self.test(node.right, rec)
        a, b = self.value(node.left, rec), self.value(node.right, rec)
        if op == "==":
            return equal(a, b)
        if op == "!=":
            return not equal(a, b)
        if op in ("<", "<=", ">", ">="):
            c = compare(a, b)
            if c is None:
                return False
            return {"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]
        return arithmetic(op, a, b)

    def _call(self, node: Call, rec: Record) -> Any:
        args = node.args
        if node.target is None:
            if node.name == "if":
                cond = self.test(args[0], rec)
                if cond:
                    return self.value(args[1], rec)
                return self.value(args[2], rec) if len(args) > 2 else None
            values = [self.value(a, rec) for a in args]
            return self._global(node.name, values)
        if isinstance(node.target, Name) and node.target.name == "file":
            values = [self.value(a, rec) for a in args]
            return _file_method(node.name, values, rec)
        target = self.value(node.target, rec)
        return value_method(node.name, target, [self.value(a, rec) for a in args])

    def _global(self, name: str, values: list[Any]) -> Any:
        if name == "now":
            return self.now
        if name == "today":
            return dt.datetime(self.now.year, self.now.month, self.now.day)
        if name == "date":
            return parse_date(values[0])
        if name == "number":
            return _number(values[0])
        if name == "list":
            return values[0] if isinstance(values[0], list) else [values[0]]
        if name == "length":
            return value_field(values[0], "length")
        if name in ("min", "max"):
            nums = [v for v in _flatten(values) if is_number(v)]
            if not nums:
                return None
            return min(nums) if name == "min" else max(nums)
        return None


def _flatten(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        out.extend(v if isinstance(v, list) else [v])
    return out


def _number(v: Any) -> Any:
    if isinstance(v, bool):
        return int(v)
    if is_number(v):
        return v
    if isinstance(v, str):
        try:
            f = float(v.strip())
        except ValueError:
            return None
        return int(f) if f.is_integer() and "." not in v else f
    if isinstance(v, dt.datetime):
        return int(v.timestamp() * 1000)
    return None


def _file_name(rec: Record) -> str:
    """``file.name``: the whole file name (its stem when the name ends with a bare dot)."""
    base = rec.path.rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    return stem if dot and not ext else base


_FILE_FIELDS: dict[str, Callable[[Record], Any]] = {
    "name": _file_name,
    "basename": lambda r: r.name,
    "path": lambda r: r.path,
    "folder": lambda r: r.folder,
    "ext": lambda r: r.ext,
    "size": lambda r: r.size,
    "ctime": lambda r: r.ctime,
    "mtime": lambda r: r.mtime,
    "tags": lambda r: list(r.tags),
    "links": lambda r: list(r.links),
    "backlinks": lambda r: list(r.backlinks),
}
"""How each ``file.*`` field is read from a record (built once: a view reads one per cell)."""


def _file_field(name: str, rec: Record) -> Any:
    getter = _FILE_FIELDS.get(name)
    return getter(rec) if getter else None


def _file_method(name: str, values: list[Any], rec: Record) -> Any:
    if name == "hasTag":
        wanted = [v for v in values if isinstance(v, str)]
        return any(tag_matches(t, w) for t in rec.tags for w in wanted)
    if name == "inFolder":
        folder = values[0]
        if not isinstance(folder, str):
            return False
        folder = folder.strip("/")
        return folder == "" or rec.folder == folder or rec.folder.startswith(folder + "/")
    if name == "hasLink":
        return isinstance(values[0], str) and any(link_matches(x, values[0]) for x in rec.links)
    if name == "hasProperty":
        return isinstance(values[0], str) and values[0] in rec.properties
    return None


def value_field(target: Any, name: str) -> Any:
    """A field of a value: ``length`` of text or a list, ``year``... of a date."""
    if name == "length":
        return len(target) if isinstance(target, (str, list)) else None
    date = target if isinstance(target, dt.datetime) else None
    if date is not None and name in VALUE_FIELDS:
        return getattr(date, name)
    return None


def value_method(name: str, target: Any, args: list[Any]) -> Any:
    """``target.name(args)`` for a value (text, list, number, date); None when it does not apply."""
    if name == "isEmpty":
        return target is None or (isinstance(target, (str, list)) and len(target) == 0)
    if name == "toString":
        return display(target)
    if isinstance(target, list):
        return _list_method(name, target, args)
    if isinstance(target, str):
        return _text_method(name, target, args)
    if is_number(target):
        if name == "abs":
            return abs(target)
        if name == "round":
            digits = args[0] if args and is_number(args[0]) else 0
            return round(target, int(digits)) if digits else math.floor(target + 0.5)
    if isinstance(target, dt.datetime) and name == "format" and isinstance(args[0], str):
        return _format_date(target, args[0])
    return None


def _list_method(name: str, target: list[Any], args: list[Any]) -> Any:
    if name == "contains":
        return any(equal(x, args[0]) for x in target)
    if name == "containsAll":
        return all(any(equal(x, a) for x in target) for a in args)
    if name == "containsAny":
        return any(any(equal(x, a) for x in target) for a in args)
    if name == "join" and isinstance(args[0], str):
        return args[0].join(display(x) for x in target)
    return None


def _text_method(name: str, target: str, args: list[Any]) -> Any:
    arg = args[0] if args else None
    if name in ("contains", "startsWith", "endsWith", "split"):
        if not isinstance(arg, str):
            return None
        if name == "contains":
            return arg in target
        if name == "startsWith":
            return target.startswith(arg)
        if name == "endsWith":
            return target.endswith(arg)
        return target.split(arg) if arg else list(target)
    if name == "lower":
        return target.lower()
    if name == "upper":
        return target.upper()
    if name == "trim":
        return target.strip()
    return None


def _format_date(date: dt.datetime, pattern: str) -> str:
    out = pattern
    for token, fmt in (("YYYY", "%Y"), ("MM", "%m"), ("DD", "%d"), ("HH", "%H"), ("mm", "%M")):
        out = out.replace(token, date.strftime(fmt))
    return out.replace("ss", date.strftime("%S"))


def arithmetic(op: str, a: Any, b: Any) -> Any:
    """``a op b`` for ``+ - * / %``: numbers, text joining, dates with durations."""
    if is_number(a) and is_number(b):
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if b == 0:
            return None
        return a / b if op == "/" else a % b
    date_a = a if isinstance(a, dt.datetime) else None
    if date_a is not None and op in ("+", "-"):
        duration = parse_duration(b)
        if duration is not None:
            amount, unit = duration
            return shift(date_a, amount if op == "+" else -amount, unit)
        if op == "-":
            other = parse_date(b)
            if other is not None:
                return (date_a - other).total_seconds() * 1000
        return None
    if op == "+" and isinstance(a, str) and isinstance(b, (str, int, float)):
        return a + display(b)
    return None
