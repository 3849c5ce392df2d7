"""Bring a notebook's database in line with its files, incrementally.

Only files whose (mtime_ns, size) changed are read; a matching content hash confirms that
nothing changed. Deletions are soft (``deleted_at``); a file that reappears elsewhere with the
same content keeps its id (a move). Large runs read and parse files in worker processes while
this process writes. Links are resolved after every run: those of the files that changed, and
every stored link whose target name was touched by the change.
"""

from __future__ import annotations

import datetime as _dt
import gc
import logging
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing, contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from itertools import chain
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..core.resolve import lookup_key
from .catalog import SqlCatalog
from .config import NotebookConfig, load_config
from .database import (
    checkpoint_alongside,
    connect,
    create_derived_indexes,
    drop_derived_indexes,
    get_meta,
    on_thread_alongside,
    set_meta,
    set_search_merging,
    transaction,
)
from .heap import release_free_heap
from .ids import new_ulid
from .lifeline import interrupts_held, start_worker
from .link_resolver import LinkResolver
from .location import index_path
from .notebooks import Notebook
from .reader import (
    PreparedFile,
    Row,
    prepare_batch,
    prepare_chunk,
    prepare_file,
    unpack_batch,
)
from .run_files import RunFiles
from .scanner import (
    FileStat,
    ScannedFiles,
    ScanResult,
    indexable_path,
    scan_notebook,
    sidecar_names,
)
from .schema_store import safe_sync, schema_source
from .sidecar_files import orphaned_sidecar
from .streaming_links import EarlyAnswers, StreamingLinks, ask
from .writer import InlineWriter, ThreadWriter, Writer

if TYPE_CHECKING:
    from .git_index import GitColumns, GitPlan

T = TypeVar("T")

log = logging.getLogger(__name__)

PARSER_VERSION = "5"
SQL_BATCH = 500
PARALLEL_MIN_FILES = 400
WORKER_CHUNK = 100
IN_FLIGHT = 2  # chunks per worker submitted ahead of the writer
FULL_RELINK_SHARE = 0.05
# After a full run's writes, its last passes (link indexes, git columns, schema check) use each
# page about once: SQLite's page cache (2 MiB by default) would only add to the run's peak
# memory, which falls in those passes. Negative: KiB.
PASS_CACHE_SIZE = -512

ProgressCallback = Callable[[int, int], None]

_INSERT_FILE = (
    "INSERT INTO file_metadata (id, path, filename, extension, size, mime_type, content_hash,"
    " last_modified, mtime_ns, title, body_line, properties, is_note, lookup_key, created_at,"
    " updated_at, deleted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL)"
    " ON CONFLICT(id) DO UPDATE SET path=excluded.path, filename=excluded.filename,"
    " extension=excluded.extension, size=excluded.size, mime_type=excluded.mime_type,"
    " content_hash=excluded.content_hash, last_modified=excluded.last_modified,"
    " mtime_ns=excluded.mtime_ns, title=excluded.title, body_line=excluded.body_line,"
    " properties=excluded.properties, is_note=excluded.is_note, lookup_key=excluded.lookup_key,"
    " updated_at=excluded.updated_at, deleted_at=NULL"
)
_INSERT_LINK = (  # id NULL: the next free one
    "INSERT INTO link (id, source_id, kind, target, anchor, is_block, label, start_line,"
    " start_char, end_line, end_char, target_start_line, target_start_char, target_end_line,"
    " target_end_char, target_key, label_key, status, target_id, candidates)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
# The rows come ready from storage/reader.py (PreparedFile), in these column orders.
_INSERTS = {  # flushed in this order: a file's row comes before the rows that refer to it
    "file_metadata": _INSERT_FILE,
    "alias": "INSERT INTO alias (file_id, alias, key) VALUES (?,?,?)",
    "heading": "INSERT INTO heading VALUES (?,?,?,?,?,?,?,?,?)",
    "block": "INSERT INTO block VALUES (?,?,?,?,?,?)",
    "file_tag": "INSERT INTO file_tag VALUES (?,?,?,?,?,?,?)",
    "problem": "INSERT INTO problem VALUES (?,?,?,?,?,?,?,?,?)",
    "link": _INSERT_LINK,
    # VALUES with a scalar sub-query is about 3x faster here than INSERT ... SELECT.
    "search_index": "INSERT INTO search_index"
    " (rowid, file_id, name, folder, title, aliases, content, tags, folded)"
    " VALUES ((SELECT rowid FROM file_metadata WHERE id = ?), ?, ?, ?, ?, ?, ?, ?, ?)",
}


_TAGS = "SELECT id, name FROM tag ORDER BY id"


@dataclass(slots=True)
class IndexStats:
    """What one index run found and did."""

    notes: int = 0
    attachments: int = 0
    links: int = 0
    broken_links: int = 0
    ambiguous_links: int = 0
    tags: int = 0
    added: int = 0
    modified: int = 0
    removed: int = 0
    moved: int = 0
    problems: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return asdict(self)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


@dataclass(slots=True)
class _Existing:
    """An indexed file, as a run compares it with the disk. Its hash and look-up keys are
    read only for the files the run touches (:meth:`Indexer._complete`): a run holds every
    indexed file, and most have not changed."""

    id: str
    mtime_ns: int | None
    size: int
    deleted: bool
    content_hash: str | None = None
    keys: AbstractSet[str] = frozenset()


@dataclass(slots=True)
class _Run:
    """State of one index run inside its write transaction."""

    existing: dict[str, _Existing]
    removed: list[str]
    stats: IndexStats
    full: bool
    planned: dict[str, str] = field(default_factory=dict)  # path -> id planned (not full)
    files: RunFiles | None = None  # a full run's files, with their planned ids
    now: str = field(default_factory=_now)
    affected_keys: set[str] = field(default_factory=set)
    written_ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str, Sequence[Row]]] = field(default_factory=list)  # id, path, links
    streaming: StreamingLinks | None = None  # a full run resolves links as it writes files
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    removed_by_hash: dict[str, str] = field(default_factory=dict)


class Indexer:
    """Indexes one notebook into its database. Not thread-safe: use one per thread."""

    def __init__(self, notebook: Notebook, conn: sqlite3.Connection | None = None) -> None:
        self.notebook = notebook
        self.db_path = index_path(notebook)
        self.conn = conn if conn is not None else connect(self.db_path)
        self.config: NotebookConfig = load_config(notebook.codex_dir)
        self._tag_ids: dict[str, int] | None = None  # lowercased name -> id, read when needed
        self._next_tag_id = 1
        self._db: Writer = InlineWriter(self.conn)

    def close(self) -> None:
        """Close the database connection."""
        self.conn.close()

    def index(self, *, full: bool = False, progress: ProgressCallback | None = None) -> IndexStats:
        """Scan the whole notebook and update the database; ``full`` re-reads every file."""
        started = time.perf_counter()
        git = self._start_git()  # a first run's history walk goes on while we index
        self.config = load_config(self.notebook.codex_dir)
        stats = IndexStats(warnings=list(self.config.warnings))
        cache_size = int(self.conn.execute("PRAGMA cache_size").fetchone()[0])
        try:
            try:
                # The collector resumes once the run's objects are gone: not to walk them all.
                with _gc_paused():
                    full = self._scan_and_write(stats, full, progress, git)
            finally:
                if git is not None:
                    git.close()
            changes = stats.added + stats.modified + stats.removed + stats.moved
            with _bulk_write(self.conn, full):  # a full run's schema results: as its other rows
                safe_sync(self.conn, self.notebook, None if changes else [], full=full)
        finally:
            self.conn.execute(f"PRAGMA cache_size = {cache_size}")
        self._fill_totals(stats)
        stats.seconds = round(time.perf_counter() - started, 4)
        return stats

    def _scan_and_write(
        self,
        stats: IndexStats,
        full: bool,
        progress: ProgressCallback | None,
        git: GitColumns | None,
    ) -> bool:
        """The writing part of :meth:`index`: one transaction, then, after a full run, another
        for the link indexes, while git is asked about the files, then one for the git
        columns; True if it was a full run.

        The git pass's sets of every path are gone when this returns: they must not outlive
        it (the schema check comes next)."""
        full = full or get_meta(self.conn, "parser_version") != PARSER_VERSION
        with _bulk_write(self.conn, full):
            # A full run's files go to a database of the run's own as they are found.
            files = RunFiles(fallback=self.db_path.parent) if full else None
            try:
                scan = scan_notebook(self.notebook, self.config, files)
                with transaction(self.conn):
                    self._write_run(scan, files, stats, progress)
            finally:
                if files is not None:
                    files.close()
            if full:  # what the run's writing freed is not kept resident beside the git pass
                self.conn.execute(f"PRAGMA cache_size = {PASS_CACHE_SIZE}")
                release_free_heap()
            force = full or bool(stats.added or stats.moved)
            plan = self._git_step(git, lambda job: job.read(self.conn, force=force))
            # The run's data is committed: its link indexes, while it is checkpointed and git
            # answers (SQLite works outside the GIL, git in its own processes).
            with (
                checkpoint_alongside(self.conn) if full else nullcontext(),
                _link_indexes_beside(self.conn) if full else nullcontext(),
            ):
                if plan is not None:
                    self._git_step(git, lambda job: job.compute(plan))
                # The schema check comes next: its schema is compiled (and jsonschema
                # imported) while SQLite builds the indexes.
                schema_source(self.notebook).state()
            # Still a bulk write: its commit neither waits for the disk nor checkpoints.
            self._write_git(git, plan)
        return full

    def _write_run(
        self,
        scan: ScanResult,
        files: RunFiles | None,
        stats: IndexStats,
        progress: ProgressCallback | None,
    ) -> None:
        """Write what changed since the last run (inside its transaction): every file of
        ``files`` in a full run, else what the scan found changed."""
        changed: ScannedFiles | RunFiles
        planned: dict[str, str] | None = None
        if files is not None:
            # The indexed files' ids go to the run's files, not into memory: what a full run
            # keeps of the index is its files that are gone (moves and removals need them).
            removed = files.keep_ids(
                self.conn.execute("SELECT path, id, deleted_at IS NOT NULL FROM file_metadata")
            )
            existing = self._existing(removed)
            changed = files
        else:
            existing = self._existing()
            create_derived_indexes(self.conn)  # a full run may have stopped before building them
            found = scan.files
            changed = ScannedFiles(s for s in found if not _unchanged(existing.get(s.path), s))
            live = set(found.paths()) if existing else set()
            removed = [p for p, e in existing.items() if not e.deleted and p not in live]
            del live
            scan.files = ScannedFiles()  # what the run keeps of a file is its entry in ``changed``
            self._complete(existing, changed.paths() + removed)
            planned = _planned_ids(changed.paths(), existing)
        run = _Run(existing, removed, stats, files is not None, planned or {}, files=files)
        # Scan problems first: reading files below records "unreadable" ones of its own.
        self._store_scan_problems(scan)
        if run.full:
            self._wipe_derived()
        large = _is_large(changed)
        self._apply(run, self._prepare(changed, planned, run.now, {}, progress), large)
        if run.full:
            set_search_merging(self.conn, paused=False)
        set_meta(self.conn, "parser_version", PARSER_VERSION)
        set_meta(self.conn, "last_indexed", run.now)

    def _start_git(self) -> GitColumns | None:
        """Start the git pass (storage/git_index.py); git is only imported when used."""
        from .git_index import start_git_columns

        return start_git_columns(self.conn, self.notebook.root)

    def _write_git(self, git: GitColumns | None, plan: GitPlan | None) -> None:
        """Store what the git pass found (:meth:`_git_step`)."""
        self._git_step(git, lambda job: job.write(self.conn, plan))

    def _git_step(self, git: GitColumns | None, step: Callable[[GitColumns], T]) -> T | None:
        """One part of the git pass (storage/git_index.py) that fills the git_tracked /
        git_commit_hash columns; None once a part failed (logged): it never fails the run."""
        if git is None or git.failed:
            return None
        try:
            return step(git)
        except Exception as exc:
            git.failed = True
            log.warning("git status of %s not recorded: %s", self.notebook.root, exc)
            return None

    def update_paths(
        self, paths: Iterable[str], contents: dict[str, str] | None = None
    ) -> IndexStats:
        """Re-index the given notebook-relative paths (created, changed or deleted files).

        ``contents`` maps a path to text that replaces its disk content (an editor buffer).
        Only the change counts of the returned stats are filled (totals cost a scan).
        """
        started = time.perf_counter()
        stats = IndexStats()
        contents = contents or {}
        mapped = (indexable_path(self.notebook, self.config, p) for p in paths)
        wanted = list(dict.fromkeys(p for p in mapped if p is not None))
        with transaction(self.conn):
            existing = self._existing(wanted)
            changed = ScannedFiles()
            removed: list[str] = []
            for path in wanted:
                stat = self._stat(path)
                if stat is None and path not in contents:
                    if path in existing and not existing[path].deleted:
                        removed.append(path)
                elif path in contents:
                    # Buffer text: mtime 0 makes the next scan read the disk again.
                    sidecars = stat.sidecars if stat else ()
                    changed.add(FileStat(path, 0, len(contents[path].encode()), sidecars))
                elif stat is not None and not _unchanged(existing.get(path), stat):
                    changed.add(stat)
            planned = _planned_ids(changed.paths(), existing)
            run = _Run(existing, removed, stats, False, planned)
            large = _is_large(changed)
            self._apply(run, self._prepare(changed, run.planned, run.now, contents, None), large)
        safe_sync(self.conn, self.notebook, wanted, contents)  # frontmatter schema results
        stats.seconds = round(time.perf_counter() - started, 4)
        return stats

    # -- reading -------------------------------------------------------------------------

    def _prepare(
        self,
        stats: ScannedFiles | RunFiles,
        planned: dict[str, str] | None,
        now: str,
        contents: dict[str, str],
        progress: ProgressCallback | None,
    ) -> Iterator[PreparedFile]:
        """Prepared files in order; large runs are read and parsed by worker processes.

        Their rows carry the id ``planned`` for each file (a full run's files carry their
        own: :meth:`_prepare_full`).
        """
        if isinstance(stats, RunFiles):
            yield from self._prepare_full(stats, now, progress)
            return
        assert planned is not None
        total = len(stats)
        root, max_size = self.notebook.root, self.config.max_file_size
        if not _is_large(stats) or _workers() < 2 or contents:
            prepared: Iterable[PreparedFile] = (
                prepare_file(root, s, max_size, planned[s.path], now, contents.get(s.path))
                for s in stats
            )
            yield from _report(prepared, total, progress)
            return
        in_workers = _in_workers(root, max_size, now, _chunks(stats, planned), _workers(), None)
        yield from _report(in_workers, total, progress)

    def _prepare_full(
        self, files: RunFiles, now: str, progress: ProgressCallback | None
    ) -> Iterator[PreparedFile]:
        """A full run's prepared files in order, their links answered early
        (storage/streaming_links.py) and each marked if it was indexed before."""
        root, max_size = self.notebook.root, self.config.max_file_size
        # Whether each file was indexed goes beside its chunk, in order, and back onto each
        # prepared file: as many flags as files handed out and not yet written.
        indexed: deque[bool] = deque()

        def handed_out() -> Iterator[list[tuple[FileStat, str]]]:
            for chunk in files.chunks(WORKER_CHUNK):
                indexed.extend(flag for _, _, flag in chunk)
                yield [(stat, file_id) for stat, file_id, _ in chunk]

        def marked(prepared: Iterable[PreparedFile]) -> Iterator[PreparedFile]:
            items = (item._replace(indexed=indexed.popleft()) for item in prepared)
            return _report(items, len(files), progress)

        if _is_large(files) and _workers() >= 2:
            yield from marked(
                _in_workers(root, max_size, now, handed_out(), _workers(), files.path)
            )
            return
        with closing(files.names()) as names:
            answers = EarlyAnswers(names)
            yield from marked(
                item
                for chunk in handed_out()
                for item in prepare_chunk(root, chunk, max_size, now, answers)
            )

    def _stat(self, path: str) -> FileStat | None:
        absolute = self.notebook.root / path
        try:
            info = absolute.stat()
        except OSError:
            return None
        if not absolute.is_file():
            return None
        mtime, size = info.st_mtime_ns, info.st_size
        sidecars = []
        for sidecar in sidecar_names(os.path.basename(path)):
            try:
                side = (absolute.parent / sidecar).stat()
            except OSError:
                continue
            sidecars.append(sidecar)
            mtime, size = max(mtime, side.st_mtime_ns), size + side.st_size
        return FileStat(path, mtime, size, tuple(sidecars))

    def _existing(self, paths: list[str] | None = None) -> dict[str, _Existing]:
        """The indexed files (those at ``paths``, or all); with their hashes and look-up keys
        when ``paths`` are given, else those are read for what the run changes
        (:meth:`_complete`), so that a run that changes nothing reads no alias."""
        query = "SELECT f.id, f.path, f.mtime_ns, f.size, f.deleted_at FROM file_metadata f"
        if paths is None:
            rows = self.conn.execute(query).fetchall()
        else:
            rows = []
            for i in range(0, len(paths), SQL_BATCH):
                chunk = paths[i : i + SQL_BATCH]
                rows += self.conn.execute(
                    query + f" WHERE f.path IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
        found = {}
        for file_id, path, mtime, size, deleted in rows:
            found[path] = _Existing(file_id, mtime, size, deleted is not None)
        if paths is not None:
            self._complete(found, list(found))
        return found

    def _complete(self, existing: dict[str, _Existing], paths: list[str]) -> None:
        """Read the content hash and the look-up keys (its name's, its aliases') of the
        indexed files at ``paths``."""
        keys: dict[str, set[str]] = {}  # file id -> its look-up keys
        for i in range(0, len(paths), SQL_BATCH):
            chunk = [p for p in paths[i : i + SQL_BATCH] if p in existing]
            for path, digest, key in self.conn.execute(
                "SELECT path, content_hash, lookup_key FROM file_metadata"
                f" WHERE path IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                entry = existing[path]
                entry.content_hash = digest
                entry.keys = keys[entry.id] = {key}
        ids = list(keys)
        for i in range(0, len(ids), SQL_BATCH):
            chunk = ids[i : i + SQL_BATCH]
            for file_id, key in self.conn.execute(
                f"SELECT file_id, key FROM alias WHERE file_id IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                keys[file_id].add(key)

    # -- writing -------------------------------------------------------------------------

    def _apply(self, run: _Run, prepared: Iterable[PreparedFile], large: bool) -> None:
        """Write the prepared files, mark removed ones, then resolve links.

        A large run writes through a :class:`ThreadWriter`: SQLite works while this thread
        reads worker results. A full run's links come answered by the workers that parsed
        them; those with an anchor, and those an alias or another file of the run changes,
        are answered at the end from the written rows (storage/streaming_links.py).
        """
        self._tag_ids = None
        run.removed_by_hash = {
            run.existing[p].content_hash or "": p
            for p in run.removed
            if run.existing[p].content_hash
        }
        run.rows = {table: [] for table in _INSERTS}
        # The first item starts the worker processes: they fork before the writer thread exists.
        items = iter(prepared)
        first = next(items, None)
        names = None
        if run.files is not None:  # a full run's links come answered; corrected at its end
            names = run.files.names()
            run.streaming = StreamingLinks(names)
        try:
            with ThreadWriter(self.conn) if large else nullcontext(InlineWriter(self.conn)) as db:
                self._db = db
                for item in chain(() if first is None else (first,), items):
                    self._apply_one(run, item)
                    if len(run.rows["search_index"]) >= SQL_BATCH:
                        self._flush(run)
                self._flush(run)
                for path in run.removed:
                    old = run.existing[path]
                    self._clear_derived(old.id)
                    db.execute(
                        "UPDATE file_metadata SET deleted_at = ?, updated_at = ? WHERE id = ?",
                        (run.now, run.now, old.id),
                    )
                    run.affected_keys |= old.keys
                    run.stats.removed += 1
                if run.streaming is not None:
                    # The waiting links read their targets' headings and blocks back: indexed.
                    # The link and file look-up indexes: after the commit (_scan_and_write).
                    db.submit(
                        lambda conn: create_derived_indexes(conn, exclude=("link", "file_metadata"))
                    )
                    db.call(run.streaming.finish)
                    run.streaming = None
        finally:
            self._db = InlineWriter(self.conn)  # the thread, if any, is gone
            if names is not None:
                names.close()
        if not run.full:
            changes = len(run.written_ids) + len(run.removed)
            self._resolve(run, changes > FULL_RELINK_SHARE * len(run.existing) + 50)

    def _apply_one(self, run: _Run, item: PreparedFile) -> None:
        stat = item.stat
        if item.error is not None:
            self._record_unreadable(stat.path, item.error)
            if run.streaming is not None:  # a full run
                run.streaming.file_unreadable(stat.path, kept=item.indexed)
            return
        old = run.existing.get(stat.path)
        # A full run knows only its files that are gone: the others were marked.
        live = item.indexed if run.full else old is not None and not old.deleted
        if (
            live
            and old is not None
            and not run.full
            and old.content_hash == item.content_hash
            and not stat.sidecars
            and old.size == stat.size  # else a sidecar went away: its metadata must go too
        ):
            if stat.mtime_ns:  # same content on disk: remember the new mtime
                self._db.execute(
                    "UPDATE file_metadata SET mtime_ns = ?, size = ? WHERE id = ?",
                    (stat.mtime_ns, stat.size, old.id),
                )
            return
        fresh = False
        if live:
            file_id = old.id if old is not None else item.file_id  # a full run: the same
            run.stats.modified += 1
        elif item.content_hash in run.removed_by_hash:
            moved_from = run.removed_by_hash.pop(item.content_hash)
            run.removed.remove(moved_from)
            file_id = run.existing[moved_from].id
            run.affected_keys |= run.existing[moved_from].keys
            self._db.execute(
                "DELETE FROM file_metadata WHERE path = ? AND id != ?", (stat.path, file_id)
            )
            run.stats.moved += 1
        else:
            file_id = old.id if old is not None else item.file_id
            fresh = old is None
            run.stats.added += 1
        if old is not None:
            run.affected_keys |= old.keys
        if not fresh and not run.full:
            self._clear_derived(file_id)
        self._write(run, item if item.file_id == file_id else item.with_id(file_id), item.file_id)

    def _write(self, run: _Run, item: PreparedFile, planned: str) -> None:
        """Queue the rows of a file about to be written (``planned``: the id it was to get)."""
        rows = run.rows
        rows["file_metadata"].append(item.file_row)
        rows["alias"] += item.alias_rows
        rows["heading"] += item.heading_rows
        rows["block"] += item.block_rows
        rows["file_tag"] += [(row[0], self._tag_id(row[1]), *row[2:]) for row in item.tag_rows]
        rows["problem"] += item.problem_rows
        rows["search_index"].append(item.search_row)
        if run.streaming is not None:  # a full run: every link is resolved anew anyway
            if item.answers is None:
                raise RuntimeError(f"{item.stat.path}: the links of a full run came unanswered")
            rows["link"] += run.streaming.file_written(
                item.stat.path, item.file_id, item.links, item.answers, planned
            )
            return
        run.links.append((item.file_id, item.stat.path, item.links))
        run.affected_keys.add(lookup_key(item.stat.path))
        run.affected_keys.update(row[2] for row in item.alias_rows)  # alias keys
        run.written_ids.add(item.file_id)

    def _flush(self, run: _Run) -> None:
        for table, sql in _INSERTS.items():
            if run.rows[table]:
                self._db.executemany(sql, run.rows[table])
                run.rows[table] = []

    def _tag_id(self, name: str) -> int:
        """The id of the tag ``name`` (case-insensitive), created if needed."""
        if self._tag_ids is None:
            known = self._db.call(lambda conn: conn.execute(_TAGS).fetchall())
            self._tag_ids = {known_name.lower(): known_id for known_id, known_name in known}
            self._next_tag_id = max(self._tag_ids.values(), default=0) + 1
        folded = name.lower()
        tag_id = self._tag_ids.get(folded)
        if tag_id is None:
            tag_id = self._tag_ids[folded] = self._next_tag_id
            self._next_tag_id += 1
            self._db.execute("INSERT INTO tag (id, name) VALUES (?, ?)", (tag_id, name))
        return tag_id

    def _wipe_derived(self) -> None:
        """Empty every table derived from file contents, for a full re-index (bulk load)."""
        drop_derived_indexes(self.conn)
        for table in ("alias", "heading", "block", "file_tag", "link", "search_index"):
            self.conn.execute(f"DELETE FROM {table}")
        self.conn.execute("DELETE FROM problem WHERE file_id IS NOT NULL")
        set_search_merging(self.conn, paused=True)

    def _clear_derived(self, file_id: str) -> None:
        for table, column in (
            ("alias", "file_id"),
            ("heading", "file_id"),
            ("block", "file_id"),
            ("file_tag", "file_id"),
            ("link", "source_id"),
            ("problem", "file_id"),
        ):
            self._db.execute(f"DELETE FROM {table} WHERE {column} = ?", (file_id,))
        self._db.execute(
            "DELETE FROM search_index WHERE rowid = (SELECT rowid FROM file_metadata WHERE id = ?)",
            (file_id,),
        )

    def _record_unreadable(self, path: str, message: str) -> None:
        log.warning("%s: %s", path, message)
        self._db.execute("DELETE FROM problem WHERE file_id IS NULL AND path = ?", (path,))
        self._db.execute(
            "INSERT INTO problem (file_id, path, code, severity, message) VALUES (?,?,?,?,?)",
            (None, path, "unreadable", "warning", message),
        )

    def _store_scan_problems(self, scan: ScanResult) -> None:
        self.conn.execute("DELETE FROM problem WHERE file_id IS NULL")
        self.conn.executemany(
            "INSERT INTO problem (file_id, path, code, severity, message) VALUES (?,?,?,?,?)",
            [(None, path, "scan", "warning", message) for path, message in scan.problems],
        )
        self.conn.executemany(
            "INSERT INTO problem (file_id, path, code, severity, message) VALUES (?,?,?,?,?)",
            [(None, *orphaned_sidecar(sidecar, owner)) for sidecar, owner in scan.orphans],
        )

    # -- links ---------------------------------------------------------------------------

    def _resolve(self, run: _Run, everything: bool) -> None:
        """Insert links of written files, and re-resolve stored links whose target changed."""
        catalog = SqlCatalog(self.conn)
        if everything:
            catalog.preload()
        resolver = LinkResolver(catalog)
        self.conn.executemany(
            _INSERT_LINK,
            (
                (None, file_id, *link, *ask(resolver, link, path))
                for file_id, path, links in run.links
                for link in links
            ),
        )
        run.links.clear()
        if not run.affected_keys and not everything:
            return
        select = (
            "SELECT l.id, l.kind, l.target, l.anchor, l.is_block, l.label, f.path, f.id"
            " FROM link l JOIN file_metadata f ON f.id = l.source_id"
        )
        if everything:
            stale = self.conn.execute(select).fetchall()
        else:
            keys = list(run.affected_keys)
            stale = []
            for i in range(0, len(keys), SQL_BATCH):
                chunk = keys[i : i + SQL_BATCH]
                marks = ",".join("?" * len(chunk))
                stale += self.conn.execute(
                    select + f" WHERE l.target_key IN ({marks}) OR l.label_key IN ({marks})",
                    chunk + chunk,
                ).fetchall()
        self.conn.executemany(
            "UPDATE link SET status = ?, target_id = ?, candidates = ? WHERE id = ?",
            (
                (*resolver(kind, target, anchor, is_block, label, path), link_id)
                for link_id, kind, target, anchor, is_block, label, path, source_id in stale
                if source_id not in run.written_ids
            ),
        )

    def _fill_totals(self, stats: IndexStats) -> None:
        stats.notes, stats.attachments = self.conn.execute(
            "SELECT count(is_note = 1 OR NULL), count(is_note = 0 OR NULL)"
            " FROM file_metadata WHERE deleted_at IS NULL"
        ).fetchone()
        stats.links, stats.broken_links, stats.ambiguous_links = self.conn.execute(
            "SELECT count(*), count(status IN ('broken', 'broken-anchor') OR NULL),"
            " count(status = 'ambiguous' OR NULL) FROM link"
        ).fetchone()
        stats.tags = self.conn.execute("SELECT count(DISTINCT tag_id) FROM file_tag").fetchone()[0]
        stats.problems = self.conn.execute("SELECT count(*) FROM problem").fetchone()[0]


def _in_workers(
    root: Path,
    max_size: int,
    now: str,
    chunks: Iterable[list[tuple[FileStat, str]]],
    workers: int,
    names: str | None,
) -> Iterator[PreparedFile]:
    """Prepare chunks in worker processes, in order, with at most ``IN_FLIGHT`` chunks per
    worker submitted and not yet written (bounds the memory of results waiting); ``names``:
    a full run's files (storage/run_files.py), by which the workers answer links."""
    # fork is cheap but unsafe once threads exist (the language server has some).
    method = "fork" if threading.active_count() == 1 else "spawn"
    window = IN_FLIGHT * workers
    with ProcessPoolExecutor(
        workers,
        mp_context=get_context(method),
        initializer=start_worker,
        initargs=(os.getpid(),),
    ) as pool:
        pending: deque[Future[bytes]] = deque()
        for number, chunk in enumerate(chunks):
            # The pool starts its processes within the first submissions.
            with interrupts_held() if number < workers else nullcontext():
                pending.append(pool.submit(prepare_batch, root, chunk, max_size, now, names))
            if len(pending) >= window:
                yield from unpack_batch(pending.popleft().result())
        while pending:
            yield from unpack_batch(pending.popleft().result())


def _chunks(stats: ScannedFiles, planned: dict[str, str]) -> Iterator[list[tuple[FileStat, str]]]:
    """``(stat, planned id)`` of ``stats`` by :data:`WORKER_CHUNK`, made as they are handed out."""
    for chunk in stats.chunks(WORKER_CHUNK):
        yield [(s, planned[s.path]) for s in chunk]


def _planned_ids(paths: Iterable[str], existing: dict[str, _Existing]) -> dict[str, str]:
    """The id each file of a run is planned to get: its own, or a new one."""
    return {path: existing[path].id if path in existing else new_ulid() for path in paths}


def _workers() -> int:
    """How many worker processes a large run reads files with."""
    return min(os.cpu_count() or 1, 8)


def _is_large(stats: ScannedFiles | RunFiles) -> bool:
    """Runs this large read files in worker processes and write on a thread."""
    return len(stats) >= PARALLEL_MIN_FILES


def _report(
    items: Iterable[PreparedFile], total: int, progress: ProgressCallback | None
) -> Iterator[PreparedFile]:
    for number, item in enumerate(items, 1):
        if progress and (number % 100 == 0 or number == total):
            progress(number, total)
        yield item


@contextmanager
def _bulk_write(conn: sqlite3.Connection, wanted: bool) -> Iterator[None]:
    """Inside the block, when ``wanted`` (a full run), SQLite neither waits for the disk nor
    checkpoints at each commit; the block ends with one checkpoint.

    A full run rewrites the whole database, a cache of the notes: if the machine loses power
    during it, the damaged file is moved aside and rebuilt at the next start (``connect``),
    and no note is at risk. Not waiting for the disk saves a tenth of a large run. Its pages
    are checkpointed while its link indexes are built (``checkpoint_alongside``).
    """
    if not wanted:
        yield
        return
    synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
    checkpoint_pages = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint_pages)}")
        if not conn.in_transaction:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        conn.execute(f"PRAGMA synchronous = {int(synchronous)}")


@contextmanager
def _link_indexes_beside(conn: sqlite3.Connection) -> Iterator[None]:
    """Build the link indexes, in a transaction of their own, on a thread while the block
    runs (which must not use ``conn``); re-raises the build's failure at the end."""

    def build() -> None:
        with transaction(conn):
            create_derived_indexes(conn)

    with on_thread_alongside(build, "codex-link-indexes"):
        yield


class _gc_paused:
    """Pause the cyclic garbage collector: a large run allocates many long-lived tuples."""

    def __enter__(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self._was_enabled:
            gc.enable()


def _unchanged(old: _Existing | None, stat: FileStat) -> bool:
    return (
        old is not None
        and not old.deleted
        and old.mtime_ns == stat.mtime_ns
        and old.size == stat.size
    )


__all__ = ["IndexStats", "Indexer", "ProgressCallback"]
