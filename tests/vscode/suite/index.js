// End-to-end tests of the Codex Notebooks extension, run INSIDE a real VS Code extension host
// (the standard extension test contract: VS Code loads this file and awaits `run()`).
// Started by tests/vscode/e2e/driver.mjs, which prepares the workspace (a git copy of
// examples/lab-notebook) and passes settings through CODEX_E2E_* environment variables.
'use strict';

const assert = require('node:assert/strict');
const cp = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');

const EXTENSION_ID = 'codex-lsp.codex-notebooks';
const PASS = process.env.CODEX_E2E_PASS || 'dev';
const RESULTS = process.env.CODEX_E2E_RESULTS;
const REQUESTS = process.env.CODEX_E2E_REQUESTS;
const OLD_PYTHON = process.env.CODEX_E2E_OLD_PYTHON;
const ONLY = process.env.CODEX_E2E_ONLY ? new RegExp(process.env.CODEX_E2E_ONLY) : undefined;

const tests = [];
function test(name, fn, timeoutMs = 60_000) {
  tests.push({ name, fn, timeoutMs });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what, probe, timeoutMs = 20_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

function log(message) {
  console.log(`[codex-e2e] ${message}`);
}

const root = () => vscode.workspace.workspaceFolders[0].uri.fsPath;
const noteUri = (rel) => vscode.Uri.file(path.join(root(), rel));
const git = (...args) => cp.execFileSync('git', args, { cwd: root(), encoding: 'utf8' });

async function open(rel) {
  const doc = await vscode.workspace.openTextDocument(noteUri(rel));
  return vscode.window.showTextDocument(doc, { preview: false });
}

async function closeAll() {
  await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor').then(undefined, () => undefined);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** Ask the driver (outside VS Code) for a screenshot of the page, and wait for it. */
async function screenshot(name) {
  if (!REQUESTS) return undefined;
  const done = path.join(REQUESTS, `${name}.done`);
  fs.writeFileSync(path.join(REQUESTS, `${name}.request`), '');
  await waitFor(`screenshot ${name}`, () => fs.existsSync(done), 20_000);
  return fs.readFileSync(done, 'utf8').trim();
}

let api;
const labelOf = (item) => (typeof item.label === 'string' ? item.label : item.label.label);

/** The QuickPick a command shows next (a different object from `previous`) with items. */
async function nextQuickPick(previous, what) {
  return waitFor(what, () => {
    const qp = api.ui.lastQuickPick;
    return qp && qp !== previous && qp.items.length > 0 && !qp.busy ? qp : undefined;
  });
}

async function accept(qp, item) {
  if (item) qp.activeItems = [item];
  await sleep(50);
  await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
}

// -----------------------------------------------------------------------------------------------

test('the extension activates, indexes the notebook and shows the note count', async () => {
  // A clean window: no chat panel, no welcome page (they would hide the screenshot).
  await vscode.commands.executeCommand('workbench.action.closeAuxiliaryBar').then(undefined, () => undefined);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed`);
  api = await extension.activate();
  const books = await api.ready(90_000);
  const server = api.server();
  log(`server: ${server.kind} ${JSON.stringify(server)}; extension at ${extension.extensionPath}`);
  log(`extension host PATH: ${process.env.PATH}`);
  assert.equal(books.length, 1);
  assert.equal(path.resolve(books[0].root), path.resolve(root()));
  assert.ok(books[0].notes >= 20, `only ${books[0].notes} notes`);
  await waitFor('the status bar note count', () => api.statusText().includes(`${books[0].notes} notes`));
  // Before the count, the status bar showed the server's $/progress ("Indexing lab-notebook 40%").
  log(`status bar: ${api.statusHistory().join(' → ')}`);
  assert.ok(
    api.statusHistory().some((text) => /Indexing lab-notebook/.test(text)),
    `no indexing progress in ${api.statusHistory().join(' | ')}`,
  );
  if (PASS === 'vsix') {
    assert.equal(server.kind, 'bundled', 'with no codex-lsp on PATH the bundled server runs');
    const onPath = (process.env.PATH || '').split(path.delimiter).filter((d) => d && fs.existsSync(path.join(d, 'codex-lsp')));
    assert.deepEqual(onPath, [], 'codex-lsp must not be on PATH in this pass');
    assert.ok(!extension.extensionPath.includes(`${path.sep}clients${path.sep}vscode`), 'the installed .vsix runs, not the sources');
    assert.ok(fs.existsSync(path.join(extension.extensionPath, 'bundled', 'launch.py')));
  }
});

test('completion after [[ lists notes', async () => {
  const editor = await open('daily/2026-03-09.md');
  const doc = editor.document;
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  await editor.edit((edit) => edit.insert(end, '\n\nSee [['));
  const position = doc.lineAt(doc.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(position, position);
  const list = await waitFor('note completions', async () => {
    const result = await vscode.commands.executeCommand('vscode.executeCompletionItemProvider', doc.uri, position, '[');
    return result.items.some((i) => labelOf(i) === 'PCR amplification') ? result : undefined;
  });
  const labels = list.items.map(labelOf);
  for (const title of ['PCR amplification', 'Cell culture passaging', 'EXP-014 HEK293 transfection']) {
    assert.ok(labels.includes(title), `${title} missing from ${labels.slice(0, 20).join(', ')}`);
  }
  // The same list in the editor's suggest widget, for the screenshot artifact.
  await vscode.commands.executeCommand('editor.action.triggerSuggest');
  await sleep(1500);
  const file = await screenshot('completion');
  log(`screenshot: ${file}`);
  await vscode.commands.executeCommand('hideSuggestWidget');
  await vscode.commands.executeCommand('workbench.action.files.revert');
  assert.equal(doc.isDirty, false);
  await closeAll();
});

test('go to definition lands on the right file and heading', async () => {
  const editor = await open('projects/imaging/Overview.md');
  const doc = editor.document;
  const line = doc.getText().split('\n').findIndex((l) => l.includes('[[Cell culture passaging#Splitting]]'));
  assert.ok(line >= 0);
  const character = doc.lineAt(line).text.indexOf('Cell culture passaging#Splitting') + 3;
  const found = await vscode.commands.executeCommand('vscode.executeDefinitionProvider', doc.uri, new vscode.Position(line, character));
  assert.ok(found.length >= 1, 'no definition');
  const first = found[0];
  const uri = first.targetUri ?? first.uri;
  const range = first.targetSelectionRange ?? first.targetRange ?? first.range;
  assert.equal(uri.fsPath, noteUri('protocols/Cell culture passaging.md').fsPath);
  const target = fs.readFileSync(uri.fsPath, 'utf8').split('\n');
  const heading = target.findIndex((l) => /^#+\s+Splitting\s*$/.test(l));
  assert.ok(heading > 0);
  assert.equal(range.start.line, heading, `landed on line ${range.start.line}: ${target[range.start.line]}`);
  await closeAll();
});

test('a broken link shows in the diagnostics', async () => {
  const editor = await open('experiments/EXP-014 HEK293 transfection.md');
  const uri = editor.document.uri;
  const broken = await waitFor('the Western blot diagnostic', () =>
    vscode.languages.getDiagnostics(uri).find((d) => editor.document.getText(d.range).includes('Western blot')),
  );
  log(`diagnostic: ${broken.message} (${broken.source}, severity ${broken.severity})`);
  assert.equal(broken.severity, vscode.DiagnosticSeverity.Error);
  assert.match(editor.document.lineAt(broken.range.start.line).text, /\[\[Western blot\]\]/);
  // Links that resolve are not reported.
  const others = vscode.languages.getDiagnostics(uri).filter((d) => editor.document.getText(d.range).includes('Cell culture passaging'));
  assert.deepEqual(others, []);
  await closeAll();
});

test('Codex: Search Notes queries as you type, shows title, path and snippet, opens at the hit', async () => {
  const previous = api.ui.lastQuickPick;
  const running = vscode.commands.executeCommand('codex.searchNotes', 'thermocycler');
  const qp = await nextQuickPick(previous, 'search hits');
  const items = qp.items;
  log(`search: ${items.map((i) => `${i.label} — ${i.description}`).join(' | ')}`);
  assert.ok(items.every((i) => i.label && i.description && i.description.endsWith('.md')));
  assert.ok(items.some((i) => i.detail && /thermocycler/i.test(i.detail)), 'no snippet shows the word');
  // Typing another query replaces the hits.
  qp.value = 'miniprep';
  await waitFor('hits for miniprep', () => qp.items.length > 0 && qp.items.every((i) => i.hit) && qp.items[0].hit && /miniprep/i.test(qp.items.map((i) => `${i.label} ${i.detail}`).join(' ')));
  const chosen = qp.items[0];
  await accept(qp, chosen);
  await running;
  const editor = vscode.window.activeTextEditor;
  assert.ok(editor, 'no editor opened');
  assert.equal(editor.document.uri.toString(), vscode.Uri.parse(chosen.hit.uri).toString());
  assert.equal(editor.selection.start.line, chosen.hit.range.start.line);
  await closeAll();
});

test('Codex: Search by Tag lists tags with counts, then the notes', async () => {
  const previous = api.ui.lastQuickPick;
  const running = vscode.commands.executeCommand('codex.searchByTag');
  const tags = await nextQuickPick(previous, 'tags');
  const experiment = tags.items.find((i) => i.label === '#experiment');
  assert.ok(experiment, `no #experiment in ${tags.items.map((i) => i.label).join(' ')}`);
  assert.match(experiment.description, /^\d+ notes?$/);
  await accept(tags, experiment);
  const notes = await nextQuickPick(tags, 'notes tagged #experiment');
  assert.ok(notes.items.length >= 2);
  assert.ok(notes.items.every((i) => i.description.startsWith('experiments/')), notes.items.map((i) => i.description).join(', '));
  const chosen = notes.items[0];
  await accept(notes, chosen);
  await running;
  assert.equal(vscode.window.activeTextEditor.document.uri.toString(), vscode.Uri.parse(chosen.uri).toString());
  await closeAll();
});

test('the backlinks code lens runs codex.showBacklinks with the references', async () => {
  const editor = await open('protocols/PCR amplification.md');
  const lenses = await waitFor('a backlinks code lens', async () => {
    const found = await vscode.commands.executeCommand('vscode.executeCodeLensProvider', editor.document.uri, 10);
    return found.filter((l) => l.command && l.command.command === 'codex.showBacklinks').length ? found : undefined;
  });
  const lens = lenses.find((l) => l.command && l.command.command === 'codex.showBacklinks');
  log(`code lens: ${lens.command.title}`);
  const count = Number(/^(\d+)/.exec(lens.command.title)[1]);
  assert.ok(count >= 2);
  await vscode.commands.executeCommand(lens.command.command, ...lens.command.arguments);
  assert.deepEqual(api.ui.lastBacklinks, { uri: editor.document.uri.toString(), count });
  // The palette form asks the server (codex.backlinks) for the active note.
  await vscode.commands.executeCommand('codex.showBacklinks');
  assert.equal(api.ui.lastBacklinks.count, count);
  await vscode.commands.executeCommand('closeReferenceSearch');
  await closeAll();
});

test('Codex: Create Note creates, saves and opens the note', async () => {
  const created = await vscode.commands.executeCommand('codex.newNote', { title: 'E2E scratch note', folder: 'drafts' });
  const file = noteUri('drafts/E2E scratch note.md').fsPath;
  try {
    assert.equal(created.fsPath, file);
    assert.ok(fs.existsSync(file));
    assert.equal(vscode.window.activeTextEditor.document.uri.fsPath, file);
    assert.match(fs.readFileSync(file, 'utf8'), /E2E scratch note/);
  } finally {
    await closeAll();
    fs.rmSync(file, { force: true });
  }
});

test('Codex: Reindex reindexes and reports', async () => {
  const results = await vscode.commands.executeCommand('codex.reindexNotebooks');
  assert.equal(results.length, 1);
  assert.ok(results[0].notes >= 20);
  assert.ok(api.notices.some((n) => /reindexed lab-notebook: \d+ notes/.test(n.message)));
  await waitFor('the note count after reindexing', () => /\d+ notes/.test(api.statusText()));
});

test('Codex: Show Notebooks (the status bar item) lists the notebook with its counts', async () => {
  const previous = api.ui.lastQuickPick;
  const running = vscode.commands.executeCommand('codex.showNotebooks');
  const qp = await nextQuickPick(previous, 'the notebooks');
  assert.equal(qp.items.length, 1);
  assert.equal(qp.items[0].label, 'lab-notebook');
  assert.match(qp.items[0].description, /^\d+ notes · \d+ attachments? · \d+ tags?$/);
  assert.equal(path.resolve(qp.items[0].detail), path.resolve(root()));
  await accept(qp, qp.items[0]);
  await running;
});

const HISTORY_NOTE = 'experiments/EXP-014 HEK293 transfection.md';

function requireServerFeature(...commands) {
  const missing = commands.filter((c) => !api.serverCommands().includes(c));
  if (missing.length) {
    throw new Error(
      `missing server feature: the codex-lsp server does not offer ${missing.join(', ')} (git history, issue 5), so the history commands stay hidden`,
    );
  }
}

test('Codex: Show Note History lists the commits and opens a revision read-only', async () => {
  requireServerFeature('codex.history', 'codex.show');
  const log2 = git('log', '--format=%H %s', '--', HISTORY_NOTE).trim().split('\n');
  assert.equal(log2.length, 2, 'the driver made two commits of the note');
  const [newest, oldest] = log2.map((l) => ({ commit: l.slice(0, 40), subject: l.slice(41) }));
  await open(HISTORY_NOTE);
  const previous = api.ui.lastQuickPick;
  const running = vscode.commands.executeCommand('codex.showHistory');
  const qp = await nextQuickPick(previous, 'history entries');
  const commits = qp.items.filter((i) => i.entry && !/Working tree/.test(i.label));
  log(`history: ${qp.items.map((i) => `${i.label} — ${i.description}`).join(' | ')}`);
  assert.deepEqual(
    commits.map((i) => i.entry.commit),
    [newest.commit, oldest.commit],
  );
  assert.ok(commits[0].label.includes(newest.subject));
  await accept(qp, commits[1]);
  await running;
  const editor = await waitFor('the revision editor', () => {
    const e = vscode.window.activeTextEditor;
    return e && e.document.uri.scheme === 'codex-git' ? e : undefined;
  });
  assert.equal(editor.document.getText(), git('show', `${oldest.commit}:${HISTORY_NOTE}`));
  assert.equal(editor.document.languageId, 'markdown');
  assert.match(path.basename(editor.document.uri.path), new RegExp(`\\(${oldest.commit.slice(0, 7)}\\)\\.md$`));
  // Compare with Current: a diff editor, the revision on the left.
  await vscode.commands.executeCommand('codex.compareWithCurrent');
  const tab = await waitFor('the diff editor', () => {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    return input instanceof vscode.TabInputTextDiff ? input : undefined;
  });
  assert.equal(tab.original.scheme, 'codex-git');
  assert.equal(tab.modified.fsPath, noteUri(HISTORY_NOTE).fsPath);
  await closeAll();
  // The server's history code lens ("2 revisions · changed ... by Ada") opens the same list.
  const note = await open(HISTORY_NOTE);
  const lens = await waitFor('the history code lens', async () => {
    const found = await vscode.commands.executeCommand('vscode.executeCodeLensProvider', note.document.uri, 10);
    return found.find((l) => l.command && l.command.command === 'codex.showHistory');
  });
  log(`history lens: ${lens.command.title}`);
  assert.match(lens.command.title, /^2 revisions/);
  const before = api.ui.lastQuickPick;
  const fromLens = vscode.commands.executeCommand(lens.command.command, ...(lens.command.arguments || []));
  const again = await nextQuickPick(before, 'history from the code lens');
  assert.equal(again.items.filter((i) => i.entry && i.entry.commit).length, 2);
  again.hide();
  await fromLens;
  await closeAll();
});

test('Codex: Restore Note from Revision replaces the text in the editor (undoable)', async () => {
  requireServerFeature('codex.history', 'codex.restore');
  const [, oldest] = git('log', '--format=%H', '--', HISTORY_NOTE).trim().split('\n');
  const editor = await open(HISTORY_NOTE);
  const current = editor.document.getText();
  const old = git('show', `${oldest}:${HISTORY_NOTE}`);
  assert.notEqual(current, old);
  const restored = await vscode.commands.executeCommand('codex.restoreRevision', {
    uri: editor.document.uri.toString(),
    commit: oldest,
    confirm: false,
  });
  assert.equal(restored, true);
  await waitFor('the restored text', () => editor.document.getText() === old);
  await vscode.commands.executeCommand('undo');
  await waitFor('undo', () => editor.document.getText() === current);
  await vscode.commands.executeCommand('workbench.action.files.revert');
  assert.equal(fs.readFileSync(noteUri(HISTORY_NOTE).fsPath, 'utf8'), current, 'the file on disk is untouched');
  await closeAll();
});

test('Codex: Restore Deleted Note brings back a note deleted in git', async () => {
  requireServerFeature('codex.deletedNotes', 'codex.restore');
  const rel = 'protocols/Retired staining protocol.md';
  const file = noteUri(rel).fsPath;
  assert.ok(!fs.existsSync(file));
  const previous = api.ui.lastQuickPick;
  const running = vscode.commands.executeCommand('codex.restoreDeletedNote');
  const qp = await nextQuickPick(previous, 'deleted notes');
  const item = qp.items.find((i) => i.label === rel);
  assert.ok(item, `not listed: ${qp.items.map((i) => i.label).join(', ')}`);
  await accept(qp, item);
  try {
    const restored = await running;
    assert.equal(restored.fsPath, file);
    await waitFor('the restored file', () => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('Replaced by [[Gel electrophoresis]]'));
  } finally {
    await closeAll();
    fs.rmSync(file, { force: true });
  }
});

test('a broken server setting gives one clear notification; fixing it restarts the server', async () => {
  const config = vscode.workspace.getConfiguration('codex');
  const before = api.notices.length;
  let key;
  let expected;
  if (api.server().kind === 'bundled' && OLD_PYTHON) {
    key = 'server.python';
    await config.update(key, OLD_PYTHON, vscode.ConfigurationTarget.Global);
    expected = /needs Python 3\.10 or newer .* is Python 3\.8\.10/;
  } else {
    key = 'server.command';
    await config.update(key, '/nonexistent/codex-lsp', vscode.ConfigurationTarget.Global);
    expected = /"\/nonexistent\/codex-lsp" set in "codex\.server\.command" was not found/;
  }
  try {
    const notice = await waitFor('the notification', () => api.notices.slice(before).find((n) => expected.test(n.message)));
    log(`notification: ${notice.message}`);
    assert.match(api.statusText(), /error/);
    await api.restart();
    await sleep(300);
    assert.equal(api.notices.slice(before).filter((n) => expected.test(n.message)).length, 1, 'announced once');
  } finally {
    await config.update(key, undefined, vscode.ConfigurationTarget.Global);
  }
  await waitFor('the server to run again', () => /notes/.test(api.statusText()), 60_000);
  const books = await api.ready(60_000);
  assert.ok(books[0].notes >= 20);
});

if (PASS === 'vsix') {
  test('the bundled server runs on every Python >= 3.10 found on this machine', async () => {
    const pythons = JSON.parse(process.env.CODEX_E2E_PYTHONS || '[]');
    log(`interpreters: ${pythons.map((p) => `${p.version} ${p.path}`).join(', ') || 'only the default'}`);
    const config = vscode.workspace.getConfiguration('codex');
    try {
      for (const python of pythons) {
        const seen = api.logLines().length;
        await config.update('server.python', python.path, vscode.ConfigurationTarget.Global);
        await waitFor(`the server on Python ${python.version}`, () =>
          api.logLines().slice(seen).some((l) => l.includes(`Python ${python.version} at`)) && /notes/.test(api.statusText()),
        60_000);
        const books = await api.ready(60_000);
        assert.ok(books[0].notes >= 20);
        const hits = await vscode.commands.executeCommand('codex.search', { query: 'PCR' });
        assert.ok(hits.length > 0, `no search hits on Python ${python.version}`);
        log(`Python ${python.version}: ${books[0].notes} notes, ${hits.length} hits`);
      }
    } finally {
      await config.update('server.python', undefined, vscode.ConfigurationTarget.Global);
    }
    await waitFor('the server on the default Python', () => /notes/.test(api.statusText()), 60_000);
    await api.ready(60_000);
  }, 240_000);
}

// -----------------------------------------------------------------------------------------------

async function run() {
  const results = [];
  const selected = tests.filter((t) => !ONLY || ONLY.test(t.name));
  for (const t of selected) {
    const started = Date.now();
    let error;
    try {
      if (!api && t !== tests[0]) {
        throw new Error('the extension did not activate (see the first test)');
      }
      await Promise.race([
        t.fn(),
        sleep(t.timeoutMs).then(() => {
          throw new Error(`timed out after ${t.timeoutMs} ms`);
        }),
      ]);
    } catch (e) {
      error = e;
      await closeAll().catch(() => undefined);
    }
    const ms = Date.now() - started;
    results.push({ name: t.name, ok: !error, ms, error: error ? String(error.stack || error) : undefined });
    console.log(`[codex-e2e] ${error ? 'FAIL' : 'ok  '} ${t.name} (${ms} ms)${error ? `\n${String(error.stack || error)}` : ''}`);
  }
  const lines = api ? api.logLines() : [];
  if (RESULTS) fs.writeFileSync(RESULTS, JSON.stringify({ pass: PASS, results, log: lines.slice(-200) }, null, 2));
  const failed = results.filter((r) => !r.ok).length;
  if (failed) throw new Error(`${failed} of ${results.length} end-to-end tests failed`);
}

module.exports = { run };
