"""Real vaults written by other people (../shared/corpora): index them, check sanity.

The corpora are implicit notebooks (no ``.codex/``), so their databases go to a private
``$XDG_CACHE_HOME``; nothing may be written into the corpus folders.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from codex_lsp.storage.indexer import Indexer, IndexStats
from codex_lsp.storage.notebooks import Notebook
from codex_testing import CORPORA_DIR

NAMES = (
    sorted(p.name for p in CORPORA_DIR.iterdir() if p.is_dir() and not p.name.startswith("."))
    if CORPORA_DIR.is_dir()
    else []
)
# Links counted for the resolved share: wiki links, ![[embeds]] and [[links]] in frontmatter.
WIKI_KINDS = ("wiki", "embed", "frontmatter")
# The share of those links that resolve (or resolve among several matches), as measured on
# each corpus: a rule change that moves one by more than SHARE_TOLERANCE points must say so
# here. (The corpora README's own figures count links another way: several points apart.)
MEASURED_SHARE = {
    "dendron-vault": 86.6,
    "foam-docs": 99.0,
    "kepano-obsidian": 40.7,
    "quartz-docs": 84.8,
    "ttrpg-share": 10.2,
}
SHARE_TOLERANCE = 2.0
KNOWN_DEVIATIONS: dict[str, str] = {}


def corpus_params() -> list[object]:
    if not NAMES:
        return [pytest.param("(none)", id="no-corpora")]
    return NAMES


def share_params() -> list[object]:
    return [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_DEVIATIONS[name]))
        if name in KNOWN_DEVIATIONS
        else name
        for name in corpus_params()
    ]


@dataclass
class Indexed:
    root: Path
    stats: IndexStats
    db: Path
    before: dict[str, tuple[int, int]]


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``root`` with its size and modification time."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            info = path.lstat()
            found[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns)
    return found


def markdown_files(root: Path) -> list[Path]:
    """``.md`` files outside hidden folders (what the scanner must index as notes)."""
    return [
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in (".md", ".markdown")
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]


@pytest.fixture(scope="module")
def cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    cache = tmp_path_factory.mktemp("corpora-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(cache))
        yield cache


@pytest.fixture(scope="module")
def indexed_corpora(cache_home: Path) -> dict[str, Indexed]:
    return {}


@pytest.fixture
def corpus(request: pytest.FixtureRequest, corpora_dir: Path, cache_home: Path,
           indexed_corpora: dict[str, Indexed]) -> Indexed:  # fmt: skip
    """The named corpus, indexed once per module."""
    name = request.param
    if name not in indexed_corpora:
        root = corpora_dir / name
        before = snapshot(root)
        indexer = Indexer(Notebook(root, explicit=False))
        try:
            stats = indexer.index()
        finally:
            indexer.close()
        db = indexer.notebook.db_path
        assert db.is_relative_to(cache_home), db
        indexed_corpora[name] = Indexed(root, stats, db, before)
    return indexed_corpora[name]


def link_counts(db: Path) -> dict[str, dict[str, int]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT kind, status, count(*) FROM link GROUP BY kind, status")
        counts: dict[str, dict[str, int]] = {}
        for kind, status, number in rows:
            counts.setdefault(kind, {})[status] = number
        return counts
    finally:
        conn.close()


def resolved_share(counts: dict[str, dict[str, int]]) -> tuple[int, float]:
    total = sum(sum(counts.get(kind, {}).values()) for kind in WIKI_KINDS)
    found = sum(
        counts.get(kind, {}).get(status, 0)
        for kind in WIKI_KINDS
        for status in ("resolved", "ambiguous")
    )
    return total, (100.0 * found / total if total else 0.0)


@pytest.mark.parametrize("corpus", corpus_params(), indirect=True)
def test_index_corpus(corpus: Indexed) -> None:
    stats = corpus.stats
    assert stats.warnings == []
    assert stats.notes == len(markdown_files(corpus.root))
    assert stats.added == stats.notes + stats.attachments
    assert snapshot(corpus.root) == corpus.before, "something was written into the corpus"
    assert not (corpus.root / ".codex").exists()
    conn = sqlite3.connect(corpus.db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        live = conn.execute("SELECT count(*) FROM file_metadata WHERE deleted_at IS NULL")
        assert live.fetchone()[0] == stats.notes + stats.attachments
        assert conn.execute("SELECT count(*) FROM link WHERE status IS NULL").fetchone()[0] == 0
    finally:
        conn.close()
    again = Indexer(Notebook(corpus.root, explicit=False))
    try:
        rerun = again.index()
    finally:
        again.close()
    assert (rerun.added, rerun.modified, rerun.removed, rerun.moved) == (0, 0, 0, 0)
    assert (rerun.links, rerun.broken_links) == (stats.links, stats.broken_links)


@pytest.mark.parametrize("corpus", share_params(), indirect=True)
def test_resolved_share_is_the_measured_one(corpus: Indexed) -> None:
    counts = link_counts(corpus.db)
    total, share = resolved_share(counts)
    print(
        f"{corpus.root.name}: {corpus.stats.notes} notes, {total} wiki links/embeds/frontmatter"
        f" links, resolved share {share:.1f}%, by kind {counts}"
    )
    expected = MEASURED_SHARE.get(corpus.root.name)
    assert expected is not None, f"measure {corpus.root.name} and pin it in MEASURED_SHARE"
    assert total > 0
    assert abs(share - expected) <= SHARE_TOLERANCE, (share, expected)


@pytest.mark.parametrize("corpus", ["kepano-obsidian"], indirect=True)
def test_kepano_invalid_yaml_is_found(corpus: Indexed) -> None:
    conn = sqlite3.connect(corpus.db)
    try:
        rows = conn.execute(
            "SELECT path, start_line FROM problem WHERE code = 'yaml-invalid'"
        ).fetchall()
        frontmatter_links = conn.execute(
            "SELECT count(*) FROM link WHERE kind = 'frontmatter'"
        ).fetchone()[0]
    finally:
        conn.close()
    assert len(rows) == 28  # the README counts 28 notes with invalid YAML ({{date}} etc.)
    assert all(line >= 1 for _, line in rows)  # inside the frontmatter, after the "---"
    assert frontmatter_links >= 100  # README: 134 links inside frontmatter


@pytest.mark.parametrize("corpus", corpus_params(), indirect=True)
def test_cli_check_json_on_corpus(corpus: Indexed, cache_home: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "codex_lsp", "check", str(corpus.root), "--format", "json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "XDG_CACHE_HOME": str(cache_home)},
        timeout=300,
    )
    assert result.returncode in (0, 1), result.stderr
    data = json.loads(result.stdout)
    issues = data["issues"]
    assert data["errors"] + data["warnings"] == len(issues)
    assert data["errors"] == sum(1 for issue in issues if issue["severity"] == "error")
    assert result.returncode == (1 if data["errors"] else 0)
    assert all(issue["file"].startswith(str(corpus.root)) for issue in issues)
    assert snapshot(corpus.root) == corpus.before, "something was written into the corpus"
