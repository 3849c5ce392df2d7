#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need (into .venv), then
# runs the linters, the type checker, the Python tests (unit, property, CLI, LSP end to end)
# and the editor tests in a real Neovim and a real VS Code. `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"
ruff check server tests bench
ruff format --check server tests bench
echo "== mypy"
mypy

echo "== pytest"
status=0
python -m pytest -q -p no:cacheprovider || status=$?
if [ "$status" -ne 0 ]; then
  [ "$status" -eq 5 ] && echo "pytest collected no tests: that is a failure"
  exit 1
fi

for editor_suite in tests/neovim/run.sh tests/vscode/run.sh; do
  echo "== $editor_suite"
  bash "$editor_suite"
done
