import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  choosePython,
  commandLine,
  type DiscoveryInput,
  findOnPath,
  isSupported,
  parseVersion,
  pythonProblem,
  resolveServer,
} from '../../src/discovery';
import { checkPython, parseProbe } from '../../src/python';

function input(over: Partial<DiscoveryInput> & { files?: string[] } = {}): DiscoveryInput {
  const files = new Set(over.files ?? []);
  return {
    commandSetting: '',
    argsSetting: ['serve'],
    pythonSetting: '',
    bundledDir: '/ext/bundled',
    env: { PATH: '/usr/local/bin:/usr/bin' },
    platform: 'linux',
    home: '/home/ada',
    isExecutable: (f) => files.has(f),
    isFile: (f) => files.has(f),
    ...over,
  };
}

describe('resolveServer', () => {
  test('codex.server.command wins over PATH and the bundle', () => {
    const r = resolveServer(
      input({ commandSetting: '~/venv/bin/codex-lsp', files: ['/home/ada/venv/bin/codex-lsp', '/usr/bin/codex-lsp', '/ext/bundled/launch.py'] }),
    );
    assert.deepEqual(r, { ok: true, choice: { kind: 'setting', command: '/home/ada/venv/bin/codex-lsp', args: ['serve'] } });
  });

  test('a bare name in codex.server.command is looked up on PATH', () => {
    const r = resolveServer(input({ commandSetting: 'my-codex', argsSetting: ['serve', '--log-file', '/tmp/x'], files: ['/usr/bin/my-codex'] }));
    assert.ok(r.ok);
    assert.deepEqual(r.choice, { kind: 'setting', command: '/usr/bin/my-codex', args: ['serve', '--log-file', '/tmp/x'] });
  });

  test('a configured command that does not exist is one clear problem', () => {
    const r = resolveServer(input({ commandSetting: '/nope/codex-lsp', files: ['/usr/bin/codex-lsp'] }));
    assert.ok(!r.ok);
    assert.match(r.problem.message, /"\/nope\/codex-lsp" set in "codex.server.command" was not found/);
    assert.deepEqual(r.problem.actions, ['Open Settings']);
  });

  test('codex-lsp on PATH comes before the bundle', () => {
    const r = resolveServer(input({ files: ['/usr/bin/codex-lsp', '/ext/bundled/launch.py'] }));
    assert.ok(r.ok);
    assert.deepEqual(r.choice, { kind: 'path', command: '/usr/bin/codex-lsp', args: ['serve'] });
  });

  test('the bundle runs with python3 by default, isolated from site-packages', () => {
    const r = resolveServer(input({ files: ['/ext/bundled/launch.py'] }));
    assert.ok(r.ok);
    assert.equal(r.choice.kind, 'bundled');
    assert.deepEqual(commandLine(r.choice), { command: 'python3', args: ['-I', '-S', '/ext/bundled/launch.py', 'serve'] });
  });

  test('no server anywhere', () => {
    const r = resolveServer(input({ files: [] }));
    assert.ok(!r.ok);
    assert.equal(r.problem.key, 'no-server');
    assert.match(r.problem.message, /from a clone of codex-lsp with "pipx install \.\/"/);
  });

  test('no message asks to pip install codex-lsp (it is not on PyPI)', () => {
    const python = { command: 'python3', args: [], source: 'default' as const };
    const problem = resolveServer(input({ files: [] }));
    const messages = [
      problem.ok ? '' : problem.problem.message,
      ...(['missing', 'old', 'broken'] as const).map(
        (kind) => pythonProblem(python, { kind, version: '3.8.1', detail: 'x' } as never)!.message,
      ),
    ];
    for (const message of messages) {
      assert.doesNotMatch(message, /pip install codex-lsp/);
      assert.match(message, /pipx install \.\//);
    }
  });

  test('bad args setting falls back to serve', () => {
    const r = resolveServer(input({ argsSetting: [1 as unknown as string], files: ['/usr/bin/codex-lsp'] }));
    assert.ok(r.ok);
    assert.deepEqual(commandLine(r.choice).args, ['serve']);
  });
});

describe('choosePython', () => {
  test('setting, then the Python extension, then python3 (python on Windows)', () => {
    assert.deepEqual(choosePython(input({ pythonSetting: '~/py/bin/python', pythonExtension: ['/x/python'] })), {
      command: '/home/ada/py/bin/python',
      args: [],
      source: 'setting',
    });
    assert.deepEqual(choosePython(input({ pythonExtension: ['conda', 'run', '-n', 'lab', 'python'] })), {
      command: 'conda',
      args: ['run', '-n', 'lab', 'python'],
      source: 'python-extension',
    });
    assert.equal(choosePython(input()).command, 'python3');
    assert.equal(choosePython(input({ platform: 'win32' })).command, 'python');
  });
});

describe('findOnPath', () => {
  test('first match in PATH order, empty entries skipped', () => {
    const files = new Set(['/b/codex-lsp', '/c/codex-lsp']);
    assert.equal(findOnPath('codex-lsp', { PATH: '::/a:/b:/c' }, 'linux', (f) => files.has(f)), '/b/codex-lsp');
    assert.equal(findOnPath('codex-lsp', { PATH: '/a' }, 'linux', (f) => files.has(f)), undefined);
  });

  test('Windows: Path variable, ; separator and PATHEXT', () => {
    const files = new Set(['C:\\py\\Scripts\\codex-lsp.EXE']);
    const env = { Path: 'C:\\Windows;C:\\py\\Scripts', PATHEXT: '.COM;.EXE' };
    assert.equal(findOnPath('codex-lsp', env, 'win32', (f) => files.has(f)), 'C:\\py\\Scripts\\codex-lsp.EXE');
  });
});

describe('Python versions', () => {
  test('parse and compare', () => {
    assert.deepEqual(parseVersion('3.11.7'), [3, 11, 7]);
    assert.deepEqual(parseVersion('Python 3.10\n'), [3, 10, 0]);
    assert.equal(parseVersion('nonsense'), undefined);
    assert.ok(isSupported([3, 10, 0]));
    assert.ok(isSupported([3, 14, 1]));
    assert.ok(isSupported([4, 0, 0]));
    assert.ok(!isSupported([3, 9, 18]));
    assert.ok(!isSupported([2, 7, 18]));
  });

  test('problems name the interpreter, the version and the fix', () => {
    const python = { command: '/usr/bin/python3', args: [], source: 'default' as const };
    assert.equal(pythonProblem(python, { kind: 'ok', version: '3.11.2' }), undefined);
    const old = pythonProblem(python, { kind: 'old', version: '3.8.10' });
    assert.match(old!.message, /needs Python 3\.10 or newer/);
    assert.match(old!.message, /is Python 3\.8\.10/);
    assert.match(old!.message, /codex\.server\.python/);
    const missing = pythonProblem({ ...python, source: 'setting' }, { kind: 'missing' });
    assert.match(missing!.message, /was not found/);
    assert.match(missing!.message, /\(codex\.server\.python\)/);
    assert.deepEqual(missing!.actions, ['Install Python', 'Open Settings']);
  });

  test('parseProbe reads the last JSON line', () => {
    assert.deepEqual(parseProbe('noise\n{"ok": true, "version": "3.12.1"}\n'), { ok: true, version: '3.12.1' });
    assert.equal(parseProbe('Traceback ...'), undefined);
    assert.equal(parseProbe('{broken'), undefined);
  });
});

describe('checkPython (real processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'codex-python-'));
  function fake(name: string, script: string): string {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${script}\n`);
    chmodSync(file, 0o755);
    return file;
  }
  const launcher = join(dir, 'launch.py');
  writeFileSync(launcher, '');
  const skip = process.platform === 'win32';

  test('a missing interpreter', { skip }, async () => {
    const check = await checkPython({ command: join(dir, 'no-such-python'), args: [], source: 'setting' }, launcher);
    assert.deepEqual(check, { kind: 'missing' });
  });

  test('an old interpreter', { skip }, async () => {
    const python = fake('python38', 'printf 3.8.10');
    assert.deepEqual(await checkPython({ command: python, args: [], source: 'setting' }, launcher), { kind: 'old', version: '3.8.10' });
  });

  test('an interpreter that cannot import the bundle', { skip }, async () => {
    const python = fake(
      'python312',
      'case "$*" in *--probe*) echo \'{"ok": false, "version": "3.12.1", "error": "ModuleNotFoundError: No module named pygls"}\'; exit 1;; *) printf 3.12.1;; esac',
    );
    const check = await checkPython({ command: python, args: [], source: 'setting' }, launcher);
    assert.deepEqual(check, { kind: 'broken', detail: 'ModuleNotFoundError: No module named pygls', version: '3.12.1' });
  });

  test('a good interpreter', { skip }, async () => {
    const python = fake(
      'python313',
      'case "$*" in *"-I -S"*--probe*) echo \'{"ok": true, "version": "3.13.0", "executable": "/x/python3.13"}\';; *) printf 3.13.0;; esac',
    );
    assert.deepEqual(await checkPython({ command: python, args: [], source: 'default' }, launcher), {
      kind: 'ok',
      version: '3.13.0',
      executable: '/x/python3.13',
    });
  });
});
