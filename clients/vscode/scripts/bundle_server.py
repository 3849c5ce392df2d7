"""Build ``clients/vscode/bundled/``: the codex-lsp server and its dependencies, for the .vsix.

    python3 scripts/bundle_server.py [--platforms linux-x64,darwin-arm64,...] [--force]

The result runs on any Python >= 3.10 with ``python -I -S bundled/launch.py serve``:

* ``lib/`` holds codex_lsp (a wheel built from the repository's ``server/``) and every
  dependency, resolved for Python 3.10 (the oldest supported) so that backports needed there
  are present; newer Pythons run the same pure-Python code.
* Compiled modules. A dependency whose C accelerator is optional (PyYAML: codex_lsp falls back
  to the pure-Python SafeLoader) has its compiled files removed, so the bundle is the same on
  every platform. A dependency that only exists compiled (for example rpds-py, which
  jsonschema >= 4.18 needs through ``referencing``) is installed per platform and per CPython
  version into ``native/<platform>/cp3XY/`` from the wheels on PyPI; launch.py puts the right
  folder first on ``sys.path``, and a platform/version without a build gets a clear message.

Re-running with unchanged inputs (server sources, pyproject.toml, these scripts, the platform
list) does nothing; ``--force`` rebuilds. With ``$CODEX_BUNDLE_CACHE`` set, a finished bundle is
also kept in that folder under the hash of its inputs and reused from there (for fresh clones).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
EXTENSION = HERE.parent
REPO = EXTENSION.parent.parent
MIN_PYTHON = "3.10"
PYTHON_VERSIONS = ["3.10", "3.11", "3.12", "3.13", "3.14"]

# VS Code platform name -> pip --platform tags (pip adds the older compatible ones).
PLATFORM_TAGS = {
    "linux-x64": ["manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64"],
    "linux-arm64": ["manylinux2014_aarch64", "manylinux_2_17_aarch64", "manylinux_2_28_aarch64"],
    "darwin-x64": ["macosx_11_0_x86_64"],
    "darwin-arm64": ["macosx_11_0_arm64"],
    "win32-x64": ["win_amd64"],
}
DEFAULT_PLATFORMS = list(PLATFORM_TAGS)

# Distributions whose compiled modules are optional speed-ups with a pure-Python fallback.
OPTIONAL_ACCELERATORS = {"pyyaml": "C LibYAML bindings (codex_lsp uses the pure-Python SafeLoader)"}
COMPILED_SUFFIXES = (".so", ".pyd", ".dylib")


def log(message: str) -> None:
    print(f"bundle-server: {message}", flush=True)


def normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def current_platform() -> str:
    system = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(
        sys.platform, sys.platform
    )
    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(
        machine, machine
    )
    return f"{system}-{arch}"


def pip(*args: str, quiet: bool = True) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pip", *args, "--disable-pip-version-check", "--no-input"]
    if quiet:
        command.append("--quiet")
    return subprocess.run(command, capture_output=True, text=True, check=False)


def install_into(lib: Path, *requirements: str) -> None:
    """pip-install binary wheels of ``requirements`` for Python MIN_PYTHON into ``lib``."""
    checked(
        pip(
            "install",
            "--target",
            str(lib),
            "--python-version",
            MIN_PYTHON,
            "--only-binary=:all:",
            "--no-compile",
            "--no-warn-script-location",
            *requirements,
        ),
        "pip install",
    )


def checked(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"bundle-server: {what} failed (exit status {result.returncode})")


def input_stamp(platforms: list[str]) -> str:
    """Hash of everything the bundle is made from."""
    digest = hashlib.sha256()
    files = [REPO / "pyproject.toml", HERE / "bundle_server.py", HERE / "launch.py"]
    files += sorted(
        p for p in (REPO / "server").rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    digest.update(",".join(platforms).encode())
    digest.update(MIN_PYTHON.encode())
    return digest.hexdigest()


def dists(lib: Path) -> dict[str, tuple[str, str, list[Path]]]:
    """normalised name -> (name, version, files) for every distribution installed in ``lib``."""
    found = {}
    for info in lib.glob("*.dist-info"):
        metadata = (info / "METADATA").read_text(encoding="utf-8", errors="replace")
        fields = dict(
            line.split(": ", 1)
            for line in metadata.splitlines()
            if ": " in line and not line[0].isspace()
        )
        name, version = fields.get("Name", info.name), fields.get("Version", "?")
        files = []
        record = info / "RECORD"
        if record.exists():
            for line in record.read_text(encoding="utf-8").splitlines():
                rel = line.rsplit(",", 2)[0]
                if rel and not rel.startswith(".."):
                    files.append(lib / rel)
        files.append(info)
        found[normalise(name)] = (name, version, files)
    return found


def requirement_tools() -> tuple[Any, Any]:
    """packaging's Requirement and default_environment (pip vendors them when needed)."""
    try:
        import packaging.markers
        import packaging.requirements

        return packaging.requirements.Requirement, packaging.markers.default_environment
    except ImportError:
        from pip._vendor.packaging import markers, requirements

        return requirements.Requirement, markers.default_environment


def missing_for_other_pythons(lib: Path) -> list[str]:
    """Requirements that some supported Python needs (``exceptiongroup; python_version <
    "3.11"``) but pip skipped: pip evaluates markers for the Python running it, whatever
    ``--python-version`` says."""
    requirement_class, default_environment = requirement_tools()
    installed = {key for key in dists(lib)}
    wanted = set()
    for info in lib.glob("*.dist-info"):
        metadata = (info / "METADATA").read_text(encoding="utf-8", errors="replace")
        for line in metadata.splitlines():
            if not line.startswith("Requires-Dist: "):
                continue
            req = requirement_class(line.split(": ", 1)[1])
            if req.marker is None or normalise(req.name) in installed:
                continue
            for version in PYTHON_VERSIONS:
                env = dict(default_environment())
                env.update(python_version=version, python_full_version=f"{version}.0", extra="")
                if req.marker.evaluate(env):
                    wanted.add(f"{req.name}{req.specifier}")
                    break
    return sorted(wanted)


def is_compiled(path: Path) -> bool:
    return path.suffix in COMPILED_SUFFIXES or ".so." in path.name


def remove(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()


def remove_empty_dirs(root: Path) -> None:
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(folder.iterdir()):
            folder.rmdir()


def install_native(
    target: Path, plat: str, version: str, requirements: list[tuple[str, str]]
) -> tuple[str, str, bool, str]:
    """Install the compiled distributions for one platform and Python version."""
    tags = [arg for tag in PLATFORM_TAGS[plat] for arg in ("--platform", tag)]
    common = [
        "install",
        "--target",
        str(target),
        "--no-deps",
        "--only-binary=:all:",
        "--no-compile",
        "--implementation",
        "cp",
        "--python-version",
        version,
        *tags,
    ]
    pinned = [f"{name}=={ver}" for name, ver in requirements]
    result = pip(*common, *pinned)
    if result.returncode != 0:
        # That exact version may have no wheel for this Python: take the newest that has one.
        shutil.rmtree(target, ignore_errors=True)
        result = pip(*common, *(name for name, _ in requirements))
    if result.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        last = (result.stderr.strip().splitlines() or ["?"])[-1]
        return plat, version, False, last
    shutil.rmtree(target / "bin", ignore_errors=True)
    return plat, version, True, ""


def build(out: Path, platforms: list[str], stamp: str, extra: list[str]) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="codex-bundle-"))
    staging = out.with_name(out.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    lib = staging / "lib"
    try:
        started = time.monotonic()
        log(f"building the codex-lsp wheel from {REPO}")
        checked(pip("wheel", "--no-deps", "--wheel-dir", str(work), str(REPO)), "pip wheel")
        wheel = next(work.glob("codex_lsp-*.whl"))
        log(f"installing {wheel.name} and its dependencies (resolved for Python {MIN_PYTHON})")
        install_into(lib, str(wheel), *extra)
        for _ in range(5):
            extra_needed = missing_for_other_pythons(lib)
            if not extra_needed:
                break
            log(f"adding what other Python versions need: {', '.join(extra_needed)}")
            install_into(lib, *extra_needed)
        shutil.rmtree(lib / "bin", ignore_errors=True)
        installed = dists(lib)
        stripped = {}
        natives: dict[str, str] = {}
        for key, (name, version, files) in sorted(installed.items()):
            compiled = [f for f in files if f.exists() and is_compiled(f)]
            if not compiled:
                continue
            if key in OPTIONAL_ACCELERATORS:
                remove(compiled)
                stripped[name] = OPTIONAL_ACCELERATORS[key]
                why = OPTIONAL_ACCELERATORS[key]
                log(f"{name}: removed {len(compiled)} compiled file(s): {why}")
            else:
                natives[name] = version
                remove(files)
        native_manifest: dict[str, object] = {}
        if natives:
            requirements = sorted(natives.items())
            log(
                "compiled dependencies "
                + ", ".join(f"{n} {v}" for n, v in requirements)
                + f": installing wheels for {', '.join(platforms)}"
                + f" x CPython {', '.join(PYTHON_VERSIONS)}"
            )
            builds: dict[str, list[str]] = {p: [] for p in platforms}
            missing: dict[str, list[str]] = {}
            jobs = [(p, v) for p in platforms for v in PYTHON_VERSIONS]
            with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
                futures = [
                    pool.submit(
                        install_native,
                        staging / "native" / p / ("cp" + v.replace(".", "")),
                        p,
                        v,
                        requirements,
                    )
                    for p, v in jobs
                ]
                for future in concurrent.futures.as_completed(futures):
                    plat, version, ok, error = future.result()
                    tag = "cp" + version.replace(".", "")
                    if ok:
                        builds[plat].append(tag)
                    else:
                        missing.setdefault(plat, []).append(f"{tag}: {error}")
            for plat in builds:
                builds[plat].sort()
            native_manifest = {"packages": natives, "builds": builds, "missing": missing}
            for plat, problems in missing.items():
                log(f"warning: no wheel for {plat}: {'; '.join(problems)}")
        for cache in staging.rglob("__pycache__"):
            shutil.rmtree(cache, ignore_errors=True)
        remove_empty_dirs(staging)
        shutil.copy2(HERE / "launch.py", staging / "launch.py")
        versions = {name: version for name, version, _ in dists(lib).values()}
        manifest: dict[str, Any] = {
            "codex_lsp": versions.get("codex-lsp") or versions.get("codex_lsp"),
            "python": f">={MIN_PYTHON}",
            "built_with": f"Python {platform.python_version()} on {current_platform()}",
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "stamp": stamp,
            "platforms": platforms,
            "packages": dict(sorted(versions.items(), key=lambda kv: kv[0].lower())),
            "stripped": stripped,
            "native": native_manifest,
        }
        (staging / "manifest.json").write_text(
            json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
        )
        shutil.rmtree(out, ignore_errors=True)
        staging.rename(out)
        log(f"built {out} in {time.monotonic() - started:.1f} s")
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def smoke_test(out: Path) -> None:
    """The bundle must import on this machine's Python (when it is a supported one)."""
    result = subprocess.run(
        [sys.executable, "-B", "-I", "-S", str(out / "launch.py"), "--probe"],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    report = json.loads(lines[-1]) if lines else {"ok": False, "error": result.stderr.strip()}
    if not report.get("ok"):
        raise SystemExit(f"bundle-server: the bundle does not start: {report.get('error')}")
    log(f"smoke test: codex-lsp {report.get('server')} imports on Python {report['version']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=EXTENSION / "bundled")
    parser.add_argument(
        "--platforms",
        default=os.environ.get("CODEX_BUNDLE_PLATFORMS", ",".join(DEFAULT_PLATFORMS)),
        help="comma-separated VS Code platforms for compiled dependencies, or 'current'",
    )
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    parser.add_argument(
        "--extra",
        action="append",
        default=os.environ.get("CODEX_BUNDLE_EXTRA", "").split(),
        metavar="REQUIREMENT",
        help="also bundle this requirement (to try a dependency before pyproject.toml has it;"
        " or $CODEX_BUNDLE_EXTRA, space-separated)",
    )
    args = parser.parse_args()
    platforms = [p.strip() for p in args.platforms.split(",") if p.strip()]
    platforms = [current_platform() if p == "current" else p for p in platforms]
    unknown = [p for p in platforms if p not in PLATFORM_TAGS]
    if unknown:
        parser.error(f"unknown platform(s) {', '.join(unknown)}; known: {', '.join(PLATFORM_TAGS)}")
    out = args.out.resolve()
    stamp = input_stamp(platforms + sorted(args.extra))
    manifest_path = out / "manifest.json"
    if not args.force and manifest_path.exists():
        try:
            if json.loads(manifest_path.read_text(encoding="utf-8")).get("stamp") == stamp:
                log(f"{out} is up to date")
                smoke_test(out)
                return 0
        except ValueError:
            pass
    cache = Path(os.environ["CODEX_BUNDLE_CACHE"]) if os.environ.get("CODEX_BUNDLE_CACHE") else None
    cached = cache / stamp if cache else None
    if cached is not None and (cached / "manifest.json").exists() and not args.force:
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(cached, out)
        log(f"copied the bundle from the cache {cached}")
        smoke_test(out)
        return 0
    manifest = build(out, platforms, stamp, args.extra)
    if cache is not None and cached is not None:
        cache.mkdir(parents=True, exist_ok=True)
        for old in cache.iterdir():  # keep only this bundle
            shutil.rmtree(old, ignore_errors=True)
        shutil.copytree(out, cached)
    log(
        f"codex-lsp {manifest['codex_lsp']} with {len(manifest['packages']) - 1} dependencies, "
        f"{size_of(out) / 1e6:.1f} MB"
    )
    smoke_test(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
