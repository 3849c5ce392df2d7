"""File ids are ULIDs: 26 Crockford base32 digits, sortable by creation time."""

from __future__ import annotations

import multiprocessing
import sys
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codex_lsp.storage.ids import new_ulid, ulid_text

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def digits_one_by_one(value: int) -> str:
    """The ULID text computed the plain way, five bits at a time."""
    return "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def test_known_values() -> None:
    """The smallest and largest ULIDs of the specification."""
    assert ulid_text(0) == "0" * 26
    assert ulid_text(2**128 - 1) == "7" + "Z" * 25


@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_any_value_matches_the_plain_encoding(value: int) -> None:
    """The table of digit pairs gives the same digits as the definition."""
    assert ulid_text(value) == digits_one_by_one(value)


def test_new_ids_sort_by_creation_time() -> None:
    """An id made a few milliseconds later sorts after, and ids do not repeat."""
    first = new_ulid()
    time.sleep(0.003)
    second = new_ulid()
    assert len(first) == len(second) == 26
    assert set(first + second) <= set(CROCKFORD)
    assert first < second


@pytest.mark.skipif(sys.platform == "win32", reason="no fork")
def test_a_forked_process_makes_other_ids() -> None:
    """Index workers are forked: the child's random bits must not repeat the parent's."""
    with multiprocessing.get_context("fork").Pool(1) as pool:
        child = pool.apply(new_ulid)
    mine = new_ulid()
    assert child[10:] != mine[10:]  # the 16 random digits
