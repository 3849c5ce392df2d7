// Which language server to run: `codex.server.command`, else `codex-lsp` on PATH, else the
// server bundled in the extension run by a Python interpreter. Pure: no `vscode` import, so
// the unit tests run it under plain Node.

import * as path from 'node:path';

export const MIN_PYTHON: readonly [number, number] = [3, 10];
export const SERVER_EXECUTABLE = 'codex-lsp';
export const DEFAULT_ARGS: readonly string[] = ['serve'];
/** How a user installs the server: codex-lsp is not published on PyPI. */
export const INSTALL_SERVER = 'install it from a clone of codex-lsp with "pipx install ./"';

/** How to run the server. */
export type ServerChoice =
  | { kind: 'setting' | 'path'; command: string; args: string[] }
  | { kind: 'bundled'; launcher: string; python: PythonCandidate; args: string[] };

/** An interpreter for the bundled server: a command and arguments placed before ours. */
export interface PythonCandidate {
  command: string;
  args: string[];
  source: 'setting' | 'python-extension' | 'default';
}

export interface Problem {
  /** Stable key so that the same problem is announced once. */
  key: string;
  message: string;
  /** Buttons offered with the message. */
  actions: ProblemAction[];
}
export type ProblemAction = 'Open Settings' | 'Show Log' | 'Install Python';

export type Resolution = { ok: true; choice: ServerChoice } | { ok: false; problem: Problem };

export interface DiscoveryInput {
  commandSetting: string;
  argsSetting: readonly string[] | undefined;
  pythonSetting: string;
  /** The Python extension's active interpreter as a command line, when that extension is there. */
  pythonExtension?: readonly string[];
  /** Folder holding launch.py and the bundled packages, if this build has one. */
  bundledDir?: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  home: string;
  /** An executable file (for commands). */
  isExecutable: (file: string) => boolean;
  /** Any file (for launch.py). */
  isFile: (file: string) => boolean;
}

/** Decide which server to run, or say why none can be. */
export function resolveServer(input: DiscoveryInput): Resolution {
  const args = normaliseArgs(input.argsSetting);
  const configured = input.commandSetting.trim();
  if (configured) {
    const expanded = expandHome(configured, input.home);
    const found = hasSeparator(expanded)
      ? input.isExecutable(expanded)
        ? expanded
        : undefined
      : findOnPath(expanded, input.env, input.platform, input.isExecutable);
    if (!found) {
      return {
        ok: false,
        problem: {
          key: `command:${configured}`,
          message:
            `Codex Notebooks: the language server "${configured}" set in "codex.server.command" ` +
            'was not found. Fix the path, or clear the setting to use codex-lsp from PATH or the ' +
            'server bundled with the extension.',
          actions: ['Open Settings'],
        },
      };
    }
    return { ok: true, choice: { kind: 'setting', command: found, args } };
  }
  const onPath = findOnPath(SERVER_EXECUTABLE, input.env, input.platform, input.isExecutable);
  if (onPath) {
    return { ok: true, choice: { kind: 'path', command: onPath, args } };
  }
  const launcher = input.bundledDir ? path.join(input.bundledDir, 'launch.py') : undefined;
  if (!launcher || !input.isFile(launcher)) {
    return {
      ok: false,
      problem: {
        key: 'no-server',
        message:
          'Codex Notebooks: no language server found. This build of the extension has no ' +
          `bundled server and codex-lsp is not on PATH: ${INSTALL_SERVER}, ` +
          'or set "codex.server.command".',
        actions: ['Open Settings'],
      },
    };
  }
  return {
    ok: true,
    choice: { kind: 'bundled', launcher, python: choosePython(input), args: [...DEFAULT_ARGS] },
  };
}

/** The interpreter for the bundled server: setting, then the Python extension, then python3. */
export function choosePython(input: DiscoveryInput): PythonCandidate {
  const configured = input.pythonSetting.trim();
  if (configured) {
    return { command: expandHome(configured, input.home), args: [], source: 'setting' };
  }
  if (input.pythonExtension && input.pythonExtension.length > 0 && input.pythonExtension[0]) {
    const [command, ...args] = input.pythonExtension;
    return { command, args, source: 'python-extension' };
  }
  return { command: input.platform === 'win32' ? 'python' : 'python3', args: [], source: 'default' };
}

/** The command line that starts the server. */
export function commandLine(choice: ServerChoice): { command: string; args: string[] } {
  if (choice.kind === 'bundled') {
    // -I: ignore PYTHON* variables and the user site; -S: no site-packages at all, so the
    // bundle alone decides which versions of the dependencies run.
    return {
      command: choice.python.command,
      args: [...choice.python.args, '-I', '-S', choice.launcher, ...choice.args],
    };
  }
  return { command: choice.command, args: [...choice.args] };
}

export function describe(choice: ServerChoice): string {
  const line = commandLine(choice);
  const where =
    choice.kind === 'bundled'
      ? `bundled server, Python from ${choice.python.source}`
      : choice.kind === 'setting'
        ? 'codex.server.command'
        : 'codex-lsp on PATH';
  return `${[line.command, ...line.args].map(quote).join(' ')} (${where})`;
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : JSON.stringify(word);
}

export function normaliseArgs(value: readonly string[] | undefined): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    return [...DEFAULT_ARGS];
  }
  return [...value];
}

export function expandHome(value: string, home: string): string {
  if (value === '~') return home;
  if (value.startsWith('~/') || value.startsWith('~\\')) return path.join(home, value.slice(2));
  return value;
}

function hasSeparator(value: string): boolean {
  return value.includes('/') || value.includes('\\');
}

/** Like `which`: the first executable called `name` in PATH (with PATHEXT on Windows). */
export function findOnPath(
  name: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  isFile: (file: string) => boolean,
): string | undefined {
  const windows = platform === 'win32';
  const pathValue = (windows ? (env.Path ?? env.PATH) : env.PATH) ?? '';
  const delimiter = windows ? ';' : ':';
  const join = windows ? path.win32.join : path.posix.join;
  const extensions = windows
    ? ['', ...(env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)]
    : [''];
  for (const dir of pathValue.split(delimiter)) {
    if (!dir) continue;
    for (const ext of extensions) {
      const candidate = join(dir, name + ext);
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

// -- Python checks -----------------------------------------------------------------------

/** Runs in any Python (2.x included): prints the version as "3.11.7". */
export const VERSION_SNIPPET = "import sys; sys.stdout.write('%d.%d.%d' % tuple(sys.version_info[:3]))";

export function parseVersion(text: string): [number, number, number] | undefined {
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

export function isSupported(version: readonly number[], min: readonly number[] = MIN_PYTHON): boolean {
  for (let i = 0; i < min.length; i++) {
    const have = version[i] ?? 0;
    if (have !== min[i]) return have > min[i];
  }
  return true;
}

/** What `launch.py --probe` prints. */
export interface ProbeReport {
  ok: boolean;
  version?: string;
  executable?: string;
  platform?: string;
  error?: string;
}

export type PythonCheck =
  | { kind: 'ok'; version: string; executable?: string }
  | { kind: 'missing' }
  | { kind: 'old'; version: string }
  | { kind: 'broken'; detail: string; version?: string };

const MIN_TEXT = MIN_PYTHON.join('.');
const FIX =
  `Install Python ${MIN_TEXT} or newer (python.org or your package manager) and, if it is not ` +
  'the one found on PATH, set "codex.server.python" to its path. Or install the server ' +
  `yourself (${INSTALL_SERVER}) and set "codex.server.command".`;

/** The one notification for an interpreter that cannot run the bundled server. */
export function pythonProblem(python: PythonCandidate, check: PythonCheck): Problem | undefined {
  const who = describePython(python);
  switch (check.kind) {
    case 'ok':
      return undefined;
    case 'missing':
      return {
        key: `python-missing:${python.command}`,
        message: `Codex Notebooks needs Python ${MIN_TEXT} or newer to run its language server, but ${who} was not found. ${FIX}`,
        actions: ['Install Python', 'Open Settings'],
      };
    case 'old':
      return {
        key: `python-old:${python.command}:${check.version}`,
        message: `Codex Notebooks needs Python ${MIN_TEXT} or newer to run its language server, but ${who} is Python ${check.version}. ${FIX}`,
        actions: ['Install Python', 'Open Settings'],
      };
    case 'broken':
      return {
        key: `python-broken:${python.command}:${check.detail}`,
        message:
          `Codex Notebooks could not start its bundled language server with ${who}` +
          `${check.version ? ` (Python ${check.version})` : ''}: ${check.detail}. ` +
          `Install the server yourself (${INSTALL_SERVER}) and set "codex.server.command", ` +
          'or choose another interpreter in "codex.server.python".',
        actions: ['Show Log', 'Open Settings'],
      };
  }
}

function describePython(python: PythonCandidate): string {
  const name = [python.command, ...python.args].join(' ');
  switch (python.source) {
    case 'setting':
      return `"${name}" (codex.server.python)`;
    case 'python-extension':
      return `"${name}" (the Python extension's interpreter)`;
    default:
      return `"${name}"`;
  }
}
