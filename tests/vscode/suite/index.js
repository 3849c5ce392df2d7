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
/** `lab` (a git copy of examples/lab-notebook), or a bare folder of notes: `vault`, `plain`. */
const WORKSPACE = process.env.CODEX_E2E_WORKSPACE || 'lab';

const tests = [];
/** A test of the lab notebook workspace. */
function test(name, fn, timeoutMs = 60_000) {
  if (WORKSPACE === 'lab') tests.push({ name, fn, timeoutMs });
}
/** A test of the bare folder of notes (see tests/vscode/e2e/driver.mjs). */
function bareTest(name, fn, timeoutMs = 60_000) {
  if (WORKSPACE !== 'lab') tests.push({ name: `[${WORKSPACE}] ${name}`, fn, timeoutMs });
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

/** The text of every visible element of the page that `selector` matches (asked of the driver). */
let queries = 0;
async function pageTexts(selector) {
  if (!REQUESTS) throw new Error('no driver to ask (CODEX_E2E_REQUESTS is not set)');
  const name = `q${++queries}`;
  const answer = path.join(REQUESTS, `${name}.answer`);
  fs.writeFileSync(path.join(REQUESTS, `${name}.query`), selector);
  await waitFor(`the page's answer for ${selector}`, () => fs.existsSync(answer), 20_000);
  const result = JSON.parse(fs.readFileSync(answer, 'utf8'));
  if (!Array.isArray(result)) throw new Error(`the page query ${selector} failed: ${result.error}`);
  return result;
}

/** Highlighted (matched) parts of the rows of the open QuickPick, as the user sees them. */
const QUICK_PICK_HIGHLIGHTS = '.quick-input-widget .quick-input-list .monaco-highlighted-label .highlight';

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
  await waitFor('the suggest widget with PCR amplification', async () => {
    const rows = await pageTexts('.suggest-widget .monaco-list-row');
    // The first rows of the list (notes, with their folders), as the user sees them.
    if (!rows.some((t) => t.startsWith('PCR amplification'))) throw new Error(`rows: ${rows.join(' | ')}`);
    return rows;
  });
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
  // The word is highlighted where it shows (title, path or snippet).
  const marked = await waitFor('highlighted matches', async () => {
    const found = await pageTexts(QUICK_PICK_HIGHLIGHTS);
    return found.length ? found : undefined;
  });
  log(`search highlights: ${marked.join(' | ')}`);
  assert.ok(marked.every((t) => /^thermocycler$/i.test(t)), marked.join(' | '));
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

test('Codex: Search by Tag lists tags (parents with nested counts) and highlights, then the notes', async () => {
  const previous = api.ui.lastQuickPick;
  const running = vscode.commands.executeCommand('codex.searchByTag');
  const tags = await nextQuickPick(previous, 'tags');
  const labels = tags.items.map((i) => i.label);
  const experiment = tags.items.find((i) => i.label === '#experiment');
  assert.ok(experiment, `no #experiment in ${labels.join(' ')}`);
  assert.match(experiment.description, /^\d+ notes?$/);
  // #assay is only used nested (#assay/pcr, #assay/qpcr): it is listed, before them, with the
  // number of notes carrying any of them, each note once.
  const assay = tags.items.find((i) => i.label === '#assay');
  assert.ok(assay, `no parent #assay in ${labels.join(' ')}`);
  const assayCount = Number(/^(\d+) notes with nested tags$/.exec(assay.description)?.[1]);
  const children = tags.items.filter((i) => i.label.startsWith('#assay/'));
  const childCounts = children.map((i) => Number(/^(\d+)/.exec(i.description)[1]));
  log(`tags: #assay ${assay.description}; ${children.map((i) => `${i.label} ${i.description}`).join(', ')}`);
  assert.ok(children.length >= 3, children.map((i) => i.label).join(' '));
  assert.ok(labels.indexOf('#assay') < Math.min(...children.map((i) => labels.indexOf(i.label))), 'the parent comes first');
  assert.ok(assayCount >= Math.max(...childCounts) && assayCount <= childCounts.reduce((a, b) => a + b, 0), `#assay: ${assayCount}`);
  // Counted independently: notes with an assay/ tag in the frontmatter or the text, and
  // attachments with one in their sidecar (.name.ext.json).
  const expected = git('ls-files')
    .trim()
    .split('\n')
    .filter((f) => {
      const text = fs.existsSync(path.join(root(), f)) ? fs.readFileSync(path.join(root(), f), 'utf8') : '';
      if (f.endsWith('.md')) return /^tags:.*\bassay\/|#assay\//m.test(text);
      return /(^|\/)\.[^/]+\.json$/.test(f) && /"assay\//.test(text);
    });
  assert.equal(assayCount, expected.length, `files with an assay/ tag: ${expected.join(', ')}`);
  // What is typed is highlighted in the tag names.
  tags.value = 'qpcr';
  const marked = await waitFor('highlighted tag names', async () => {
    const found = await pageTexts(QUICK_PICK_HIGHLIGHTS);
    return found.length ? found : undefined;
  });
  assert.ok(marked.every((t) => t.toLowerCase() === 'qpcr'), marked.join(' | '));
  tags.value = '';
  await accept(tags, tags.items.find((i) => i.label === '#experiment'));
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

// -- the Codex sidebar ----------------------------------------------------------------------------

const labels = (items) => items.map((i) => i.label);
const group = (tree, name) => tree.find((i) => i.label === name);

/** The Connections view once it shows data about `uri` (newer than `generation`) that passes `check`. */
async function connectionsOf(uri, generation = -1, check = () => true) {
  return waitFor(`the Connections view of ${path.basename(uri.fsPath)}`, async () => {
    const view = api.views.connections;
    if (view.shownNote !== uri.toString() || view.generation <= generation) return undefined;
    const tree = await api.tree('connections');
    return check(tree) ? tree : undefined;
  });
}

test('sidebar: Connections shows the backlinks with their lines, the links and the tags of the active note', async () => {
  requireServerFeature('codex.connections');
  await vscode.commands.executeCommand('workbench.view.extension.codex');
  const rel = 'protocols/PCR amplification.md';
  const editor = await open(rel);
  const uri = editor.document.uri;
  const tree = await connectionsOf(uri);
  log(`connections: ${tree.map((g) => `${g.label} (${g.description})`).join(', ')}`);
  assert.deepEqual(labels(tree), ['Backlinks', 'Unlinked mentions', 'Links', 'Tags']);
  // Backlinks: one entry per linking note, the line around each link under it.
  const backlinks = await vscode.commands.executeCommand('codex.backlinks', { uri: uri.toString() });
  const backlinkGroup = group(tree, 'Backlinks');
  // One entry per linking line (a line linking twice is one place).
  const places = new Set(backlinks.map((b) => `${b.uri}:${b.range.start.line}`));
  assert.equal(backlinkGroup.description, String(places.size));
  const sources = new Set(backlinks.map((b) => b.uri));
  assert.equal(backlinkGroup.children.length, sources.size);
  const overview = backlinkGroup.children.find((c) => c.label === 'Overview' || /sequencing/i.test(c.tooltip ?? ''));
  assert.ok(overview, `no backlink from projects/sequencing/Overview.md: ${labels(backlinkGroup.children).join(', ')}`);
  const lines = fs.readFileSync(noteUri('projects/sequencing/Overview.md').fsPath, 'utf8').split('\n');
  for (const context of overview.children) {
    const line = lines[Number(/^line (\d+)$/.exec(context.description)[1]) - 1];
    assert.ok(line.includes('PCR amplification'), `line ${context.description}: ${line}`);
    // The link itself is highlighted in the line.
    assert.match((context.highlighted ?? []).join(''), /^\[\[PCR amplification[\]|#]/, `${context.label}: ${context.highlighted}`);
    const shown = context.label.replace(/^…|…$/g, '').trim().slice(0, 40);
    assert.ok(line.replace(/\s+/g, ' ').includes(shown), `"${context.label}" is not from "${line}"`);
  }
  // Opening a backlink lands on the link.
  const first = overview.children[0];
  await vscode.commands.executeCommand(first.command, ...first.arguments);
  await waitFor('the linking note', () => vscode.window.activeTextEditor?.document.uri.fsPath === noteUri('projects/sequencing/Overview.md').fsPath);
  assert.match(vscode.window.activeTextEditor.document.lineAt(vscode.window.activeTextEditor.selection.start.line).text, /PCR amplification/);
  // Links and tags are those of PCR amplification again once it is active.
  await open(rel);
  const again = await connectionsOf(uri);
  const links = labels(group(again, 'Links').children);
  for (const title of ['T100 Thermocycler', 'EXP-011 Template titration', 'Ana Ribeiro']) {
    assert.ok(links.some((l) => l.includes(title)), `${title} missing from links: ${links.join(', ')}`);
  }
  assert.deepEqual(labels(group(again, 'Tags').children).sort(), ['#assay/pcr', '#protocol', '#wet-lab']);
  await closeAll();
});

test('sidebar: Connections follows the active note and refreshes on save', async () => {
  requireServerFeature('codex.connections');
  const rel = 'protocols/qPCR setup.md';
  const editor = await open(rel);
  const uri = editor.document.uri;
  const before = await connectionsOf(uri);
  const linksBefore = labels(group(before, 'Links').children);
  assert.ok(!linksBefore.some((l) => l.includes('Gel electrophoresis')), linksBefore.join(', '));
  const original = editor.document.getText();
  try {
    const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
    await editor.edit((edit) => edit.insert(end, '\nCheck the product on a gel: [[Gel electrophoresis]], and [[Nowhere protocol]].\n'));
    const generation = api.views.connections.generation;
    await editor.document.save();
    // Saved, then indexed: the view follows without being asked.
    const after = await connectionsOf(uri, generation, (tree) => group(tree, 'Links').children.some((l) => l.label.includes('Nowhere protocol')));
    const links = group(after, 'Links').children;
    log(`links after save: ${links.map((l) => `${l.label} (${l.description})`).join(', ')}`);
    assert.ok(links.some((l) => l.label.includes('Gel electrophoresis') && l.description.endsWith('.md')));
    const broken = links.find((l) => l.label.includes('Nowhere protocol'));
    assert.ok(broken, 'the broken link is listed');
    assert.equal(broken.description, 'not found');
  } finally {
    await vscode.window.showTextDocument(editor.document);
    await vscode.window.activeTextEditor.edit((edit) =>
      edit.replace(new vscode.Range(0, 0, editor.document.lineCount, 0), original),
    );
    await editor.document.save();
  }
  assert.equal(fs.readFileSync(uri.fsPath, 'utf8'), original);
  await closeAll();
  await waitFor('the Connections view without a note', () => api.views.connections.shownNote === undefined && api.views.connections.message);
});

test('sidebar: Connections follows a backlink another program writes and deletes', async () => {
  requireServerFeature('codex.connections');
  const rel = 'protocols/qPCR setup.md';
  const extra = path.join(root(), 'daily', 'Written elsewhere.md');
  const editor = await open(rel);
  const uri = editor.document.uri;
  const listed = (tree) => group(tree, 'Backlinks').children.some((c) => c.label === 'Written elsewhere');
  try {
    const before = await connectionsOf(uri);
    assert.ok(!listed(before), labels(group(before, 'Backlinks').children).join(', '));
    // Not through the editor: only the server's index tells that the notebook changed.
    fs.writeFileSync(extra, '# Written elsewhere\n\nRan [[qPCR setup]] again.\n');
    await connectionsOf(uri, api.views.connections.generation, listed);
    fs.rmSync(extra);
    await connectionsOf(uri, api.views.connections.generation, (tree) => !listed(tree));
  } finally {
    fs.rmSync(extra, { force: true });
    await closeAll();
  }
});

test('sidebar: Tags is the tree of nested tags with counts; a tag lists its notes', async () => {
  await waitFor('the Tags view', () => api.views.tags.generation > 0);
  const tree = await api.tree('tags');
  const assay = tree.find((i) => i.label === '#assay');
  assert.ok(assay, `no #assay in ${labels(tree).join(' ')}`);
  const children = assay.children.filter((c) => c.label.startsWith('#'));
  const notes = assay.children.filter((c) => !c.label.startsWith('#'));
  log(`tags: #assay (${assay.description}): ${children.map((c) => `${c.label} (${c.description})`).join(', ')}`);
  assert.ok(labels(children).includes('#assay/pcr'));
  assert.equal(Number(assay.description), notes.length, 'the count is the number of notes listed');
  const pcr = children.find((c) => c.label === '#assay/pcr');
  const pcrNotes = pcr.children.map((c) => c.description);
  assert.equal(Number(pcr.description), pcrNotes.length);
  assert.ok(pcrNotes.includes('protocols/PCR amplification.md'), pcrNotes.join(', '));
  const note = pcr.children.find((c) => c.description === 'protocols/PCR amplification.md');
  await vscode.commands.executeCommand(note.command, ...note.arguments);
  await waitFor('the note', () => vscode.window.activeTextEditor?.document.uri.fsPath === noteUri('protocols/PCR amplification.md').fsPath);
  await closeAll();
});

test('sidebar: Tags colours each tag as the tag table of .codex/config.yaml says', async () => {
  const config = path.join(root(), '.codex', 'config.yaml');
  const original = fs.readFileSync(config, 'utf8');
  const table = '\ntags:\n  assay: {description: Any assay run at the bench, color: green}\n  assay/pcr: {color: "#2a9d8f"}\n';
  try {
    fs.writeFileSync(config, original + table);
    await vscode.commands.executeCommand('codex.refreshSidebar');
    const tree = await waitFor('#assay in green', async () => {
      const items = await api.tree('tags');
      return items.find((i) => i.label === '#assay')?.icon === 'tag charts.green' ? items : undefined;
    });
    const assay = tree.find((i) => i.label === '#assay');
    log(`tags: ${tree.map((i) => `${i.label} [${i.icon}]`).join(', ')}`);
    assert.equal(assay.tooltip, 'Any assay run at the bench');
    const pcr = assay.children.find((c) => c.label === '#assay/pcr');
    assert.ok(pcr.icon.startsWith('data:image/svg+xml'), pcr.icon);
    assert.ok(pcr.icon.includes('fill="%232a9d8f"'), pcr.icon);
    assert.equal(tree.find((i) => i.label === '#experiment').icon, 'tag', 'a tag without a colour keeps the plain icon');
  } finally {
    fs.writeFileSync(config, original);
    await vscode.commands.executeCommand('codex.refreshSidebar');
  }
});

test('sidebar: History lists the revisions of the active note, opens one and a diff', async () => {
  requireServerFeature('codex.history', 'codex.show');
  const commits = git('log', '--format=%H %s', '--', HISTORY_NOTE).trim().split('\n');
  const editor = await open(HISTORY_NOTE);
  const uri = editor.document.uri;
  const items = await waitFor('the History view', async () =>
    api.views.history.shownNote === uri.toString() ? api.tree('history') : undefined,
  );
  log(`history view: ${items.map((i) => `${i.label} — ${i.description}`).join(' | ')}`);
  const revisions = items.filter((i) => i.command === 'vscode.open' && i.arguments[0].scheme === 'codex-git');
  assert.deepEqual(
    revisions.map((i) => i.label),
    commits.map((c) => c.slice(41)),
  );
  // The screenshot of the whole sidebar, the three views filled in.
  await vscode.commands.executeCommand('workbench.view.extension.codex');
  await open(HISTORY_NOTE);
  await waitFor('the sidebar in the page', async () => {
    const texts = await pageTexts('.pane-header .title');
    return ['Connections', 'Tags', 'History'].every((t) => texts.some((x) => x.toLowerCase() === t.toLowerCase()));
  });
  await waitFor('the rows of the views in the page', async () => {
    const rows = await pageTexts('.pane-body .monaco-list-row .label-name');
    if (!rows.some((r) => r.includes('Backlinks')) || !rows.some((r) => r.includes(commits[0].slice(41)))) {
      throw new Error(`rows: ${rows.join(' | ')}`);
    }
    return rows;
  });
  const file = await screenshot('sidebar');
  log(`screenshot: ${file}`);
  // Opening the older revision: the text at that commit.
  const oldest = revisions[1];
  await vscode.commands.executeCommand(oldest.command, ...oldest.arguments);
  const shown = await waitFor('the revision', () => {
    const e = vscode.window.activeTextEditor;
    return e && e.document.uri.scheme === 'codex-git' ? e : undefined;
  });
  assert.equal(shown.document.getText(), git('show', `${commits[1].slice(0, 40)}:${HISTORY_NOTE}`));
  // Its inline "Compare with Current" button.
  const node = (await api.views.history.getChildren()).find((n) => n.entry.commit === commits[1].slice(0, 40));
  await vscode.commands.executeCommand('codex.history.compare', node);
  const tab = await waitFor('the diff editor', () => {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    return input instanceof vscode.TabInputTextDiff ? input : undefined;
  });
  assert.equal(tab.original.scheme, 'codex-git');
  assert.equal(tab.modified.fsPath, uri.fsPath);
  await closeAll();
});

test('Codex: Create Note from Link creates the note a broken link names and lands in it', async () => {
  const editor = await open('experiments/EXP-014 HEK293 transfection.md');
  const doc = editor.document;
  const broken = await waitFor('the Western blot diagnostic', () =>
    vscode.languages.getDiagnostics(doc.uri).find((d) => doc.getText(d.range).includes('Western blot')),
  );
  const created = noteUri('experiments/Western blot.md').fsPath;
  assert.ok(!fs.existsSync(created));
  // The lightbulb's quick fix lands in the new note too (its command runs after the edit).
  const actions = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', doc.uri, broken.range, 'quickfix');
  const quickFix = actions.find((a) => /^Create note/.test(a.title));
  assert.ok(quickFix, `no quick fix: ${actions.map((a) => a.title).join(', ')}`);
  assert.equal(quickFix.command?.command, 'codex.openCreatedNote');
  assert.equal(quickFix.command.arguments[0].fsPath, created);
  // The cursor inside the link text, then the command (Ctrl+Alt+Shift+N).
  const inside = broken.range.start.translate(0, 4);
  editor.selection = new vscode.Selection(inside, inside);
  try {
    const uri = await vscode.commands.executeCommand('codex.createNoteFromLink');
    assert.equal(uri.fsPath, created);
    const landed = vscode.window.activeTextEditor;
    assert.equal(landed.document.uri.fsPath, created);
    assert.equal(landed.document.isDirty, false, 'the new note is saved');
    assert.match(fs.readFileSync(created, 'utf8'), /# Western blot/);
    assert.equal(landed.selection.active.line, landed.document.lineCount - 1, 'the cursor is at the end of the note');
    // The link is no longer broken.
    await waitFor('the diagnostic to go', () => !vscode.languages.getDiagnostics(doc.uri).some((d) => doc.getText(d.range).includes('Western blot')));
    // Where there is no broken link, the command says so.
    await open('protocols/PCR amplification.md');
    const before = api.notices.length;
    await assert.rejects(vscode.commands.executeCommand('codex.createNoteFromLink'));
    assert.match(api.notices.slice(before)[0].message, /not on a broken link/);
  } finally {
    await closeAll();
    fs.rmSync(created, { force: true });
  }
});

test('pasting an image into a note copies it into the notebook, embeds it and writes its sidecar', async () => {
  // A notebook schema that asks for a caption and a magnification for every PNG.
  const schemaFile = path.join(root(), '.codex', 'schema.yaml');
  const schemaBefore = fs.readFileSync(schemaFile, 'utf8');
  fs.writeFileSync(
    schemaFile,
    `${schemaBefore}\n  gel-image:\n    paths: ["**/*.png"]\n    required: [caption, magnification]\n` +
      '    properties:\n      caption: {type: string}\n      magnification: {type: integer, default: 10}\n',
  );
  const editor = await open('experiments/2026-03-05 Gel check of PCR products.md');
  const doc = editor.document;
  const line = doc.getText().split('\n').findIndex((l) => l.startsWith('![[gel-2026-03-05.png]]'));
  assert.ok(line > 0);
  const at = new vscode.Position(line + 1, 0);
  editor.selection = new vscode.Selection(at, at);
  // What the browser gives for an image copied from another application: a file with bytes
  // and no path, named image.png.
  const png = fs.readFileSync(path.join(root(), 'data', 'gel-2026-03-05.png'));
  const bytes = Buffer.concat([png, Buffer.from('lane 4 retake')]); // not a copy of the gel
  class ClipboardImage extends vscode.DataTransferItem {
    asFile() {
      return { name: 'image.png', uri: undefined, data: async () => new Uint8Array(bytes) };
    }
  }
  const transfer = new vscode.DataTransfer();
  transfer.set('image/png', new ClipboardImage(''));
  try {
    const source = new vscode.CancellationTokenSource();
    const context = { triggerKind: vscode.DocumentPasteTriggerKind.Automatic, only: undefined };
    const edits = await api.attach.provideDocumentPasteEdits(doc, [editor.selection], transfer, context, source.token);
    assert.equal(edits.length, 1);
    const [edit] = edits;
    assert.equal(edit.kind.value, 'codex.attach');
    // VS Code applies the paste edit as the editor's own edit (one undo removes it).
    await editor.edit((builder) => builder.replace(editor.selection, edit.insertText));
    const inserted = doc.lineAt(line + 1).text;
    const match = /^!\[\[(Pasted image \d{14}\.png)\]\]/.exec(inserted);
    assert.ok(match, `the embed is in the buffer: ${inserted}`);
    const name = match[1];
    const file = path.join(root(), 'attachments', name);
    const sidecar = path.join(root(), 'attachments', `.${name}.json`);
    assert.deepEqual(fs.readFileSync(file), bytes, 'the image is on disk');
    assert.deepEqual(JSON.parse(fs.readFileSync(sidecar, 'utf8')), { caption: '', magnification: 10 });
    // Pasting the same image again embeds the same file: nothing is copied twice.
    const again = await api.attach.provideDocumentPasteEdits(doc, [editor.selection], transfer, context, source.token);
    assert.equal(again[0].insertText, `![[${name}]]`);
    assert.deepEqual(fs.readdirSync(path.join(root(), 'attachments')).sort(), [`.${name}.json`, name].sort());
    log(`pasted: ${inserted}; sidecar ${fs.readFileSync(sidecar, 'utf8').trim()}`);
  } finally {
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await closeAll();
    fs.writeFileSync(schemaFile, schemaBefore);
    fs.rmSync(path.join(root(), 'attachments'), { recursive: true, force: true });
  }
});

// The view editor of .cdx and .base files (tests/vscode/suite/views.js).
require('./views')({ test, waitFor, log, screenshot, noteUri, closeAll, sleep, root, api: () => api });
// Daily notes and notes from templates (tests/vscode/suite/daily.js).
require('./daily')({ test, waitFor, noteUri, closeAll, sleep, root, nextQuickPick, accept, api: () => api });
// Unlinked mentions (tests/vscode/suite/mentions.js).
require('./mentions')({ test, waitFor, noteUri, closeAll, connectionsOf, group });

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
    // A restart with the same setting fails again: the start-up must have run (status bar back
    // through "starting" to the error) before counting the notifications.
    const seen = api.statusHistory().length;
    await api.restart();
    await waitFor('the restart to fail again', () => {
      const after = api.statusHistory().slice(seen);
      return after.length >= 2 && /error/.test(after[after.length - 1]);
    });
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

// -- a folder of notes not set up for Codex (an Obsidian vault, or plain Markdown files) ---------

bareTest('the extension starts without a note being opened: status bar and commands work', async () => {
  await vscode.commands.executeCommand('workbench.action.closeAuxiliaryBar').then(undefined, () => undefined);
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed`);
  // Started by VS Code from the activation events (workspaceContains), not by this test.
  await waitFor('VS Code to start the extension', () => extension.isActive, 60_000);
  assert.deepEqual(
    vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'file').map((d) => d.uri.fsPath),
    [],
    'no note was opened',
  );
  api = extension.exports;
  const books = await api.ready(90_000);
  assert.equal(books.length, 1);
  assert.equal(path.resolve(books[0].root), path.resolve(root()));
  assert.equal(books[0].notes, 3);
  await waitFor('the status bar note count', () => api.statusText().includes('3 notes'));
  const previous = api.ui.lastQuickPick;
  const running = vscode.commands.executeCommand('codex.showNotebooks');
  const qp = await nextQuickPick(previous, 'the notebooks');
  assert.equal(qp.items[0].label, path.basename(root()));
  assert.match(qp.items[0].description, /^3 notes/);
  qp.hide();
  await running;
  assert.equal(vscode.window.visibleTextEditors.length, 0);
});

bareTest('completion after [[ lists the notes of the folder', async () => {
  const editor = await open('daily/2026-03-09.md');
  const doc = editor.document;
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  await editor.edit((edit) => edit.insert(end, 'Ran a [[Gel'));
  const position = doc.lineAt(doc.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(position, position);
  const list = await waitFor('note completions', async () => {
    const result = await vscode.commands.executeCommand('vscode.executeCompletionItemProvider', doc.uri, position);
    return result.items.some((i) => labelOf(i) === 'Gel electrophoresis') ? result : undefined;
  });
  const item = list.items.find((i) => labelOf(i) === 'Gel electrophoresis');
  log(`completion: ${list.items.map(labelOf).slice(0, 10).join(', ')}`);
  const edit = item.textEdit ?? item;
  const text = edit.newText ?? (typeof item.insertText === 'string' ? item.insertText : item.insertText?.value);
  assert.match(text, /^Gel electrophoresis/);
  await vscode.commands.executeCommand('workbench.action.files.revert');
  await closeAll();
});

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
