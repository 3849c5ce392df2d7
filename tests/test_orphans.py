"""Index worker processes die with the process that started them (issue 13, item 11).

A ``kill -9`` of the CLI or of the server in the middle of a large index run must not leave
worker processes (or multiprocessing's resource tracker) running: each test kills the parent
once its workers exist, then waits, up to a deadline, until no process it started remains.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_testing import REPO_ROOT

NOTES = 12_000
DEADLINE = 20.0


@pytest.fixture(scope="module")
def big_notebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated notebook large enough for an index run to use worker processes a while."""
    root = tmp_path_factory.mktemp("orphans") / "big"
    subprocess.run(
        [sys.executable, REPO_ROOT / "bench" / "generate.py", root, "--notes", str(NOTES)],
        check=True,
        capture_output=True,
    )
    return root


def _parents() -> dict[int, int]:
    """Parent pid of every live (not zombie) process."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rpartition(")")[2].split()[:2]
        if state != "Z":
            found[int(entry)] = int(ppid)
    return found


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid``."""
    parents = _parents()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (zombies count as gone)."""
    parents = _parents()
    return {pid for pid in pids if pid in parents}


def wait_for(check: object, what: str, timeout: float = DEADLINE) -> object:
    """Poll ``check()`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()  # type: ignore[operator]
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def kill_mid_run(process: subprocess.Popen[bytes], workers: int = 2) -> None:
    """Once ``process`` has ``workers`` descendants, ``kill -9`` it and wait until every one
    of them is gone too."""
    try:
        children = wait_for(
            lambda: (found := descendants(process.pid)) and len(found) >= workers and found,
            "the index run's worker processes",
        )
        assert isinstance(children, set)
        process.send_signal(signal.SIGKILL)
        process.wait()
        wait_for(lambda: not alive(children), f"the orphans {sorted(alive(children))} to exit")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The children's environment: a private cache folder."""
    yield {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}


def test_kill_9_of_the_cli_mid_index_leaves_no_worker(
    big_notebook: Path, env: dict[str, str]
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "codex_lsp", "index", "--full", str(big_notebook)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    kill_mid_run(process)


def _message(body: dict[str, object]) -> bytes:
    data = json.dumps(body).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(data), data)


def test_kill_9_of_the_server_mid_index_leaves_no_worker(
    big_notebook: Path, env: dict[str, str]
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "codex_lsp", "serve"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin is not None
    folder = {"uri": big_notebook.as_uri(), "name": big_notebook.name}
    initialize = {
        "processId": os.getpid(),
        "rootUri": folder["uri"],
        "capabilities": {},
        "workspaceFolders": [folder],
    }
    process.stdin.write(
        _message({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": initialize})
        + _message({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    )
    process.stdin.flush()
    try:
        kill_mid_run(process)
    finally:
        process.stdin.close()


def test_a_worker_whose_parent_dies_exits_without_prctl(tmp_path: Path) -> None:
    """The portable fallback alone (no ``PR_SET_PDEATHSIG``) also ends an orphaned worker."""
    script = textwrap.dedent(
        """
        import os, sys, time
        from codex_lsp.storage import lifeline
        parent = os.getpid()
        child = os.fork()
        if child == 0:
            lifeline.watch_parent(parent, kernel=False)
            time.sleep(60)
            os._exit(0)
        print(child, flush=True)
        os._exit(0)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    orphan = int(out.split()[0])
    wait_for(lambda: not alive({orphan}), f"the orphan {orphan} to exit")


def test_ctrl_c_of_the_cli_mid_index_is_one_line_and_leaves_no_worker(
    big_notebook: Path, env: dict[str, str]
) -> None:
    """Ctrl-C reaches the whole foreground process group: the CLI says it was interrupted in
    one line (no traceback from it or its workers), exits 130 and its workers end."""
    process = subprocess.Popen(
        [sys.executable, "-m", "codex_lsp", "index", "--full", str(big_notebook)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        children = wait_for(
            lambda: (found := descendants(process.pid)) and len(found) >= 2 and found,
            "the index run's worker processes",
        )
        assert isinstance(children, set)
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=DEADLINE)
        wait_for(lambda: not alive(children), f"the workers {sorted(alive(children))} to exit")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1:] == ["codex-lsp: interrupted"]
    assert len(stderr.strip().splitlines()) == 1, stderr
