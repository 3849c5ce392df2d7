"""Link problems of an open note are reused after an index write that cannot change them
(``lsp/features/diagnostics_links.py``), and found again after one that can; the index
writes a notebook logs for it (``NotebookService.changed_since``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from codex_lsp.core.parser import parse_note
from codex_lsp.core.resolve import Target
from codex_lsp.lsp.features.diagnostics import _note_catalog
from codex_lsp.lsp.features.diagnostics_links import LinkProblems
from codex_lsp.storage import service as service_module
from codex_lsp.storage.notebooks import Notebook
from codex_lsp.storage.service import NotebookService

TEXT = "# Y\n\nSee [[C]] and [[B]] and [[C#Missing]] and [[Zed]].\n"


@pytest.fixture
def notebook(tmp_path: Path) -> Iterator[NotebookService]:
    root = tmp_path / "nb"
    (root / ".codex").mkdir(parents=True)
    (root / "Y.md").write_text(TEXT, encoding="utf-8")
    (root / "C.md").write_text("# C\n", encoding="utf-8")
    (root / "D.md").write_text("# D\n", encoding="utf-8")
    service = NotebookService(Notebook(root, explicit=True))
    service.index().result(timeout=60)
    try:
        yield service
    finally:
        service.close()


class Counting:
    """A catalog that counts the look-ups by key made of it."""

    def __init__(self, base: object) -> None:
        self.base = base
        self.lookups = 0

    def candidates(self, key: str) -> Sequence[Target]:
        self.lookups += 1
        return self.base.candidates(key)  # type: ignore[attr-defined,no-any-return]

    def get(self, path: str) -> Target | None:
        return self.base.get(path)  # type: ignore[attr-defined,no-any-return]


def check(service: NotebookService, links: LinkProblems, text: str = TEXT) -> tuple[list[str], int]:
    """Y's link problems (their codes and targets) and the key look-ups made to find them."""

    def run(conn: sqlite3.Connection) -> tuple[list[str], int]:
        note = parse_note(text, "Y")
        catalog = Counting(_note_catalog(conn, "Y.md", note))
        found = links.of(service, "Y.md", text, note, catalog)  # type: ignore[arg-type]
        return sorted(f"{p.code} {p.data['target']}" for p in found if p.data), catalog.lookups

    return service.read(run).result(timeout=30)


def write(service: NotebookService, rel: str, text: str) -> None:
    path = service.notebook.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    service.update([rel]).result(timeout=30)


def test_a_write_elsewhere_reuses_them_and_a_write_they_depend_on_finds_them_again(
    notebook: NotebookService,
) -> None:
    links = LinkProblems()
    first, lookups = check(notebook, links)
    assert first == ["link-broken B", "link-broken Zed", "link-broken-anchor C"]
    assert lookups > 0
    write(notebook, "D.md", "# D\n\nchanged, and a link to [[C]]\n")
    assert check(notebook, links) == (first, 0)
    write(notebook, "C.md", "# C\n\n## Missing\n")  # a note Y links to
    assert check(notebook, links)[0] == ["link-broken B", "link-broken Zed"]
    write(notebook, "B.md", "# B\n")  # a note now found under a name Y links to
    assert check(notebook, links)[0] == ["link-broken Zed"]
    write(notebook, "E.md", "---\naliases: [Zed]\n---\n# E\n")  # a name Y links to
    assert check(notebook, links)[0] == []
    assert check(notebook, links)[1] == 0
    changed = TEXT + "[[D]]\n"
    assert check(notebook, links, changed)[1] > 0  # the note's own text changed


def test_a_scan_or_another_kind_of_write_finds_them_again(notebook: NotebookService) -> None:
    links = LinkProblems()
    check(notebook, links)
    notebook.index().result(timeout=60)
    assert check(notebook, links)[1] > 0
    notebook.write(lambda conn: None).result(timeout=30)
    assert check(notebook, links)[1] > 0


def test_the_index_writes_are_logged_by_the_notes_they_wrote(
    notebook: NotebookService, monkeypatch: pytest.MonkeyPatch
) -> None:
    mark = notebook.change_mark
    assert notebook.changed_since(mark) == frozenset()
    write(notebook, "D.md", "# D2\n")
    write(notebook, "sub/E.md", "# E\n")
    assert notebook.changed_since(mark) == {"D.md", "sub/E.md"}
    mark = notebook.change_mark
    notebook.update(["D.md"], {"D.md": "# buffer\n"}).result(timeout=30)
    assert notebook.changed_since(mark) == {"D.md"}
    # A sidecar stands for another file, an attachment for no note: not known by path.
    for other in (".D.md.json", "picture.png"):
        mark = notebook.change_mark
        notebook.update([other]).result(timeout=30)
        assert notebook.changed_since(mark) is None
    monkeypatch.setattr(service_module, "CHANGE_LOG", 2)
    kept = NotebookService(notebook.notebook)
    try:
        kept.index().result(timeout=60)
        mark = kept.change_mark
        for _ in range(3):
            kept.update(["D.md"]).result(timeout=30)
        assert kept.changed_since(mark) is None  # older than the log
        assert kept.changed_since(mark + 1) == {"D.md"}
    finally:
        kept.close()
