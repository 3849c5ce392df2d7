"""The ``codex-lsp`` command line, run as a real process on a copy of the example notebook."""

from __future__ import annotations

import argparse
import json
import os
import pty
import re
import shutil
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from codex_lsp.cli.main import build_parser
from codex_lsp.cli.progress import MIN_FILES
from codex_lsp.storage.indexer import IndexStats
from codex_testing import cli

EXP_014 = "experiments/EXP-014 HEK293 transfection.md"
GEL_CHECK = "experiments/2026-03-05 Gel check of PCR products.md"
DAILY_0309 = "daily/2026-03-09.md"
HIT_KEYS = {
    "path",
    "snippet_matches",
    "title",
    "snippet",
    "score",
    "line",
    "character",
    "end_character",
    "tags",
    "notebook",
    "file",
}
ISSUE_KEYS = {
    "path",
    "line",
    "character",
    "end_line",
    "end_character",
    "severity",
    "code",
    "message",
    "related",
    "notebook",
    "file",
}


@pytest.fixture
def cache_home(tmp_path: Path) -> Path:
    """An empty XDG cache folder for the child processes (implicit notebooks go there)."""
    path = tmp_path / "xdg-cache"
    path.mkdir()
    return path


def as_json(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def fix_broken_links(root: Path) -> None:
    for rel, old, new in (
        (EXP_014, "[[Western blot]]", "[[Gel electrophoresis]]"),
        (GEL_CHECK, "#Nonexistent section]]", "#Thermal cycling]]"),
    ):
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")


# -- index ---------------------------------------------------------------------------------


def test_index_text(lab_notebook: Path, cache_home: Path) -> None:
    result = cli("index", lab_notebook, cache=cache_home)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == f"{lab_notebook}  (notebook)"
    assert lines[1] == "  26 notes, 5 attachments, 158 links (2 broken, 1 ambiguous), 22 tags"
    assert re.fullmatch(r"  31 added, 0 modified, 0 removed, 0 moved in \d+\.\d\d s", lines[2])
    assert len(lines) == 3
    again = cli("index", lab_notebook, cache=cache_home)
    assert "  0 added, 0 modified, 0 removed, 0 moved" in again.stdout


def test_index_json(lab_notebook: Path, cache_home: Path) -> None:
    result = cli("index", lab_notebook, "--json", cache=cache_home)
    assert result.returncode == 0, result.stderr
    data = as_json(result)
    assert set(data) == {"notebooks"}
    [notebook] = data["notebooks"]  # type: ignore[misc]
    assert set(notebook) == {"root", "database", "explicit", "stats"}
    assert notebook["root"] == str(lab_notebook)
    assert notebook["database"] == str(lab_notebook / ".codex" / "notebook.db")
    assert notebook["explicit"] is True
    stats = notebook["stats"]
    assert set(stats) == {f.name for f in fields(IndexStats)}
    assert {k: stats[k] for k in ("notes", "attachments", "links", "added")} == {
        "notes": 26,
        "attachments": 5,
        "links": 158,
        "added": 31,
    }
    assert (stats["broken_links"], stats["ambiguous_links"], stats["tags"]) == (2, 1, 22)
    assert stats["warnings"] == []
    assert isinstance(stats["seconds"], float)
    full = as_json(cli("index", lab_notebook, "--full", "--json", cache=cache_home))
    assert full["notebooks"][0]["stats"]["modified"] == 31  # type: ignore[index]


def test_index_reports_config_warnings(lab_notebook: Path, cache_home: Path) -> None:
    config = lab_notebook / ".codex/config.yaml"
    config.write_text("exclude: 3\nmax_file_size: -1\ncolour: blue\n", encoding="utf-8")
    result = cli("index", lab_notebook, cache=cache_home)
    assert result.returncode == 0
    warnings = [line for line in result.stdout.splitlines() if "warning:" in line]
    assert len(warnings) == 3
    data = as_json(cli("index", lab_notebook, "--json", cache=cache_home))
    assert len(data["notebooks"][0]["stats"]["warnings"]) == 3  # type: ignore[index]


def test_index_implicit_and_nested_notebooks(tmp_path: Path, cache_home: Path) -> None:
    outer = tmp_path / "plain"
    (outer / "inner/.codex").mkdir(parents=True)
    (outer / "a.md").write_text("[[b]]\n", encoding="utf-8")
    (outer / "inner/b.md").write_text("#t\n", encoding="utf-8")
    data = as_json(cli("index", outer, "--json", cache=cache_home))
    notebooks = data["notebooks"]
    assert [(n["root"], n["explicit"]) for n in notebooks] == [  # type: ignore[attr-defined]
        (str(outer), False),
        (str(outer / "inner"), True),
    ]
    assert notebooks[0]["database"].startswith(str(cache_home / "codex-lsp"))  # type: ignore[index]
    assert notebooks[0]["stats"]["notes"] == 1  # type: ignore[index]
    assert notebooks[1]["stats"]["notes"] == 1  # type: ignore[index]
    assert sorted(p.name for p in outer.iterdir()) == ["a.md", "inner"]
    check = cli("check", outer, cache=cache_home)
    assert check.returncode == 1
    assert check.stdout.startswith("a.md:1:1: error: Broken link")
    tags = as_json(cli("tags", outer, "--json", cache=cache_home))
    assert tags == {"tags": [{"name": "t", "count": 1}]}


# -- search --------------------------------------------------------------------------------


def test_search_text(lab_notebook: Path, cache_home: Path) -> None:
    result = cli("search", lab_notebook, "transfection", cache=cache_home)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    first = re.fullmatch(r"(.+):(\d+):(\d+)  (.+)", lines[0])
    assert first is not None, lines[0]
    assert first.group(1) == EXP_014
    assert first.group(4) == "EXP-014 HEK293 transfection"
    line, column = int(first.group(2)), int(first.group(3))
    text = (lab_notebook / EXP_014).read_text(encoding="utf-8").split("\n")[line - 1]
    assert text[column - 1 :].lower().startswith("transfection")
    assert lines[1].startswith("    ") and "transfection" in lines[1]
    assert "[" not in lines[1] and "\x1b" not in result.stdout  # piped: no marks at all
    none = cli("search", lab_notebook, "xylophone", cache=cache_home)
    assert (none.returncode, none.stdout) == (0, "no matches\n")


def test_search_text_marks_matches_in_bold_on_a_terminal(
    lab_notebook: Path, cache_home: Path
) -> None:
    main, child = pty.openpty()
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home), "PYTHONIOENCODING": "utf-8"}
    with subprocess.Popen(
        [sys.executable, "-m", "codex_lsp", "search", str(lab_notebook), "transfection"],
        stdout=child,
        stderr=subprocess.DEVNULL,
        env=env,
    ) as process:
        os.close(child)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal is closed once the process has exited
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=120) == 0
    os.close(main)
    lines = b"".join(chunks).decode("utf-8").splitlines()
    snippet = next(line for line in lines if line.startswith("    "))
    assert "\x1b[1mtransfection\x1b[22m" in snippet.lower()


def test_search_paths_are_relative_to_the_given_folder(
    lab_notebook: Path, cache_home: Path
) -> None:
    result = cli("search", lab_notebook / "experiments", "transfection", cache=cache_home)
    assert result.stdout.splitlines()[0].startswith("EXP-014 HEK293 transfection.md:")
    # A hit outside the given folder (same notebook) is shown with its absolute path.
    elsewhere = cli("search", ".", "transfection", cache=cache_home, cwd=lab_notebook / "daily")
    assert elsewhere.stdout.splitlines()[0].startswith(f"{lab_notebook / EXP_014}:")


def test_search_json(lab_notebook: Path, cache_home: Path) -> None:
    result = cli(
        "search", lab_notebook, "pcr", "--tag", "assay", "--limit", "3", "--json", cache=cache_home
    )
    assert result.returncode == 0, result.stderr
    data = as_json(result)
    assert set(data) == {"query", "tags", "hits"}
    assert (data["query"], data["tags"]) == ("pcr", ["assay"])
    hits = data["hits"]
    assert isinstance(hits, list) and len(hits) == 3
    for hit in hits:
        assert set(hit) == HIT_KEYS
        assert hit["notebook"] == str(lab_notebook)
        assert hit["file"] == str(lab_notebook / hit["path"])
        assert any(t == "assay" or t.startswith("assay/") for t in hit["tags"])
        assert isinstance(hit["score"], float)
        units = hit["snippet"].encode("utf-16-le")
        for start, end in hit["snippet_matches"]:  # UTF-16 offsets of the matches
            assert units[2 * start : 2 * end].decode("utf-16-le").lower().startswith("pcr")
    assert any(hit["snippet_matches"] for hit in hits)
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True)


def test_search_options_before_or_after_the_query(lab_notebook: Path, cache_home: Path) -> None:
    after = cli("search", lab_notebook, "pcr", "--tag", "assay", "--json", cache=cache_home)
    before = cli("search", lab_notebook, "--tag", "assay", "--json", "pcr", cache=cache_home)
    first = cli("search", "--json", "--tag", "assay", lab_notebook, "pcr", cache=cache_home)
    for result in (after, before, first):
        assert result.returncode == 0, result.stderr
    assert as_json(after) == as_json(before) == as_json(first)
    assert as_json(after)["query"] == "pcr"
    dashed = cli("search", lab_notebook, "--json", "--", "-pcr", cache=cache_home)
    assert as_json(dashed)["query"] == "-pcr"
    for extra in (("a", "b"), ("--bogus",), ("--tag", "x", "-y"), ("x", "--limit", "0"),
                  ("x", "--limit", "-1"), ("x", "--limit", "many")):  # fmt: skip
        bad = cli("search", lab_notebook, *extra, cache=cache_home)
        assert bad.returncode == 2, extra
        assert "unrecognized arguments" in bad.stderr or "--limit" in bad.stderr
        assert bad.stdout == ""


def test_search_tag_only_and_hostile_queries(lab_notebook: Path, cache_home: Path) -> None:
    result = cli("search", lab_notebook, "--tag", "daily", "--json", cache=cache_home)
    data = as_json(result)
    assert len(data["hits"]) == 6  # type: ignore[arg-type]
    assert all(hit["score"] == 0 for hit in data["hits"])  # type: ignore[attr-defined]
    assert '"score": 0.0' in result.stdout and "-0.0" not in result.stdout
    for query in ('"unbalanced', "NEAR(a b", "a AND OR NOT", "*", "-x", "col:val", "^x", ")("):
        result = cli("search", lab_notebook, "--json", "--", query, cache=cache_home)
        assert result.returncode == 0, (query, result.stderr)
        as_json(result)


# -- tags ----------------------------------------------------------------------------------


def test_tags(lab_notebook: Path, cache_home: Path) -> None:
    data = as_json(cli("tags", lab_notebook, "--json", cache=cache_home))
    assert set(data) == {"tags"}
    tags = data["tags"]
    assert isinstance(tags, list) and len(tags) == 22
    assert all(set(tag) == {"name", "count"} for tag in tags)
    counts = {tag["name"]: tag["count"] for tag in tags}
    assert (counts["daily"], counts["experiment"]) == (6, 7)
    assert counts["data/qpcr"] == 1  # from the CSV's sidecar
    order = [(-tag["count"], tag["name"].lower()) for tag in tags]
    assert order == sorted(order)
    text = cli("tags", lab_notebook, cache=cache_home)
    assert text.returncode == 0
    lines = text.stdout.splitlines()
    assert len(lines) == 22
    assert all(re.fullmatch(r"#\S+ +\d+", line) for line in lines)
    assert re.fullmatch(r"#daily +6", next(line for line in lines if line.startswith("#daily ")))


# -- check ---------------------------------------------------------------------------------


def test_check_text(lab_notebook: Path, cache_home: Path) -> None:
    result = cli("check", lab_notebook, cache=cache_home)
    assert result.returncode == 1
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith(f"{DAILY_0309}:13:15: warning: Ambiguous link: 'Overview'")
    assert lines[0].endswith("[link-ambiguous]")
    assert "projects/imaging/Overview.md, projects/sequencing/Overview.md" in lines[0]
    assert lines[1].startswith(f"{GEL_CHECK}:31:")
    assert lines[1].endswith("error: Broken link: 'PCR amplification' has no heading "
                             "'Nonexistent section' [link-broken-anchor]")  # fmt: skip
    assert lines[2] == (
        f"{EXP_014}:19:38: error: Broken link: no note or file named 'Western blot' [link-broken]"
    )
    assert lines[3] == "2 errors, 1 warning"


def test_check_json(lab_notebook: Path, cache_home: Path) -> None:
    result = cli("check", lab_notebook, "--format", "json", cache=cache_home)
    assert result.returncode == 1
    data = as_json(result)
    assert set(data) == {"errors", "warnings", "issues"}
    assert (data["errors"], data["warnings"]) == (2, 1)
    issues = data["issues"]
    assert isinstance(issues, list)
    assert all(set(issue) == ISSUE_KEYS for issue in issues)
    got = [(i["path"], i["line"], i["character"], i["severity"], i["code"]) for i in issues]
    assert got == [
        (DAILY_0309, 12, 14, "warning", "link-ambiguous"),
        (GEL_CHECK, 30, 50, "error", "link-broken-anchor"),
        (EXP_014, 18, 37, "error", "link-broken"),
    ]
    ambiguous = issues[0]
    assert ambiguous["related"] == [
        "projects/imaging/Overview.md",
        "projects/sequencing/Overview.md",
    ]
    assert (ambiguous["end_line"], ambiguous["end_character"]) == (12, 14 + len("[[Overview]]"))
    assert ambiguous["file"] == str(lab_notebook / DAILY_0309)
    assert ambiguous["notebook"] == str(lab_notebook)


def test_check_strict_adds_ambiguous_links_that_resolve_without_a_choice(
    tmp_path: Path, cache_home: Path
) -> None:
    root = tmp_path / "vault"
    for rel, text in {
        "a/Note.md": "[[Topic]] [[Plan]]\n",  # Topic: the one beside it; Plan: the shallower one
        "a/Topic.md": "",
        "b/Topic.md": "",
        "Plan.md": "",
        "b/c/Plan.md": "",
        "d/Index.md": "[[Same]]\n",  # two candidates as deep as each other: no winner
        "e/Same.md": "",
        "f/Same.md": "",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    plain = cli("check", root, cache=cache_home)
    assert plain.stdout.splitlines() == [
        "d/Index.md:1:1: warning: Ambiguous link: 'Same' matches 2 files; using e/Same.md. "
        "Candidates: e/Same.md, f/Same.md [link-ambiguous]",
        "0 errors, 1 warning",
    ]
    strict = cli("check", root, "--strict", cache=cache_home)
    assert [line.split(": ")[0] for line in strict.stdout.splitlines()] == [
        "a/Note.md:1:1",
        "a/Note.md:1:11",
        "d/Index.md:1:1",
        "0 errors, 3 warnings",
    ]


def test_check_json_flag_is_format_json(lab_notebook: Path, cache_home: Path) -> None:
    flag = cli("check", lab_notebook, "--json", cache=cache_home)
    assert flag.returncode == 1
    assert as_json(flag) == as_json(
        cli("check", lab_notebook, "--format", "json", cache=cache_home)
    )


def test_check_of_a_vault_subfolder_resolves_links_in_the_whole_vault(
    tmp_path: Path, cache_home: Path
) -> None:
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "content/Math").mkdir(parents=True)
    (vault / "Sets.md").write_text("[[Nowhere]]\n", encoding="utf-8")
    (vault / "content/Math/Graphs.md").write_text("[[Sets]] [[Missing]]\n", encoding="utf-8")
    whole = as_json(cli("check", vault, "--json", cache=cache_home))
    assert [i["path"] for i in whole["issues"]] == ["Sets.md", "content/Math/Graphs.md"]  # type: ignore[index]
    part = cli("check", vault / "content/Math", cache=cache_home)
    assert part.stdout.splitlines() == [
        "Graphs.md:1:10: error: Broken link: no note or file named 'Missing' [link-broken]",
        "1 error, 0 warnings",
    ]
    one = as_json(cli("check", vault / "Sets.md", "--json", cache=cache_home))
    assert [i["path"] for i in one["issues"]] == ["Sets.md"]  # type: ignore[index]
    assert not (vault / ".codex").exists()  # a vault stays implicit: its index is in the cache
    assert list(cache_home.iterdir())


@pytest.mark.parametrize("corpus", ["kepano-obsidian", "foam-docs"])
def test_check_of_a_corpus_subfolder_equals_its_files_in_the_whole_vault(
    corpora_dir: Path, tmp_path: Path, cache_home: Path, corpus: str
) -> None:
    vault = tmp_path / corpus
    shutil.copytree(corpora_dir / corpus, vault)
    (vault / ".obsidian").mkdir()
    whole = as_json(cli("check", vault, "--json", cache=cache_home))["issues"]
    assert isinstance(whole, list)
    subfolders = sorted(p for p in vault.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert subfolders
    for folder in subfolders:
        part = as_json(cli("check", folder, "--json", cache=cache_home))["issues"]
        prefix = f"{folder.name}/"
        assert part == [issue for issue in whole if issue["path"].startswith(prefix)], folder


def test_check_passes_after_fixing_the_broken_links(lab_notebook: Path, cache_home: Path) -> None:
    assert cli("check", lab_notebook, cache=cache_home).returncode == 1
    fix_broken_links(lab_notebook)
    result = cli("check", lab_notebook, cache=cache_home)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "0 errors, 1 warning"
    data = as_json(cli("check", lab_notebook, "--format", "json", cache=cache_home))
    assert (data["errors"], data["warnings"]) == (0, 1)


def test_check_reports_invalid_frontmatter(lab_notebook: Path, cache_home: Path) -> None:
    (lab_notebook / "bad.md").write_text("---\ntitle: [unclosed\n---\n# Bad\n", encoding="utf-8")
    data = as_json(cli("check", lab_notebook, "--format", "json", cache=cache_home))
    bad = [i for i in data["issues"] if i["path"] == "bad.md"]  # type: ignore[attr-defined]
    assert [(i["code"], i["severity"]) for i in bad] == [("yaml-invalid", "error")]
    assert data["errors"] == 3


# -- init ----------------------------------------------------------------------------------


def test_init_creates_and_then_leaves_alone(tmp_path: Path, cache_home: Path) -> None:
    folder = tmp_path / "new notebook"
    folder.mkdir()
    result = cli("init", folder, cache=cache_home)
    assert result.returncode == 0, result.stderr
    codex = folder / ".codex"
    created = [codex / "config.yaml", codex / "schema.yaml", codex / ".gitignore"]
    assert result.stdout.splitlines() == [f"created: {path}" for path in created]
    assert all(path.is_file() for path in created)
    assert "notebook.db*" in (codex / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "exclude:" in (codex / "config.yaml").read_text(encoding="utf-8")
    (codex / "config.yaml").write_text("exclude: [x/**]\n", encoding="utf-8")
    again = cli("init", folder, cache=cache_home)
    assert again.returncode == 0
    assert again.stdout.splitlines() == [f"exists, left alone: {path}" for path in created]
    assert (codex / "config.yaml").read_text(encoding="utf-8") == "exclude: [x/**]\n"
    (folder / "n.md").write_text("# N\n", encoding="utf-8")
    index = as_json(cli("index", folder, "--json", cache=cache_home))
    assert index["notebooks"][0]["explicit"] is True  # type: ignore[index]
    assert (codex / "notebook.db").is_file()


def test_init_json(tmp_path: Path, cache_home: Path) -> None:
    folder = tmp_path / "nb"
    data = as_json(cli("init", folder, "--json", cache=cache_home))
    codex = folder / ".codex"
    assert data == {
        "files": [
            {"file": str(codex / name), "created": True}
            for name in ("config.yaml", "schema.yaml", ".gitignore")
        ]
    }
    again = as_json(cli("init", folder, "--json", cache=cache_home))
    assert [f["created"] for f in again["files"]] == [False, False, False]  # type: ignore[index]


def test_init_defaults_to_current_folder(tmp_path: Path, cache_home: Path) -> None:
    result = cli("init", cache=cache_home, cwd=tmp_path)
    assert result.returncode == 0
    assert (tmp_path / ".codex/config.yaml").is_file()


def test_init_on_a_file_fails(tmp_path: Path, cache_home: Path) -> None:
    target = tmp_path / "note.md"
    target.write_text("x", encoding="utf-8")
    result = cli("init", target, cache=cache_home)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "not a folder" in result.stderr


# -- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("index",),
        ("index", "--json"),
        ("search", "query"),
        ("search", "query", "--json"),
        ("tags",),
        ("check",),
        ("check", "--format", "json"),
    ],
)
def test_missing_path_is_a_usage_error(tmp_path: Path, cache_home: Path, args: tuple[str]) -> None:
    missing = tmp_path / "does-not-exist"
    result = cli(args[0], missing, *args[1:], cache=cache_home)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"codex-lsp: {missing}: no such file or folder\n"
    assert not missing.exists()


def test_bad_arguments(lab_notebook: Path, cache_home: Path) -> None:
    for args in ((), ("frobnicate",), ("check", lab_notebook, "--format", "xml")):
        result = cli(*args, cache=cache_home)
        assert result.returncode == 2, args
        assert result.stdout == ""
        assert result.stderr.startswith("codex-lsp"), args
        assert result.stderr.count("\n") == 1, result.stderr
        assert "--help" in result.stderr
    version = cli("--version", cache=cache_home)
    assert version.returncode == 0
    assert re.fullmatch(r"codex-lsp \d+\.\d+\.\d+\S*\n", version.stdout)


def test_warnings_go_to_stderr_only(lab_notebook: Path, cache_home: Path) -> None:
    db = lab_notebook / ".codex/notebook.db"
    db.write_bytes(b"garbage" * 1000)
    result = cli("index", lab_notebook, "--json", cache=cache_home)
    assert result.returncode == 0
    assert as_json(result)["notebooks"][0]["stats"]["notes"] == 26  # type: ignore[index]
    assert "damaged" in result.stderr and "rebuilding" in result.stderr
    assert list(db.parent.glob("notebook.db.corrupt-*"))


def test_newer_database_is_a_clean_error(lab_notebook: Path, cache_home: Path) -> None:
    import sqlite3

    from codex_lsp.storage.database import APPLICATION_ID

    conn = sqlite3.connect(lab_notebook / ".codex/notebook.db")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 999")
    conn.execute("CREATE TABLE future (x)")
    conn.commit()
    conn.close()
    result = cli("check", lab_notebook, "--format", "json", cache=cache_home)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "newer codex-lsp" in result.stderr
    assert "Traceback" not in result.stderr


# -- help and progress ---------------------------------------------------------------------


def test_every_command_argument_and_option_has_help() -> None:
    parser = build_parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert {c.dest: bool(c.help) for c in commands._choices_actions} == dict.fromkeys(
        commands.choices, True
    )
    for name, command in [("codex-lsp", parser), *commands.choices.items()]:
        undocumented = [a.dest for a in command._actions if not a.help and a is not commands]
        assert undocumented == [], name
        assert command is parser or command.description, name


@pytest.mark.parametrize("command", ["index", "search", "tags", "check"])
def test_a_command_that_builds_the_index_shows_progress_on_a_terminal(
    tmp_path: Path, cache_home: Path, command: str
) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(MIN_FILES):
        (folder / f"note {n}.md").write_text(f"# Note {n}\n", encoding="utf-8")
    main, child = pty.openpty()
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home), "PYTHONIOENCODING": "utf-8"}
    with subprocess.Popen(
        [sys.executable, "-m", "codex_lsp", command, str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=child,
        env=env,
    ) as process:
        os.close(child)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal is closed once the process has exited
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=120)
    os.close(main)
    assert f"100% {MIN_FILES}/{MIN_FILES} many" in b"".join(chunks).decode("utf-8")
