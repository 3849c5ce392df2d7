"""Read-only questions asked of a notebook database: search, tags, problems, backlinks."""

from __future__ import annotations

import json
import logging
import posixpath
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import NamedTuple

from ..core.masking import mask_comments
from ..core.resolve import has_clear_winner
from ..core.search_query import (
    METADATA_MARK,
    SearchQuery,
    Term,
    find_all,
    find_first,
    fold,
    parse_query,
    tokens,
)
from ..core.syntax import split_target
from ..core.textpos import utf16_len

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One ranked search result; ``line``/``character`` locate the first matching word,
    ``snippet_matches`` the matches in ``snippet`` (UTF-16 offsets, end exclusive)."""

    path: str
    title: str
    snippet: str
    score: float
    line: int
    character: int
    end_character: int
    tags: tuple[str, ...]
    snippet_matches: tuple[tuple[int, int], ...] = ()

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        data = asdict(self)
        data["tags"] = list(self.tags)
        data["snippet_matches"] = [list(pair) for pair in self.snippet_matches]
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


# bm25 weights per column of search_index: file_id, name, folder, title, aliases, content, tags,
# folded (storage/database.py).
BM25_WEIGHTS = (0.0, 10.0, 1.0, 10.0, 8.0, 1.0, 5.0, 1.0)
SNIPPET_WORDS = 12
_SNIPPET_BEFORE = 3  # words shown before the first match

# Score bands: a note named as the query (as typed, then word for word), then one titled or
# aliased so, then a note whose name or title starts with the query; then the same for
# attachments (by file name); then the rest by relevance. A band adds more than bm25 scores.
_VERBATIM, _EXACT_NAME, _EXACT_TITLE, _PREFIX = 4, 3, 2, 1
_NOTE_BANDS = {_VERBATIM: 6000.0, _EXACT_NAME: 5000.0, _EXACT_TITLE: 4000.0, _PREFIX: 3000.0}
_ATTACHMENT_BANDS = {_VERBATIM: 2000.0, _EXACT_NAME: 2000.0, _PREFIX: 1000.0}
_MAX_RELEVANCE = 999.0
# Files whose name or title starts with the query words, or whose aliases hold them, examined
# for the bands (the ones added last): enough for any realistic name, bounded for a word
# most names start with.
_NAME_CANDIDATES = 2000
# Matches ranked by relevance at most, from each of the name-and-tag and the full match
# (``_rest``): bounds the cost of a word that most files hold.
RANKED_AT_MOST = 5000
_BATCH = 100


class _Row(NamedTuple):
    """What ranking needs of a file; its text is read only for the hits kept (``_text``)."""

    rowid: int
    path: str
    is_note: int
    title: str
    body_line: int
    name: str
    fts_title: str
    aliases: str
    rank: float
    keep: int
    """Whether the file passes the SQL filters (live, tags)."""


def _tag_filter(
    tags: Sequence[str], *, column: str = "f.id", exclude: bool = False
) -> tuple[str, list[str]]:
    """SQL requiring of the file id ``column`` every tag (a tag also matches its nested
    children ``tag/...``), or with ``exclude`` none of them."""
    clauses = []
    params: list[str] = []
    for tag in tags:
        name = tag.lstrip("#").strip("/")
        clauses.append(
            f" AND {column} {'NOT ' if exclude else ''}IN (SELECT ft.file_id FROM file_tag ft"
            " JOIN tag t ON t.id = ft.tag_id"
            " WHERE t.name = ? COLLATE NOCASE OR t.name LIKE ? ESCAPE '\\')"
        )
        escaped = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params += [name, escaped + "/%"]
    return "".join(clauses), params


def search(
    conn: sqlite3.Connection, query: str, tags: Sequence[str] = (), limit: int = 20
) -> list[SearchHit]:
    """Search ranked as docs/cli.md describes: a name, title or alias equal to the query
    first, then names and titles starting with it, then bm25 (title over tags over body).

    Any text is a valid query (syntax in docs/cli.md). With no words, every file passing the
    tag and folder filters is listed by title.
    """
    parsed = parse_query(query)
    if not parsed.has_text and not (tags or parsed.tags or parsed.paths):
        return []
    match = parsed.fts()
    try:
        if not parsed.has_text:
            rows = _listing(conn, parsed, tags, match, limit)
            return [_hit(conn, row, 0.0, None) for row in rows]
        return _ranked(conn, parsed, tags, query, match or "", limit)
    except sqlite3.OperationalError as exc:  # a token the tokenizer reads otherwise
        log.info("search %r failed: %s", query, exc)
        return []


def _keep(parsed: SearchQuery, tags: Sequence[str]) -> tuple[str, list[object]]:
    """An SQL expression on ``f`` (file_metadata), and its parameters: the file is live,
    carries the tags and none of the excluded ones."""
    required, required_params = _tag_filter([*tags, *parsed.tags])
    excluded, excluded_params = _tag_filter(parsed.excluded_tags, exclude=True)
    sql = f"(f.id IS NOT NULL AND f.deleted_at IS NULL{required}{excluded})"
    return sql, [*required_params, *excluded_params]


def _without_excluded(parsed: SearchQuery, column: str = "rowid") -> tuple[str, list[object]]:
    """SQL leaving out the files (their full-text ``column``) holding an excluded word."""
    words = parsed.excluded_fts()
    if words is None:
        return "", []
    sql = f" AND {column} NOT IN (SELECT rowid FROM search_index WHERE search_index MATCH ?)"
    return sql, [words]


def _listing(
    conn: sqlite3.Connection,
    parsed: SearchQuery,
    tags: Sequence[str],
    match: str | None,
    limit: int,
) -> list[_Row]:
    """Files passing the filters, by title."""
    keep, keep_params = _keep(parsed, tags)
    excluded, excluded_params = _without_excluded(parsed)
    sql = (
        "SELECT s.rowid, f.path, f.is_note, f.title, f.body_line, s.name, s.title, s.aliases,"
        " 0.0, 1 FROM (SELECT rowid, file_id, name, title, aliases FROM search_index"
        f" WHERE {'search_index MATCH ?' if match else '1'}{excluded}) s"
        f" JOIN file_metadata f ON f.id = s.file_id WHERE {keep}"
        " ORDER BY f.title COLLATE NOCASE, f.path LIMIT ? OFFSET ?"
    )
    params = [*([match] if match else []), *excluded_params, *keep_params]
    return _take(conn, sql, params, parsed, limit)


def _ranked(
    conn: sqlite3.Connection,
    parsed: SearchQuery,
    tags: Sequence[str],
    query: str,
    match: str,
    limit: int,
) -> list[SearchHit]:
    keep = _keep(parsed, tags)
    excluded = _without_excluded(parsed)
    highlighter = parsed.highlighter()
    banded = _banded(conn, parsed, keep, query, limit)
    hits = [_hit(conn, row, score, highlighter) for score, row in banded[:limit]]
    if len(hits) < limit:
        seen = {row.rowid for _, row in banded}
        rest = _rest(conn, parsed, keep, excluded, match, seen)
        hits += [_hit(conn, row, score, highlighter) for score, row in rest(limit - len(hits))]
    return hits


def _banded(
    conn: sqlite3.Connection,
    parsed: SearchQuery,
    keep: tuple[str, list[object]],
    query: str,
    limit: int,
) -> list[tuple[float, _Row]]:
    """The files of the name bands, best first, with their scores: at least the first
    ``limit`` of them.

    The candidates are the files named (or aliased) as typed, found by key wherever they
    are, and the files whose name or title starts with the words or whose aliases hold them:
    when more than :data:`_NAME_CANDIDATES` do, the ones added to the index last. Within a
    band the closest names come first (a shorter name, title or alias holds less besides the
    query), ordered by SQL from the files table: the full-text rows, which hold the whole
    text, are never read, and no relevance is computed. Every candidate short enough to be
    the query word for word is examined; of the longer ones, which can only start with it,
    those in the first ``limit`` places.
    """
    words = parsed.name_words()
    candidates = parsed.name_candidates_fts()
    if words is None or candidates is None:
        return []
    typed = " ".join(fold(query).split())
    wanted = " ".join(token for term in words for token in term.tokens)
    within = _exact_within(wanted)
    found: dict[int, tuple[float, _Row]] = {}
    keys = _name_keys(query, wanted)
    excluded = _without_excluded(parsed, "f.rowid")
    statements = [
        (_keyed_sql(keep[0], excluded[0], len(keys)), [*keys, *keys, *keep[1], *excluded[1]]),
        *(
            (_candidates_sql(keep[0], excluded[0], closeness), [expression, _NAME_CANDIDATES])
            for expression, closeness in zip(
                candidates, (_NAME_LENGTH, _ALIAS_CLOSENESS), strict=True
            )
        ),
    ]
    for number, (sql, params) in enumerate(statements):
        if number:
            params = [*params, *keep[1], *excluded[1]]
        cursor = conn.execute(sql, params)
        beyond = 0  # candidates examined too long to be the query word for word
        while beyond < limit:
            batch = cursor.fetchmany(_BATCH)
            for row in map(_Row._make, batch):
                beyond += row.rank > within
                band = _band(row, words, typed)
                if band and row.rowid not in found and _passes(row, parsed):
                    found[row.rowid] = (band + _closeness(row, wanted), row)
            if len(batch) < _BATCH:
                break
        cursor.close()
    return sorted(found.values(), key=lambda pair: (-pair[0], not pair[1].is_note, pair[1].path))


def _exact_within(wanted: str) -> int:
    """The longest name that can still be ``wanted`` (tokens joined by spaces) word for
    word: other separators, punctuation around, decomposed accents."""
    return 2 * len(wanted) + 4


def _name_keys(query: str, wanted: str) -> list[str]:
    """The look-up keys (``lookup_key``, ``alias.key``: lowercased) of names that are the
    query: as typed, and its words joined by the usual separators."""
    words = wanted.split()
    typed = " ".join(query.split()).lower()
    return list(dict.fromkeys([typed, *(sep.join(words) for sep in (" ", "-", "_", ".", ""))]))


# The length of a file's name, or of its title when shorter (a note's): what orders the
# candidates of a band (``f``: file_metadata); then with its shortest alias.
_NAME_LENGTH = (
    "CASE WHEN f.is_note THEN min(length(f.filename) - length(f.extension) - 1,"
    " length(coalesce(f.title, f.filename))) ELSE length(f.filename) END"
)
_ALIAS_CLOSENESS = (
    f"min({_NAME_LENGTH}, coalesce((SELECT min(length(a.alias)) FROM alias a"
    " WHERE a.file_id = f.id), length(f.filename)))"
)


def _band_columns(source: str, closeness: str) -> str:
    """The ``_Row`` of each file of ``source`` (an SQL table expression of files ``f``,
    closest first), its name and aliases read from the files tables."""
    return (
        "SELECT r.rowid, r.path, r.is_note, r.title, r.body_line, r.name, r.title,"
        " coalesce((SELECT group_concat(a.alias, char(10)) FROM alias a"
        " WHERE a.file_id = r.id), ''), r.closeness, 1 FROM ("
        "SELECT f.rowid, f.id, f.path, f.is_note, f.title, f.body_line,"
        " CASE WHEN f.is_note THEN substr(f.filename, 1, length(f.filename)"
        f" - length(f.extension) - 1) ELSE f.filename END AS name, {closeness} AS closeness"
        f" FROM {source} ORDER BY closeness, f.path) r"
    )


def _keyed_sql(keep: str, excluded: str, keys: int) -> str:
    """The files whose look-up key or an alias's is one of ``keys`` (parameters: the keys
    twice, those of ``keep``, those of ``excluded``), found by key before any filter."""
    marks = ", ".join("?" * keys)
    source = (
        f"(SELECT rowid FROM file_metadata WHERE lookup_key IN ({marks}) UNION"
        f" SELECT m.rowid FROM alias a JOIN file_metadata m ON m.id = a.file_id"
        f" WHERE a.key IN ({marks})) k JOIN file_metadata f ON f.rowid = k.rowid"
        f" WHERE {keep}{excluded}"
    )
    return _band_columns(source, _ALIAS_CLOSENESS)


def _candidates_sql(keep: str, excluded: str, closeness: str) -> str:
    """The files matching an FTS5 expression, the last ones added at most (parameters: the
    expression, how many, those of ``keep``, those of ``excluded``)."""
    source = (
        "(SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC"
        f" LIMIT ?) s JOIN file_metadata f ON f.rowid = s.rowid WHERE {keep}{excluded}"
    )
    return _band_columns(source, closeness)


def _closeness(row: _Row, wanted: str) -> float:
    """The relevance of a file within its name band: the share of its name (``row.rank``:
    the length of its name, title or alias) that the query covers."""
    return _MAX_RELEVANCE * min(1.0, len(wanted) / max(1, row.rank))


def _ranking_sql(keep: str, excluded: str, *, bounded: bool = False) -> str:
    """The files matching an FTS5 expression, ranked by bm25 (parameters: those of ``keep``,
    the expression, those of ``excluded``, with ``bounded`` the lowest rowid ranked, then
    LIMIT and OFFSET)."""
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    # Ranked by FTS5 alone, a batch at a time; only the batch is joined with its files (the
    # filters only mark rows, so that a short batch means the end).
    return (
        "SELECT s.rowid, f.path, f.is_note, f.title, f.body_line, s.name, s.title, s.aliases,"
        f" s.rank, {keep} FROM (SELECT rowid, file_id, name, title, aliases,"
        f" bm25(search_index, {weights}) AS rank FROM search_index"
        f" WHERE search_index MATCH ?{excluded}{' AND rowid >= ?' if bounded else ''}"
        " ORDER BY rank LIMIT ? OFFSET ?) s"
        " LEFT JOIN file_metadata f ON f.id = s.file_id ORDER BY s.rank, f.is_note DESC, f.path"
    )


def _rank_bound(conn: sqlite3.Connection, match: str) -> int | None:
    """The lowest rowid of the :data:`RANKED_AT_MOST` matches of ``match`` added last, or
    None when there are no more matches than that."""
    found = conn.execute(
        "SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC"
        " LIMIT 1 OFFSET ?",
        (match, RANKED_AT_MOST - 1),
    ).fetchone()
    return None if found is None else int(found[0])


def _match_bound(conn: sqlite3.Connection, parsed: SearchQuery, match: str) -> int | None:
    """:func:`_rank_bound` of ``match``, the query's expression, answered without it when
    the query without its prefixes matches no more files than the cap: a prefix costs the
    index a merge of the lists of every word it stands for, which ranking does once more."""
    others = parsed.without_prefixes_fts()
    if others is not None and _rank_bound(conn, others) is None:
        return None
    return _rank_bound(conn, match)


def _rest(
    conn: sqlite3.Connection,
    parsed: SearchQuery,
    keep: tuple[str, list[object]],
    excluded: tuple[str, list[object]],
    match: str,
    seen: set[int],
) -> Callable[[int], list[tuple[float, _Row]]]:
    """The hits after the name bands, with their scores: a function of how many are wanted.

    bm25 scores every match before the cut, so a word that most files hold would cost a
    score per file. Past :data:`RANKED_AT_MOST` matches, the files holding the words in a
    name, title, alias or tag come first, closest name first, then the others by relevance,
    each among the :data:`RANKED_AT_MOST` added to the index last: the cost no longer grows
    with the notebook (docs/cli.md, "Ranking"). Only when filters leave too few of those are
    all the matches ranked.
    """

    def take(expression: str, bound: int | None, wanted: int) -> list[tuple[float, _Row]]:
        sql = _ranking_sql(keep[0], excluded[0], bounded=bound is not None)
        params = [*keep[1], expression, *excluded[1], *([bound] if bound is not None else [])]
        rows = _take(conn, sql, params, parsed, wanted, seen)
        seen.update(row.rowid for row in rows)
        return [(_relevance(row), row) for row in rows]

    def named(expression: str, wanted: int) -> list[tuple[float, _Row]]:
        without = _without_excluded(parsed, "f.rowid")
        sql = _candidates_sql(keep[0], without[0], _NAME_LENGTH)
        cursor = conn.execute(sql, [expression, RANKED_AT_MOST, *keep[1], *without[1]])
        words = " ".join(token for group in parsed.groups for token in group[0].tokens)
        rows: list[tuple[float, _Row]] = []
        while len(rows) < wanted:
            batch = cursor.fetchmany(_BATCH)
            for row in map(_Row._make, batch):
                if row.rowid not in seen and _passes(row, parsed) and len(rows) < wanted:
                    seen.add(row.rowid)
                    rows.append((_closeness(row, words), row))
            if len(batch) < _BATCH:
                break
        cursor.close()
        return rows

    def rest(wanted: int) -> list[tuple[float, _Row]]:
        # Past the cap when the words taken whole are: they match some of the same files.
        whole = parsed.whole_words_fts()
        bound = None
        if whole is None or _rank_bound(conn, whole) is None:
            bound = _match_bound(conn, parsed, match)
            if bound is None:
                return take(match, None, wanted)
        expression = parsed.named_fts()
        rows = named(expression, wanted) if expression else []
        if len(rows) < wanted:
            lowest = _rank_bound(conn, match) if bound is None else bound
            rows += take(match, lowest, wanted - len(rows))
        if len(rows) < wanted:  # then past the filters
            rows += take(match, None, wanted - len(rows))
        return rows

    return rest


def _take(
    conn: sqlite3.Connection,
    sql: str,
    params: list[object],
    parsed: SearchQuery,
    limit: int,
    skip: set[int] | frozenset[int] = frozenset(),
) -> list[_Row]:
    """Up to ``limit`` rows of ``sql`` (whose last parameters are LIMIT and OFFSET) that pass
    the filters, read in batches: most queries need one."""
    rows: list[_Row] = []
    offset = 0
    while len(rows) < limit:
        batch = conn.execute(sql, [*params, _BATCH, offset]).fetchall()
        for row in map(_Row._make, batch):
            if row.rowid not in skip and _passes(row, parsed):
                rows.append(row)
                if len(rows) == limit:
                    break
        if len(batch) < _BATCH:
            break
        offset += _BATCH
    return rows


def _passes(row: _Row, parsed: SearchQuery) -> bool:
    """The SQL filters, and the folders of ``path:`` (from the start of a folder name)."""
    if not row.keep:
        return False
    return not (parsed.paths or parsed.excluded_paths) or parsed.accepts_path(row.path)


def _text(conn: sqlite3.Connection, rowid: int) -> tuple[str, str]:
    """The full-text content and tags of a file."""
    found = conn.execute("SELECT content, tags FROM search_index WHERE rowid = ?", (rowid,))
    content, tags = found.fetchone() or ("", "")
    return content or "", tags or ""


def _relevance(row: _Row) -> float:
    return min(0.0 - row.rank, _MAX_RELEVANCE)  # not -rank: a listing's 0.0 stays 0.0


def _band(row: _Row, words: tuple[Term, ...], typed: str) -> float:
    """The score band of a file for the query ``words`` (``typed``: the query folded, spaces
    collapsed), by its name, title and aliases."""
    if row.is_note:
        level = _name_match(row.name, words)
        if " ".join(fold(row.name).split()) == typed:  # whatever the words read as
            level = _VERBATIM
        title = _name_match(row.title, words)
        aliases = (a for a in row.aliases.split("\n") if a)
        if title == _EXACT_NAME or any(_name_match(a, words) == _EXACT_NAME for a in aliases):
            level = max(level, _EXACT_TITLE)
        elif title == _PREFIX:
            level = max(level, _PREFIX)
        return _NOTE_BANDS.get(level, 0.0)
    stem = posixpath.splitext(row.name)[0]
    level = max(_name_match(row.name, words), _name_match(stem, words))
    return _ATTACHMENT_BANDS.get(level, 0.0)


def _name_match(text: str, words: tuple[Term, ...]) -> int:
    """``_EXACT_NAME`` if the words of ``text`` are the query ``words``, ``_PREFIX`` if they
    start with them, else 0."""
    wanted = [token for term in words for token in term.tokens]
    found = tokens(text)
    if len(found) < len(wanted) or found[: len(wanted) - 1] != wanted[:-1]:
        return 0
    literals = [term.literal for term in words if term.literal is not None]
    if literals and not all(literal in fold(text) for literal in literals):
        return 0
    if found == wanted:
        return _EXACT_NAME
    return _PREFIX if found[len(wanted) - 1].startswith(wanted[-1]) else 0


def _hit(
    conn: sqlite3.Connection, row: _Row, score: float, highlighter: re.Pattern[str] | None
) -> SearchHit:
    content, tags = _text(conn, row.rowid)
    body = content.split(METADATA_MARK, 1)[0]  # metadata text has no position in the file
    line, start, end = _locate(body, highlighter, row.body_line)
    snippet, matches = _snippet(body, highlighter) if highlighter else ("", ())
    return SearchHit(
        row.path,
        row.title,
        snippet,
        round(score, 4),
        line,
        start,
        end,
        tuple(tags.split()),
        matches,
    )


def _locate(body: str, highlighter: re.Pattern[str] | None, body_line: int) -> tuple[int, int, int]:
    """Line and UTF-16 columns of the first match in the body (the body's first line, columns
    0-0, when the match is elsewhere)."""
    found = find_first(body, highlighter) if highlighter else None
    if found is None:
        return body_line, 0, 0
    start, end = found
    line_start = body.rfind("\n", 0, start) + 1
    line = body_line + body.count("\n", 0, start)
    return line, utf16_len(body[line_start:start]), utf16_len(body[line_start:end])


_WORDS = re.compile(r"\S+")
_LOOK_BACK = 300  # characters before the first match searched for the words shown before it


def _snippet(body: str, highlighter: re.Pattern[str]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Up to ``SNIPPET_WORDS`` words of the body (comments left out) around its first match,
    whitespace collapsed, ``…`` where cut; and the matches in it as UTF-16 offsets."""
    visible = mask_comments(body)
    first = find_first(visible, highlighter)
    at = first[0] if first is not None else 0
    head_start = max(0, at - _LOOK_BACK)
    head = visible[head_start:at]
    before = [head_start + m.start() for m in _WORDS.finditer(head)]
    # The word the match is in starts where the last word of ``head`` does, if they touch.
    current = before.pop() if head and not head[-1].isspace() else at
    start = (before[-_SNIPPET_BEFORE:] or [current])[0]
    words = []
    for found in _WORDS.finditer(visible, start):
        words.append(found.group())
        if len(words) > SNIPPET_WORDS:
            break
    text = " ".join(words[:SNIPPET_WORDS])
    if visible[:start].strip():
        text = "…" + text
    if len(words) > SNIPPET_WORDS:
        text += "…"
    matches = tuple(
        (utf16_len(text[:s]), utf16_len(text[:e])) for s, e in find_all(text, highlighter)
    )
    return text, matches


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


def link_issues(
    conn: sqlite3.Connection, path: str | None = None, *, strict: bool = False
) -> list[Issue]:
    """Broken, broken-anchor and ambiguous links (of one file, or of the whole notebook).

    An ambiguous link with a clear winner (``has_clear_winner``) counts only when ``strict``.
    """
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
        if status == "ambiguous" and not strict and has_clear_winner(target_path, related, source):
            continue
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


def check(conn: sqlite3.Connection, *, strict: bool = False) -> list[Issue]:
    """Every issue in the notebook, sorted by path and position; ``strict`` adds the ambiguous
    links that resolve without a choice."""
    from .schema_store import stored_schema_problems  # frontmatter schemas (docs/schema.md)

    issues = link_issues(conn, strict=strict) + stored_problems(conn)
    issues += stored_schema_problems(conn)
    return sorted(issues, key=lambda i: (i.path, i.line, i.character, i.code))
