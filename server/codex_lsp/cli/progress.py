"""A one-line progress bar on a terminal's standard error (silent when not a terminal)."""

from __future__ import annotations

import time
from typing import TextIO

from ..storage.notebooks import Notebook

WIDTH = 30
MIN_FILES = 200
MIN_INTERVAL = 0.1


class ProgressBar:
    """Draws ``[#####     ] 50% 5000/10000 notebook`` for long index runs."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._enabled = stream.isatty()
        self._last = 0.0
        self._drawn = False

    def update(self, notebook: Notebook, done: int, total: int) -> None:
        """Show progress; small runs and non-terminals print nothing."""
        if not self._enabled or total < MIN_FILES:
            return
        now = time.monotonic()
        if done < total and now - self._last < MIN_INTERVAL:
            return
        self._last = now
        filled = WIDTH * done // total
        self._stream.write(
            f"\r[{'#' * filled}{' ' * (WIDTH - filled)}] {100 * done // total:3d}% "
            f"{done}/{total} {notebook.name}"
        )
        self._stream.flush()
        self._drawn = True

    def finish(self) -> None:
        """End the bar's line."""
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False
