"""Files that arrive in a new folder: an editor's watcher may announce only the folder (VS
Code's does when the files are written before it watches the new folder); its notes must be
indexed all the same."""

from __future__ import annotations

from typing import Any

from lsp_session import Session
from lsprotocol import types

IMAGER = "equipment/Gel Imager.md"
NOTES = {
    "bench/Bench.md": "# Bench\n\nBooked the GI-3 today.\n",
    "bench/Imaging.md": "# Imaging\n\nThe gel imager was busy.\n",
}


async def test_the_notes_of_a_folder_announced_alone_are_indexed(lab: Session) -> None:
    lab.write(IMAGER, "---\naliases: [GI-3]\n---\n# Gel Imager\n")
    for rel, text in NOTES.items():
        (lab.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (lab.root / rel).write_text(text, encoding="utf-8")
    lab.files_changed([(lab.root / "bench", types.FileChangeType.Created)])
    found: list[dict[str, Any]] = []

    async def both() -> bool:
        found[:] = await lab.command("codex.mentions", {"uri": lab.uri(IMAGER)})
        return sorted(m["path"] for m in found) == sorted(NOTES)

    await lab.wait_until(both, f"the mentions in the new folder (last {found})", timeout=10)
