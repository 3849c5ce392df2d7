"""Sidecars and tags with meaning in the editor, end to end (docs/attachments.md)."""

from __future__ import annotations

import pytest
from lsp_session import Session, codes, find
from lsprotocol import types

pytestmark = pytest.mark.asyncio(loop_scope="module")

SIDECAR = "data/.qpcr-run-07.csv.json"


@pytest.fixture
def lab(fresh_lab: Session) -> Session:
    """This module's tests change files: one server per module, restored after each test."""
    return fresh_lab


def open_sidecar(lab: Session, rel: str, text: str) -> str:
    uri = lab.uri(rel)
    lab.versions[uri] = 1
    lab.buffers[uri] = text
    language = {"json": "json", "xml": "xml", "md": "markdown"}[rel.rsplit(".", 1)[-1]]
    lab.client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, language, 1, text))
    )
    return uri


@pytest.mark.parametrize(
    ("rel", "text", "line"),
    [
        (SIDECAR, '{\n  "instrument": "QuantStudio 5",\n  oops\n}\n', 2),
        ("data/.qpcr-run-07.csv.xml", "<metadata>\n  <title>Run</title>\n</metadta>\n", 2),
        ("data/.gel-2026-03-05.png.md", "---\ntags: [gel\n---\n", 2),
    ],
)
async def test_a_broken_open_sidecar_is_a_warning_on_it_until_fixed(
    lab: Session, rel: str, text: str, line: int
) -> None:
    uri = open_sidecar(lab, rel, text)
    try:
        found = await lab.wait_for_diagnostics(uri, lambda f: "sidecar-invalid" in codes(f))
        (problem,) = [d for d in found if d.code == "sidecar-invalid"]
        assert problem.severity == types.DiagnosticSeverity.Warning
        assert problem.range.start.line == line
        lab.change(
            uri,
            {"json": '{"a": 1}', "xml": "<m><a>1</a></m>", "md": "# Metadata\nA: 1\n"}[
                rel.rsplit(".", 1)[-1]
            ],
        )
        await lab.wait_for_diagnostics(uri, lambda f: "sidecar-invalid" not in codes(f))
    finally:
        lab.close(uri)
