"""Running a view over records: filter, sort, limit, group, summaries -> a :class:`Result`."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .evaluate import Evaluator, Record
from .spec import Filter, View, ViewFile, column_label
from .values import display, is_number, parse_date, plain, sort_key, truthy

DEFAULT_NOTE_COLUMNS = ["file.name"]
DEFAULT_TASK_COLUMNS = ["note.done", "note.text", "note.note"]


class ViewInvalid(Exception):
    """A view that cannot run: its file has errors (the message names the first)."""


@dataclass(slots=True)
class Column:
    """A result column: its id (``note.status``) and header."""

    id: str
    name: str


@dataclass(slots=True)
class Row:
    """One result row: the note's notebook-relative path, the task's line, the cell values."""

    path: str
    values: dict[str, Any]
    line: int | None = None


@dataclass(slots=True)
class Group:
    """Rows sharing a value of the view's ``groupBy`` property (indices into the rows)."""

    key: Any
    rows: list[int]
    summaries: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Result:
    """What a view shows."""

    view: str
    type: str
    columns: list[Column]
    rows: list[Row]
    groups: list[Group]
    summaries: dict[str, Any]
    total: int
    group_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The result as JSON-ready data (the shape of ``codex.query``'s answer, less URIs)."""
        return {
            "view": self.view,
            "type": self.type,
            "columns": [{"id": c.id, "name": c.name} for c in self.columns],
            "rows": [
                {
                    "path": r.path,
                    "values": r.values,
                    **({"line": r.line} if r.line is not None else {}),
                }
                for r in self.rows
            ],
            "groups": [
                {"key": g.key, "rows": g.rows, "summaries": g.summaries} for g in self.groups
            ],
            "groupBy": self.group_by,
            "summaries": self.summaries,
            "total": self.total,
        }


def matches(evaluator: Evaluator, node: Filter | None, rec: Record) -> bool:
    """Whether ``rec`` passes a filter tree (``not`` holds when none of its children does)."""
    if node is None:
        return True
    if node.kind == "expr":
        expr = node.expr.expr if node.expr else None
        return expr is not None and truthy(evaluator.value(expr, rec))
    results = (matches(evaluator, child, rec) for child in node.children)
    if node.kind == "and":
        return all(results)
    if node.kind == "or":
        return any(results)
    return not any(results)


def columns_of(file: ViewFile, view: View) -> list[str]:
    """The column ids a view shows (its ``order``, or the defaults for its source)."""
    if view.order:
        return list(view.order)
    return list(DEFAULT_TASK_COLUMNS if view.source == "tasks" else DEFAULT_NOTE_COLUMNS)


def check_runnable(file: ViewFile) -> None:
    """Raise :class:`ViewInvalid` when the file has an error."""
    errors = [p for p in file.problems if p.severity == "error"]
    if errors:
        raise ViewInvalid(errors[0].message)


def run_view(file: ViewFile, view: View, records: Iterable[Record], now: dt.datetime) -> Result:
    """The result of ``view`` over ``records`` (the file must have no errors)."""
    check_runnable(file)
    evaluator = Evaluator(file.formula_exprs(), now)
    filters = [f for f in (file.filters, view.filters) if f is not None]
    if filters:
        kept = [r for r in records if all(matches(evaluator, f, r) for f in filters)]
    else:
        kept = list(records)
    keys = [*([view.group_by] if view.group_by else []), *view.sort]
    cols = columns_of(file, view)
    needed = list(dict.fromkeys([*cols, *view.summaries, *(k.prop for k in keys)]))
    # Each cell is computed once, a column at a time: sorting, grouping, the shown cells and
    # the summaries read these columns instead of a dict per row.
    columns = {c: list(map(evaluator.getter(c), kept)) for c in needed}
    order = list(range(len(kept)))
    for key in reversed(keys):
        ranks = list(map(sort_key, columns[key.prop]))
        order.sort(key=ranks.__getitem__, reverse=key.descending)
    total = len(order)
    if view.limit is not None:
        order = order[: view.limit]
    if keys or len(order) < len(kept):
        kept = [kept[i] for i in order]
        columns = {c: [column[i] for i in order] for c, column in columns.items()}
    shown = [list(map(plain, columns[c])) for c in cols]
    cells = [dict(zip(cols, row, strict=True)) for row in zip(*shown, strict=True)]
    rows = list(
        map(
            Row,
            [r.path for r in kept],
            cells if cols else [{} for _ in kept],
            [r.extra.get("line") for r in kept],
        )
    )
    prepared = {prop: _prepare(name, columns[prop]) for prop, name in view.summaries.items()}
    groups: list[Group] = []
    if view.group_by is not None:
        by = columns[view.group_by.prop]
        index: dict[str, Group] = {}
        for i, (label, value) in enumerate(zip(map(display, by), by, strict=True)):
            group = index.get(label)
            if group is None:
                group = index[label] = Group(plain(value), [])
                groups.append(group)
            group.rows.append(i)
        for group in groups:
            group.summaries = {
                prop: plain(_reduce(name, [prepared[prop][i] for i in group.rows]))
                for prop, name in view.summaries.items()
            }
    return Result(
        view=view.name,
        type=view.type,
        columns=[Column(c, column_label(c, file.display_names)) for c in cols],
        rows=rows,
        groups=groups,
        summaries={
            prop: plain(_reduce(name, prepared[prop])) for prop, name in view.summaries.items()
        },
        total=total,
        group_by=view.group_by.prop if view.group_by else None,
    )


_AS_IS = frozenset(("Count", "Empty", "Filled", "Checked", "Unchecked"))


def summarize(name: str, values: list[Any]) -> Any:
    """One summary (``Sum``, ``Average``... see spec.SUMMARIES) of a column's values."""
    return _reduce(name, _prepare(name, values))


def _prepare(name: str, values: list[Any]) -> list[Any]:
    """``values`` converted once for summary ``name`` (dates parsed, cells as text, numbers
    kept), position for position: a grouped view reduces each group's slice of this list."""
    if name == "Unique":
        return [None if v is None else display(v) for v in values]
    if name in ("Earliest", "Latest"):
        return list(map(parse_date, values))
    if name in _AS_IS:
        return values
    return [v if is_number(v) else None for v in values]


def _reduce(name: str, values: list[Any]) -> Any:
    """Summary ``name`` of values :func:`_prepare` converted (None stands for a value that
    does not count, where the summary ignores some)."""
    if name == "Count":
        return len(values)
    if name == "Empty":
        return sum(1 for v in values if v is None or v == "" or v == [])
    if name == "Filled":
        return sum(1 for v in values if not (v is None or v == "" or v == []))
    if name == "Checked":
        return sum(1 for v in values if v is True)
    if name == "Unchecked":
        return sum(1 for v in values if v is False)
    if name == "Unique":
        labels = set(values)
        labels.discard(None)
        return len(labels)
    if name in ("Earliest", "Latest"):
        dates = [d for d in values if d is not None]
        if not dates:
            return None
        return min(dates) if name == "Earliest" else max(dates)
    nums = [v for v in values if v is not None]
    if not nums:
        return None
    if name == "Sum":
        return sum(nums)
    if name == "Average":
        return sum(nums) / len(nums)
    if name == "Min":
        return min(nums)
    if name == "Max":
        return max(nums)
    if name == "Range":
        return max(nums) - min(nums)
    return statistics.median(nums)
