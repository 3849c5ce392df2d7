// Runs the end-to-end suite (tests/vscode/suite/index.js) in a REAL VS Code: the VS Code server
// shipped in the npm package code-server (lib/vscode/out/server-main.js, under Node 24) with the
// workbench in headless Debian Chromium driven by playwright-core. See
// /work/shared/notes/editor-e2e.md for the recipe.
//
//   node driver.mjs --pass dev  --ext clients/vscode        (extension loaded from its sources)
//   node driver.mjs --pass vsix --vsix codex-notebooks-X.vsix (the packaged extension, installed,
//                                                             with codex-lsp removed from PATH)
// Common: --node24 BIN --code-server DIR --artifacts DIR [--only REGEX] [--keep]
// Prints "[pass] ok|FAIL name" lines and a final "e2e(<pass>): N passed, M failed".
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TESTS = path.resolve(HERE, '..');
const REPO = path.resolve(TESTS, '..', '..');

function parseArgs(argv) {
  const args = { pass: 'dev', only: undefined, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (key === 'keep') args.keep = true;
    else args[key.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = argv[++i];
  }
  for (const required of ['node24', 'codeServer', 'artifacts']) {
    if (!args[required]) throw new Error(`--${required} is required`);
  }
  if (args.pass === 'vsix' && !args.vsix) throw new Error('--vsix is required with --pass vsix');
  if (args.pass === 'dev' && !args.ext) args.ext = path.join(REPO, 'clients', 'vscode');
  return args;
}

const args = parseArgs(process.argv.slice(2));
const label = `e2e(${args.pass})`;
const say = (message) => console.log(`[${label}] ${message}`);
/** Results already printed live from the extension host's console. */
const shown = new Set();

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function copyNotebook(target) {
  const source = path.join(REPO, 'examples', 'lab-notebook');
  fs.cpSync(source, target, {
    recursive: true,
    filter: (src) => !/notebook\.db/.test(path.basename(src)),
  });
}

/** A git repository with two commits of the history note (for the history tests). */
function makeRepository(ws) {
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  const git = (...a) => execFileSync('git', ['-c', 'user.name=Ada Lovelace', '-c', 'user.email=ada@example.org', '-c', 'commit.gpgsign=false', ...a], { cwd: ws, env, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  // A note that the second commit deletes (for "Restore Deleted Note").
  fs.writeFileSync(path.join(ws, 'protocols', 'Retired staining protocol.md'), '# Retired staining protocol\n\nReplaced by [[Gel electrophoresis]].\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'Lab notebook as of March', '--date', '2026-03-02T10:00:00');
  const note = path.join(ws, 'experiments', 'EXP-014 HEK293 transfection.md');
  const text = fs.readFileSync(note, 'utf8').replace('status: planned', 'status: running');
  fs.writeFileSync(note, `${text}\n## Day 1\n\n- Seeded the plate; cells at 80 % confluence.\n`);
  git('rm', '-q', 'protocols/Retired staining protocol.md');
  git('commit', '-q', '-am', 'EXP-014: started, day 1 notes', '--date', '2026-03-12T18:30:00');
}

/**
 * A folder of notes that is not set up for Codex: an Obsidian vault (only `.obsidian/`, no
 * `.codex/`, no git) or, with `plain`, just Markdown files. The extension must start in it
 * without a note being opened (activation events) and give completion.
 */
function makeBareWorkspace(ws, kind) {
  fs.mkdirSync(path.join(ws, 'daily'), { recursive: true });
  if (kind === 'vault') {
    fs.mkdirSync(path.join(ws, '.obsidian'));
    fs.writeFileSync(path.join(ws, '.obsidian', 'app.json'), '{"newFileLocation": "current"}\n');
  }
  fs.writeFileSync(path.join(ws, 'Welcome.md'), '# Welcome\n\nStart with [[Gel electrophoresis]].\n');
  fs.writeFileSync(path.join(ws, 'Gel electrophoresis.md'), '---\naliases: [Agarose gel]\n---\n# Gel electrophoresis\n\nRun at 100 V. #method\n');
  fs.writeFileSync(path.join(ws, 'daily', '2026-03-09.md'), '# 2026-03-09\n\nToday:\n');
}

/** Python 3.10+ interpreters of this machine (PATH, pyenv), one per minor version. */
function findPythons(pathValue) {
  const dirs = pathValue.split(path.delimiter).filter(Boolean);
  const pyenv = process.env.PYENV_ROOT || path.join(os.homedir(), '.pyenv');
  try {
    for (const version of fs.readdirSync(path.join(pyenv, 'versions'))) dirs.push(path.join(pyenv, 'versions', version, 'bin'));
  } catch {
    // no pyenv
  }
  const found = new Map();
  for (const minor of [10, 11, 12, 13, 14]) {
    for (const dir of dirs) {
      const candidate = path.join(dir, `python3.${minor}`);
      if (found.has(minor) || !fs.existsSync(candidate) || dir.includes(`${path.sep}shims`)) continue;
      try {
        const version = execFileSync(candidate, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' }).trim();
        found.set(minor, { path: candidate, version });
      } catch {
        // not runnable
      }
    }
  }
  return [...found.values()];
}

function stripCodexLsp(pathValue) {
  return pathValue
    .split(path.delimiter)
    .filter((dir) => dir && !fs.existsSync(path.join(dir, 'codex-lsp')))
    .join(path.delimiter);
}

/**
 * The lab notebook (most tests), then a bare folder of notes: an Obsidian vault in the dev pass,
 * a plain folder in the vsix pass (so each activation path is seen once).
 */
async function main() {
  const started = Date.now();
  const bare = args.pass === 'vsix' ? 'plain' : 'vault';
  const sessions = [
    { workspace: 'lab', folder: 'lab-notebook' },
    { workspace: bare, folder: bare === 'vault' ? 'Obsidian vault' : 'notes' },
  ];
  let status = 0;
  const total = { passed: 0, failed: 0 };
  for (const session of sessions) {
    const result = await runSession(session);
    total.passed += result.passed;
    total.failed += result.failed;
    if (result.failed) status = 1;
  }
  console.log(`[${label}] ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${label}: ${total.passed} passed, ${total.failed} failed`);
  return status;
}

async function runSession({ workspace, folder }) {
  const started = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `codex-e2e-${args.pass}-`));
  const ws = path.join(tmp, folder);
  const serverData = path.join(tmp, 'server-data');
  const userData = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  const requests = path.join(tmp, 'requests');
  const results = path.join(tmp, 'results.json');
  for (const dir of [serverData, userData, extensionsDir, requests, path.join(tmp, 'tmp'), args.artifacts]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  if (workspace === 'lab') {
    copyNotebook(ws);
    makeRepository(ws);
  } else {
    makeBareWorkspace(ws, workspace);
  }

  // Machine settings (the remote side of the web workbench reads them).
  const machine = path.join(serverData, 'data', 'Machine');
  fs.mkdirSync(machine, { recursive: true });
  fs.writeFileSync(
    path.join(machine, 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'git.enabled': false,
        'chat.disableAIFeatures': true,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'workbench.welcomePage.walkthroughs.openOnInstall': false,
        'security.workspace.trust.enabled': false,
        'editor.codeLens': true,
        'codex.log.level': 'info',
      },
      null,
      2,
    ),
  );

  // A Python that reports 3.8.10, for the "too old" notification test.
  const oldPython = path.join(tmp, 'python3.8');
  fs.writeFileSync(oldPython, '#!/bin/sh\nprintf 3.8.10\n');
  fs.chmodSync(oldPython, 0o755);

  const node24Dir = path.dirname(args.node24);
  let pathValue = `${node24Dir}${path.delimiter}${process.env.PATH ?? ''}`;
  let extensionDevelopmentPath;
  if (args.pass === 'vsix') {
    pathValue = stripCodexLsp(pathValue);
    say(`installing ${path.basename(args.vsix)} with code-server --install-extension`);
    execFileSync(
      args.node24,
      [path.join(args.codeServer, 'out', 'node', 'entry.js'), '--install-extension', path.resolve(args.vsix), '--extensions-dir', extensionsDir, '--user-data-dir', userData],
      { stdio: 'pipe', env: { ...process.env, PATH: pathValue, TMPDIR: path.join(tmp, 'tmp'), HOME: tmp } },
    );
    const installed = fs.readdirSync(extensionsDir).filter((n) => n.startsWith('codex-lsp.codex-notebooks'));
    if (installed.length !== 1) throw new Error(`the .vsix was not installed: ${fs.readdirSync(extensionsDir).join(', ')}`);
    say(`installed ${installed[0]}`);
    // The test runner needs a development extension: an empty harness, so the .vsix is what runs.
    extensionDevelopmentPath = path.join(TESTS, 'harness');
  } else {
    extensionDevelopmentPath = path.resolve(args.ext);
  }

  const port = await freePort();
  const env = {
    ...process.env,
    PATH: pathValue,
    TMPDIR: path.join(tmp, 'tmp'),
    XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
    XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
    XDG_STATE_HOME: path.join(tmp, 'xdg-state'),
    XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'),
    CODEX_E2E_PASS: args.pass,
    CODEX_E2E_WORKSPACE: workspace,
    CODEX_E2E_RESULTS: results,
    CODEX_E2E_REQUESTS: requests,
    CODEX_E2E_OLD_PYTHON: oldPython,
    CODEX_E2E_PYTHONS: JSON.stringify(args.pass === 'vsix' ? findPythons(pathValue) : []),
    ...(args.only ? { CODEX_E2E_ONLY: args.only } : {}),
  };
  delete env.VIRTUAL_ENV;
  if (args.pass === 'vsix') delete env.PYTHONPATH;
  const serverLog = fs.openSync(path.join(tmp, 'vscode-server.log'), 'w');
  const server = spawn(
    args.node24,
    [
      path.join(args.codeServer, 'lib', 'vscode', 'out', 'server-main.js'),
      '--host', '127.0.0.1',
      '--port', String(port),
      '--without-connection-token',
      '--accept-server-license-terms',
      '--telemetry-level', 'off',
      '--enable-smoke-test-driver',
      '--server-data-dir', serverData,
      '--user-data-dir', userData,
      '--extensions-dir', extensionsDir,
      '--reconnection-grace-time', '5',
      '--disable-workspace-trust',
      // The extension host gets this process's environment (PATH), not a login shell's.
      '--force-disable-user-env',
    ],
    { env, stdio: ['ignore', serverLog, serverLog], detached: true },
  );
  let browser;
  const cleanup = async () => {
    if (browser) await browser.close().catch(() => undefined);
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  try {
    await waitForServer(port, path.join(tmp, 'vscode-server.log'));
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${extensionDevelopmentPath}`],
      ['extensionTestsPath', `vscode-remote://127.0.0.1:${port}${path.join(TESTS, 'suite', 'index.js')}`],
    ];
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        '--disable-dev-shm-usage',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const exitCode = new Promise((resolve) => {
      page.exposeFunction('codeAutomationExit', (code) => resolve(Number(code)));
    });
    await page.exposeFunction('codeAutomationLog', (type, lines) => {
      for (const line of [].concat(lines ?? [])) {
        const text = typeof line === 'string' ? line : JSON.stringify(line);
        if (!text.includes('[codex-e2e]')) continue;
        const message = text.replace(/^.*?\[codex-e2e\] /s, '');
        const result = /^(ok  |FAIL) (.*) \(\d+ ms\)/.exec(message);
        if (result) shown.add(result[2]);
        console.log(`[${label}] ${message}`);
      }
    });
    page.on('pageerror', (error) => say(`page error: ${error.message}`));
    if (process.env.CODEX_E2E_VERBOSE) page.on('console', (message) => say(`console.${message.type()}: ${message.text()}`));
    // Screenshots asked for by the suite (it writes NAME.request and waits for NAME.done), and
    // what the page shows (NAME.query holds a CSS selector; NAME.answer gets the text of every
    // visible element it matches), for checks of what the user sees that the API cannot read.
    const shots = setInterval(async () => {
      for (const file of fs.readdirSync(requests)) {
        if (file.endsWith('.query')) {
          const name = file.slice(0, -'.query'.length);
          const selector = fs.readFileSync(path.join(requests, file), 'utf8');
          fs.rmSync(path.join(requests, file));
          let answer;
          try {
            answer = await page.$$eval(selector, (elements) =>
              elements.filter((e) => e.getClientRects().length > 0).map((e) => e.textContent ?? ''),
            );
          } catch (error) {
            answer = { error: error.message };
          }
          fs.writeFileSync(path.join(requests, `${name}.answer.tmp`), JSON.stringify(answer));
          fs.renameSync(path.join(requests, `${name}.answer.tmp`), path.join(requests, `${name}.answer`));
          continue;
        }
        if (!file.endsWith('.request')) continue;
        const name = file.slice(0, -'.request'.length);
        fs.rmSync(path.join(requests, file));
        const suffix = [args.pass === 'dev' ? '' : args.pass, workspace === 'lab' ? '' : workspace].filter(Boolean).join('-');
        const target = path.join(args.artifacts, suffix ? `${name}-${suffix}.png` : `${name}.png`);
        try {
          await page.screenshot({ path: target });
          say(`saved ${path.relative(REPO, target)}`);
        } catch (error) {
          say(`screenshot failed: ${error.message}`);
        }
        fs.writeFileSync(path.join(requests, `${name}.done`), target);
      }
    }, 100);
    await page.goto(url);
    const timeoutMs = Number(process.env.CODEX_E2E_TIMEOUT_MS || 300_000);
    const code = await Promise.race([exitCode, new Promise((resolve) => setTimeout(() => resolve('timeout'), timeoutMs))]);
    clearInterval(shots);
    if (code === 'timeout') {
      await page.screenshot({ path: path.join(args.artifacts, `timeout-${args.pass}-${workspace}.png`) }).catch(() => undefined);
      say(`the suite did not finish within ${timeoutMs} ms`);
    }
    return report(code, results, tmp, started, workspace);
  } finally {
    await cleanup();
    if (!args.keep) fs.rmSync(tmp, { recursive: true, force: true });
    else say(`kept ${tmp}`);
  }
}

async function waitForServer(port, logFile) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/version`);
      if (response.status < 500) return;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the VS Code server did not start:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
}

function report(code, resultsFile, tmp, started, workspace) {
  let data;
  try {
    data = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  } catch {
    data = { results: [] };
  }
  const results = data.results;
  const passed = results.filter((r) => r.ok).length;
  let failed = results.length - passed;
  for (const r of results) {
    if (shown.has(r.name)) continue;
    console.log(`[${label}] ${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.ms} ms)`);
    if (!r.ok) console.log(r.error.split('\n').map((l) => `    ${l}`).join('\n'));
  }
  if (failed && data.log?.length) {
    console.log(`[${label}] last lines of the Codex Notebooks output channel:`);
    console.log(data.log.slice(-40).map((l) => `    ${l}`).join('\n'));
  }
  if (results.length === 0 || (code !== 0 && failed === 0)) {
    // The suite never reported: count the whole pass as one failure.
    failed += 1;
    console.log(`[${label}] FAIL the suite did not run to the end (exit code ${code})`);
    const serverLog = path.join(tmp, 'vscode-server.log');
    if (fs.existsSync(serverLog)) console.log(fs.readFileSync(serverLog, 'utf8').slice(-3000));
  }
  console.log(`[${label}] workspace ${workspace}: ${passed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return { passed, failed };
}

main().then(
  (status) => process.exit(status),
  (error) => {
    console.error(`[${label}] ${error.stack || error}`);
    console.log(`${label}: 0 passed, 1 failed`);
    process.exit(1);
  },
);
