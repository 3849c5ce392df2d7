"""A notebook's note templates (``.codex/templates/*.md``) and what their variables read from
the disk: the git author and the numbers already used in a folder. Blocking: callers run
these off the event loop."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from ..core.names import BadName, check_relative_path
from ..core.resolve import strip_note_suffix
from ..core.syntax import is_note_name
from ..core.template_vars import MAX_TEMPLATE
from ..core.templates import Template, read_template
from .git import GitError, GitUnavailable, find_repository_or_none
from .notebooks import Notebook, really_inside

TEMPLATE_FOLDER = ".codex/templates"
MAX_TEMPLATES = 500
MAX_FOLDER_ENTRIES = 100_000
GIT_TIMEOUT = 5.0


def template_folder(notebook: Notebook) -> Path:
    """Where the notebook's templates live."""
    return notebook.root / TEMPLATE_FOLDER


def list_templates(notebook: Notebook) -> list[Template]:
    """Every template of the notebook, by name (a file too large or unreadable is left out;
    one inside a symlink that leads outside the notebook too)."""
    folder = template_folder(notebook)
    if not folder.is_dir() or not really_inside(folder, notebook.root):
        return []
    found = []
    for path in sorted(folder.iterdir())[:MAX_TEMPLATES]:
        if path.suffix != ".md" or not really_inside(path, notebook.root):
            continue
        text = _read(path)
        if text is not None:
            found.append(read_template(strip_note_suffix(path.name), text))
    return found


def find_template(notebook: Notebook, name: str) -> Template | None:
    """The template called ``name`` (its file name, with or without ``.md``); None if none."""
    wanted = strip_note_suffix(name.strip()).lower()
    for template in list_templates(notebook):
        if template.name.lower() == wanted:
            return template
    return None


def _read(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_TEMPLATE:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def git_author(root: Path) -> str:
    """The git ``user.name`` of the repository holding ``root``, else of the user's git
    configuration, else the login name."""
    repository = find_repository_or_none(root)
    if repository is not None:
        try:
            status, out, _ = repository.run("config", "user.name", check=False, timeout=GIT_TIMEOUT)
        except (GitError, GitUnavailable):
            status, out = 1, b""
        name = out.decode("utf-8", "replace").strip()
        if status == 0 and name:
            return name
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return os.environ.get("USER", "")


def stems_in(notebook: Notebook, folder: str) -> list[str]:
    """File stems of the notes directly in notebook-relative ``folder`` (bounded)."""
    try:
        folder = check_relative_path(folder, "the folder") if folder else ""
    except BadName:
        return []
    path = notebook.root / folder
    if not path.is_dir() or not really_inside(path, notebook.root):
        return []
    stems = []
    with os.scandir(path) as entries:
        for count, entry in enumerate(entries):
            if count >= MAX_FOLDER_ENTRIES:
                break
            if is_note_name(entry.name):
                stems.append(strip_note_suffix(entry.name))
    return stems
