"""A view file (``.cdx``, ``.base`` or an inline block) read into a typed model with problems.

The language is Obsidian Bases' (``filters``, ``formulas``, ``properties``, ``summaries``,
``views``), plus the design's single-view shorthand (``view_type``, ``query``, ``config``) and
``source: tasks``. Every problem carries offsets in the file text; expressions keep where
their text sits in the file so their own errors point inside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from ..yamlload import YamlFailure, compose_yaml
from .expr import Expr, ExprError, parse_expression

VIEW_TYPES = ("table", "list", "cards", "board", "calendar")
TOP_KEYS = (
    "filters",
    "formulas",
    "properties",
    "summaries",
    "views",
    "source",
    "view_type",
    "query",
    "config",
)
VIEW_KEYS = ("type", "name", "filters", "order", "sort", "groupBy", "limit", "summaries", "source")
DISPLAY_KEYS = (
    "columnSize",
    "rowHeight",
    "image",
    "imageFit",
    "imageAspectRatio",
    "cardSize",
    "indentProperties",
    "date",
)
"""View keys of Bases' own renderers: accepted, used by the editors, ignored by the engine."""
CONFIG_KEYS = ("columns", "sort", "group", "limit", "name")
SOURCES = ("notes", "tasks")
SUMMARIES = (
    "Count",
    "Sum",
    "Average",
    "Min",
    "Max",
    "Range",
    "Median",
    "Earliest",
    "Latest",
    "Unique",
    "Empty",
    "Filled",
    "Checked",
    "Unchecked",
)
"""Summary names (Bases' defaults plus ``Count``)."""


@dataclass(slots=True)
class ViewProblem:
    """Something wrong in a view file, at offsets ``start``..``end`` of its text."""

    message: str
    start: int
    end: int
    severity: str = "error"


@dataclass(slots=True)
class Site:
    """Where an expression's text sits: exact offsets when the scalar is plain or simply quoted."""

    text: str
    node_start: int
    node_end: int
    base: int | None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """File offsets of ``start``..``end`` in the expression text."""
        if self.base is None:
            return self.node_start, self.node_end
        return self.base + start, self.base + max(end, start)


@dataclass(slots=True)
class Located:
    """A parsed expression with its site (``expr`` None when it did not parse)."""

    expr: Expr | None
    site: Site


@dataclass(slots=True)
class Filter:
    """A filter tree: an expression, or ``and``/``or``/``not`` of children."""

    kind: str
    children: list[Filter] = field(default_factory=list)
    expr: Located | None = None


@dataclass(slots=True)
class SortKey:
    """A column id and its direction."""

    prop: str
    descending: bool = False


@dataclass(slots=True)
class View:
    """One view of a file."""

    name: str
    type: str = "table"
    filters: Filter | None = None
    order: list[str] = field(default_factory=list)
    sort: list[SortKey] = field(default_factory=list)
    group_by: SortKey | None = None
    limit: int | None = None
    summaries: dict[str, str] = field(default_factory=dict)
    source: str = "notes"
    start: int = 0
    end: int = 0


@dataclass(slots=True)
class ViewFile:
    """A whole view file: shared filters and formulas, display names, views, problems."""

    filters: Filter | None = None
    formulas: dict[str, Located] = field(default_factory=dict)
    display_names: dict[str, str] = field(default_factory=dict)
    views: list[View] = field(default_factory=list)
    problems: list[ViewProblem] = field(default_factory=list)
    expressions: list[Located] = field(default_factory=list)
    column_sites: list[tuple[str, int, int]] = field(default_factory=list)

    def view(self, name: str | None) -> View | None:
        """The view called ``name`` (the first when None)."""
        if name is None:
            return self.views[0] if self.views else None
        return next((v for v in self.views if v.name == name), None)

    def formula_exprs(self) -> dict[str, Expr]:
        """The formulas that parsed, by name."""
        return {k: v.expr for k, v in self.formulas.items() if v.expr is not None}


def column_id(prop: str) -> str:
    """The canonical id of a column: a bare property name ``x`` is ``note.x``."""
    root = prop.split(".", 1)[0]
    if "." in prop and root in ("note", "file", "formula", "git"):
        return prop
    return "note." + prop


def column_label(prop: str, display: dict[str, str]) -> str:
    """The header of a column: its displayName, else the property name."""
    if prop in display:
        return display[prop]
    root, _, rest = prop.partition(".")
    if root == "file" and rest in ("name", "basename"):
        return "name"
    return rest if root in ("note", "formula") else prop


def _start(node: yaml.Node) -> int:
    return int(node.start_mark.index)


def _end(node: yaml.Node) -> int:
    return int(node.end_mark.index)


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.out = ViewFile()

    def problem(self, message: str, node: yaml.Node, severity: str = "error") -> None:
        self.out.problems.append(ViewProblem(message, _start(node), _end(node), severity))

    def scalar(self, node: yaml.Node, what: str) -> str | None:
        if isinstance(node, yaml.ScalarNode):
            return str(node.value)
        self.problem(f"{what} must be a single value", node)
        return None

    def mapping(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return []
        if not isinstance(node, yaml.MappingNode):
            self.problem(f"{what} must be a mapping", node)
            return []
        pairs = []
        for k, v in node.value:
            key = self.scalar(k, "a key")
            if key is not None:
                pairs.append((key, k, v))
        return pairs

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return []
        self.problem(f"{what} must be a list", node)
        return []

    def expression(self, node: yaml.ScalarNode) -> Located:
        raw = self.text[_start(node) : _end(node)]
        value = str(node.value)
        base: int | None = None
        if node.style is None and raw == value:
            base = _start(node)
        elif node.style in ("'", '"') and raw[1:-1] == value:
            base = _start(node) + 1
        site = Site(value, _start(node), _end(node), base)
        try:
            expr: Expr | None = parse_expression(value)
        except ExprError as exc:
            # An error at the very end (a missing operand) points at the last character.
            at = max(exc.start - 1, 0) if exc.start == exc.end else exc.start
            start, end = site.span(at, max(exc.end, at + 1))
            self.out.problems.append(ViewProblem(exc.message, start, end))
            expr = None
        located = Located(expr, site)
        self.out.expressions.append(located)
        return located

    def filter(self, node: yaml.Node, depth: int = 0) -> Filter | None:
        if depth > 32:
            self.problem("filters nested too deeply", node)
            return None
        if isinstance(node, yaml.ScalarNode):
            if node.tag.endswith(":null"):
                return None
            return Filter("expr", expr=self.expression(node))
        pairs = self.mapping(node, "a filter")
        if len(pairs) != 1 or pairs[0][0] not in ("and", "or", "not"):
            self.problem("a filter is an expression or one of and:, or:, not: with a list", node)
            return None
        kind, _, value = pairs[0]
        children = [self.filter(c, depth + 1) for c in self.sequence(value, kind)]
        return Filter(kind, [c for c in children if c is not None])

    def columns(self, node: yaml.Node, what: str) -> list[str]:
        out = []
        for item in self.sequence(node, what):
            name = self.scalar(item, "a column")
            if name:
                prop = column_id(name)
                out.append(prop)
                self.out.column_sites.append((prop, _start(item), _end(item)))
        return out

    def sort_key(self, node: yaml.Node) -> SortKey | None:
        if isinstance(node, yaml.ScalarNode):
            words = str(node.value).split()
            if (
                not words
                or len(words) > 2
                or (len(words) == 2 and words[1].lower() not in ("asc", "desc"))
            ):
                self.problem("a sort key is 'PROPERTY' or 'PROPERTY asc|desc'", node)
                return None
            self.out.column_sites.append((column_id(words[0]), _start(node), _end(node)))
            return SortKey(column_id(words[0]), len(words) == 2 and words[1].lower() == "desc")
        prop, desc = None, False
        for key, knode, value in self.mapping(node, "a sort key"):
            if key == "property":
                prop = self.scalar(value, "property")
                if prop:
                    self.out.column_sites.append((column_id(prop), _start(value), _end(value)))
            elif key == "direction":
                direction = (self.scalar(value, "direction") or "").upper()
                if direction not in ("ASC", "DESC"):
                    self.problem("direction is ASC or DESC", value)
                desc = direction == "DESC"
            else:
                self.problem(f"unknown key {key!r} in a sort key", knode, "warning")
        if not prop:
            self.problem("a sort key needs a property", node)
            return None
        return SortKey(column_id(prop), desc)

    def limit(self, node: yaml.Node) -> int | None:
        text = self.scalar(node, "limit")
        if text is None or not text.isdigit():
            if text is not None:
                self.problem("limit is a whole number", node)
            return None
        return int(text)

    def source(self, node: yaml.Node) -> str:
        text = self.scalar(node, "source")
        if text not in SOURCES:
            self.problem(f"source is one of {', '.join(SOURCES)}", node)
            return "notes"
        return text

    def summaries(self, node: yaml.Node) -> dict[str, str]:
        out = {}
        for key, _, value in self.mapping(node, "summaries"):
            name = self.scalar(value, "a summary")
            if name is None:
                continue
            if name not in SUMMARIES:
                self.problem(f"unknown summary {name!r} (one of {', '.join(SUMMARIES)})", value)
                continue
            out[column_id(key)] = name
        return out

    def view(self, node: yaml.Node, index: int, source: str) -> View:
        view = View(name=f"View {index + 1}", source=source, start=_start(node), end=_end(node))
        for key, knode, value in self.mapping(node, "a view"):
            if key == "type":
                kind = self.scalar(value, "type") or "table"
                if kind not in VIEW_TYPES:
                    self.problem(f"view type {kind!r} is shown as a table", value, "warning")
                    kind = "table"
                view.type = kind
            elif key == "name":
                view.name = self.scalar(value, "name") or view.name
            elif key == "filters":
                view.filters = self.filter(value)
            elif key == "order":
                view.order = self.columns(value, "order")
            elif key == "sort":
                view.sort = [k for k in map(self.sort_key, self.sequence(value, "sort")) if k]
            elif key == "groupBy":
                view.group_by = self.sort_key(value)
            elif key == "limit":
                view.limit = self.limit(value)
            elif key == "summaries":
                view.summaries = self.summaries(value)
            elif key == "source":
                view.source = self.source(value)
            elif key not in DISPLAY_KEYS:
                self.problem(f"unknown view key {key!r}", knode, "warning")
        return view

    def shorthand(self, pairs: dict[str, tuple[yaml.Node, yaml.Node]], source: str) -> View:
        first = next(iter(pairs.values()))[0]
        view = View(name="View 1", source=source, start=_start(first), end=len(self.text))
        if "view_type" in pairs:
            kind = self.scalar(pairs["view_type"][1], "view_type") or "table"
            if kind not in VIEW_TYPES:
                self.problem(f"view type {kind!r} is shown as a table", pairs["view_type"][1])
                kind = "table"
            view.type = kind
        if "query" in pairs:
            view.filters = self.filter(pairs["query"][1])
        if "config" in pairs:
            for key, knode, value in self.mapping(pairs["config"][1], "config"):
                if key == "columns":
                    view.order = self.columns(value, "columns")
                elif key == "sort":
                    items = value.value if isinstance(value, yaml.SequenceNode) else [value]
                    view.sort = [k for k in map(self.sort_key, items) if k]
                elif key == "group":
                    view.group_by = self.sort_key(value)
                elif key == "limit":
                    view.limit = self.limit(value)
                elif key == "name":
                    view.name = self.scalar(value, "name") or view.name
                else:
                    self.problem(f"unknown config key {key!r}", knode, "warning")
        return view

    def read(self, root: yaml.Node) -> None:
        pairs = {}
        for key, knode, value in self.mapping(root, "a view file"):
            if key not in TOP_KEYS:
                self.problem(f"unknown key {key!r}", knode, "warning")
                continue
            pairs[key] = (knode, value)
        source = self.source(pairs["source"][1]) if "source" in pairs else "notes"
        if "filters" in pairs:
            self.out.filters = self.filter(pairs["filters"][1])
        if "formulas" in pairs:
            for name, _, value in self.mapping(pairs["formulas"][1], "formulas"):
                if isinstance(value, yaml.ScalarNode):
                    self.out.formulas[name] = self.expression(value)
                else:
                    self.problem("a formula is an expression", value)
        if "properties" in pairs:
            for prop, _, value in self.mapping(pairs["properties"][1], "properties"):
                for key, knode, item in self.mapping(value, "a property"):
                    if key == "displayName":
                        self.out.display_names[column_id(prop)] = self.scalar(item, key) or prop
                    else:
                        self.problem(f"unknown property setting {key!r}", knode, "warning")
        if "summaries" in pairs:
            self.problem(
                "custom summary formulas are not supported; use the built-in summaries",
                pairs["summaries"][0],
                "warning",
            )
        if "views" in pairs:
            for i, node in enumerate(self.sequence(pairs["views"][1], "views")):
                self.out.views.append(self.view(node, i, source))
        shorthand = {k: v for k, v in pairs.items() if k in ("view_type", "query", "config")}
        if shorthand:
            self.out.views.insert(0, self.shorthand(shorthand, source))
        if not self.out.views:
            self.out.views.append(View(name="View 1", source=source, end=len(self.text)))


def read_view_file(text: str) -> ViewFile:
    """The model of a view file's text; problems (YAML too) are in ``.problems``, never raised."""
    reader = _Reader(text)
    try:
        root = compose_yaml(text)
    except YamlFailure as exc:
        at = exc.offset if exc.offset is not None else 0
        reader.out.problems.append(ViewProblem(f"YAML: {exc.detail}", at, min(at + 1, len(text))))
        return reader.out
    except RecursionError:
        reader.out.problems.append(ViewProblem("YAML nested too deeply", 0, len(text)))
        return reader.out
    if root is None:
        reader.out.views.append(View(name="View 1", end=len(text)))
        return reader.out
    reader.read(root)
    return reader.out


def filter_expressions(node: Filter | None) -> list[Located]:
    """Every expression of a filter tree."""
    out: list[Located] = []
    stack = [node] if node else []
    while stack:
        cur = stack.pop()
        if cur.expr is not None:
            out.append(cur.expr)
        stack.extend(cur.children)
    return out
