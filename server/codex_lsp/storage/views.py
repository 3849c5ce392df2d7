"""Views over a notebook's index: records, property kinds, running a view, view files, and
materialized results in notes.

Blocking (SQLite and disk); the server calls these on a notebook's reader thread. A view's
filters are first narrowed in SQL (:mod:`.view_sql`), then the evaluator decides on the
candidates, so SQL only ever saves work.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..core.views.check import PropertyInfo, check_file
from ..core.views.engine import Result, ViewInvalid, run_view
from ..core.views.evaluate import Record
from ..core.views.inline import block_above, block_end, inline_blocks
from ..core.views.render import (
    INLINE_TARGET,
    Marker,
    markdown,
    marker_pair,
    markers,
    materialize,
)
from ..core.views.spec import ViewFile, read_view_file
from ..core.views.tasks import tasks_of
from .git import GitError, GitUnavailable, Repository, find_repository_or_none
from .notebooks import Notebook, really_inside
from .view_schema import schema_properties
from .view_sql import compile_filters

VIEW_EXTENSIONS = ("cdx", "base")
_IN_CHUNK = 500
MAX_NOTE_BYTES = 5_000_000
"""Notes and view files larger than this are not read for views (tasks, inline blocks)."""


@dataclass(frozen=True, slots=True)
class Needs:
    """What a view reads beyond properties (each costs a query)."""

    tags: bool
    links: bool
    backlinks: bool
    ctime: bool
    mtime: bool = True
    git: bool = False


def needs_of(file: ViewFile) -> Needs:
    """What the expressions and columns of ``file`` read."""
    text = " ".join(
        [s.site.text for s in file.expressions]
        + [c for v in file.views for c in (*v.order, *(k.prop for k in v.sort))]
        + [v.group_by.prop for v in file.views if v.group_by]
    )
    return Needs(
        tags="tags" in text or "hasTag" in text,
        links="links" in text or "hasLink" in text,
        backlinks="backlinks" in text,
        ctime="ctime" in text,
        mtime="mtime" in text,
        git="git." in text,
    )


def property_infos(conn: sqlite3.Connection) -> dict[str, PropertyInfo]:
    """Every property of the notebook's notes, with its kind and how many notes have it."""
    rows = conn.execute(
        "SELECT j.key, j.type, count(*), sum(j.type = 'text' AND j.value GLOB"
        " '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]*')"
        " FROM file_metadata f, json_each(f.properties) j"
        " WHERE f.is_note = 1 AND f.deleted_at IS NULL AND json_valid(f.properties)"
        " GROUP BY j.key, j.type"
    ).fetchall()
    kinds: dict[str, dict[str, int]] = {}
    for key, jtype, count, dates in rows:
        bucket = kinds.setdefault(key, {})
        if jtype == "text":
            if dates:
                bucket["date"] = bucket.get("date", 0) + dates
            if count - dates:
                bucket["string"] = bucket.get("string", 0) + count - dates
        else:
            kind = {
                "integer": "number",
                "real": "number",
                "true": "boolean",
                "false": "boolean",
                "array": "list",
                "object": "object",
                "null": "null",
            }[jtype]
            bucket[kind] = bucket.get(kind, 0) + count
    out = {}
    for key, bucket in kinds.items():
        total = sum(bucket.values())
        real = {k for k in bucket if k != "null"}
        kind = real.pop() if len(real) == 1 else "any"
        out[key] = PropertyInfo(kind, total)
    return out


def known_properties(notebook: Notebook, conn: sqlite3.Connection) -> dict[str, PropertyInfo]:
    """The notebook's properties: those of its notes (with counts) and those its schema
    declares; the schema's kind and allowed values win where it declares one."""
    out = property_infos(conn)
    for name, declared in schema_properties(notebook, conn).items():
        count = out[name].count if name in out else 0
        kind = declared.kind if declared.kind != "any" else out.get(name, declared).kind
        out[name] = PropertyInfo(kind, count, declared.enum)
    return out


def _time(ns: int | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(ns / 1e9) if ns else None


def _by_file(
    conn: sqlite3.Connection, sql: str, column: str, ids: list[str] | None
) -> dict[str, list[str]]:
    """(file id, value) rows of ``sql`` grouped by file; ``{where}`` in ``sql`` becomes the
    restriction of ``column`` to ``ids`` (nothing when None)."""
    out: dict[str, list[str]] = {}
    if ids is None:
        chunks: list[list[str] | None] = [None]
    else:
        chunks = [ids[i : i + _IN_CHUNK] for i in range(0, len(ids), _IN_CHUNK)]
    for chunk in chunks:
        where = "" if chunk is None else f" AND {column} IN ({','.join('?' * len(chunk))})"
        for key, value in conn.execute(sql.format(where=where), chunk or []):
            out.setdefault(key, []).append(value)
    return out


_TAGS_SQL = (
    "SELECT DISTINCT ft.file_id, t.name FROM file_tag ft JOIN tag t ON t.id = ft.tag_id"
    " WHERE 1{where}"
)
_LINKS_SQL = (
    "SELECT DISTINCT l.source_id, COALESCE(m.path, l.target) FROM link l"
    " LEFT JOIN file_metadata m ON m.id = l.target_id WHERE 1{where}"
)
_BACKLINKS_SQL = (
    "SELECT DISTINCT l.target_id, m.path FROM link l"
    " JOIN file_metadata m ON m.id = l.source_id AND m.deleted_at IS NULL"
    " WHERE l.target_id IS NOT NULL{where}"
)


@dataclass(slots=True)
class _Parsed:
    """What earlier queries read from one database: properties by file id (JSON text, parsed
    value), and the records of the last queries with the database's change stamp then."""

    properties: dict[str, tuple[str, dict[str, Any]]]
    records: dict[tuple[Any, ...], tuple[tuple[Any, ...], list[Record]]] = field(
        default_factory=dict
    )


_PARSED: dict[str, _Parsed] = {}
_PARSED_MAX = 8


def _database_name(conn: sqlite3.Connection) -> str:
    return next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")


def _cache(conn: sqlite3.Connection) -> _Parsed:
    db = _database_name(conn)
    cache = _PARSED.get(db)
    if cache is None:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.pop(next(iter(_PARSED)))
        cache = _PARSED[db] = _Parsed({})
    return cache


def _stamp(conn: sqlite3.Connection) -> tuple[Any, ...]:
    """What changes when the notes of the index change: commits of other connections
    (data_version), this one's own (total_changes), and, for a connection or database that
    replaced another one, the files' count and latest update."""
    version = conn.execute("PRAGMA data_version").fetchone()[0]
    count, latest = conn.execute("SELECT count(*), max(updated_at) FROM file_metadata").fetchone()
    return id(conn), version, conn.total_changes, count, latest


def _properties(cache: _Parsed, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """The parsed properties of ``rows`` (id first, JSON text last), reusing what an earlier
    query of the same database parsed from the same text: a notebook's notes change a few at
    a time, and parsing every note's JSON is most of the cost of a view over all notes."""
    known = cache.properties
    out = []
    for row in rows:
        file_id, text = row[0], row[-1] or ""
        hit = known.get(file_id)
        if hit is not None and hit[0] == text:
            out.append(hit[1])
            continue
        try:
            value = json.loads(text) if text else {}
        except ValueError:
            value = {}
        parsed = value if isinstance(value, dict) else {}
        known[file_id] = (text, parsed)
        out.append(parsed)
    return out


def load_records(
    conn: sqlite3.Connection,
    root: Path,
    needs: Needs,
    where: str | None = None,
    params: list[object] | None = None,
) -> list[Record]:
    """The notes of the index (those ``where`` selects) as records for the evaluator.

    The records of the last few queries are kept while the database does not change, and
    properties while a note's JSON does not: repeated views (an editor refreshing, a code lens)
    cost only their evaluation.
    """
    cache = _cache(conn)
    key = (str(root), needs, where, tuple(params or ()))
    stamp = _stamp(conn)
    hit = cache.records.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    records = _read_records(conn, cache, root, needs, where, params)
    if len(cache.records) >= _PARSED_MAX:
        cache.records.pop(next(iter(cache.records)))
    cache.records[key] = (stamp, records)
    return records


def _read_records(
    conn: sqlite3.Connection,
    cache: _Parsed,
    root: Path,
    needs: Needs,
    where: str | None,
    params: list[object] | None,
) -> list[Record]:
    sql = (
        "SELECT f.id, f.path, f.size, f.mtime_ns, f.properties FROM file_metadata f"
        " WHERE f.is_note = 1 AND f.deleted_at IS NULL"
    )
    if where:
        sql += f" AND ({where})"
    rows = conn.execute(sql, params or []).fetchall()
    ids = None if not where or len(rows) > 4 * _IN_CHUNK else [r[0] for r in rows]
    tags = links = backlinks = {}
    if needs.tags:
        tags = _by_file(conn, _TAGS_SQL, "ft.file_id", ids)
    if needs.links:
        links = _by_file(conn, _LINKS_SQL, "l.source_id", ids)
    if needs.backlinks:
        backlinks = _by_file(conn, _BACKLINKS_SQL, "l.target_id", ids)
    commits = _commits(conn, root) if needs.git else {}
    records = []
    for (file_id, path, size, mtime_ns, _), properties in zip(
        rows, _properties(cache, rows), strict=True
    ):
        records.append(
            Record(
                path=path,
                properties=properties,
                size=size,
                mtime=_time(mtime_ns) if needs.mtime else None,
                ctime=_ctime(root / path) if needs.ctime else None,
                tags=tuple(tags.get(file_id, ())) if tags else (),
                links=tuple(links.get(file_id, ())) if links else (),
                backlinks=tuple(backlinks.get(file_id, ())) if backlinks else (),
                git_date=commits.get(file_id, (None, None))[0],
                git_author=commits.get(file_id, (None, None))[1],
            )
        )
    return records


_COMMITS: dict[str, tuple[dt.datetime, str]] = {}
"""Date and author by commit hash: a commit never changes, so this is never stale."""
_COMMITS_MAX = 100_000


def _commits(conn: sqlite3.Connection, root: Path) -> dict[str, tuple[dt.datetime, str]]:
    """The last commit (date, author) of every git-tracked note, by file id (the index knows
    each note's last commit; git is asked once per commit not seen before)."""
    rows = conn.execute(
        "SELECT id, git_commit_hash FROM file_metadata"
        " WHERE is_note = 1 AND deleted_at IS NULL AND git_commit_hash IS NOT NULL"
    ).fetchall()
    missing = sorted({h for _, h in rows if h not in _COMMITS})
    if missing:
        repo = find_repository_or_none(root)
        if repo is not None:
            if len(_COMMITS) + len(missing) > _COMMITS_MAX:
                _COMMITS.clear()
            for i in range(0, len(missing), _IN_CHUNK):
                _read_commits(repo, missing[i : i + _IN_CHUNK])
    return {file_id: _COMMITS[h] for file_id, h in rows if h in _COMMITS}


def _read_commits(repo: Repository, hashes: list[str]) -> None:
    try:
        _, out, _ = repo.run("show", "-s", "--format=%H%x00%ct%x00%an", *hashes, literal=False)
    except (GitError, GitUnavailable):
        return
    for line in out.decode("utf-8", "replace").splitlines():
        parts = line.split("\0")
        if len(parts) == 3 and parts[1].isdigit():
            _COMMITS[parts[0]] = (dt.datetime.fromtimestamp(int(parts[1])), parts[2])


def _ctime(path: Path) -> dt.datetime | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return dt.datetime.fromtimestamp(getattr(st, "st_birthtime", st.st_ctime))


def task_records(root: Path, notes: list[Record]) -> list[Record]:
    """The task items of ``notes`` (read from disk) as records: ``text``, ``done``, ``note``,
    ``line`` (1-based) and inline fields; ``file.*`` is the note's."""
    out = []
    for note in notes:
        try:
            path = root / note.path
            if path.stat().st_size > MAX_NOTE_BYTES:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for task in tasks_of(text):
            props: dict[str, Any] = {
                **task.fields,
                "text": task.text,
                "done": task.done,
                "note": note.name,
                "line": task.line + 1,
            }
            out.append(
                Record(
                    note.path,
                    props,
                    note.size,
                    note.ctime,
                    note.mtime,
                    note.tags,
                    note.links,
                    note.backlinks,
                    extra={"line": task.line},
                )
            )
    return out


def query(
    conn: sqlite3.Connection,
    root: Path,
    file: ViewFile,
    view_name: str | None = None,
    now: dt.datetime | None = None,
) -> Result:
    """The result of a view of ``file``; raises :class:`ViewInvalid` for a file with errors or
    an unknown view name."""
    problems = [p for p in file.problems + check_file(file, None) if p.severity == "error"]
    if problems:
        raise ViewInvalid(problems[0].message)
    view = file.view(view_name)
    if view is None:
        names = ", ".join(v.name for v in file.views)
        raise ViewInvalid(f"no view named {view_name!r} (views: {names})")
    needs = needs_of(file)
    with _gc_paused():
        if view.source == "tasks":
            notes = load_records(conn, root, needs)
            records = task_records(root, notes)
        else:
            compiled = compile_filters([file.filters, view.filters])
            if compiled is None:
                records = load_records(conn, root, needs)
            else:
                records = load_records(conn, root, needs, compiled.sql, compiled.params)
        return run_view(file, view, records, now or dt.datetime.now())


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a view runs: it allocates a value per cell and
    no cycles, and the collections its allocations trigger walk every object kept in memory
    (the cached records included), which made slow outliers."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def expression_file(expr: str) -> ViewFile:
    """A one-view file whose filter is ``expr`` (the CLI's ``query PATH EXPR``)."""
    return read_view_file("filters: " + json.dumps(expr))


@dataclass(frozen=True, slots=True)
class ViewSource:
    """A view file or an inline block: its note-relative path, block index (None for files),
    the 0-based line where it starts, and its text."""

    path: str
    block: int | None
    line: int
    text: str


_INLINE_CANDIDATES = (
    "SELECT m.path FROM search_index s JOIN file_metadata m ON m.rowid = s.rowid"
    " WHERE search_index MATCH ? AND m.is_note = 1 AND m.deleted_at IS NULL"
    " AND (instr(s.content, '```') OR instr(s.content, '~~~'))"
)
# The full-text tokens of a ```base or ```codex-view fence line: the index narrows the notes
# that can hold an inline view to a few, which are then read and parsed.
_INLINE_MATCH = 'content : (base OR "codex view")'


def view_sources(conn: sqlite3.Connection, root: Path) -> list[ViewSource]:
    """Every view file (``.cdx``, ``.base``) and inline view block of the notebook. Notes are
    read only when the full-text index says they hold a fence and its language's words."""
    out: list[ViewSource] = []
    files = {
        path
        for (path,) in conn.execute(
            "SELECT path FROM file_metadata WHERE deleted_at IS NULL AND is_note = 0"
            " AND extension IN ('cdx', 'base')"
        )
    }
    notes = {path for (path,) in conn.execute(_INLINE_CANDIDATES, (_INLINE_MATCH,))}
    for path in sorted(files | notes):
        text = _read(root, path)
        if text is None:
            continue
        if path in files:
            out.append(ViewSource(path, None, 0, text))
        else:
            for block in inline_blocks(text):
                out.append(ViewSource(path, block.index, block.line, block.body))
    return out


_COUNTS: dict[str, tuple[tuple[Any, ...], dict[str, list[dict[str, Any]]]]] = {}
_COUNTS_MAX = 1000


def list_views(conn: sqlite3.Connection, root: Path) -> list[dict[str, Any]]:
    """Every view source of a notebook with its views and their row counts (``codex.views``).

    Counts are kept while the index (and the day, for ``today()``) stays the same, by the view
    source's text: an editor asks again and again for the same list."""
    db = _database_name(conn)
    state = (*_stamp(conn), dt.date.today())
    kept = _COUNTS.get(db)
    if kept is None or kept[0] != state or len(kept[1]) > _COUNTS_MAX:
        if kept is None and len(_COUNTS) >= _PARSED_MAX:
            _COUNTS.pop(next(iter(_COUNTS)))
        kept = _COUNTS[db] = (state, {})
    out = []
    for source in view_sources(conn, root):
        entries = kept[1].get(source.text)
        if entries is None:
            entries = _view_entries(conn, root, source.text)
            if "now()" not in source.text:  # a count of now() changes with each call
                kept[1][source.text] = entries
        out.append(
            {
                "path": source.path,
                "block": source.block,
                "line": source.line,
                "views": [dict(e) for e in entries],
            }
        )
    return out


def _view_entries(conn: sqlite3.Connection, root: Path, text: str) -> list[dict[str, Any]]:
    """Name, type and row count (or error) of each view of a view source."""
    file = read_view_file(text)
    entries = []
    for view in file.views:
        entry: dict[str, Any] = {"name": view.name, "type": view.type}
        try:
            entry["rows"] = query(conn, root, file, view.name).total
        except ViewInvalid as exc:
            entry["error"] = str(exc)
        entries.append(entry)
    return entries


def _read(root: Path, rel: str) -> str | None:
    path = root / rel
    try:
        if path.stat().st_size > MAX_NOTE_BYTES or not really_inside(path, root):
            return None
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            return handle.read()
    except OSError:
        return None


def view_file_at(root: Path, rel: str) -> ViewFile:
    """The view file at notebook-relative ``rel``; raises ViewInvalid when it is not one."""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or pure.suffix.lstrip(".") not in VIEW_EXTENSIONS:
        raise ViewInvalid(f"{rel}: not a .cdx or .base file of the notebook")
    text = _read(root, rel)
    if text is None:
        raise ViewInvalid(f"{rel}: cannot be read")
    return read_view_file(text)


def _renderer(
    conn: sqlite3.Connection, root: Path, now: dt.datetime | None, text: str
) -> Callable[[Marker], str]:
    """Fresh Markdown of a marker of note ``text``: its view file's, or its inline block's."""
    blocks = inline_blocks(text)

    def render(marker: Marker) -> str:
        try:
            if marker.path == INLINE_TARGET:
                block = block_above(blocks, marker.start)
                if block is None:
                    raise ViewInvalid("no inline view block above this marker")
                file = read_view_file(block.body)
            else:
                file = view_file_at(root, marker.path)
            view = file.view(marker.view)
            result = query(conn, root, file, marker.view, now)
        except ViewInvalid as exc:
            return f"_codex:view error: {exc}_\n"
        return markdown(result, view.summaries if view else {})

    return render


def refreshed(
    conn: sqlite3.Connection, root: Path, text: str, now: dt.datetime | None = None
) -> str:
    """A note's text with every materialized view recomputed (an error shows in its place)."""
    return materialize(text, _renderer(conn, root, now, text))


def stale_blocks(
    conn: sqlite3.Connection, root: Path, text: str, now: dt.datetime | None = None
) -> list[tuple[Marker, str]]:
    """The materialized views of a note whose content differs from a fresh result, each with
    its fresh content (what replaces ``text[marker.start:marker.end]``)."""
    render = _renderer(conn, root, now, text)
    out = []
    for marker in markers(text):
        fresh = render(marker)
        if text[marker.start : marker.end] != fresh:
            out.append((marker, fresh))
    return out


def inline_results_edits(
    conn: sqlite3.Connection, root: Path, text: str, index: int, now: dt.datetime | None = None
) -> list[tuple[int, int, str]]:
    """The edits (start, end, new text) that write the results of inline block ``index`` of
    note ``text`` under it: the fresh content of its stale ``inline`` markers when it has
    some (none when all are fresh), else a marker pair per view after the block's closing
    fence. Raises :class:`ViewInvalid` for a missing, unclosed or invalid block."""
    blocks = inline_blocks(text)
    if not 0 <= index < len(blocks):
        raise ViewInvalid(f"the note has no inline view {index}")
    block = blocks[index]
    own = [
        m
        for m in markers(text)
        if m.path == INLINE_TARGET and block_above(blocks, m.start) is block
    ]
    if own:
        render = _renderer(conn, root, now, text)
        fresh = [(m, render(m)) for m in own]
        return [(m.start, m.end, body) for m, body in fresh if text[m.start : m.end] != body]
    at = block_end(text, block)
    if at is None:
        raise ViewInvalid("the inline view block is not closed")
    file = read_view_file(block.body)
    pairs = []
    for view in file.views:
        result = query(conn, root, file, view.name, now)
        target = INLINE_TARGET if len(file.views) == 1 else f"{INLINE_TARGET}#{view.name}"
        pairs.append(marker_pair(target, markdown(result, view.summaries)))
    if not pairs:
        raise ViewInvalid("the inline view block has no view")
    insert = ("\n" if at == len(text) and not text.endswith("\n") else "") + "\n"
    insert += "\n".join(pairs)
    if text[at : at + 1] not in ("", "\n", "\r"):
        insert += "\n"
    return [(at, at, insert)]


def notes_with_markers(conn: sqlite3.Connection, root: Path) -> list[tuple[str, str]]:
    """(path, text) of every note holding a ``codex:view`` marker."""
    out = []
    for (path,) in conn.execute(
        "SELECT path FROM file_metadata WHERE is_note = 1 AND deleted_at IS NULL ORDER BY path"
    ):
        text = _read(root, path)
        if text is not None and "codex:view" in text:
            out.append((path, text))
    return out
