"""Large data in git: binaries over the size limit tracked outside Git LFS (``check``), and
history of a file stored as a Git LFS pointer (git-lfs itself need not be installed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codex_lsp.core.lfs import LfsPointer, lfs_pointer
from codex_lsp.storage.git import find_repository
from codex_testing import cli
from gitrepo import commit, git, init_repo, isolate_git

OID = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"
POINTER = f"version https://git-lfs.github.com/spec/v1\noid sha256:{OID}\nsize 4096\n"
BINARY = b"\x89PNG\r\n\x1a\n\x00" + bytes(range(256)) * 16  # 4 KiB and more, with NULs


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(monkeypatch)


@pytest.fixture
def cache_home(tmp_path: Path) -> Path:
    path = tmp_path / "xdg-cache"
    path.mkdir()
    return path


def test_a_pointer_is_read_and_anything_else_is_not() -> None:
    assert lfs_pointer(POINTER.encode()) == LfsPointer("sha256", OID, 4096)
    assert lfs_pointer(BINARY) is None
    assert lfs_pointer(POINTER.replace("size 4096", "size many").encode()) is None
    assert lfs_pointer(POINTER.encode() + b"x" * 2000) is None  # over the spec's 1024 bytes


def lab_repo(tmp_path: Path) -> Path:
    """A notebook in git: a big binary committed in full, one committed as an LFS pointer
    (its working copy the content, as git-lfs's checkout leaves it), a big text file, and a
    big binary git does not track."""
    root = init_repo(tmp_path / "repo") / "notebook"
    (root / ".codex").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "Note.md").write_text("See ![[gel.png]].\n", encoding="utf-8")
    (root / "data/gel.png").write_bytes(BINARY)
    (root / "data/scan.tif").write_text(POINTER, encoding="utf-8")
    (root / "data/table.csv").write_text("a,b\n" * 2000, encoding="utf-8")
    (root / ".gitattributes").write_text("*.tif filter=lfs diff=lfs merge=lfs -text\n")
    commit(root.parent, "data")
    (root / "data/scan.tif").write_bytes(BINARY)
    (root / "data/untracked.bin").write_bytes(BINARY)
    return root


def test_check_warns_about_large_binaries_git_holds_in_full(
    tmp_path: Path, cache_home: Path
) -> None:
    root = lab_repo(tmp_path)
    result = cli("check", root, "--json", "--max-size-kb", "2", cache=cache_home)
    issues = [i for i in json.loads(result.stdout)["issues"] if i["code"].startswith("large")]
    assert [(i["path"], i["severity"]) for i in issues] == [("data/gel.png", "warning")]
    assert "outside Git LFS" in issues[0]["message"]
    assert result.returncode == 0
    quiet = cli("check", root, "--json", "--max-size-kb", "8", cache=cache_home)
    assert not [i for i in json.loads(quiet.stdout)["issues"] if i["code"].startswith("large")]


def test_history_of_a_file_stored_as_an_lfs_pointer_shows_the_pointer(
    tmp_path: Path, cache_home: Path
) -> None:
    root = lab_repo(tmp_path)
    (root / "data/scan.tif").write_text(POINTER.replace("4096", "8192"), encoding="utf-8")
    commit(root.parent, "second scan")
    history = cli("history", root / "data/scan.tif", "--json", cache=cache_home)
    assert history.returncode == 0, history.stderr
    entries = json.loads(history.stdout)["history"]
    assert [e["subject"] for e in entries if e["commit"]] == ["second scan", "data"]
    repo = find_repository(root)
    commit_id, path, text = repo.show("notebook/data/scan.tif", "HEAD~1")
    assert path == "notebook/data/scan.tif"
    assert f"oid: sha256:{OID}\nsize: 4096 bytes" in text
    _, _, patch = repo.diff("notebook/data/scan.tif", "HEAD~1", "HEAD")
    assert "-size: 4096 bytes" in patch and "+size: 8192 bytes" in patch
    assert git(root.parent, "cat-file", "-p", f"{commit_id}:notebook/data/scan.tif") == POINTER
