"""The language server hands the interpreter between its threads more often than CPython's
default: a request waits less for index writes and checks running beside it."""

from __future__ import annotations

import subprocess
import sys

from codex_lsp.lsp.server import SWITCH_INTERVAL

PROBE = """
import sys
from codex_lsp.lsp import server
server.CodexServer.start_io = lambda self: print(sys.getswitchinterval())
sys.exit(server.run_server())
"""


def test_the_server_process_uses_the_short_switch_interval() -> None:
    default = subprocess.run(
        [sys.executable, "-c", "import sys; print(sys.getswitchinterval())"],
        check=True,
        capture_output=True,
        text=True,
    )
    served = subprocess.run(
        [sys.executable, "-c", PROBE], check=True, capture_output=True, text=True, timeout=60
    )
    assert float(served.stdout) == SWITCH_INTERVAL < float(default.stdout)
