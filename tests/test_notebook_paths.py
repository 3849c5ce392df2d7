"""``storage.notebooks.notebook_relative``: a path counts only if it really lies in a root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codex_lsp.storage.notebooks import notebook_relative


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``top/nb`` (the root) with ``in -> nb/sub``, ``deep -> nb/sub/inner``,
    ``out -> top/outside``, ``loop -> nb``, ``gone -> top/missing`` and
    ``file.md -> top/outside/x.md``."""
    top = tmp_path_factory.mktemp("paths").resolve()
    nb, outside = top / "nb", top / "outside"
    (nb / "sub/inner").mkdir(parents=True)
    outside.mkdir()
    (outside / "x.md").write_text("x", encoding="utf-8")
    (nb / "sub/a.md").write_text("a", encoding="utf-8")
    (nb / "in").symlink_to(nb / "sub")
    (nb / "deep").symlink_to(nb / "sub/inner")
    (nb / "out").symlink_to(outside)
    (nb / "loop").symlink_to(nb)
    (nb / "gone").symlink_to(top / "missing")
    (nb / "file.md").symlink_to(outside / "x.md")
    return top


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("sub/a.md", "sub/a.md"),
        ("in/a.md", "in/a.md"),
        ("in/../sub/a.md", "sub/a.md"),
        ("deep/../sub/a.md", None),  # the system reads nb/sub/sub/a.md, not nb/sub/a.md
        ("new/deeper/n.md", "new/deeper/n.md"),
        ("out/x.md", None),
        ("out/new/n.md", None),
        ("gone/n.md", None),
        ("file.md", None),
        ("../outside/x.md", None),
        ("sub/../../outside/x.md", None),
        ("out/../nb/sub/a.md", None),
        ("loop/sub/a.md", "loop/sub/a.md"),
    ],
)
def test_notebook_relative(tree: Path, rel: str, expected: str | None) -> None:
    root = tree / "nb"
    found = notebook_relative(Path(f"{root}/{rel}"), [root])
    assert found == (None if expected is None else (root, expected))


def test_a_path_spelled_through_a_symlinked_root_counts_by_its_real_path(tree: Path) -> None:
    alias = tree / "alias"
    alias.symlink_to(tree / "nb")
    assert notebook_relative(alias / "sub/a.md", [tree / "nb"]) == (tree / "nb", "sub/a.md")
    assert notebook_relative(tree / "NB/sub/a.md", [tree / "nb"]) is None


SEGMENTS = st.sampled_from(
    ["sub", "in", "deep", "out", "loop", "gone", "file.md", "..", ".", "n.md"]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(SEGMENTS, min_size=1, max_size=6))
def test_whatever_the_spelling_an_accepted_path_is_inside(tree: Path, parts: list[str]) -> None:
    root = tree / "nb"
    path = Path(str(root) + "/" + "/".join(parts))
    found = notebook_relative(path, [root])
    if found is None:
        return
    real = Path(os.path.realpath(path))
    assert real == root or root in real.parents
    assert Path(os.path.realpath(root / found[1])) == real
