"""A :class:`~codex_lsp.core.resolve.Catalog` read from the notebook database."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence

from ..core.anchors import HeadingKey
from ..core.resolve import Target


class SqlCatalog:
    """Answers resolver look-ups from SQLite, loading each key once.

    ``preload()`` reads every live file at once, which is cheaper when most keys are needed.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._by_key: dict[str, list[Target]] = {}
        self._by_path: dict[str, Target | None] = {}
        self._complete = False

    def preload(self) -> None:
        """Load every live file, its aliases, headings and blocks."""
        rows = self._conn.execute(
            "SELECT id, path, is_note, lookup_key FROM file_metadata WHERE deleted_at IS NULL"
        ).fetchall()
        targets = self._build(rows, None)
        self._by_key = defaultdict(list)
        for target, keys in targets:
            self._by_path[target.path] = target
            for key in keys:
                self._by_key[key].append(target)
        self._complete = True

    def candidates(self, key: str) -> Sequence[Target]:
        """Files whose stem, alias or attachment name has this lowercase key."""
        if key in self._by_key or self._complete:
            return self._by_key.get(key, ())
        rows = self._conn.execute(
            "SELECT id, path, is_note, lookup_key FROM file_metadata "
            "WHERE deleted_at IS NULL AND (lookup_key = ? OR id IN "
            "(SELECT file_id FROM alias WHERE key = ?))",
            (key, key),
        ).fetchall()
        found = [target for target, _ in self._build(rows, [r[0] for r in rows])]
        self._by_key[key] = found
        for target in found:
            self._by_path[target.path] = target
        return found

    def get(self, path: str) -> Target | None:
        """The live file at ``path``."""
        if path in self._by_path or self._complete:
            return self._by_path.get(path)
        rows = self._conn.execute(
            "SELECT id, path, is_note, lookup_key FROM file_metadata "
            "WHERE deleted_at IS NULL AND path = ?",
            (path,),
        ).fetchall()
        built = self._build(rows, [r[0] for r in rows])
        target = built[0][0] if built else None
        self._by_path[path] = target
        return target

    def _build(
        self, rows: Sequence[tuple[str, str, int, str]], ids: Iterable[str] | None
    ) -> list[tuple[Target, set[str]]]:
        if not rows:
            return []
        aliases: dict[str, list[str]] = defaultdict(list)
        headings: dict[str, list[HeadingKey]] = defaultdict(list)
        blocks: dict[str, set[str]] = defaultdict(set)
        where, params = self._restrict(ids)
        for file_id, alias in self._conn.execute(
            f"SELECT file_id, alias FROM alias {where}", params
        ):
            aliases[file_id].append(alias)
        for file_id, text, slug, level in self._conn.execute(
            f"SELECT file_id, text, slug, level FROM heading {where} ORDER BY file_id, seq",
            params,
        ):
            headings[file_id].append((text, slug, level))
        for file_id, block_id in self._conn.execute(
            f"SELECT file_id, block_id FROM block {where}", params
        ):
            blocks[file_id].add(block_id)
        built = []
        for file_id, path, is_note, lookup_key in rows:
            own_aliases = tuple(aliases.get(file_id, ()))
            target = Target(
                path,
                bool(is_note),
                own_aliases,
                tuple(headings.get(file_id, ())),
                frozenset(blocks.get(file_id, ())),
                file_id,
            )
            built.append((target, {lookup_key, *(a.lower() for a in own_aliases)}))
        return built

    @staticmethod
    def _restrict(ids: Iterable[str] | None) -> tuple[str, list[str]]:
        if ids is None:
            return "", []
        id_list = list(ids)
        return f"WHERE file_id IN ({','.join('?' * len(id_list))})", id_list
