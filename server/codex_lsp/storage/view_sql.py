"""View filters compiled to SQL over the index, for the part SQL can answer exactly.

:func:`compile_filter` turns a filter tree into a ``WHERE`` clause over ``file_metadata f``
that selects a superset of the notes the Python evaluator keeps (exactly those when
``exact``): comparisons of a property with a literal (``json_type`` guards the kind, so
``"3"`` never equals ``3``, as in the evaluator), ``file.hasTag`` (nested tags, ASCII case
folded like the tag table), ``file.inFolder``, ``file.hasProperty``, ``file.path ==``, and
``&&``/``||``/``!``/``and``/``or``/``not`` of those. Anything else compiles to nothing and is
left to the evaluator, which always runs on the candidates and has the last word.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.views.expr import Binary, Call, Expr, Literal, Member, Name, Unary
from ..core.views.spec import Filter
from ..core.views.values import is_number

Sql = tuple[str, list[object]]

_ORDER_OPS = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_ROOTS = ("note", "file", "formula", "git", "this")


@dataclass(frozen=True, slots=True)
class Compiled:
    """A WHERE clause with its parameters; ``exact`` when it selects exactly the kept notes."""

    sql: str
    params: list[object]
    exact: bool


def _prop_path(node: Expr) -> str | None:
    name: str | None = None
    if (isinstance(node, Name) and node.name not in _ROOTS) or (
        isinstance(node, Member) and isinstance(node.target, Name) and node.target.name == "note"
    ):
        name = node.name
    if name is None or '"' in name or "\\" in name:
        return None
    return f'$."{name}"'


def _both(a: Sql | None, b: Sql | None, op: str) -> Sql | None:
    if a is None or b is None:
        return None
    return f"({a[0]} {op} {b[0]})", a[1] + b[1]


def _comparison(node: Binary) -> Sql | None:
    op, left, right = node.op, node.left, node.right
    if isinstance(left, Literal):
        left, right, op = right, left, _FLIPPED.get(op, op)
    if isinstance(left, Member) and isinstance(left.target, Name) and left.target.name == "file":
        if (
            left.name == "path"
            and op in ("==", "!=")
            and isinstance(right, Literal)
            and isinstance(right.value, str)
        ):
            return ("(f.path = ?)" if op == "==" else "(f.path != ?)"), [right.value]
        return None
    path = _prop_path(left)
    if path is None or not isinstance(right, Literal):
        return None
    value = right.value
    if op in ("==", "!="):
        if value is None:
            sql = "(COALESCE(json_type(f.properties, ?), 'null') = 'null')"
            params: list[object] = [path]
        elif isinstance(value, bool):
            sql, params = (
                "(COALESCE(json_type(f.properties, ?), '') = ?)",
                [path, str(value).lower()],
            )
        elif is_number(value) and abs(float(value)) < 2**53:  # type: ignore[arg-type]
            sql = (
                "(COALESCE(json_type(f.properties, ?) IN ('integer', 'real'), 0)"
                " AND json_extract(f.properties, ?) = ?)"
            )
            params = [path, path, value]
        elif isinstance(value, str):
            sql = (
                "(COALESCE(json_type(f.properties, ?) = 'text', 0)"
                " AND json_extract(f.properties, ?) = ?)"
            )
            params = [path, path, value]
        else:
            return None
        return (sql, params) if op == "==" else (f"(NOT {sql})", params)
    if op in _ORDER_OPS:
        sql_op = _ORDER_OPS[op]
        if is_number(value) and abs(float(value)) < 2**53:  # type: ignore[arg-type]
            kinds = "('integer', 'real')"
        elif isinstance(value, str):
            kinds = "('text')"
        else:
            return None
        return (
            f"(COALESCE(json_type(f.properties, ?) IN {kinds}, 0)"
            f" AND json_extract(f.properties, ?) {sql_op} ?)",
            [path, path, value],
        )
    return None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _file_call(node: Call) -> Sql | None:
    if not (isinstance(node.target, Name) and node.target.name == "file"):
        return None
    args = node.args
    if not all(isinstance(a, Literal) and isinstance(a.value, str) for a in args):
        return None
    values = [str(a.value) for a in args if isinstance(a, Literal)]
    if node.name == "hasTag" and values:
        parts: list[str] = []
        params: list[object] = []
        for wanted in values:
            tag = wanted.lstrip("#")
            parts.append("(t.name = ? COLLATE NOCASE OR t.name LIKE ? ESCAPE '\\')")
            params += [tag, _like_escape(tag) + "/%"]
        # Not correlated: SQLite computes the set of files once, then looks each note up.
        sql = (
            "(f.id IN (SELECT ft.file_id FROM tag t JOIN file_tag ft ON ft.tag_id = t.id"
            f" WHERE {' OR '.join(parts)}))"
        )
        return sql, params
    if node.name == "inFolder" and len(values) == 1:
        folder = values[0].strip("/")
        if not folder:
            return "1", []
        return "(substr(f.path, 1, ?) = ?)", [len(folder) + 1, f"{folder}/"]
    if node.name == "hasProperty" and len(values) == 1:
        name = values[0]
        if '"' in name or "\\" in name:
            return None
        return "(json_type(f.properties, ?) IS NOT NULL)", [f'$."{name}"']
    return None


def compile_expr(node: Expr, exact: bool) -> Sql | None:
    """SQL for an expression's truth (a superset unless ``exact``); None when SQL can't say."""
    if isinstance(node, Literal) and isinstance(node.value, bool):
        return ("1" if node.value else "0"), []
    if isinstance(node, Binary):
        if node.op in ("&&", "||"):
            a, b = compile_expr(node.left, exact), compile_expr(node.right, exact)
            if node.op == "&&" and not exact:
                return _both(a, b, "AND") or a or b
            return _both(a, b, "AND" if node.op == "&&" else "OR")
        return _comparison(node)
    if isinstance(node, Unary) and node.op == "!":
        inner = compile_expr(node.operand, True)
        return (f"(NOT {inner[0]})", inner[1]) if inner else None
    if isinstance(node, Call):
        return _file_call(node)
    return None


def compile_filter(node: Filter | None, exact: bool) -> Sql | None:
    """SQL for a filter tree (a superset unless ``exact``); None when SQL can't say."""
    if node is None:
        return None
    if node.kind == "expr":
        expr = node.expr.expr if node.expr else None
        return compile_expr(expr, exact) if expr is not None else None
    if node.kind == "not":
        parts = [compile_filter(c, True) for c in node.children]
        if any(p is None for p in parts):
            return None
        if not parts:
            return "1", []
        inner = " OR ".join(p[0] for p in parts if p)
        return f"(NOT ({inner}))", [x for p in parts if p for x in p[1]]
    parts = [compile_filter(c, exact) for c in node.children]
    if node.kind == "and":
        kept = [p for p in parts if p is not None]
        if exact and len(kept) != len(parts):
            return None
        if not kept:
            return ("1", []) if not parts else None
        return "(" + " AND ".join(p[0] for p in kept) + ")", [x for p in kept for x in p[1]]
    if any(p is None for p in parts) or not parts:
        return None if parts else ("0", [])
    return "(" + " OR ".join(p[0] for p in parts if p) + ")", [x for p in parts if p for x in p[1]]


def compile_filters(filters: list[Filter | None]) -> Compiled | None:
    """The WHERE clause for several filters that must all hold (None when SQL can't narrow)."""
    clauses: list[Sql] = []
    exact = True
    for node in filters:
        if node is None:
            continue
        full = compile_filter(node, True)
        if full is None:
            exact = False
            full = compile_filter(node, False)
        if full is not None:
            clauses.append(full)
    if not clauses:
        return None
    return Compiled(" AND ".join(c[0] for c in clauses), [x for c in clauses for x in c[1]], exact)
