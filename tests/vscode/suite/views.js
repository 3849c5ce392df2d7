// End-to-end tests of the view editor (.cdx, .base): the webview's rendered state is read
// through its test-only message (what the user sees, read from the page's DOM), cells and
// cards are changed through the same code paths as the user's clicks and drags.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');

const EXPERIMENTS = 'views/Experiments.base';
const TASKS = 'views/Open tasks.cdx';
const CALENDAR = 'views/Runs calendar.cdx';
const LISTS = 'views/Lists.cdx';

/** @param {object} h helpers of index.js: test, waitFor, log, screenshot, noteUri, closeAll, sleep, api() */
module.exports = function registerViewTests(h) {
  const { test, waitFor, log, screenshot, noteUri, closeAll, sleep } = h;

  async function openView(rel) {
    const uri = noteUri(rel);
    await vscode.commands.executeCommand('vscode.open', uri);
    const panel = await waitFor(`the view editor of ${rel}`, () => h.api().viewPanel(uri));
    return { uri, panel };
  }

  /** The rendered state once `check` accepts it (it throws or returns false until then). */
  async function rendered(panel, what, check, timeoutMs = 20_000) {
    let last;
    try {
      return await waitFor(
        what,
        async () => {
          last = await panel.state();
          return check(last) === false ? undefined : last;
        },
        timeoutMs,
        50,
      );
    } catch (error) {
      throw new Error(`${error.message}\nlast rendered state: ${JSON.stringify(last)}`);
    }
  }

  const noteText = (uri) => vscode.workspace.textDocuments.find((d) => d.uri.fsPath === vscode.Uri.parse(uri).fsPath)?.getText();

  test('views: a .cdx opens in the view editor with its table; Open as Text shows the YAML and both stay in sync', async () => {
    const { uri, panel } = await openView(TASKS);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab.input instanceof vscode.TabInputCustom && tab.input.viewType === 'codex.viewEditor', 'a .cdx opens in the view editor');
    const state = await rendered(panel, 'the Open tasks table', (s) => s.rows.length > 0);
    const result = panel.shown().result;
    log(`Open tasks: ${state.count}; headers ${state.headers.join(' | ')}; first row ${state.rows[0].join(' | ')}`);
    assert.deepEqual(state.tabs, ['Open tasks']);
    assert.equal(state.type, 'table');
    assert.deepEqual(state.headers, result.columns.map((c) => c.name));
    assert.equal(state.count, `${result.total} rows`);
    assert.equal(state.rows.length, result.rows.length);
    // Every row is an open task of its note, as the note's text says.
    for (const [i, row] of result.rows.entries()) {
      const line = fs.readFileSync(vscode.Uri.parse(row.uri).fsPath, 'utf8').split('\n')[row.line];
      assert.match(line, /^\s*(?:[-*+]|\d+\.) \[ \] /, `row ${i} is not an open task: ${line}`);
      assert.ok(line.includes(state.rows[i][0]), `${state.rows[i][0]} is not on ${line}`);
    }
    // A click on a column header sorts by it; a second click reverses the order.
    const column = result.columns[1];
    const values = (s) => s.rows.map((r) => r[1]);
    const byText = (a, b) => a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' });
    await panel.post({ type: 'test.sort', column: column.id });
    const up = await rendered(panel, 'rows sorted up', (s) => s.headers[1].endsWith('▲'));
    assert.deepEqual(values(up), [...values(up)].sort(byText));
    await panel.post({ type: 'test.sort', column: column.id });
    const down = await rendered(panel, 'rows sorted down', (s) => s.headers[1].endsWith('▼'));
    assert.deepEqual(values(down), [...values(up)].reverse());

    // Open as Text: the YAML beside the view; editing it renames the view's tab at once.
    await vscode.commands.executeCommand('codex.views.openAsText');
    const editor = await waitFor('the YAML editor', () => vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath === uri.fsPath));
    assert.match(editor.document.getText(), /name: Open tasks/);
    const edit = new vscode.WorkspaceEdit();
    const at = editor.document.getText().indexOf('name: Open tasks') + 'name: '.length;
    edit.replace(uri, new vscode.Range(editor.document.positionAt(at), editor.document.positionAt(at + 'Open tasks'.length)), 'Still open');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await rendered(panel, 'the renamed tab', (s) => s.tabs[0] === 'Still open');
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await rendered(panel, 'the tab name back', (s) => s.tabs[0] === 'Open tasks');
    await closeAll();
  });

  test('views: editing a table cell sets the property through an undoable edit; the enum is a drop-down, dates a date input', async () => {
    const { panel } = await openView(EXPERIMENTS);
    const state = await rendered(panel, 'the Active by protocol table', (s) => s.rows.length > 0 && s.active === 'Active by protocol');
    const result = panel.shown().result;
    assert.deepEqual(state.tabs, ['Active by protocol', 'By status', 'Board']);
    assert.deepEqual(state.headers, result.columns.map((c) => c.name));
    assert.ok(state.groups.length > 0, 'grouped by protocol');
    const statusColumn = result.columns.findIndex((c) => c.id === 'note.status');
    const index = result.rows.findIndex((r) => r.values['note.status'] === 'running');
    assert.ok(index >= 0, `no running experiment: ${JSON.stringify(result.rows.map((r) => r.values))}`);
    const row = result.rows[index];
    const name = row.values['file.basename'];
    assert.equal(state.rows.find((r) => r[0] === name)[statusColumn], 'running');

    // The editors: the schema's values in its order, a date input for a date.
    await panel.post({ type: 'test.editCell', uri: row.uri, column: 'note.status' });
    const editing = await rendered(panel, 'the status drop-down', (s) => s.editor?.kind === 'select');
    assert.deepEqual(editing.editor.options, ['', 'planned', 'running', 'done', 'failed']);
    assert.equal(editing.editor.value, 'running');
    await panel.post({ type: 'test.cancelEdit' });
    await rendered(panel, 'the drop-down closed', (s) => !s.editor);
    await panel.post({ type: 'test.editCell', uri: row.uri, column: 'note.date' });
    const dating = await rendered(panel, 'the date input', (s) => s.editor?.kind === 'date');
    assert.equal(dating.editor.value, row.values['note.date']);
    await panel.post({ type: 'test.cancelEdit' });
    await rendered(panel, 'the date input closed', (s) => !s.editor);

    // planned: the note's frontmatter changes (one edit, saved), the table follows.
    const before = fs.readFileSync(vscode.Uri.parse(row.uri).fsPath, 'utf8');
    await panel.post({ type: 'test.editCell', uri: row.uri, column: 'note.status', value: 'planned' });
    await waitFor('the note saved with status: planned', () => fs.readFileSync(vscode.Uri.parse(row.uri).fsPath, 'utf8') === before.replace(/^status: running$/m, 'status: planned'));
    await rendered(panel, 'the row showing planned', (s) => s.rows.find((r) => r[0] === name)?.[statusColumn] === 'planned');
    // Undo in the note's editor restores the value: the change was an undoable edit.
    const note = await vscode.window.showTextDocument(vscode.Uri.parse(row.uri), { preview: false });
    await vscode.commands.executeCommand('undo');
    await waitFor('the undone status', () => noteText(row.uri) === before);
    await note.document.save();
    await closeAll();
    const again = await openView(EXPERIMENTS);
    await rendered(again.panel, 'the row running again', (s) => s.rows.find((r) => r[0] === name)?.[statusColumn] === 'running');
    const file = await screenshot('view-table');
    log(`screenshot: ${file}`);
    await closeAll();
  });

  test('views: board columns follow the schema; moving a card changes the property; a saved change shows within 300 ms', async () => {
    const { panel } = await openView(EXPERIMENTS);
    await rendered(panel, 'the first view', (s) => s.rows.length > 0);
    await panel.post({ type: 'test.selectView', view: 'Board' });
    const board = await rendered(panel, 'the board', (s) => s.type === 'board' && s.board.length > 0);
    log(`board: ${board.board.map((c) => `${c.column} (${c.cards.length})`).join(', ')}`);
    assert.deepEqual(board.board.map((c) => c.column).slice(0, 4), ['planned', 'running', 'done', 'failed']);
    const result = panel.shown().result;
    const card = board.board.find((c) => c.column === 'running').cards[0];
    assert.ok(card, 'a running card');
    const row = result.rows.find((r) => r.values['file.basename'] === card);
    const before = fs.readFileSync(vscode.Uri.parse(row.uri).fsPath, 'utf8');
    await panel.post({ type: 'test.moveCard', uri: row.uri, to: 'done' });
    await waitFor('the note saved with status: done', () => fs.readFileSync(vscode.Uri.parse(row.uri).fsPath, 'utf8') === before.replace(/^status: running$/m, 'status: done'));
    await rendered(panel, 'the card in done', (s) => s.board.find((c) => c.column === 'done').cards.includes(card) && !s.board.find((c) => c.column === 'running').cards.includes(card));
    const file = await screenshot('view-board');
    log(`screenshot: ${file}`);

    // A change to a note made elsewhere (saved): the board follows without a reload.
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(row.uri));
    const edit = new vscode.WorkspaceEdit();
    const at = doc.getText().indexOf('status: done') + 'status: '.length;
    edit.replace(doc.uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + 'done'.length)), 'failed');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const saved = Date.now();
    await doc.save();
    const moved = await rendered(panel, 'the card in failed', (s) => s.board.find((c) => c.column === 'failed').cards.includes(card), 10_000);
    const ms = Date.now() - saved;
    log(`board followed a saved note in ${ms} ms`);
    assert.ok(!moved.board.find((c) => c.column === 'done').cards.includes(card));
    assert.ok(ms <= 300, `the board took ${ms} ms to follow the note`);
    fs.writeFileSync(vscode.Uri.parse(row.uri).fsPath, before);
    await rendered(panel, 'the card back in running', (s) => s.board.find((c) => c.column === 'running').cards.includes(card));
    await closeAll();
  });

  test('views: a tab chosen while the view is being queried is the tab shown', async () => {
    const { panel } = await openView(EXPERIMENTS);
    await rendered(panel, 'the first view', (s) => s.rows.length > 0);
    // Two clicks in a row: the second comes while the first one's query runs.
    await panel.post({ type: 'test.selectView', view: 'By status' });
    await panel.post({ type: 'test.selectView', view: 'Board' });
    const board = await rendered(panel, 'the board', (s) => s.type === 'board' && s.board.length > 0);
    assert.equal(board.active, 'Board');
    await closeAll();
  });

  test('views: a calendar places notes on their dates, by month and by week', async () => {
    const file = path.join(h.root(), CALENDAR);
    fs.writeFileSync(file, 'filters: \'file.inFolder("experiments")\'\nviews:\n  - type: calendar\n    name: Runs\n    order: [file.basename, date, status]\n');
    try {
      const { panel } = await openView(CALENDAR);
      const month = await rendered(panel, 'the calendar', (s) => s.calendar?.days.length > 0);
      const result = panel.shown().result;
      log(`calendar ${month.calendar.title}: ${month.calendar.days.map((d) => `${d.date}: ${d.notes.join(', ')}`).join(' | ')}`);
      assert.equal(month.type, 'calendar');
      assert.equal(month.calendar.mode, 'month');
      // Every row of the shown month is on its day; the month is the latest note's.
      const latest = result.rows.map((r) => r.values['note.date']).filter(Boolean).sort().at(-1);
      const shownMonth = latest.slice(0, 7);
      const expected = result.rows.filter((r) => String(r.values['note.date'] ?? '').startsWith(shownMonth));
      assert.ok(expected.length > 0);
      for (const r of expected) {
        const day = month.calendar.days.find((d) => d.date === r.values['note.date'].slice(0, 10));
        assert.ok(day && day.notes.includes(r.values['file.basename']), `${r.values['file.basename']} is not on ${r.values['note.date']}`);
      }
      await sleep(100);
      const shot = await screenshot('view-calendar');
      log(`screenshot: ${shot}`);
      await panel.post({ type: 'test.calendar', mode: 'week' });
      const week = await rendered(panel, 'the week', (s) => s.calendar?.mode === 'week');
      assert.match(week.calendar.title, /^Week of \d{4}-\d{2}-\d{2}$/);
      const start = week.calendar.title.slice('Week of '.length);
      const last = new Date(`${start}T00:00:00`);
      last.setDate(last.getDate() + 6);
      const end = `${last.getFullYear()}-${String(last.getMonth() + 1).padStart(2, '0')}-${String(last.getDate()).padStart(2, '0')}`;
      for (const d of week.calendar.days) assert.ok(d.date >= start && d.date <= end, `${d.date} outside the week of ${start}`);
      assert.ok(week.calendar.days.some((d) => d.date === latest.slice(0, 10)), 'the latest run is in its week');
    } finally {
      await closeAll();
      fs.rmSync(file, { force: true });
    }
  });

  test('views: a list and cards show one item per row, titled by the first column, with the other values', async () => {
    const file = path.join(h.root(), LISTS);
    fs.writeFileSync(
      file,
      'filters: \'file.inFolder("experiments")\'\nviews:\n  - type: list\n    name: As list\n    order: [file.basename, status]\n  - type: cards\n    name: As cards\n    order: [file.basename, status]\n',
    );
    try {
      const { panel } = await openView(LISTS);
      const list = await rendered(panel, 'the list and both tabs', (s) => s.type === 'list' && s.list.length > 0 && s.tabs.length === 2);
      const result = panel.shown().result;
      assert.deepEqual(list.tabs, ['As list', 'As cards']);
      assert.equal(list.list.length, result.rows.length);
      for (const [i, row] of result.rows.entries()) {
        const name = row.values['file.basename'];
        assert.ok(list.list[i].startsWith(name), `item ${i}: ${list.list[i]} does not start with ${name}`);
        if (row.values['note.status']) assert.ok(list.list[i].includes(row.values['note.status']), `${list.list[i]} lacks its status`);
      }
      await panel.post({ type: 'test.selectView', view: 'As cards' });
      const cards = await rendered(panel, 'the cards', (s) => s.active === 'As cards' && s.cards.length > 0);
      assert.deepEqual(cards.cards, result.rows.map((r) => r.values['file.basename']));
    } finally {
      await closeAll();
      fs.rmSync(file, { force: true });
    }
  });

  test('views: the sidebar lists every view with its row count; a click opens it in the view editor', async () => {
    // The view files of the notebook (the calendar of the test before is gone: the tree follows).
    const files = ['Experiments.base', 'Open tasks.cdx', 'This week.cdx'];
    let items = [];
    const tree = await waitFor('the Views tree with the three view files', async () => {
      items = await h.api().viewsTree();
      const shown = items.filter((i) => i.description === 'views').map((i) => i.label);
      return JSON.stringify(shown) === JSON.stringify(files) ? items : undefined;
    }).catch((error) => {
      throw new Error(`${error.message}: ${items.map((i) => i.label).join(', ')}`);
    });
    log(`views tree: ${tree.map((i) => `${i.label} [${i.children.map((c) => `${c.label}: ${c.description}`).join(', ')}]`).join(' | ')}`);
    const experiments = tree.find((i) => i.label === 'Experiments.base');
    assert.deepEqual(experiments.children.map((c) => c.label), ['Active by protocol', 'By status', 'Board']);
    for (const child of experiments.children) assert.match(child.description, /^\d+ rows?$/);
    const byStatus = experiments.children.find((c) => c.label === 'By status');
    await vscode.commands.executeCommand(byStatus.command, ...byStatus.arguments);
    const panel = await waitFor('the view editor', () => h.api().viewPanel(noteUri(EXPERIMENTS)));
    const state = await rendered(panel, 'the By status view', (s) => s.active === 'By status' && s.rows.length > 0);
    assert.equal(state.count, byStatus.description);
    // Grouped by status, with the Latest date of each group as its summary.
    assert.ok(state.groups.length > 1 && state.summaries.length >= state.groups.length, JSON.stringify(state));
    await closeAll();
  });

  test('views: an inline view block has a row-count lens and its result as a table in the Markdown preview', async () => {
    const rel = 'drafts/Running now.md';
    const file = path.join(h.root(), rel);
    fs.writeFileSync(file, '# Running now\n\n```base\nfilters:\n  and:\n    - file.inFolder("experiments")\n    - \'status == "running"\'\nviews:\n  - type: table\n    name: Running\n    order: [file.basename, date]\n```\n');
    try {
      const doc = await vscode.workspace.openTextDocument(noteUri(rel));
      await vscode.window.showTextDocument(doc, { preview: false });
      const running = fs
        .readdirSync(path.join(h.root(), 'experiments'))
        .filter((name) => /^status: running$/m.test(fs.readFileSync(path.join(h.root(), 'experiments', name), 'utf8')))
        .map((name) => name.replace(/\.md$/, ''))
        .sort();
      assert.ok(running.length > 0);
      // The server's lenses on the block's opening fence: its row count, Open, Write results.
      const fence = doc.getText().split('\n').indexOf('```base');
      const rows = `${running.length} row${running.length === 1 ? '' : 's'}`;
      const lenses = await waitFor('the lenses of the block', async () => {
        const all = await vscode.commands.executeCommand('vscode.executeCodeLensProvider', doc.uri);
        const over = all.filter((l) => l.range.start.line === fence && l.command);
        return over.length === 3 ? over : undefined;
      });
      assert.deepEqual(
        lenses.map((l) => l.command.title),
        [rows, 'Open', 'Write results'],
      );
      // The preview's HTML (the markdown-it plugin of the extension): the block, then its table.
      const html = await waitFor('the view table in the preview HTML', async () => {
        const out = await vscode.commands.executeCommand('markdown.api.render', doc);
        return out.includes('class="codex-view"') ? out : undefined;
      });
      log(`preview: ${html.slice(html.indexOf('<div class="codex-view"'), html.indexOf('<div class="codex-view"') + 300)}`);
      assert.ok(html.indexOf('<div class="codex-view"') > html.indexOf('status == &quot;running&quot;'), 'the table follows the block');
      const cells = [...html.matchAll(/<tr><td>([^<]*)<\/td>/g)].map((m) => m[1]).sort();
      assert.deepEqual(cells, running);
      assert.match(html, new RegExp(`<strong>Running</strong> · ${running.length} rows?`));
    } finally {
      await closeAll();
      fs.rmSync(file, { force: true });
    }
  });

  test('views: the lens of an inline block opens its rows in a view panel and writes them under the block as one undoable edit', async () => {
    const rel = 'drafts/Running lens.md';
    const file = path.join(h.root(), rel);
    const original = '# Running lens\n\n```base\nfilters:\n  and:\n    - file.inFolder("experiments")\n    - \'status == "running"\'\nviews:\n  - type: table\n    name: Running\n    order: [file.basename, status]\n```\n\nAfter the block.\n';
    fs.writeFileSync(file, original);
    try {
      const doc = await vscode.workspace.openTextDocument(noteUri(rel));
      await vscode.window.showTextDocument(doc, { preview: false });
      const running = fs
        .readdirSync(path.join(h.root(), 'experiments'))
        .filter((name) => /^status: running$/m.test(fs.readFileSync(path.join(h.root(), 'experiments', name), 'utf8')))
        .map((name) => name.replace(/\.md$/, ''))
        .sort();
      assert.ok(running.length > 0);
      const fence = original.split('\n').indexOf('```base');
      const lens = async (title) =>
        waitFor(`the ${title} lens`, async () => {
          const all = await vscode.commands.executeCommand('vscode.executeCodeLensProvider', doc.uri);
          return all.find((l) => l.range.start.line === fence && l.command?.title === title);
        });
      const count = await lens(`${running.length} row${running.length === 1 ? '' : 's'}`);
      log(`lens: ${count.command.title}`);

      // Open: the block's views in a panel, its rows as the table the user sees.
      const open = await lens('Open');
      await vscode.commands.executeCommand(open.command.command, ...open.command.arguments);
      const panel = await waitFor('the inline view panel', () => h.api().inlineViewPanel(doc.uri, 0));
      const state = await rendered(panel, 'the Running table', (s) => s.rows.length > 0);
      log(`inline view: ${state.count}; rows ${state.rows.map((r) => r.join(' | ')).join('; ')}`);
      assert.deepEqual(state.tabs, ['Running']);
      assert.equal(state.type, 'table');
      assert.deepEqual(state.rows.map((r) => r[0]).sort(), running);
      assert.equal(state.count, count.command.title);
      const shot = await screenshot('view-inline');
      log(`screenshot: ${shot}`);
      // The same actions as a view file's: a cell edit sets the property of the row's note.
      const row = panel.shown().result.rows.find((r) => r.values['file.basename'] === running[0]);
      const before = fs.readFileSync(vscode.Uri.parse(row.uri).fsPath, 'utf8');
      await panel.post({ type: 'test.editCell', uri: row.uri, column: 'note.status', value: 'done' });
      await waitFor('the note saved with status: done', () => fs.readFileSync(vscode.Uri.parse(row.uri).fsPath, 'utf8') === before.replace(/^status: running$/m, 'status: done'));
      await rendered(panel, 'the row gone from the running view', (s) => !s.rows.some((r) => r[0] === running[0]));
      fs.writeFileSync(vscode.Uri.parse(row.uri).fsPath, before);
      await rendered(panel, 'the row back', (s) => s.rows.some((r) => r[0] === running[0]));
      // Open as Text (Open again first: it brings the same panel to the front): the note, at
      // the block's fence.
      await vscode.commands.executeCommand(open.command.command, ...open.command.arguments);
      assert.equal(h.api().inlineViewPanel(doc.uri, 0), panel, 'Open shows the panel already open');
      await waitFor('the panel in front', () => vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputWebview);
      await vscode.commands.executeCommand('codex.views.openAsText');
      const editor = await waitFor('the note at the block', () => {
        const active = vscode.window.activeTextEditor;
        return active?.document === doc && active.selection.active.line === fence ? active : undefined;
      });
      assert.equal(editor.document.getText(), original);

      // Write results: the block's table between markers under it, one undoable edit.
      const write = await lens('Write results');
      await vscode.commands.executeCommand(write.command.command, ...write.command.arguments);
      const written = await waitFor('the results under the block', () => (doc.getText().includes('<!-- codex:view inline -->') ? doc.getText() : undefined));
      log(`written:\n${written}`);
      const [head, rest] = written.split('\n<!-- codex:view inline -->\n');
      assert.equal(head, original.slice(0, original.indexOf('\nAfter the block.')));
      const [table, tail] = rest.split('<!-- /codex:view -->\n');
      assert.equal(tail, '\nAfter the block.\n');
      const names = table.split('\n').slice(2).filter(Boolean).map((line) => line.split(' | ')[0].replace(/^\| /, ''));
      assert.deepEqual(names.sort(), running);
      await vscode.commands.executeCommand('undo');
      await waitFor('the written results undone', () => doc.getText() === original);

      // The sidebar lists the block with its view and, once the tree has caught up with the
      // note restored above, the lens's row count; a click shows the same panel.
      let items = [];
      const item = await waitFor('the block in the Views tree with its row count', async () => {
        items = await h.api().viewsTree();
        const source = items.find((i) => i.label === 'Running lens.md › block 1');
        const found = source?.children.find((c) => c.label === 'Running');
        return found?.description === count.command.title ? found : undefined;
      }).catch((error) => {
        const shown = items.map((i) => `${i.label} (${(i.children ?? []).map((c) => c.description).join(', ')})`);
        throw new Error(`${error.message}: ${shown.join('; ')}`);
      });
      await vscode.commands.executeCommand(item.command, ...item.arguments);
      assert.equal(h.api().inlineViewPanel(doc.uri, 0), panel, 'the tree shows the panel already open');
      await rendered(panel, 'the Running view from the tree', (s) => s.active === 'Running' && s.rows.length === running.length);
    } finally {
      await closeAll();
      fs.rmSync(file, { force: true });
    }
  });

  test('views: the table is keyboard navigable; focus and an open cell editor survive a live update', async () => {
    const extra = path.join(h.root(), 'experiments', 'EXP-099 Live update.md');
    const { panel } = await openView(EXPERIMENTS);
    try {
      await rendered(panel, 'the first view', (s) => s.rows.length > 0);
      await panel.post({ type: 'test.selectView', view: 'By status' });
      const state = await rendered(panel, 'the By status table', (s) => s.active === 'By status' && s.rows.length > 0);
      const result = panel.shown().result;
      const [first, second] = state.rowUris;
      const [nameColumn, dateColumn] = result.columns.map((c) => c.id);
      // Arrow keys move between cells, as the user's keys do.
      await panel.post({ type: 'test.focusCell', uri: first, column: nameColumn });
      await rendered(panel, 'the first cell focused', (s) => s.focused?.uri === first && s.focused.column === nameColumn);
      await panel.post({ type: 'test.key', key: 'ArrowRight' });
      await rendered(panel, 'the cell on the right', (s) => s.focused?.uri === first && s.focused.column === dateColumn);
      await panel.post({ type: 'test.key', key: 'ArrowDown' });
      await rendered(panel, 'the cell below', (s) => s.focused?.uri === second && s.focused.column === dateColumn);
      // A note is added (saved elsewhere): the table follows, the focused cell stays focused.
      fs.writeFileSync(extra, '---\ntitle: EXP-099 Live update\ntype: experiment\ndate: "2026-03-20"\nstatus: planned\ntags: [experiment]\n---\n# EXP-099\n');
      const grown = await rendered(panel, 'the new row', (s) => s.rows.some((r) => r[0] === 'EXP-099 Live update'));
      assert.deepEqual(grown.focused, { uri: second, column: dateColumn }, 'focus kept through the update');
      // An open cell editor is not closed by an update: the update shows when it closes.
      await panel.post({ type: 'test.editCell', uri: first, column: dateColumn });
      await rendered(panel, 'the date input', (s) => s.editor?.kind === 'date');
      fs.rmSync(extra);
      await waitFor('the update sent to the webview', () => !panel.shown().result.rows.some((r) => r.values['file.basename'] === 'EXP-099 Live update'));
      // Messages arrive in order: this state is read after the update was received.
      const editing = await panel.state();
      assert.equal(editing.editor?.kind, 'date', `the editor was closed by the update: ${JSON.stringify(editing)}`);
      await panel.post({ type: 'test.cancelEdit' });
      const after = await rendered(panel, 'the update drawn once the editor closed', (s) => !s.editor && !s.rows.some((r) => r[0] === 'EXP-099 Live update'));
      assert.deepEqual(after.focused, { uri: first, column: dateColumn }, 'focus back on the edited cell');
      // Enter on a name opens its note.
      await panel.post({ type: 'test.key', key: 'Home' });
      await rendered(panel, 'the name cell', (s) => s.focused?.column === nameColumn);
      await panel.post({ type: 'test.key', key: 'Enter' });
      await waitFor('the note opened by Enter', () => vscode.window.activeTextEditor?.document.uri.fsPath === vscode.Uri.parse(first).fsPath);
    } finally {
      fs.rmSync(extra, { force: true });
      await closeAll();
    }
  });
};
