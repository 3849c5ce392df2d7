"""The C heap's free pages go back to the system when a full run's writing is over."""

from __future__ import annotations

from pathlib import Path

from codex_lsp.storage.heap import release_free_heap


def resident_kb() -> int:
    """This process's resident memory (VmRSS), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


def test_freed_heap_memory_leaves_the_process() -> None:
    # Blocks of 2 KiB come from the C heap (not Python's arenas, not their own mappings):
    # freed, they stay resident until the heap is trimmed.
    blocks = [bytearray(2048) for _ in range(30_000)]
    keep = blocks[-1]  # the heap's top stays in use: only a trim can give back the rest
    del blocks
    before = resident_kb()
    assert release_free_heap()
    assert before - resident_kb() > 30_000, "the free 60 MB stayed resident"
    assert len(keep) == 2048
