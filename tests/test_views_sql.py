"""Views over a real index: SQL narrowing agrees with the Python evaluator (differential,
Hypothesis), records carry tags/links/backlinks, tasks, view sources and materialization."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codex_lsp.core.views.engine import ViewInvalid, matches
from codex_lsp.core.views.evaluate import Evaluator
from codex_lsp.core.views.spec import read_view_file
from codex_lsp.storage import views
from codex_lsp.storage.indexer import Indexer
from codex_lsp.storage.notebooks import Notebook
from codex_lsp.storage.view_sql import compile_filters
from gitrepo import AUTHOR, commit, init_repo, isolate_git, requires_git, write

NOW = dt.datetime(2026, 3, 10)
ALL = views.Needs(tags=True, links=True, backlinks=True, ctime=False)

KEYS = ["status", "n", "flag", "two words"]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 3),
    st.sampled_from([0.5, 2.5, -1.5]),
    st.sampled_from(["a", "b", "A", "", "2026-01-01", "é", "a b"]),
    st.lists(st.sampled_from(["a", "b", "x"]), max_size=2),
)
FOLDERS = st.sampled_from(["", "a", "a/b", "A", "ab"])
TAGS = st.lists(st.sampled_from(["x", "x/y", "X/z", "y", "xy", "x_y"]), max_size=3)
NOTES = st.lists(
    st.tuples(FOLDERS, st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=4), TAGS),
    max_size=8,
)


def _prop() -> st.SearchStrategy[str]:
    return st.sampled_from(["status", "n", "flag", 'note["two words"]', "note.status", "ghost"])


LITERALS = st.sampled_from(
    ['"a"', '"A"', '""', '"2026-01-01"', '"é"', "0", "1", "2.5", "-1", "true", "false", "null"]
)
ATOMS = st.one_of(
    st.builds(
        lambda p, op, lit, flip: f"{lit} {op} {p}" if flip else f"{p} {op} {lit}",
        _prop(),
        st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
        LITERALS,
        st.booleans(),
    ),
    st.builds(lambda t: f'file.hasTag("{t}")', st.sampled_from(["x", "X", "x/y", "#y", "x_", "z"])),
    st.builds(lambda f: f'file.inFolder("{f}")', st.sampled_from(["", "a", "a/b", "A", "a/"])),
    st.builds(lambda p: f'file.hasProperty("{p}")', st.sampled_from([*KEYS, "ghost"])),
    st.builds(lambda i: f'file.path == "a/n{i}.md"', st.integers(0, 3)),
    st.sampled_from(["true", "false"]),
    # Not compilable: these make the SQL side narrow only what it can and leave the rest.
    st.sampled_from(['status.lower() == "a"', "n + 1 > 2", "flag", "file.tags.length > 1"]),
)
EXPRS = st.recursive(
    ATOMS,
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a}) && ({b})", inner, inner),
        st.builds(lambda a, b: f"({a}) || ({b})", inner, inner),
        st.builds(lambda a: f"!({a})", inner),
    ),
    max_leaves=5,
)
FILTERS = st.recursive(
    EXPRS.map(json.dumps),
    lambda inner: st.builds(
        lambda kind, items: "{" + kind + ": [" + ", ".join(items) + "]}",
        st.sampled_from(["and", "or", "not"]),
        st.lists(inner, max_size=3),
    ),
    max_leaves=4,
)


def write_notebook(root: Path, notes: list[tuple[str, dict[str, object], list[str]]]) -> None:
    """Notes ``FOLDER/nI.md`` with the given frontmatter and inline tags."""
    for i, (folder, props, tags) in enumerate(notes):
        path = root / folder / f"n{i}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        front = "".join(f"{json.dumps(k)}: {json.dumps(v)}\n" for k, v in props.items())
        body = " ".join("#" + t for t in tags)
        link = f"[[n{(i + 1) % len(notes)}]]"
        path.write_text(f"---\n{front}---\n\ntext {body} {link}\n", encoding="utf-8")


@contextmanager
def indexed(
    notes: list[tuple[str, dict[str, object], list[str]]],
) -> Iterator[tuple[Indexer, Path]]:
    """A fresh notebook of ``notes``, indexed."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".codex").mkdir()
        write_notebook(root, notes)
        indexer = Indexer(Notebook(root, explicit=True))
        try:
            indexer.index()
            yield indexer, root
        finally:
            indexer.close()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(NOTES, FILTERS)
def test_sql_and_python_agree(
    notes: list[tuple[str, dict[str, object], list[str]]], filter_text: str
) -> None:
    file = read_view_file(f"filters: {filter_text}\n")
    assert [p for p in file.problems if p.severity == "error"] == []
    with indexed(notes) as (indexer, root):
        everything = views.load_records(indexer.conn, root, ALL)
        evaluator = Evaluator({}, NOW)
        expected = sorted(r.path for r in everything if matches(evaluator, file.filters, r))
        compiled = compile_filters([file.filters])
        if compiled is not None:
            narrowed = views.load_records(indexer.conn, root, ALL, compiled.sql, compiled.params)
            chosen = {r.path for r in narrowed}
            # SQL never drops a note the evaluator keeps, and selects exactly when it says so.
            assert set(expected) <= chosen
            if compiled.exact:
                assert sorted(chosen) == expected
        result = views.query(indexer.conn, root, file, None, NOW)
        assert sorted(r.path for r in result.rows) == expected


def test_exact_compilation_of_common_filters() -> None:
    file = read_view_file(
        'filters:\n  and:\n    - \'status == "running"\'\n    - file.hasTag("assay")\n'
        '    - file.inFolder("experiments")\n    - \'n >= 2 || !file.hasProperty("n")\'\n'
    )
    compiled = compile_filters([file.filters])
    assert compiled is not None and compiled.exact


def test_records_carry_tags_links_backlinks(lab_notebook: Path) -> None:
    indexer = Indexer(Notebook(lab_notebook, explicit=True))
    try:
        indexer.index()
        records = {r.path: r for r in views.load_records(indexer.conn, lab_notebook, ALL)}
    finally:
        indexer.close()
    exp = records["experiments/EXP-014 HEK293 transfection.md"]
    assert {"experiment", "cell-line/hek293", "sample/plasmid"} <= set(exp.tags)
    assert "protocols/Cell culture passaging.md" in exp.links
    assert "Western blot" in exp.links  # unresolved links keep their text
    assert "experiments/EXP-014 HEK293 transfection.md" in {
        link for r in records.values() for link in r.links
    }
    assert any(b.endswith(".md") for b in records["protocols/Cell culture passaging.md"].backlinks)
    assert exp.properties["status"] == "planned"


def test_tasks_source(lab_notebook: Path) -> None:
    file = read_view_file(
        "source: tasks\nviews:\n  - name: Open\n    filters: '!done'\n"
        "    order: [text, note, line]\n"
    )
    indexer = Indexer(Notebook(lab_notebook, explicit=True))
    try:
        indexer.index()
        result = views.query(indexer.conn, lab_notebook, file, "Open", NOW)
    finally:
        indexer.close()
    rows = [(r.path, r.values["note.note"], r.values["note.line"], r.line) for r in result.rows]
    assert (
        "projects/Plasmid library screen.md",
        "Plasmid library screen",
        28,
        27,
    ) in rows
    assert all(r.values["note.text"] for r in result.rows)


def test_query_refuses_invalid_files(lab_notebook: Path) -> None:
    indexer = Indexer(Notebook(lab_notebook, explicit=True))
    try:
        indexer.index()
        with pytest.raises(ViewInvalid, match="unknown function 'nope'"):
            views.query(indexer.conn, lab_notebook, read_view_file("filters: nope()"), None, NOW)
        with pytest.raises(ViewInvalid, match="no view named 'X'"):
            views.query(indexer.conn, lab_notebook, read_view_file("views: [{name: A}]"), "X", NOW)
        infos = views.property_infos(indexer.conn)
    finally:
        indexer.close()
    assert infos["status"].kind == "string" and infos["status"].count >= 7
    assert infos["date"].kind == "date"
    assert infos["aliases"].kind == "list"
    assert infos["tags"].kind == "any"  # one note has `tags: text`


@pytest.mark.parametrize(
    "target",
    ["../outside.cdx", "/etc/passwd.cdx", "views/Experiments.md", "views/missing.cdx"],
)
def test_marker_paths_stay_in_the_notebook(lab_notebook: Path, target: str) -> None:
    (lab_notebook.parent / "outside.cdx").write_text("filters: 'true'\n")
    note = f"<!-- codex:view {target} -->\n<!-- /codex:view -->\n"
    indexer = Indexer(Notebook(lab_notebook, explicit=True))
    try:
        indexer.index()
        out = views.refreshed(indexer.conn, lab_notebook, "x.md", note, NOW)
    finally:
        indexer.close()
    assert out.startswith(f"<!-- codex:view {target} -->\n_codex:view error: {target}: ")


def test_results_follow_changes_of_the_index(lab_notebook: Path) -> None:
    """Records are reused between queries only while the index is unchanged, whichever
    connection changed it."""
    file = read_view_file("filters: 'status == \"planned\"'\n")
    over_all = read_view_file("views: [{order: [file.name, status]}]\n")
    exp = lab_notebook / "experiments" / "EXP-014 HEK293 transfection.md"
    reader_index = Indexer(Notebook(lab_notebook, explicit=True))
    try:
        reader_index.index()
        reader = reader_index.conn

        def planned() -> list[str]:
            return sorted(r.path for r in views.query(reader, lab_notebook, file, None, NOW).rows)

        def status_of_exp() -> object:
            rows = views.query(reader, lab_notebook, over_all, None, NOW).rows
            return next(r.values["note.status"] for r in rows if r.path.endswith(exp.name))

        assert "experiments/EXP-014 HEK293 transfection.md" in planned()
        assert status_of_exp() == "planned"
        # The same connection writes.
        exp.write_text(exp.read_text().replace("status: planned", "status: running"))
        reader_index.update_paths(["experiments/EXP-014 HEK293 transfection.md"])
        assert "experiments/EXP-014 HEK293 transfection.md" not in planned()
        assert status_of_exp() == "running"
        # Another connection (the server's writer thread) writes.
        writer = Indexer(Notebook(lab_notebook, explicit=True))
        try:
            exp.write_text(exp.read_text().replace("status: running", "status: failed"))
            writer.update_paths(["experiments/EXP-014 HEK293 transfection.md"])
        finally:
            writer.close()
        assert status_of_exp() == "failed"
    finally:
        reader_index.close()


@requires_git
def test_git_date_and_author(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(monkeypatch)
    root = init_repo(tmp_path / "nb")
    write(root / ".codex/config.yaml", "")
    write(root / ".gitignore", ".codex/notebook.db*\n")
    write(root / "old.md", "# Old\n")
    commit(root, "old", date=dt.datetime(2026, 1, 5, 12, 0))
    write(root / "new.md", "# New\n")
    commit(root, "new", date=dt.datetime(2026, 3, 9, 12, 0))
    write(root / "loose.md", "# Not committed\n")
    file = read_view_file(
        "filters: 'git.date > date(\"2026-02-01\") || git.date == null'\n"
        "views: [{order: [file.name, git.author, git.date], sort: [file.name]}]\n"
    )
    indexer = Indexer(Notebook(root, explicit=True))
    try:
        indexer.index()
        result = views.query(indexer.conn, root, file, None, NOW)
    finally:
        indexer.close()
    assert [(r.path, r.values["git.author"]) for r in result.rows] == [
        ("loose.md", None),
        ("new.md", AUTHOR),
    ]
    assert str(result.rows[1].values["git.date"]).startswith("2026-03-09")
