// Checks that an interpreter can run the bundled server, before the server is started, so a
// missing or old Python gives one clear message instead of a crash loop. No `vscode` import.

import { execFile } from 'node:child_process';
import {
  isSupported,
  parseVersion,
  type ProbeReport,
  type PythonCandidate,
  type PythonCheck,
  VERSION_SNIPPET,
} from './discovery';

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  spawnError?: NodeJS.ErrnoException;
}

function run(command: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: timeoutMs, windowsHide: true, maxBuffer: 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const err = error as (NodeJS.ErrnoException & { code?: unknown }) | null;
        if (err && typeof err.code === 'string') {
          resolve({ code: null, stdout, stderr, spawnError: err });
        } else {
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
        }
      },
    );
  });
}

/** Is `python` a Python >= 3.10 that can import the bundled server? */
export async function checkPython(
  python: PythonCandidate,
  launcher: string,
  timeoutMs = 30_000,
): Promise<PythonCheck> {
  const version = await run(python.command, [...python.args, '-c', VERSION_SNIPPET], timeoutMs);
  if (version.spawnError) {
    const code = version.spawnError.code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'broken', detail: version.spawnError.message };
  }
  const parsed = parseVersion(version.stdout);
  if (version.code !== 0 || !parsed) {
    const detail = (version.stderr || version.stdout).trim().split('\n').pop() || `exit status ${version.code}`;
    // "python3" on Windows can be the store stub; an exit status 9009 means "not found".
    if (version.code === 9009) return { kind: 'missing' };
    return { kind: 'broken', detail };
  }
  const text = parsed.join('.');
  if (!isSupported(parsed)) return { kind: 'old', version: text };
  const probe = await run(
    python.command,
    [...python.args, '-I', '-S', launcher, '--probe'],
    timeoutMs,
  );
  const report = parseProbe(probe.stdout);
  if (report?.ok) return { kind: 'ok', version: report.version ?? text, executable: report.executable };
  const detail =
    report?.error ?? ((probe.stderr || probe.stdout).trim().split('\n').pop() || `exit status ${probe.code}`);
  return { kind: 'broken', detail, version: text };
}

export function parseProbe(stdout: string): ProbeReport | undefined {
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!line) return undefined;
  try {
    const value = JSON.parse(line) as ProbeReport;
    return typeof value === 'object' && value !== null && typeof value.ok === 'boolean' ? value : undefined;
  } catch {
    return undefined;
  }
}
