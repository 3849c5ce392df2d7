"""Benchmark the server's start-up: spawning the process until ``initialize`` is answered.

Usage::

    python bench/bench_startup.py [--runs 10] [--json FILE]

Each run spawns ``python -m codex_lsp serve`` with a pipe, sends ``initialize`` (no workspace
folder: the answer needs no notebook) and times, client-side, until its answer arrives; then
``shutdown`` and ``exit``. In the same run, alternately, the floor: a process that imports
``pygls.lsp.server`` (what any pygls server must load) and exits, and a bare interpreter.
The budget: the ``initialize`` answer no more than 30 ms after pygls's own import, which is
``initialize`` minus the pygls floor (medians).

The package's bytecode is compiled first, as installing it compiles it: with
``PYTHONDONTWRITEBYTECODE`` set (as on some CI machines) an editable install would otherwise
compile every module from source at each start, which no user's server does.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SERVER = [sys.executable, "-m", "codex_lsp", "serve"]
PYGLS = [sys.executable, "-c", "import pygls.lsp.server"]
BARE = [sys.executable, "-c", "pass"]


def frame(message: dict[str, Any]) -> bytes:
    """A JSON-RPC message with its Content-Length header."""
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def read_message(stream: Any) -> dict[str, Any]:
    """The next JSON-RPC message of ``stream``."""
    length = 0
    while True:
        line = stream.readline()
        if not line:
            raise EOFError("the server closed its output")
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    message: dict[str, Any] = json.loads(stream.read(length))
    return message


def time_initialize() -> float:
    """Milliseconds from spawning the server until its ``initialize`` answer is read."""
    start = time.perf_counter()
    server = subprocess.Popen(
        SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert server.stdin is not None and server.stdout is not None
    params = {"processId": os.getpid(), "rootUri": None, "capabilities": {}}
    server.stdin.write(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}))
    server.stdin.flush()
    while True:
        message = read_message(server.stdout)
        if message.get("id") == 1:
            break
    elapsed = (time.perf_counter() - start) * 1000
    assert "result" in message, message
    server.stdin.write(frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
    server.stdin.write(frame({"jsonrpc": "2.0", "method": "exit"}))
    server.stdin.flush()
    server.wait(timeout=30)
    return elapsed


def time_process(command: list[str]) -> float:
    """Milliseconds to run ``command`` to its end."""
    start = time.perf_counter()
    subprocess.run(command, check=True)
    return (time.perf_counter() - start) * 1000


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", type=Path)
    options = parser.parse_args(argv)
    import codex_lsp

    compileall.compile_dir(Path(codex_lsp.__file__).parent, quiet=1)
    initialize, pygls, bare = [], [], []
    load_before = os.getloadavg()
    for _ in range(options.runs):
        initialize.append(time_initialize())
        pygls.append(time_process(PYGLS))
        bare.append(time_process(BARE))
    results = {
        "load_before": load_before,
        "initialize answered, ms (median, min)": [statistics.median(initialize), min(initialize)],
        "import pygls.lsp.server, ms (median, min)": [statistics.median(pygls), min(pygls)],
        "bare interpreter, ms (median, min)": [statistics.median(bare), min(bare)],
        "initialize after pygls, ms (median; budget 30)": statistics.median(initialize)
        - statistics.median(pygls),
        "load_after": os.getloadavg(),
    }
    print(json.dumps(results, indent=2))
    if options.json:
        options.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
