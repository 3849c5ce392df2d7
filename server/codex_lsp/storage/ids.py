"""ULID identifiers for files: sortable by creation time, unique without coordination."""

from __future__ import annotations

import base64
import os
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_FROM_BASE32 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _CROCKFORD.encode())


def new_ulid() -> str:
    """A new 26-character ULID (48-bit millisecond time, 80 random bits)."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    return ulid_text(value)


def ulid_text(value: int) -> str:
    """The 26 Crockford base32 digits of a 128-bit ULID value."""
    # 26 digits hold 130 bits: shifted left by 6, the value's 130 low bits fill the first 26
    # digits of the standard base32 encoding of 17 bytes; only the alphabet differs.
    encoded = base64.b32encode((value << 6).to_bytes(17, "big"))[:26]
    return encoded.translate(_FROM_BASE32).decode("ascii")
