"""Workspace symbols build their URIs from the notebook root's: the same strings."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_lsp.lsp.convert import path_to_uri
from codex_lsp.lsp.features.symbols import notebook_uris

PATHS = [
    "note.md",
    "sub dir/Café #1 100%.md",
    "a/b/c?d&e=f;g@h+i,j'k(l)[m]{n}~!$.md",
    "日本語/ノート.md",
    "emoji 🧪/tab\there.md",
]


@pytest.mark.parametrize("root", ["/", "/tmp/nb", "/tmp/with space/ünï #c%d"])
@pytest.mark.parametrize("rel", PATHS)
def test_a_symbol_uri_is_the_uri_of_its_path(root: str, rel: str) -> None:
    assert notebook_uris(path_to_uri(Path(root)))(rel) == path_to_uri(Path(root) / rel)
