"""WorkspaceEdits several features build: creating a file, and where a new note goes."""

from __future__ import annotations

from lsprotocol import types

from ..core.syntax import is_note_name


def new_note_path(folder: str, title: str) -> str:
    """Notebook-relative path for a new note titled ``title`` in ``folder`` (checked by
    ``check_folder``); raises ``BadName`` with the rule it breaks.

    A title with ``/`` is a path from the notebook root. Whether a symlinked folder on the way
    leads outside the notebook is the caller's check (it needs the disk).
    """
    from ..core.names import check_relative_path

    name = title.strip()
    if not is_note_name(name):
        name += ".md"
    path = name if "/" in name or not folder else f"{folder}/{name}"
    return check_relative_path(path, "a note path")


def create_file_edit(uri: str, text: str) -> types.WorkspaceEdit:
    """A WorkspaceEdit that creates ``uri`` (never over an existing file) holding ``text``."""
    return types.WorkspaceEdit(
        document_changes=[
            types.CreateFile(
                uri=uri, options=types.CreateFileOptions(overwrite=False, ignore_if_exists=True)
            ),
            types.TextDocumentEdit(
                types.OptionalVersionedTextDocumentIdentifier(uri, None),
                [types.TextEdit(types.Range(types.Position(0, 0), types.Position(0, 0)), text)],
            ),
        ]
    )
