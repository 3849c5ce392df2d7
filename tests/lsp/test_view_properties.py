"""codex.properties: the notebook's properties with their kind and the schema's allowed values
(what an editor's view renderer offers when a cell is edited, and a board's column order)."""

from __future__ import annotations

import pytest
from lsp_session import Session
from pygls.exceptions import JsonRpcException

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_properties_give_schema_enum_in_order_and_kinds(shared_lab: Session) -> None:
    uri = shared_lab.uri("views/Experiments.base")
    answer = await shared_lab.command("codex.properties", {"uri": uri})
    props = answer["properties"]
    assert answer["uri"] == uri
    assert props["status"]["enum"] == ["planned", "running", "done", "failed"]
    assert props["status"]["count"] >= 7
    assert props["date"]["kind"] == "date"
    assert props["tags"]["enum"] == []


async def test_properties_refuse_a_uri_outside_the_notebooks(shared_lab: Session) -> None:
    with pytest.raises(JsonRpcException):
        await shared_lab.command("codex.properties", {"uri": "file:///etc/hosts"})
