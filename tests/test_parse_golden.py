"""The parse gives exactly what it gave before, note for note (see tests/parse_golden.py)."""

from __future__ import annotations

import json
from pathlib import Path

from parse_golden import GOLDEN, all_digests


def test_every_note_parses_and_indexes_as_the_golden_digests_say(
    corpora_dir: Path, tmp_path: Path
) -> None:
    """Each corpus, a generated notebook and seeded random Markdown: parse and rows unchanged."""
    golden = json.loads(GOLDEN.read_text())
    groups = all_digests(tmp_path)
    assert sorted(groups) == sorted(golden)
    for name, digests in groups.items():
        assert sorted(digests) == sorted(golden[name]), f"{name}: other notes than recorded"
        wrong = sorted(key for key, value in digests.items() if golden[name][key] != value)
        assert not wrong, (
            f"{name}: {len(wrong)} of {len(digests)} notes parse otherwise: {wrong[:10]}"
        )
