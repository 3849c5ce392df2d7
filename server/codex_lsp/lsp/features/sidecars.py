"""Sidecars in the editor: an open ``.NAME.json/.xml/.md`` that cannot be read is a warning
on it (docs/attachments.md); a closed one's problem comes from the index, as ``check``'s."""

from __future__ import annotations

from ...storage.sidecar_files import sidecar_text_problems
from ..server import CodexServer


def register(server: CodexServer) -> None:
    """Provide the problems of open sidecars to diagnostics."""
    server.problem_providers.append(sidecar_text_problems)
