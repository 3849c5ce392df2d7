"""First end-to-end checks of the language server on the example notebook."""

from __future__ import annotations

from lsp_session import Session
from lsprotocol import types


async def test_completion_definition_and_diagnostics(lab: Session) -> None:
    rel = "daily/2026-03-09.md"
    uri = lab.open(rel)
    await lab.client.wait_for_notification("textDocument/publishDiagnostics")
    messages = [d.message for d in lab.client.diagnostics[uri]]
    assert any("Ambiguous" in m for m in messages), messages

    text = "Try [[PCR"
    doc_uri = lab.open("scratch.md", text)
    result = await lab.client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(doc_uri),
            position=types.Position(0, len(text)),
        )
    )
    assert result is not None
    labels = [
        i.label for i in (result.items if isinstance(result, types.CompletionList) else result)
    ]
    assert "PCR amplification" in labels, labels
