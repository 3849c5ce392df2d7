"""What a worker reads of a file: its bytes whatever its size did since it was listed, and its
time stamp as the index writes it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from codex_lsp.storage.reader import _iso_from_ns, read_bytes

SECOND = 1_000_000_000


def test_a_file_is_read_whole_whatever_its_listed_size(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    content = b"# Note\n" + b"text " * 30_000
    path.write_bytes(content)
    assert read_bytes(str(path), len(content)) == content  # as listed
    assert read_bytes(str(path), 10) == content  # grew since it was listed
    assert read_bytes(str(path), len(content) + 500) == content  # shrank since
    path.write_bytes(b"")
    assert read_bytes(str(path), 0) == b""


def _reference(ns: int) -> str:
    return dt.datetime.fromtimestamp(ns / 1e9, dt.timezone.utc).isoformat(timespec="seconds")


@given(
    st.integers(-(2**35), 2**37).flatmap(
        lambda seconds: (
            st.sampled_from([0, 1, 999_999, 1_000_000, 5 * 10**8, 998_999_999]).map(
                lambda fraction: seconds * SECOND + fraction
            )
            | st.integers(0, SECOND - 1).map(lambda fraction: seconds * SECOND + fraction)
            | st.sampled_from([999_000_000, 999_999_999]).map(lambda f: seconds * SECOND + f)
        )
    )
)
@example(1_700_000_000 * SECOND + 999_999_999)
@example(2**32 * SECOND + 1)
@example(0)
def test_a_time_stamp_is_the_second_the_clock_says(ns: int) -> None:
    """The second of a time stamp, as the float conversion to the microsecond gives it,
    rounding up to the next second included."""
    assert _iso_from_ns(ns) == _reference(ns)
