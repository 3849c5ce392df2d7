import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  contextKey,
  decodeRevision,
  encodeRevision,
  FEATURES,
  folderWithin,
  hitText,
  historyText,
  isWorkingTree,
  LatestOnly,
  missingCommands,
  notebookOf,
  offeredFeatures,
  parseQuery,
  ProgressTracker,
  relativeTime,
  revisionPath,
  serverSettings,
  showText,
  splitNoteInput,
  statusView,
} from '../../src/model';

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

describe('features and context keys', () => {
  const today = ['codex.search', 'codex.tags', 'codex.searchTags', 'codex.backlinks', 'codex.references', 'codex.createNote', 'codex.reindex', 'codex.notebooks'];

  test('a server without git history hides the history commands', () => {
    const offered = offeredFeatures(today);
    assert.equal(offered.search, true);
    assert.equal(offered.tags, true);
    assert.equal(offered.history, false);
    assert.equal(offered.restore, false);
    assert.deepEqual(missingCommands('history', today), ['codex.history', 'codex.show']);
  });

  test('history appears once the server offers it', () => {
    const offered = offeredFeatures([...today, 'codex.history', 'codex.show', 'codex.diff', 'codex.restore']);
    assert.ok(offered.history && offered.restore && offered.diff);
  });

  test('no server: nothing offered', () => {
    assert.ok(Object.values(offeredFeatures(undefined)).every((v) => v === false));
  });

  test('every palette command is guarded by a context key the extension sets', () => {
    const keys = new Set(Object.keys(FEATURES).map((f) => contextKey(f as keyof typeof FEATURES)));
    const palette = manifest.contributes.menus.commandPalette as { command: string; when: string }[];
    for (const entry of palette) {
      if (entry.when === 'false') continue; // run from views and code actions, not the palette
      const used = entry.when.match(/codex\.has\.\w+/g) ?? [];
      assert.ok(used.length > 0, `${entry.command} has no codex.has.* key`);
      for (const key of used) assert.ok(keys.has(key), `${entry.command}: ${key} is never set`);
    }
  });

  test('the extension starts in any workspace holding notes, before a note is opened', () => {
    const events = manifest.activationEvents as string[];
    for (const event of ['workspaceContains:**/*.md', 'workspaceContains:.obsidian', 'workspaceContains:.codex', 'onLanguage:markdown']) {
      assert.ok(events.includes(event), `${event} is missing`);
    }
  });

  test('every view of the Codex container is registered', () => {
    const source = ['sidebar.ts', 'views/viewsTree.ts'].map((file) => readFileSync(join(root, 'src', file), 'utf8')).join('\n');
    const views = manifest.contributes.views.codex as { id: string }[];
    assert.deepEqual(views.map((v) => v.id), ['codex.connections', 'codex.tags', 'codex.history', 'codex.views']);
    for (const view of views) assert.ok(source.includes(`'${view.id}'`), `${view.id} has no tree view`);
    assert.equal(manifest.contributes.viewsContainers.activitybar[0].id, 'codex');
  });

  test('every contributed command is registered and categorised', () => {
    const source = ['commands.ts', 'daily.ts', 'sidebar.ts', 'views/viewEditor.ts', 'views/viewsTree.ts'].map((file) => readFileSync(join(root, 'src', file), 'utf8')).join('\n');
    for (const command of manifest.contributes.commands as { command: string; category: string }[]) {
      assert.ok(source.includes(`'${command.command}'`), `${command.command} is not registered`);
      assert.equal(command.category, 'Codex');
    }
  });
});

describe('settings', () => {
  test('client-only keys are not sent to the server', () => {
    const section = { trace: { server: 'verbose' }, server: { command: '' }, diagnostics: { brokenLinks: 'warning' } };
    assert.deepEqual(serverSettings(section), { server: { command: '' }, diagnostics: { brokenLinks: 'warning' } });
    assert.equal((section as Record<string, unknown>).trace !== undefined, true, 'input is not changed');
    assert.equal(serverSettings(null), null);
  });

  test('every setting has a description and a default', () => {
    for (const part of manifest.contributes.configuration) {
      for (const [key, value] of Object.entries(part.properties as Record<string, Record<string, unknown>>)) {
        assert.ok(key.startsWith('codex.'), key);
        assert.ok(value.description || value.markdownDescription, `${key} has no description`);
        assert.ok('default' in value, `${key} has no default`);
      }
    }
  });
});

describe('progress and status bar', () => {
  test('indexing progress, then the note count', () => {
    const tracker = new ProgressTracker();
    tracker.update('t1', { kind: 'begin', title: 'Indexing lab-notebook', percentage: 0 });
    tracker.update('t1', { kind: 'report', message: '10/40 files', percentage: 25 });
    assert.equal(tracker.current(), 'Indexing lab-notebook 25%');
    let view = statusView({ state: 'running', progress: tracker.current() });
    assert.equal(view.text, '$(sync~spin) Indexing lab-notebook 25%');
    tracker.update('t1', { kind: 'end', message: '40 notes' });
    assert.equal(tracker.busy, false);
    view = statusView({
      state: 'running',
      progress: tracker.current(),
      notebooks: [
        { name: 'lab', root: '/w/lab', uri: 'file:///w/lab', ready: true, notes: 31 },
        { name: 'home', root: '/w/home', uri: 'file:///w/home', ready: true, notes: 1 },
      ],
    });
    assert.equal(view.text, '$(notebook) 32 notes');
    assert.equal(view.command, 'codex.showNotebooks');
    assert.match(view.tooltip, /lab: 31 notes\nhome: 1 note\n/);
  });

  test('a notebook still indexing (no progress report yet) is not shown as 0 notes', () => {
    const view = statusView({
      state: 'running',
      notebooks: [{ name: 'lab', root: '/w/lab', uri: 'file:///w/lab', ready: false, notes: 0 }],
    });
    assert.equal(view.text, '$(sync~spin) Indexing lab');
    assert.match(view.tooltip, /lab: 0 notes \(indexing\)/);
  });

  test('starting, failed and empty states', () => {
    assert.equal(statusView({ state: 'starting' }).text, '$(loading~spin) Codex');
    const failed = statusView({ state: 'failed', error: 'Python is too old' });
    assert.equal(failed.command, 'codex.showLog');
    assert.match(failed.tooltip, /too old/);
    assert.match(statusView({ state: 'running', notebooks: [] }).tooltip, /no notebook/);
  });
});

describe('search', () => {
  test('#tags are filters, the rest is the full-text query', () => {
    assert.deepEqual(parseQuery('  pcr #methods  gel #lab/qpcr'), { query: 'pcr gel', tags: ['methods', 'lab/qpcr'] });
    assert.deepEqual(parseQuery('C# code'), { query: 'C# code', tags: [] });
    assert.deepEqual(parseQuery(''), { query: '', tags: [] });
  });

  test('hit text: title, path, snippet on one line', () => {
    assert.deepEqual(hitText({ uri: 'file:///n/a.md', path: 'protocols/PCR.md', title: 'PCR', snippet: 'the [PCR]\n  mix' }), {
      label: 'PCR',
      description: 'protocols/PCR.md',
      detail: 'the [PCR] mix',
    });
    assert.equal(hitText({ uri: 'u', path: 'x.md', title: '' }).label, 'x.md');
  });

  test('a snippet whose first match is far in starts shortly before it', () => {
    const snippet = '… one two three four five six seven eight nine ten eleven twelve the thermocycler lid heats to 105 °C';
    const start = snippet.indexOf('thermocycler');
    const detail = hitText({ uri: 'u', path: 'x.md', title: 'T', snippet, snippetMatches: [[start, start + 12]] }).detail ?? '';
    assert.match(detail, /^…\S/);
    assert.ok(detail.indexOf('thermocycler') < 40, detail);
    assert.ok(!detail.includes('one two'), detail);
    assert.ok(detail.endsWith('105 °C'));
    // A match near the start keeps the snippet whole.
    assert.equal(hitText({ uri: 'u', path: 'x.md', title: 'T', snippet: 'the thermocycler', snippetMatches: [[4, 16]] }).detail, 'the thermocycler');
  });

  test('only the newest answer counts', () => {
    const latest = new LatestOnly();
    const first = latest.begin();
    const second = latest.begin();
    assert.equal(latest.isLatest(first), false);
    assert.equal(latest.isLatest(second), true);
  });
});

describe('history', () => {
  const now = new Date('2026-03-10T12:00:00Z');

  test('working tree entry', () => {
    assert.ok(isWorkingTree({ commit: null }));
    assert.ok(isWorkingTree({ commit: 'working tree' }));
    assert.ok(isWorkingTree({ workingTree: true, commit: 'abc' }));
    assert.ok(!isWorkingTree({ commit: '0123456789abcdef' }));
    assert.equal(historyText({ commit: null, subject: 'working tree' }, 'a.md', now).label, '$(edit) Working tree');
  });

  test('commit text: subject, short hash, author, age, old path', () => {
    const text = historyText(
      { commit: '0123456789abcdef', author: 'Ada', date: '2026-03-07T11:00:00+00:00', subject: 'Gel results', path: 'old/name.md' },
      'new/name.md',
      now,
    );
    assert.deepEqual(text, { label: '$(git-commit) Gel results', description: '0123456 · Ada · 3 days ago', detail: 'as old/name.md' });
  });

  test('relative times', () => {
    assert.equal(relativeTime('2026-03-10T11:59:50Z', now), 'just now');
    assert.equal(relativeTime('2026-03-10T11:00:00Z', now), '1 hour ago');
    assert.equal(relativeTime('2026-02-08T12:00:00Z', now), '1 month ago');
    assert.equal(relativeTime('2024-03-10T12:00:00Z', now), '2 years ago');
    assert.equal(relativeTime('not a date', now), 'not a date');
    assert.equal(relativeTime(undefined, now), '');
  });

  test('revision URIs keep the extension and round-trip', () => {
    assert.equal(revisionPath('/w/lab/protocols/PCR amplification.md', '0123456789'), '/w/lab/protocols/PCR amplification (0123456).md');
    assert.equal(revisionPath('/w/README', 'abcdef0123'), '/w/README (abcdef0)');
    const ref = { note: 'file:///w/lab/a%20b.md', commit: '0123456789', path: 'old/a b.md' };
    assert.deepEqual(decodeRevision(encodeRevision(ref)), ref);
    assert.equal(decodeRevision('nope'), undefined);
    assert.equal(decodeRevision('{"note": 1}'), undefined);
  });

  test('codex.show text', () => {
    assert.equal(showText('# A\n'), '# A\n');
    assert.equal(showText({ text: '# B\n', commit: 'x' }), '# B\n');
    assert.throws(() => showText({}));
  });
});

describe('new notes', () => {
  test('folder/Title input', () => {
    assert.deepEqual(splitNoteInput('protocols/PCR v2'), { folder: 'protocols', title: 'PCR v2' });
    assert.deepEqual(splitNoteInput('  Meeting notes '), { folder: '', title: 'Meeting notes' });
    assert.deepEqual(splitNoteInput('a//b\\c/ Title'), { folder: 'a/b/c', title: 'Title' });
    assert.deepEqual(splitNoteInput('protocols/'), { folder: 'protocols', title: '' });
  });

  test('folder of the active note and its notebook', () => {
    assert.equal(folderWithin('/w/lab', '/w/lab/protocols/PCR.md'), 'protocols');
    assert.equal(folderWithin('/w/lab', '/w/lab/README.md'), '');
    assert.equal(folderWithin('/w/lab', '/w/other/x.md'), '');
    const books = [{ root: '/w' }, { root: '/w/lab' }, { root: '/w/lab2' }];
    assert.equal(notebookOf(books, '/w/lab/x.md'), books[1]);
    assert.equal(notebookOf(books, '/w/lab2/x.md'), books[2]);
    assert.equal(notebookOf(books, '/w/x.md'), books[0]);
    assert.equal(notebookOf(books, '/elsewhere/x.md'), undefined);
  });
});
