"""Read-only questions asked of a notebook database: search, tags, problems, backlinks."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from ..core.search_query import METADATA_MARK, first_match, fts_query, query_terms
from ..core.syntax import split_target
from ..core.textpos import utf16_len

# bm25 weights per column of search_index: file_id, path, title, content, tags.
BM25_WEIGHTS = (0.0, 0.0, 10.0, 1.0, 5.0)
SNIPPET_TOKENS = 12


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One ranked search result; ``line``/``character`` locate the first matching word."""

    path: str
    title: str
    snippet: str
    score: float
    line: int
    character: int
    end_character: int
    tags: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        data = asdict(self)
        data["tags"] = list(self.tags)
        return data


@dataclass(frozen=True, slots=True)
class TagCount:
    """A tag and the number of files that carry it."""

    name: str
    count: int


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem to report by ``check``: a broken or ambiguous link, bad YAML, and so on."""

    path: str
    line: int
    character: int
    end_line: int
    end_character: int
    severity: str
    code: str
    message: str
    related: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        data = asdict(self)
        data["related"] = list(self.related)
        return data


def _tag_filter(tags: Sequence[str]) -> tuple[str, list[str]]:
    """SQL requiring every tag (a tag also matches its nested children ``tag/...``)."""
    clauses = []
    params: list[str] = []
    for tag in tags:
        name = tag.lstrip("#").strip("/")
        clauses.append(
            " AND f.id IN (SELECT ft.file_id FROM file_tag ft JOIN tag t ON t.id = ft.tag_id"
            " WHERE t.name = ? COLLATE NOCASE OR t.name LIKE ? ESCAPE '\\')"
        )
        escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params += [name, escaped + "/%"]
    return "".join(clauses), params


def search(
    conn: sqlite3.Connection,
    query: str,
    tags: Sequence[str] = (),
    limit: int = 20,
    marks: tuple[str, str] = ("[", "]"),
) -> list[SearchHit]:
    """Full-text search ranked by bm25 (title over tags over body), filtered by tags.

    Any text is a valid query. With no words, every file carrying ``tags`` is listed by title.
    """
    match = fts_query(query)
    tag_sql, tag_params = _tag_filter(tags)
    if match is None and not tags:
        return []
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    if match is None:
        sql = (
            "SELECT f.path, f.title, '', 0.0, f.body_line, s.content, s.tags"
            " FROM file_metadata f JOIN search_index s ON s.file_id = f.id"
            f" WHERE f.deleted_at IS NULL{tag_sql} ORDER BY f.title COLLATE NOCASE LIMIT ?"
        )
        params: list[object] = [*tag_params, limit]
    else:
        sql = (
            "SELECT f.path, f.title,"
            f" snippet(search_index, 3, ?, ?, '…', {SNIPPET_TOKENS}),"
            f" bm25(search_index, {weights}), f.body_line, s.content, s.tags"
            " FROM search_index s JOIN file_metadata f ON f.id = s.file_id"
            f" WHERE search_index MATCH ? AND f.deleted_at IS NULL{tag_sql}"
            f" ORDER BY bm25(search_index, {weights}) LIMIT ?"
        )
        params = [marks[0], marks[1], match, *tag_params, limit]
    terms = query_terms(query)
    hits = []
    for path, title, snippet, score, body_line, content, tag_text in conn.execute(sql, params):
        line, start, end = _locate(content or "", terms, body_line)
        hits.append(
            SearchHit(
                path,
                title,
                snippet.replace(METADATA_MARK, ""),
                round(0.0 - score, 4),  # not -score: a tag-only listing's 0.0 stays 0.0
                line,
                start,
                end,
                tuple(tag_text.split()) if tag_text else (),
            )
        )
    return hits


def _locate(content: str, terms: list[str], body_line: int) -> tuple[int, int, int]:
    body_end = content.find(METADATA_MARK)  # metadata text has no position in the file
    found = first_match(content if body_end == -1 else content[:body_end], terms)
    if found is None:
        return body_line, 0, 0
    start, end = found
    line_start = content.rfind("\n", 0, start) + 1
    line = body_line + content.count("\n", 0, start)
    return line, utf16_len(content[line_start:start]), utf16_len(content[line_start:end])


def list_tags(conn: sqlite3.Connection) -> list[TagCount]:
    """Every tag with the number of live files that carry it, most used first."""
    rows = conn.execute(
        "SELECT t.name, count(DISTINCT ft.file_id) FROM tag t"
        " JOIN file_tag ft ON ft.tag_id = t.id"
        " JOIN file_metadata f ON f.id = ft.file_id AND f.deleted_at IS NULL"
        " GROUP BY t.id ORDER BY count(DISTINCT ft.file_id) DESC, t.name COLLATE NOCASE"
    )
    return [TagCount(name, count) for name, count in rows]


def files_with_tags(conn: sqlite3.Connection, tags: Sequence[str], match_all: bool) -> list[str]:
    """Paths of live files carrying all (or any) of ``tags``, nested children included."""
    if not tags:
        return []
    if match_all:
        tag_sql, params = _tag_filter(tags)
        sql = f"SELECT f.path FROM file_metadata f WHERE f.deleted_at IS NULL{tag_sql}"
        return [row[0] for row in conn.execute(sql + " ORDER BY f.path", params)]
    found: set[str] = set()
    for tag in tags:
        found.update(files_with_tags(conn, [tag], True))
    return sorted(found)


_LINK_MESSAGES = {
    "broken": "Broken link: no note or file named '{target}'",
    "broken-anchor": "Broken link: '{target}' has no {what} '{anchor}'",
    "ambiguous": "Ambiguous link: '{target}' matches {count} files",
}


def link_issues(conn: sqlite3.Connection, path: str | None = None) -> list[Issue]:
    """Broken, broken-anchor and ambiguous links (of one file, or of the whole notebook)."""
    sql = (
        "SELECT f.path, l.target, l.anchor, l.is_block, l.status, l.candidates, l.start_line,"
        " l.start_char, l.end_line, l.end_char, t.path, l.label FROM link l"
        " JOIN file_metadata f ON f.id = l.source_id"
        " LEFT JOIN file_metadata t ON t.id = l.target_id"
        " WHERE l.status != 'resolved'"
    )
    params: list[str] = []
    if path is not None:
        sql += " AND f.path = ?"
        params.append(path)
    issues = []
    for (
        source,
        target,
        anchor,
        is_block,
        status,
        candidates,
        sl,
        sc,
        el,
        ec,
        target_path,
        label,
    ) in conn.execute(sql + " ORDER BY f.path, l.start_line, l.start_char", params):
        related = tuple(json.loads(candidates)) if candidates else ()
        if status != "broken" and anchor is None and label and "#" in label:
            target, anchor, is_block = split_target(label)  # read in [[label|target]] order
        shown = target or (target_path or source)
        message = _LINK_MESSAGES[status].format(
            target=shown,
            anchor=anchor,
            what="block" if is_block else "heading",
            count=len(related),
        )
        if status == "ambiguous":
            message += f"; using {target_path}. Candidates: {', '.join(related)}"
        severity = "warning" if status == "ambiguous" else "error"
        issues.append(Issue(source, sl, sc, el, ec, severity, f"link-{status}", message, related))
    return issues


def stored_problems(conn: sqlite3.Connection, path: str | None = None) -> list[Issue]:
    """Problems recorded while reading and parsing files (bad YAML, encoding, scan errors)."""
    sql = (
        "SELECT path, coalesce(start_line, 0), coalesce(start_char, 0), coalesce(end_line, 0),"
        " coalesce(end_char, 0), severity, code, message FROM problem"
    )
    params: list[str] = []
    if path is not None:
        sql += " WHERE path = ?"
        params.append(path)
    return [Issue(*row) for row in conn.execute(sql + " ORDER BY path, 2, 3", params)]


def check(conn: sqlite3.Connection) -> list[Issue]:
    """Every issue in the notebook, sorted by path and position."""
    from .schema_store import stored_schema_problems  # frontmatter schemas (docs/schema.md)

    issues = link_issues(conn) + stored_problems(conn)
    issues += stored_schema_problems(conn)
    return sorted(issues, key=lambda i: (i.path, i.line, i.character, i.code))
