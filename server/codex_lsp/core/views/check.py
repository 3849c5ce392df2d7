"""Type checking of a view file against what the notebook's notes hold.

Unknown functions, methods and fields, wrong numbers of arguments, and comparisons or
arithmetic that can never hold (a date with a number) are errors; a property no note has is a
warning (a view may be written before the notes). Property kinds come from
:class:`PropertyInfo`, built by the caller from the index (and the schema where one exists).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .evaluate import FILE_FIELDS, FILE_METHODS, GIT_FIELDS, GLOBAL_FUNCTIONS, METHODS, VALUE_FIELDS
from .expr import Binary, Call, Expr, ListExpr, Literal, Member, Name, Unary, walk
from .spec import Located, ViewFile, ViewProblem

_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
_ARITHMETIC = ("+", "-", "*", "/", "%")


@dataclass(frozen=True, slots=True)
class PropertyInfo:
    """A property as the notebook knows it: its kind (``string``, ``number``, ``date``,
    ``boolean``, ``list``, ``object`` or ``any`` when notes disagree) and how many notes have it."""

    kind: str
    count: int
    enum: tuple[Any, ...] = ()


def property_name(node: Expr) -> str | None:
    """The note property a node names (``x``, ``note.x``, ``note["x"]``), else None."""
    if isinstance(node, Name) and node.name not in ("note", "file", "formula", "git", "this"):
        return node.name
    if isinstance(node, Member) and isinstance(node.target, Name) and node.target.name == "note":
        return node.name
    return None


class _Checker:
    def __init__(self, file: ViewFile, props: Mapping[str, PropertyInfo] | None, tasks: bool):
        self.file = file
        self.props = props
        self.tasks = tasks
        self.problems: list[ViewProblem] = []

    def report(self, site: Located, node: Expr, message: str, severity: str = "error") -> None:
        start, end = site.site.span(node.start, node.end)
        self.problems.append(ViewProblem(message, start, end, severity))

    def kind(self, node: Expr) -> str:
        if isinstance(node, Literal):
            v = node.value
            if isinstance(v, bool):
                return "boolean"
            if isinstance(v, (int, float)):
                return "number"
            return "string" if isinstance(v, str) else "any"
        if isinstance(node, ListExpr):
            return "list"
        prop = property_name(node)
        if prop is not None:
            info = self.props.get(prop) if self.props and not self.tasks else None
            return info.kind if info else "any"
        if isinstance(node, Member) and isinstance(node.target, Name):
            root = node.target.name
            if root == "file":
                return FILE_FIELDS.get(node.name, "any")
            if root == "git":
                return GIT_FIELDS.get(node.name, "any")
        if isinstance(node, Member):
            return VALUE_FIELDS.get(node.name, "any")
        if isinstance(node, Call):
            sig = GLOBAL_FUNCTIONS.get(node.name) if node.target is None else METHODS.get(node.name)
            return sig.returns if sig else "any"
        if isinstance(node, Unary):
            return "boolean" if node.op == "!" else "number"
        if isinstance(node, Binary):
            if node.op in _COMPARISONS or node.op in ("&&", "||"):
                return "boolean"
            left = self.kind(node.left)
            if left == "date" and node.op in ("+", "-"):
                return "number" if self.kind(node.right) == "date" else "date"
            return "number" if left == "number" else "any"
        return "any"

    def check(self, site: Located) -> None:
        if site.expr is None:
            return
        for node in walk(site.expr):
            if isinstance(node, Call):
                self.call(site, node)
            elif isinstance(node, Member):
                self.member(site, node)
            elif isinstance(node, Name):
                self.name(site, node)
            elif isinstance(node, Binary):
                self.binary(site, node)

    def call(self, site: Located, node: Call) -> None:
        on_file = isinstance(node.target, Name) and node.target.name == "file"
        if node.target is None:
            sig = GLOBAL_FUNCTIONS.get(node.name)
        elif on_file:
            sig = METHODS.get(node.name) if node.name in FILE_METHODS else None
        else:
            sig = METHODS.get(node.name) if node.name not in FILE_METHODS else None
        if sig is None:
            what = "file method" if on_file else "function" if node.target is None else "method"
            self.report(site, node, f"unknown {what} {node.name!r} (see docs/views.md)")
            return
        n = len(node.args)
        if n < sig.min_args or (sig.max_args is not None and n > sig.max_args):
            most = "or more" if sig.max_args is None else f"to {sig.max_args}"
            want = str(sig.min_args) if sig.max_args == sig.min_args else f"{sig.min_args} {most}"
            self.report(site, node, f"{node.name}() takes {want} argument(s), not {n}")

    def member(self, site: Located, node: Member) -> None:
        if isinstance(node.target, Name):
            root = node.target.name
            if root == "file" and node.name not in FILE_FIELDS:
                self.report(site, node, f"unknown file field {node.name!r}")
                return
            if root == "git" and node.name not in GIT_FIELDS:
                self.report(site, node, f"unknown git field {node.name!r} (date, author)")
                return
            if root == "formula" and node.name not in self.file.formulas:
                self.report(site, node, f"no formula {node.name!r} in this file")
                return
            if root == "this":
                self.report(site, node, "'this' is not supported")
                return
            if root in ("file", "formula", "note", "git"):
                if root == "note":
                    self.property(site, node, node.name)
                return
        if node.name not in VALUE_FIELDS:
            self.report(site, node, f"unknown field {node.name!r}")

    def name(self, site: Located, node: Name) -> None:
        if node.name in ("note", "file", "formula", "git", "this"):
            return
        self.property(site, node, node.name)

    def property(self, site: Located, node: Expr, name: str) -> None:
        if self.tasks or self.props is None or name in self.props:
            return
        self.report(site, node, f"no note has the property {name!r}", "warning")

    def binary(self, site: Located, node: Binary) -> None:
        a, b = self.kind(node.left), self.kind(node.right)
        if node.op in _COMPARISONS:
            pair = {a, b}
            if "any" in pair or len(pair) == 1 or pair == {"date", "string"}:
                return
            self.report(site, node, f"comparing a {a} with a {b} is never true")
        elif node.op in _ARITHMETIC:
            if a == "date" and node.op in ("+", "-") and b in ("string", "any", "date"):
                return
            if "date" in (a, b):
                self.report(
                    site, node, f'a date {node.op} a {b}: add or subtract a duration like "7d"'
                )


def check_file(file: ViewFile, props: Mapping[str, PropertyInfo] | None) -> list[ViewProblem]:
    """Type problems of every expression and column of ``file`` (YAML problems excluded)."""
    tasks = any(v.source == "tasks" for v in file.views)
    checker = _Checker(file, props, tasks)
    for site in file.expressions:
        checker.check(site)
    for prop, start, end in file.column_sites:
        root, _, rest = prop.partition(".")
        message = None
        if root == "file" and rest not in FILE_FIELDS:
            message = f"unknown file field {rest!r}"
        elif root == "formula" and rest not in file.formulas:
            message = f"no formula {rest!r} in this file"
        elif root == "git" and rest not in GIT_FIELDS:
            message = f"unknown git field {rest!r} (date, author)"
        if message:
            checker.problems.append(ViewProblem(message, start, end))
        elif root == "note" and not tasks and props is not None and rest not in props:
            checker.problems.append(
                ViewProblem(f"no note has the property {rest!r}", start, end, "warning")
            )
    return checker.problems
