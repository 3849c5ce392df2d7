"""Where an attached file goes and what it is called (pure; rules in docs/attachments.md).

The attachment folder comes from a pattern (setting ``codex.attachments.folder``): a folder
relative to the notebook (``attachments/``), ``{{note}}`` standing for the note's name
(``attachments/{{note}}/``), ``.`` for the note's own folder and ``./sub`` below it, as in
Obsidian's "Default location for new attachments". A file keeps its own name, made safe for
a wiki link; a name taken by other content becomes ``name-1.ext``, ``name-2.ext``...
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from .names import NOTE_FORBIDDEN, BadName, check_component, check_folder
from .resolve import strip_note_suffix

DEFAULT_FOLDER = "attachments/"
NOTE_PLACEHOLDER = "{{note}}"
MAX_NUMBER = 10_000  # numbered names tried before giving up


def attachment_folder(pattern: str, note: str) -> str:
    """The notebook-relative folder (``""``: the root) where files attached to the note at
    notebook-relative ``note`` go; raises :class:`BadName` for a pattern that names no folder
    of the notebook (``..``, hidden folders, absolute paths)."""
    note_folder = posixpath.dirname(note)
    stem = strip_note_suffix(posixpath.basename(note))
    text = pattern.strip().replace(NOTE_PLACEHOLDER, stem)
    if text == "/":
        return ""
    if text in (".", "./"):
        return note_folder
    if text.startswith("./"):
        text = posixpath.join(note_folder, text[2:])
    return check_folder(text)


def safe_file_name(name: str) -> str:
    """A file name that a wiki link can name and the indexer sees: characters that end or
    break a link become ``-``, a leading ``.`` (hidden) is dropped; raises :class:`BadName`
    when nothing usable is left."""
    cleaned = "".join(
        "-" if ch in NOTE_FORBIDDEN or ord(ch) < 32 or ch == "\x7f" else ch for ch in name
    )
    for breaker in ("%%", "<!--", "`"):
        cleaned = cleaned.replace(breaker, "-")
    cleaned = cleaned.strip().lstrip(".").strip()
    stem, dot, ext = cleaned.rpartition(".")
    if dot and stem != stem.strip():
        cleaned = f"{stem.strip()}.{ext}"
    check_component(cleaned, "an attachment's name")
    return cleaned


def numbered(name: str, number: int) -> str:
    """``name`` with ``-number`` before its extension: ``gel.png`` -> ``gel-1.png``."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return f"{name}-{number}"
    return f"{stem}-{number}.{ext}"


def free_name(folder: str, name: str, taken: Callable[[str], bool]) -> str:
    """The first of ``name``, ``name-1.ext``, ``name-2.ext``... in ``folder`` for which
    ``taken(path)`` is false; returns the notebook-relative path."""
    for number in range(MAX_NUMBER):
        candidate = name if number == 0 else numbered(name, number)
        path = posixpath.join(folder, candidate) if folder else candidate
        if not taken(path):
            return path
    raise BadName(f"{MAX_NUMBER} files named like {name} already exist in {folder or 'the root'}")


def embed_link(path: str, name_is_unique: bool) -> str:
    """The embed that shows the attachment at ``path``: ``![[name]]`` when no other file of
    the notebook has its name, else ``![[folder/name]]`` (a path link, never ambiguous)."""
    target = posixpath.basename(path) if name_is_unique else path
    return f"![[{target}]]"
