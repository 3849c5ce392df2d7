# ruff: noqa: UP032  (no f-strings: an old Python must be able to read this file)
"""Start the codex-lsp server bundled with the Codex Notebooks extension.

Run as ``python -I -S launch.py serve`` (or ``--probe``). ``-I -S`` keep the user's
site-packages and PYTHON* variables out: the bundle alone decides which versions run.
Layout beside this file (written by scripts/bundle_server.py):

    lib/                      pure-Python packages: codex_lsp and its dependencies
    native/<platform>/cp3XY/  packages with compiled modules, per platform and Python version
    manifest.json             what was bundled

This file must stay importable by any Python (even 2.7) so that an old interpreter gets a
clear message rather than a syntax error: no f-strings or annotations above ``main``.
"""

import json
import os
import platform
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MIN_VERSION = (3, 10)


def platform_name():
    """VS Code's name for this platform: linux-x64, darwin-arm64, win32-x64, ..."""
    system = {"linux": "linux", "darwin": "darwin", "win32": "win32", "cygwin": "win32"}.get(
        sys.platform, sys.platform
    )
    machine = platform.machine().lower()
    arch = {
        "x86_64": "x64",
        "amd64": "x64",
        "aarch64": "arm64",
        "arm64": "arm64",
        "armv7l": "armhf",
        "i686": "ia32",
        "x86": "ia32",
    }.get(machine, machine)
    return "{}-{}".format(system, arch)


def python_tag():
    return "cp{}{}".format(*sys.version_info[:2])


def manifest():
    try:
        with open(os.path.join(HERE, "manifest.json")) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def search_path():
    """Folders to put first on sys.path; raises RuntimeError when no build fits."""
    paths = [os.path.join(HERE, "lib")]
    natives = manifest().get("native") or {}
    if natives:
        folder = os.path.join(HERE, "native", platform_name(), python_tag())
        if not os.path.isdir(folder):
            built = sorted(natives.get("builds", {}).get(platform_name(), []))
            message = "the bundled server has no build of {} for {} with Python {}.{} (bundled: {})"
            raise RuntimeError(
                message.format(
                    ", ".join(sorted(natives.get("packages", {}))),
                    platform_name(),
                    sys.version_info[0],
                    sys.version_info[1],
                    ", ".join(built) or "none for this platform",
                )
            )
        paths.insert(0, folder)
    return paths


def probe():
    """Print one JSON line: can this interpreter run the bundled server?"""
    report = {
        "ok": False,
        "version": "{}.{}.{}".format(*sys.version_info[:3]),
        "executable": sys.executable,
        "platform": platform_name(),
    }
    try:
        if sys.version_info < MIN_VERSION:
            raise RuntimeError("Python {}.{} or newer is needed".format(*MIN_VERSION))
        sys.path[0:0] = search_path()
        import sqlite3

        connection = sqlite3.connect(":memory:")
        try:
            connection.execute("CREATE VIRTUAL TABLE probe USING fts5(body)")
        except sqlite3.Error:
            # No "raise ... from": this file stays readable by Python 2 (see the docstring).
            raise RuntimeError(  # noqa: B904
                "this Python's sqlite3 has no FTS5 full-text search (SQLite {})".format(
                    sqlite3.sqlite_version
                )
            )
        finally:
            connection.close()
        import codex_lsp
        import codex_lsp.cli.main
        import codex_lsp.lsp.server  # pygls, lsprotocol, the storage layer

        report["server"] = codex_lsp.__version__
        report["ok"] = True
    except Exception as exc:  # report, never crash
        report["error"] = "{}: {}".format(type(exc).__name__, exc)
    sys.stdout.write(json.dumps(report) + "\n")
    return 0 if report["ok"] else 1


def main(argv):
    if argv[:1] == ["--probe"]:
        return probe()
    if sys.version_info < MIN_VERSION:
        sys.stderr.write(
            "codex-lsp: Python {}.{} or newer is needed; this is {} ({})\n".format(
                MIN_VERSION[0], MIN_VERSION[1], sys.version.split()[0], sys.executable
            )
        )
        return 3
    try:
        sys.path[0:0] = search_path()
    except RuntimeError as exc:
        sys.stderr.write("codex-lsp: {}\n".format(exc))
        return 3
    from codex_lsp.cli.main import main as codex_main

    return codex_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
