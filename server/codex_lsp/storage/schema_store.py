"""Schema validation kept in the index: the notebook's schema, and every file's result.

:class:`SchemaSource` holds a notebook's ``.codex/schema.yaml`` compiled once per text (an
editor buffer may stand in for the file) and remembers the last valid schema, which notes are
checked against while the file has errors (it is also kept in the database, so a fresh
process has it too).

:func:`sync_schema` runs after every index run (the indexer calls it) and keeps these tables
right, incrementally: a file is validated again when its path or stored metadata changed, when
a note its ``x-codex-link`` values point to appeared or vanished, and every file when the
schema changed. Validation reads the stored ``properties`` JSON (no file is read) with the
memoised fast path; only files with problems are read again, to place each problem exactly.

Tables (created on first use; notes are the truth, so they are always rebuildable):
``schema_problem`` (problems, with ``file_id`` NULL for the schema file's own),
``schema_note`` (file id, stamp of what was validated, note type, the file's own link keys),
``schema_link_key`` (file id, lookup key of a link target its schema links point to).
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core.model import Problem
from ..core.resolve import Catalog, LinkStatus, lookup_key, resolve_link
from ..core.schema.check import SchemaIssue, SidecarText, check_file
from ..core.schema.compile import LOGIC_VERSION, SCHEMA_PATH, NotebookSchema
from ..core.schema.links import LinkResolver
from ..core.schema.lint import SchemaLoad, load_schema
from .catalog import SqlCatalog
from .database import get_meta, set_meta, transaction
from .notebooks import Notebook
from .queries import Issue
from .reader import decode_text
from .scanner import SIDECAR_SUFFIXES, sidecar_names

log = logging.getLogger(__name__)

SQL_BATCH = 500
VALIDATE_PAGE = 2_000  # files validated and written at a time by a full check
_BAD_YAML = ("yaml-invalid", "yaml-not-mapping", "binary", "too-large")


# -- the schema of a notebook -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SchemaState:
    """What a notebook's schema is right now.

    ``text`` is the schema file's text (None: no file), ``problems`` its problems, ``schema``
    the schema notes are checked against (the last valid one while the file has errors) and
    ``effective_text`` that schema's text.
    """

    text: str | None
    problems: tuple[Problem, ...]
    schema: NotebookSchema | None
    effective_text: str | None

    @property
    def stale(self) -> bool:
        """True when notes are checked against an older, valid version of the file."""
        return self.schema is not None and self.effective_text != self.text


class SchemaSource:
    """One notebook's ``schema.yaml``, compiled once per text; thread-safe."""

    def __init__(self, codex_dir: Path) -> None:
        self.path = codex_dir / "schema.yaml"
        self._lock = threading.Lock()
        self._buffer: str | None = None
        self._disk: tuple[tuple[int, int], str | None] | None = None
        self._current: SchemaLoad | None = None
        self._last_valid: SchemaLoad | None = None

    def set_buffer(self, text: str | None) -> bool:
        """Use an editor buffer instead of the file (None: the file again); True if changed."""
        with self._lock:
            changed = self._buffer != text
            self._buffer = text
            return changed

    def read_text(self) -> str | None:
        """The schema text: the editor buffer if one is set, else the file (None if absent)."""
        with self._lock:
            if self._buffer is not None:
                return self._buffer
            return self._read_disk()

    def _read_disk(self) -> str | None:
        try:
            info = self.path.stat()
        except OSError:
            self._disk = None
            return None
        key = (info.st_mtime_ns, info.st_size)
        if self._disk is not None and self._disk[0] == key:
            return self._disk[1]
        try:
            text: str | None = decode_text(self.path.read_bytes())[0]
        except OSError:
            text = None
        self._disk = (key, text)
        return text

    def state(self, conn: sqlite3.Connection | None = None) -> SchemaState:
        """The current schema; ``conn`` lets a fresh process find the last valid schema."""
        text = self.read_text()
        with self._lock:
            if text is None:
                return SchemaState(None, (), None, None)
            if self._current is None or self._current.text != text:
                self._current = load_schema(text)
            current = self._current
            if current.valid:
                self._last_valid = current
            elif self._last_valid is None and conn is not None:
                stored = _last_valid_text(conn)
                if stored is not None:
                    previous = load_schema(stored)
                    if previous.valid:
                        self._last_valid = previous
            effective = self._last_valid
            return SchemaState(
                text,
                tuple(current.problems),
                effective.schema if effective else None,
                effective.text if effective else None,
            )


_SOURCES: dict[Path, SchemaSource] = {}
_SOURCES_LOCK = threading.Lock()


def schema_source(notebook: Notebook) -> SchemaSource:
    """The process-wide :class:`SchemaSource` of a notebook."""
    key = notebook.root
    with _SOURCES_LOCK:
        source = _SOURCES.get(key)
        if source is None:
            source = _SOURCES[key] = SchemaSource(notebook.codex_dir)
        return source


def _last_valid_text(conn: sqlite3.Connection) -> str | None:
    try:
        return get_meta(conn, "schema_last_valid")
    except sqlite3.Error:
        return None


def _digest(*parts: str) -> str:
    hasher = hashlib.blake2b(digest_size=12)
    for part in parts:
        hasher.update(part.encode("utf-8", "surrogatepass"))
        hasher.update(b"\x00")
    return hasher.hexdigest()


# -- reading what is needed to place problems -------------------------------------------------


def read_sidecars(root: Path, path: str) -> list[SidecarText]:
    """The sidecar files of ``path`` that exist on disk, with their text."""
    folder, _, name = path.rpartition("/")
    found = []
    for sidecar in sidecar_names(name):
        rel = f"{folder}/{sidecar}" if folder else sidecar
        try:
            data = (root / rel).read_bytes()
        except OSError:
            continue
        kind = next(s for s in SIDECAR_SUFFIXES if sidecar.endswith(s))[1:]
        found.append(SidecarText(rel, kind, decode_text(data)[0]))
    return found


def note_resolver(catalog: Catalog, source_path: str) -> LinkResolver:
    """A resolver callback for ``x-codex-link`` values written in ``source_path``."""
    cache: dict[str, str | None] = {}

    def resolve(target: str) -> str | None:
        if target not in cache:
            result = resolve_link(target, None, False, source_path, catalog)
            cache[target] = result.target if result.status is not LinkStatus.BROKEN else None
        return cache[target]

    return resolve


class _Resolvers:
    """Resolver callbacks per source path, looking names up in the database as they come
    (``x-codex-link`` values name notes, never anchors): nothing is held per note of the
    notebook, and :meth:`renew` drops the answers kept so far (a full check renews them at
    every page)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._catalog = SqlCatalog(conn)
        self._cache: dict[tuple[str, str], str | None] = {}
        self.source = ""

    def renew(self) -> None:
        """Forget the names and answers read so far."""
        self._catalog = SqlCatalog(self._conn)
        self._cache = {}

    def __call__(self, target: str) -> str | None:
        source = self.source
        key = (source.rpartition("/")[0], target)
        if key not in self._cache:
            result = resolve_link(target, None, False, source, self._catalog)
            self._cache[key] = result.target if result.status is not LinkStatus.BROKEN else None
        return self._cache[key]


# -- keeping the tables right -------------------------------------------------------------------


@dataclass(slots=True)
class SchemaSyncStats:
    """What one :func:`sync_schema` run did."""

    validated: int = 0
    problems: int = 0
    full: bool = False
    seconds: float = 0.0


@dataclass(slots=True)
class _Row:
    id: str
    path: str
    properties: str
    content_hash: str
    body_line: int
    is_note: bool
    lookup_key: str


_ROW_SQL = (
    "SELECT id, path, coalesce(properties, '{}'), coalesce(content_hash, ''), body_line,"
    " is_note, lookup_key FROM file_metadata WHERE deleted_at IS NULL"
)


def sync_schema(
    conn: sqlite3.Connection,
    notebook: Notebook,
    paths: Sequence[str] | None = None,
    contents: dict[str, str] | None = None,
    *,
    full: bool = False,
) -> SchemaSyncStats:
    """Bring the stored schema results in line with the schema and the index.

    ``paths`` are the files an index run touched (None: compare every file); ``contents``
    are editor buffers that stand in for files; ``full`` validates every file again.
    """
    started = time.perf_counter()
    stats = SchemaSyncStats()
    state = schema_source(notebook).state(conn)
    if state.text is None and get_meta(conn, "schema_fingerprint") is None:
        return stats  # no schema now and never a schema before: nothing to do
    file_hash = _digest(state.text) if state.text is not None else ""
    fingerprint = (
        _digest(LOGIC_VERSION, state.effective_text) if state.effective_text is not None else ""
    )
    same = (
        get_meta(conn, "schema_file_hash") == file_hash
        and get_meta(conn, "schema_fingerprint") == fingerprint
    )
    if same and paths is not None and not paths and not full:
        return stats  # an index run that changed nothing, and the same schema
    with transaction(conn):
        if get_meta(conn, "schema_file_hash") != file_hash:
            _store_file_problems(conn, state.problems)
            set_meta(conn, "schema_file_hash", file_hash)
            if state.schema is not None and not state.stale and state.text is not None:
                set_meta(conn, "schema_last_valid", state.text)
        if state.schema is None:
            _clear_notes(conn)
        elif full or get_meta(conn, "schema_fingerprint") != fingerprint:
            _clear_notes(conn)
            stats.full = True
            stats.validated = _validate_all(conn, notebook, state.schema, contents or {})
        else:
            stats.validated = _validate_changed(conn, notebook, state.schema, paths, contents or {})
        if get_meta(conn, "schema_fingerprint") != fingerprint:
            set_meta(conn, "schema_fingerprint", fingerprint)
    stats.seconds = round(time.perf_counter() - started, 4)
    return stats


def _store_file_problems(conn: sqlite3.Connection, problems: Iterable[Problem]) -> None:
    conn.execute("DELETE FROM schema_problem WHERE file_id IS NULL")
    conn.executemany(
        "INSERT INTO schema_problem VALUES (NULL,?,?,?,?,?,?,?,?)",
        [
            (
                SCHEMA_PATH,
                p.code,
                p.severity.value,
                p.message,
                p.range.start.line,
                p.range.start.character,
                p.range.end.line,
                p.range.end.character,
            )
            for p in problems
        ],
    )


def _clear_notes(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM schema_problem WHERE file_id IS NOT NULL")
    conn.execute("DELETE FROM schema_note")
    conn.execute("DELETE FROM schema_link_key")


def _forget(conn: sqlite3.Connection, ids: Sequence[str]) -> None:
    for i in range(0, len(ids), SQL_BATCH):
        chunk = list(ids[i : i + SQL_BATCH])
        marks = ",".join("?" * len(chunk))
        for table in ("schema_problem", "schema_note", "schema_link_key"):
            conn.execute(f"DELETE FROM {table} WHERE file_id IN ({marks})", chunk)


def _rows(conn: sqlite3.Connection, where: str = "", params: Sequence[str] = ()) -> list[_Row]:
    return [
        _Row(r[0], r[1], r[2], r[3], int(r[4] or 0), bool(r[5]), r[6])
        for r in conn.execute(_ROW_SQL + where, list(params))
    ]


def _rows_by(conn: sqlite3.Connection, column: str, values: Sequence[str]) -> list[_Row]:
    found: list[_Row] = []
    for i in range(0, len(values), SQL_BATCH):
        chunk = list(values[i : i + SQL_BATCH])
        found += _rows(conn, f" AND {column} IN ({','.join('?' * len(chunk))})", chunk)
    return found


def _validate_all(
    conn: sqlite3.Connection, notebook: Notebook, schema: NotebookSchema, contents: dict[str, str]
) -> int:
    """Validate every live file, a page of rows at a time: memory stays bounded."""
    resolvers, skip = _Resolvers(conn), _bad_yaml(conn)
    validated, last = 0, ""
    while rows := _rows(conn, f" AND id > ? ORDER BY id LIMIT {VALIDATE_PAGE}", [last]):
        validated += _validate(conn, notebook, schema, rows, contents, resolvers, skip)
        resolvers.renew()
        last = rows[-1].id
    return validated


def _validate_changed(
    conn: sqlite3.Connection,
    notebook: Notebook,
    schema: NotebookSchema,
    paths: Sequence[str] | None,
    contents: dict[str, str],
) -> int:
    if paths is None:
        known = _known(conn)
        rows = _rows(conn)
        live = {row.id for row in rows}
        gone = [file_id for file_id in known if file_id not in live]
    else:
        wanted = list(dict.fromkeys(paths))
        rows = _rows_by(conn, "path", wanted)
        live_paths = {row.path for row in rows}
        missing = [p for p in wanted if p not in live_paths]
        missing_ids: list[str] = []
        for i in range(0, len(missing), SQL_BATCH):
            chunk = missing[i : i + SQL_BATCH]
            missing_ids += [
                r[0]
                for r in conn.execute(
                    f"SELECT id FROM file_metadata WHERE path IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            ]
        known = _known(conn, [row.id for row in rows] + missing_ids)
        gone = [file_id for file_id in missing_ids if file_id in known]
    changed = [row for row in rows if known.get(row.id, ("", ""))[0] != _stamp(row)]
    affected: set[str] = set()
    for file_id in gone:
        affected.update(_split_keys(known[file_id][1]))
    for row in changed:
        affected.add(row.lookup_key)
        if row.id in known:
            affected.update(_split_keys(known[row.id][1]))
    _forget(conn, gone)
    if affected:
        aliases = _aliases_of(conn, [row.id for row in changed])
        for keys in aliases.values():
            affected.update(keys)
        linked = _linking_files(conn, sorted(affected))
        changed_ids = {row.id for row in changed}
        extra_ids = [file_id for file_id in linked if file_id not in changed_ids]
        if extra_ids:
            changed += _rows_by(conn, "id", extra_ids)
    if not changed:
        return 0
    _forget(conn, [row.id for row in changed])
    return _validate(conn, notebook, schema, changed, contents)


def _known(
    conn: sqlite3.Connection, ids: Sequence[str] | None = None
) -> dict[str, tuple[str, str]]:
    """Stored (stamp, own keys) by file id: of every file, or of ``ids``."""
    sql = "SELECT file_id, stamp, own_keys FROM schema_note"
    if ids is None:
        return {r[0]: (r[1], r[2]) for r in conn.execute(sql)}
    found: dict[str, tuple[str, str]] = {}
    for i in range(0, len(ids), SQL_BATCH):
        chunk = list(ids[i : i + SQL_BATCH])
        where = f" WHERE file_id IN ({','.join('?' * len(chunk))})"
        found.update({r[0]: (r[1], r[2]) for r in conn.execute(sql + where, chunk)})
    return found


def _stamp(row: _Row) -> str:
    """What validation depended on: path, content, stored metadata (by checksum)."""
    checksum = zlib.crc32(row.properties.encode("utf-8", "surrogatepass"))
    return f"{row.path}\x1f{row.content_hash}\x1f{row.body_line}\x1f{checksum:08x}"


def _split_keys(text: str) -> list[str]:
    return [k for k in text.split("\x1f") if k]


def _aliases_of(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for i in range(0, len(ids), SQL_BATCH):
        chunk = list(ids[i : i + SQL_BATCH])
        for file_id, key in conn.execute(
            f"SELECT file_id, key FROM alias WHERE file_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            found.setdefault(file_id, []).append(key)
    return found


def _linking_files(conn: sqlite3.Connection, keys: Sequence[str]) -> list[str]:
    found: list[str] = []
    for i in range(0, len(keys), SQL_BATCH):
        chunk = list(keys[i : i + SQL_BATCH])
        found += [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT file_id FROM schema_link_key"
                f" WHERE key IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        ]
    return list(dict.fromkeys(found))


def _bad_yaml(conn: sqlite3.Connection) -> set[str]:
    marks = ",".join("?" * len(_BAD_YAML))
    return {
        r[0]
        for r in conn.execute(
            f"SELECT DISTINCT file_id FROM problem WHERE code IN ({marks})", _BAD_YAML
        )
        if r[0]
    }


def _validate(
    conn: sqlite3.Connection,
    notebook: Notebook,
    schema: NotebookSchema,
    rows: list[_Row],
    contents: dict[str, str],
    resolvers: _Resolvers | None = None,
    skip: set[str] | None = None,
) -> int:
    """Validate ``rows`` and store their results (their old rows are already gone);
    ``resolvers`` and ``skip`` (files whose YAML cannot be read) carry over between pages."""
    resolvers = resolvers or _Resolvers(conn)
    skip = _bad_yaml(conn) if skip is None else skip
    aliases = _aliases_of(conn, [row.id for row in rows])
    notes: list[tuple[str, str, str | None, str]] = []
    link_keys: list[tuple[str, str]] = []
    problems: list[tuple[object, ...]] = []
    for row in rows:
        own = "\x1f".join([row.lookup_key, *aliases.get(row.id, [])])
        if row.id in skip:
            notes.append((row.id, _stamp(row), None, own))
            continue
        try:
            data = json.loads(row.properties)
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if not row.is_note and not data:
            notes.append((row.id, _stamp(row), None, own))
            continue
        resolvers.source = row.path
        resolver: LinkResolver = resolvers
        verdict = schema.evaluate(
            row.path,
            data,
            has_metadata=(row.is_note and row.body_line > 0) or bool(data),
            resolver=resolver,
            fast=True,
        )
        notes.append(
            (row.id, _stamp(row), verdict.note_type.name if verdict.note_type else None, own)
        )
        link_keys += [(row.id, lookup_key(t)) for t in dict.fromkeys(verdict.link_targets)]
        if verdict.errors or verdict.unknown_type is not None or verdict.failure is not None:
            for issue in _place(notebook, schema, row, contents, resolver):
                problems.append((row.id, *_issue_row(issue)))
    conn.executemany("INSERT OR REPLACE INTO schema_note VALUES (?,?,?,?)", notes)
    conn.executemany("INSERT INTO schema_link_key VALUES (?,?)", link_keys)
    conn.executemany("INSERT INTO schema_problem VALUES (?,?,?,?,?,?,?,?,?)", problems)
    return len(rows)


def _place(
    notebook: Notebook,
    schema: NotebookSchema,
    row: _Row,
    contents: dict[str, str],
    resolver: LinkResolver,
) -> list[SchemaIssue]:
    """Read the file (and sidecars) again to find where each problem is."""
    if row.is_note and row.body_line == 0 and row.properties == "{}":
        return check_file(schema, row.path, "", (), resolver).issues  # no metadata to place
    text: str | None = None
    if row.is_note:
        text = contents.get(row.path)
        if text is None:
            try:
                text = decode_text((notebook.root / row.path).read_bytes())[0]
            except OSError as exc:
                log.debug("schema: cannot read %s (%s)", row.path, exc)
                return []
    sidecars = read_sidecars(notebook.root, row.path)
    try:
        return check_file(schema, row.path, text, sidecars, resolver).issues
    except Exception as exc:  # a bad note must never stop an index run
        log.warning("schema: cannot check %s (%s)", row.path, exc)
        return []


def _issue_row(issue: SchemaIssue) -> tuple[object, ...]:
    r = issue.range
    return (
        issue.path,
        issue.code,
        issue.severity.value,
        issue.message,
        r.start.line,
        r.start.character,
        r.end.line,
        r.end.character,
    )


def safe_sync(
    conn: sqlite3.Connection,
    notebook: Notebook,
    paths: Sequence[str] | None = None,
    contents: dict[str, str] | None = None,
    *,
    full: bool = False,
) -> SchemaSyncStats | None:
    """:func:`sync_schema`, logging (never raising) a failure: the index run still counts."""
    try:
        return sync_schema(conn, notebook, paths, contents, full=full)
    except Exception as exc:
        log.error("schema validation of %s failed: %s", notebook.root, exc)
        return None


# -- reading results ------------------------------------------------------------------------------


def stored_schema_problems(conn: sqlite3.Connection, path: str | None = None) -> list[Issue]:
    """Schema problems of live files and of the schema file (all, or of one path)."""
    sql = (
        "SELECT sp.path, coalesce(sp.start_line, 0), coalesce(sp.start_char, 0),"
        " coalesce(sp.end_line, 0), coalesce(sp.end_char, 0), sp.severity, sp.code, sp.message"
        " FROM schema_problem sp LEFT JOIN file_metadata f ON f.id = sp.file_id"
        " WHERE (sp.file_id IS NULL OR f.deleted_at IS NULL)"
    )
    params: list[str] = []
    if path is not None:
        sql += " AND sp.path = ?"
        params.append(path)
    return [Issue(*row) for row in conn.execute(sql + " ORDER BY 1, 2, 3", params)]


def note_types(conn: sqlite3.Connection) -> dict[str, str]:
    """The schema type of every typed live file, by path."""
    return dict(
        conn.execute(
            "SELECT f.path, n.note_type FROM schema_note n JOIN file_metadata f ON f.id = n.file_id"
            " WHERE f.deleted_at IS NULL AND n.note_type IS NOT NULL AND n.note_type != ''"
        ).fetchall()
    )


__all__ = [
    "SchemaSource",
    "SchemaState",
    "SchemaSyncStats",
    "note_resolver",
    "note_types",
    "read_sidecars",
    "safe_sync",
    "schema_source",
    "stored_schema_problems",
    "sync_schema",
]
