"""Answers built as JSON are sent as they are, not walked again by the converter."""

from __future__ import annotations

from lsprotocol import types

from codex_lsp.lsp.json_values import JsonList
from codex_lsp.lsp.server import CodexServer


def test_the_server_sends_a_json_list_as_it_is() -> None:
    """The server's converter hands the very list on to ``json.dumps``: none of its
    hundreds of items is unstructured again."""
    where = {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 9}}
    answer = JsonList(
        [
            {
                "name": "Kinetics",
                "kind": types.SymbolKind.String.value,
                "location": {"uri": "file:///nb/runs.md", "range": where},
                "containerName": "runs.md",
            }
        ]
    )
    converter = CodexServer().protocol._converter
    sent = converter.unstructure(types.WorkspaceSymbolResponse(id=1, result=answer))
    assert sent["result"] is answer
