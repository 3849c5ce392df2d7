"""Worker processes that die with the process that started them.

An index run's worker processes and multiprocessing's resource tracker would outlive a parent
killed by ``SIGKILL``, blocked for good on a pipe nobody reads. On Linux the kernel sends the
worker ``SIGKILL`` when its parent dies (``PR_SET_PDEATHSIG``); everywhere a watcher thread
also polls the parent's pid and ends the worker once it has been re-parented. Once the workers
are gone the resource tracker sees the end of its pipe and exits by itself.

Ctrl-C at a terminal reaches every process of the foreground group: the parent stops the run
and says so; a worker ignores it, so it prints no traceback of its own. Workers start with
``SIGINT`` held (:func:`interrupts_held`), so none is hit before it can ignore the signal.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1
POLL_SECONDS = 0.5


def start_worker(parent_pid: int) -> None:
    """Initializer of an index worker process: no cyclic collector (a worker's objects are
    short-lived), Ctrl-C left to the parent, and die with ``parent_pid``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()
    watch_parent(parent_pid)


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold ``SIGINT`` in the calling thread while worker processes start: they inherit the
    held signal (across ``exec`` too) until :func:`start_worker` ignores it; the calling
    thread receives a Ctrl-C that came meanwhile when the block ends."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def watch_parent(parent_pid: int, *, kernel: bool = True) -> None:
    """End this process when ``parent_pid`` is no longer its parent; ``kernel=False`` uses the
    portable polling alone."""
    if kernel:
        _ask_kernel()
    if os.getppid() != parent_pid:  # the parent died before the watch began
        os._exit(1)
    threading.Thread(
        target=_poll_parent, args=(parent_pid,), name="codex-lifeline", daemon=True
    ).start()


def _ask_kernel() -> None:
    """``prctl(PR_SET_PDEATHSIG, SIGKILL)`` where the C library has it (Linux)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no libc or no prctl: the watcher thread suffices
        pass


def _poll_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(POLL_SECONDS)
    os._exit(1)
