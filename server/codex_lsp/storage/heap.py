"""Give the C heap's free memory back to the system between the phases of a large run.

Python's small objects live in arenas of their own; larger blocks (a big dict's table, the
rows of a chunk) come from the C library's heap, which keeps the pages it got even once they
are free. After the files of a full run are written, such pages would stay resident while the
next phase (the git pass) takes new ones: the run's peak would be both. ``malloc_trim`` hands
them back; it is glibc's, and elsewhere nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache
from typing import Any


def release_free_heap() -> bool:
    """Hand the heap's free pages back to the system; False where that cannot be done."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


@lru_cache(maxsize=1)
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # another C library (musl has no malloc_trim)
        return None


__all__ = ["release_free_heap"]
