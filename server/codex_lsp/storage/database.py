"""Open a notebook's SQLite database: schema, migrations, and recovery from corruption.

WAL mode lets readers work while one writer indexes; a busy timeout makes a second writer wait
instead of failing. A corrupt or foreign file is moved aside and a new database created: the
notes are the source of truth, so nothing is lost.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

APPLICATION_ID = 0x436F4458  # "CoDX"
SCHEMA_VERSION = 7
BUSY_TIMEOUT_MS = 30_000

# A full run writes the whole database in one transaction, through the WAL, and SQLite
# looks up every page it writes in the WAL's index, at a cost that grows with the frames
# already written. Larger pages make fewer frames (and B-trees of fewer levels); a small
# notebook's database is larger for them (each table and index has a page at least: about
# 0.7 MB). Only a new file takes it: an existing database keeps its page size.
PAGE_SIZE = 16384

_SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS file_metadata (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    filename TEXT NOT NULL,
    extension TEXT NOT NULL,
    size INTEGER NOT NULL,
    mime_type TEXT,
    content_hash TEXT,
    last_modified TEXT,
    mtime_ns INTEGER,
    title TEXT,
    body_line INTEGER NOT NULL DEFAULT 0,
    properties TEXT,
    is_note INTEGER NOT NULL,
    lookup_key TEXT NOT NULL,
    git_tracked INTEGER NOT NULL DEFAULT 0,
    git_commit_hash TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX IF NOT EXISTS file_lookup ON file_metadata(lookup_key);
CREATE INDEX IF NOT EXISTS file_hash ON file_metadata(content_hash);
CREATE TABLE IF NOT EXISTS tag (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS file_tag (
    file_id TEXT NOT NULL, tag_id INTEGER NOT NULL, source TEXT NOT NULL,
    start_line INTEGER, start_char INTEGER, end_line INTEGER, end_char INTEGER
);
CREATE TABLE IF NOT EXISTS alias (file_id TEXT NOT NULL, alias TEXT NOT NULL, key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS heading (
    file_id TEXT NOT NULL, seq INTEGER NOT NULL, level INTEGER NOT NULL, text TEXT NOT NULL,
    slug TEXT NOT NULL, start_line INTEGER, start_char INTEGER, end_line INTEGER, end_char INTEGER
);
CREATE TABLE IF NOT EXISTS block (
    file_id TEXT NOT NULL, block_id TEXT NOT NULL,
    start_line INTEGER, start_char INTEGER, end_line INTEGER, end_char INTEGER
);
CREATE TABLE IF NOT EXISTS link (
    id INTEGER PRIMARY KEY,
    source_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    anchor TEXT,
    is_block INTEGER NOT NULL,
    label TEXT,
    start_line INTEGER, start_char INTEGER, end_line INTEGER, end_char INTEGER,
    target_start_line INTEGER, target_start_char INTEGER,
    target_end_line INTEGER, target_end_char INTEGER,
    target_key TEXT NOT NULL,
    status TEXT,
    target_id TEXT,
    candidates TEXT
);
CREATE TABLE IF NOT EXISTS problem (
    file_id TEXT, path TEXT NOT NULL, code TEXT NOT NULL, severity TEXT NOT NULL,
    message TEXT NOT NULL, start_line INTEGER, start_char INTEGER, end_line INTEGER,
    end_char INTEGER
);
"""

# Positions are kept (detail=full): phrases need them, and so does ranking (without them,
# bm25 tokenizes every matching file's text again, query after query). ``name`` is
# the file stem (a note's) or file name (an attachment's), ``folder`` its folder path,
# ``folded`` a folded copy of text in scripts the tokenizer does not fold (core/search_query.py).
_SEARCH_INDEX = """
CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5(
    file_id UNINDEXED, name, folder, title, aliases, content, tags, folded,
    tokenize = 'unicode61 remove_diacritics 2'
)
"""

# Indexes of the tables derived from note contents, and the file table's look-up indexes: a
# full re-index drops and rebuilds them around its bulk inserts, which is much faster than
# maintaining them row by row (their keys come in no order).
DERIVED_INDEXES = {
    "file_lookup": "file_metadata(lookup_key)",
    "file_hash": "file_metadata(content_hash)",
    "file_tag_file": "file_tag(file_id)",
    "file_tag_tag": "file_tag(tag_id)",
    "alias_key": "alias(key)",
    "alias_file": "alias(file_id)",
    "heading_file": "heading(file_id, seq)",
    "block_file": "block(file_id, block_id)",
    "link_source": "link(source_id)",
    "link_key": "link(target_key)",
    "link_target": "link(target_id)",
    # Most links have no label key; look-ups by one (``label_key IN (...)``) still use it.
    "link_label_key": "link(label_key) WHERE label_key IS NOT NULL",
    "problem_file": "problem(file_id)",
}


def create_derived_indexes(conn: sqlite3.Connection, *, exclude: Collection[str] = ()) -> None:
    """Create the indexes of the derived tables, but those of tables in ``exclude`` (no-op for
    indexes that exist)."""
    for name, target in DERIVED_INDEXES.items():
        if target.split("(", 1)[0] not in exclude:
            conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop_derived_indexes(conn: sqlite3.Connection) -> None:
    """Drop the indexes of the derived tables (before a bulk load)."""
    for name in DERIVED_INDEXES:
        conn.execute(f"DROP INDEX IF EXISTS {name}")


def _schema_v1(conn: sqlite3.Connection) -> None:
    # Statement by statement: executescript() would commit the migration's transaction.
    for statement in _SCHEMA_V1.split(";"):
        if statement.strip():
            conn.execute(statement)
    for name, target in DERIVED_INDEXES.items():
        if name != "link_label_key":
            conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def _label_key_v2(conn: sqlite3.Connection) -> None:
    """v2: links remember the look-up key of their label (Dendron's ``[[label|target]]``)."""
    if "label_key" not in {row[1] for row in conn.execute("PRAGMA table_info(link)")}:
        conn.execute("ALTER TABLE link ADD COLUMN label_key TEXT")
    create_derived_indexes(conn)


_SCHEMA_V3 = """
CREATE TABLE IF NOT EXISTS schema_problem (
    file_id TEXT, path TEXT NOT NULL, code TEXT NOT NULL, severity TEXT NOT NULL,
    message TEXT NOT NULL, start_line INTEGER, start_char INTEGER, end_line INTEGER,
    end_char INTEGER
);
CREATE INDEX IF NOT EXISTS schema_problem_file ON schema_problem(file_id);
CREATE TABLE IF NOT EXISTS schema_note (
    file_id TEXT PRIMARY KEY, stamp TEXT NOT NULL, note_type TEXT, own_keys TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS schema_link_key (file_id TEXT NOT NULL, key TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS schema_link_key_key ON schema_link_key(key);
CREATE INDEX IF NOT EXISTS schema_link_key_file ON schema_link_key(file_id);
"""


def _schema_tables_v3(conn: sqlite3.Connection) -> None:
    """v3: frontmatter schema validation results (storage/schema_store.py)."""
    for statement in _SCHEMA_V3.split(";"):
        if statement.strip():
            conn.execute(statement)


def _column_detail_search_v4(conn: sqlite3.Connection) -> None:
    """v4: the full-text index records columns, not positions; the next run refills it."""
    conn.execute("DROP TABLE IF EXISTS search_index")
    conn.execute(_SEARCH_INDEX)
    conn.execute("DELETE FROM meta WHERE key = 'parser_version'")  # forces a full run


# FTS5 keeps new postings in memory up to this size before writing a segment (1 MiB by
# default): a larger buffer writes fewer, larger segments and merges less during a full run
# (for 10,000 notes, 0.44 instead of 0.50 s of full-text work, for about 9 MB more memory).
SEARCH_HASH_SIZE = 8 * 1024 * 1024


# FTS5 merges its segments as they are written (``automerge``, 4 by default): the levels of
# merges add up as a notebook grows, and so would a full run's full-text cost per note. A
# full run writes its segments unmerged; later writes merge them, a little at each. A level is
# merged at once only when it holds ``SEARCH_CRISIS_MERGE`` segments (16 by default, fewer
# than a full run of 100,000 notes writes).
SEARCH_AUTOMERGE = 4
SEARCH_CRISIS_MERGE = 64


def set_search_merging(conn: sqlite3.Connection, *, paused: bool) -> None:
    """Pause the full-text index's merges (for a full run's bulk load), or resume them."""
    settings = (
        ("automerge", 0 if paused else SEARCH_AUTOMERGE),
        ("crisismerge", SEARCH_CRISIS_MERGE),
    )
    try:
        for name, value in settings:
            conn.execute(
                "INSERT INTO search_index(search_index, rank) VALUES (?, ?)", (name, value)
            )
    except sqlite3.OperationalError as exc:  # an SQLite without the option: only slower
        log.info("full-text merges left as they were: %s", exc)


def _bulk_load_v5(conn: sqlite3.Connection) -> None:
    """v5: a larger in-memory buffer for the full-text index (see ``SEARCH_HASH_SIZE``), and
    only the links with a label key in its index."""
    conn.execute("DROP INDEX IF EXISTS link_label_key")
    create_derived_indexes(conn)
    try:
        conn.execute(
            "INSERT INTO search_index(search_index, rank) VALUES ('hashsize', ?)",
            (SEARCH_HASH_SIZE,),
        )
    except sqlite3.OperationalError as exc:  # an SQLite without the option: only slower
        log.info("full-text buffer size left at its default: %s", exc)


def _searchable_names_v6(conn: sqlite3.Connection) -> None:
    """v6: names, folders, aliases and folded words are searchable, and positions kept; the
    next run refills the full-text index."""
    _column_detail_search_v4(conn)
    _bulk_load_v5(conn)


def _anchor_indexes_v7(conn: sqlite3.Connection) -> None:
    """v7: the heading index holds each file's headings in their order (no sort to read
    them), the block index each file's block ids (read from the index alone)."""
    conn.execute("DROP INDEX IF EXISTS heading_file")
    conn.execute("DROP INDEX IF EXISTS block_file")
    create_derived_indexes(conn)


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], object]] = {
    1: _schema_v1,
    2: _label_key_v2,
    3: _schema_tables_v3,
    4: _column_detail_search_v4,
    5: _bulk_load_v5,
    6: _searchable_names_v6,
    7: _anchor_indexes_v7,
}


class DatabaseError(Exception):
    """The database cannot be used (and was not rebuilt)."""


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database at ``path``, recovering from corruption."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _open_checked(path)
    except _Unusable as problem:
        aside = move_aside(path, problem.kind)
        log.warning("%s; moved it to %s and rebuilding the index", problem, aside.name)
        return _open_checked(path)


class _Unusable(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _open_checked(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:  # a folder in its place, a missing permission: not damage
        raise DatabaseError(f"{path}: {exc}") from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("BEGIN")  # one snapshot: another process may be creating the schema now
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        conn.execute("COMMIT")
        if tables and app_id != APPLICATION_ID:
            raise _Unusable("foreign", f"{path} is not a codex-lsp database")
        if version > SCHEMA_VERSION:
            raise DatabaseError(
                f"{path} was written by a newer codex-lsp (schema {version}); upgrade codex-lsp"
            )
        if not tables:  # only a new file takes a page size; WAL mode fixes it
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        _enable_wal(conn)
        conn.execute("PRAGMA synchronous = NORMAL")
        if version < SCHEMA_VERSION:
            _migrate(conn, version)
        else:
            conn.execute("SELECT count(*) FROM file_metadata LIMIT 1").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        if _is_busy(exc):  # another process holds the file: not damage, never move it aside
            raise DatabaseError(f"{path} is locked by another process ({exc})") from exc
        if is_damage(exc):
            raise _Unusable("corrupt", f"{path} is damaged ({exc})") from exc
        # A full disk, a read-only file, an I/O error: the file may be fine, so it stays.
        raise DatabaseError(f"{path}: {exc}") from exc
    except BaseException:
        conn.close()
        raise
    return conn


SQLITE_CORRUPT, SQLITE_NOTADB = 11, 26
SQLITE_READONLY_DBMOVED = 8 | (4 << 8)


def is_damage(exc: sqlite3.Error) -> bool:
    """True when ``exc`` says the database file itself is damaged or is not a database
    (``SQLITE_CORRUPT``, ``SQLITE_NOTADB``): the only errors that justify rebuilding it."""
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if isinstance(code, int):
        return code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB)
    text = str(exc)
    return "malformed" in text or "not a database" in text


def _is_busy(exc: sqlite3.Error) -> bool:
    """True for SQLITE_BUSY and SQLITE_LOCKED errors."""
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if isinstance(code, int):
        return code & 0xFF in (5, 6)
    return "locked" in str(exc) or "busy" in str(exc)


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL mode, retrying while another connection switches at the same moment.

    SQLite reports "database is locked" at once then, without waiting for the busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _migrate(conn: sqlite3.Connection, current: int) -> None:
    """Apply forward migrations in one write transaction, so that of several processes
    opening a new database at once exactly one migrates and the others see its result."""
    with transaction(conn):
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        for version in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA user_version = {version}")


def move_aside(path: Path, kind: str) -> Path:
    """Rename a bad database (and its WAL files) so a fresh one can be created."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.{kind}-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(path) + suffix)
        if source.exists():
            source.replace(Path(str(aside) + suffix))
    return aside


@contextmanager
def transaction(conn: sqlite3.Connection, *, write: bool = True) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` (one writer at a time) or a deferred read transaction."""
    conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def checkpoint_alongside(conn: sqlite3.Connection) -> Iterator[None]:
    """Copy what the WAL of ``conn``'s database holds into its file while the block runs.

    A second connection checkpoints on a thread of its own: a checkpoint and a writer do not
    wait for each other, and SQLite lets go of the GIL while it works, so both use a CPU. A
    failed checkpoint is only logged: the next commit or close checkpoints again.
    """
    path = next((row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main"), "")
    if not path:  # an in-memory database has no WAL
        yield
        return

    def checkpoint() -> None:
        try:
            other = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            try:
                other.execute("PRAGMA synchronous = OFF")  # as the full run that wrote it
                other.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                other.close()
        except sqlite3.Error as exc:
            log.info("background checkpoint of %s skipped: %s", path, exc)

    with on_thread_alongside(checkpoint, "codex-checkpoint"):
        yield


@contextmanager
def on_thread_alongside(job: Callable[[], object], name: str) -> Iterator[None]:
    """Run ``job`` on a thread of its own while the block runs (SQLite lets go of the GIL
    while it works); wait for it at the end of the block and re-raise its failure there."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            job()
        except BaseException as exc:  # handed to the caller's thread
            failures.append(exc)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()
    if failures:
        raise failures[0]


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    """Read a value from the ``meta`` table."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Store a value in the ``meta`` table."""
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
