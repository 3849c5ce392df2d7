"""ULID identifiers for files: sortable by creation time, unique without coordination."""

from __future__ import annotations

import os
import random
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# 26 digits hold 130 bits: 13 pairs of digits, 10 bits each, the first pair's top 2 bits zero.
_DIGIT_PAIRS = [high + low for high in _CROCKFORD for low in _CROCKFORD]
_PAIR_SHIFTS = range(120, -10, -10)
# Ids must be unique, not secret. ``os.urandom`` per id is a system call that lets go of the
# GIL, which a large index run (with its writer thread) pays dearly for; this generator is
# seeded from the system once per process, and again in a forked child.
_random = random.Random(os.urandom(32))
if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=lambda: _random.seed(os.urandom(32)))


def new_ulid() -> str:
    """A new 26-character ULID (48-bit millisecond time, 80 random bits)."""
    value = (int(time.time() * 1000) << 80) | _random.getrandbits(80)
    return ulid_text(value)


def ulid_text(value: int) -> str:
    """The 26 Crockford base32 digits of a 128-bit ULID value."""
    return "".join([_DIGIT_PAIRS[(value >> shift) & 0x3FF] for shift in _PAIR_SHIFTS])
