// End-to-end tests of daily notes and notes from templates (clients/vscode/src/daily.ts):
// what the user ends up with is checked: the file on disk, the active editor, and the buffer
// after typing into a template's tab stops.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');

/** Local date YYYY-MM-DD, `offset` days from today (the server's local "today"). */
function day(offset = 0) {
  const d = new Date();
  d.setDate(d.getDate() + offset);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

const TEMPLATE = `---
codex-template:
  folder: drafts
  description: A run with tab stops
title: {{title}}
---
# {{title}}

Result: \${1:pending}
{{cursor}}
`;

/** @param {object} h helpers of index.js */
module.exports = function registerDailyTests(h) {
  const { test, waitFor, noteUri, closeAll, sleep, root, nextQuickPick, accept } = h;

  const activePath = () => vscode.window.activeTextEditor?.document.uri.fsPath;

  test("Codex: Open Today's Note creates today's note once; Daily for Date, Previous and Next move between notes", async () => {
    const today = noteUri(`${day(0)}.md`).fsPath;
    const later = noteUri(`${day(2)}.md`).fsPath;
    try {
      const created = await vscode.commands.executeCommand('codex.today');
      assert.equal(created.fsPath, today);
      assert.equal(activePath(), today);
      const text = fs.readFileSync(today, 'utf8');
      assert.equal(text, `---\ntitle: '${day(0)}'\ndate: '${day(0)}'\n---\n\n# ${day(0)}\n`);
      assert.equal(vscode.window.activeTextEditor.document.isDirty, false);
      const again = await vscode.commands.executeCommand('codex.today');
      assert.equal(again.fsPath, today);
      assert.equal(fs.readFileSync(today, 'utf8'), text, 'an existing note is left alone');
      const inTwoDays = await vscode.commands.executeCommand('codex.dailyForDate', 'in 2 days');
      assert.equal(inTwoDays.fsPath, later);
      assert.equal(activePath(), later);
      await vscode.commands.executeCommand('codex.previousDaily');
      await waitFor('the previous daily note', () => activePath() === today);
      await vscode.commands.executeCommand('codex.nextDaily');
      await waitFor('the next daily note, skipping the day without one', () => activePath() === later);
    } finally {
      await closeAll();
      fs.rmSync(today, { force: true });
      fs.rmSync(later, { force: true });
    }
  });

  test('Codex: New Note from Template asks the template; typing into the tab stops fills the note', async () => {
    const templates = path.join(root(), '.codex', 'templates');
    fs.mkdirSync(templates, { recursive: true });
    fs.writeFileSync(path.join(templates, 'run.md'), TEMPLATE);
    fs.writeFileSync(path.join(templates, 'plain.md'), '# {{title}}\n');
    const file = noteUri('drafts/Tab stop run.md').fsPath;
    try {
      const previous = h.api().ui.lastQuickPick;
      const running = vscode.commands.executeCommand('codex.newNoteFromTemplate', { title: 'Tab stop run' });
      const qp = await nextQuickPick(previous, 'the templates');
      assert.deepEqual(
        qp.items.map((i) => i.label),
        ['plain', 'run'],
      );
      await accept(qp, qp.items.find((i) => i.label === 'run'));
      const created = await running;
      assert.equal(created.fsPath, file);
      assert.equal(fs.readFileSync(file, 'utf8'), '---\ntitle: Tab stop run\n---\n# Tab stop run\n\nResult: pending\n\n');
      const editor = vscode.window.activeTextEditor;
      assert.equal(editor.document.uri.fsPath, file);
      // The placeholder is selected: typing replaces it, Tab goes on to {{cursor}}.
      await waitFor('the placeholder selected', () => editor.document.getText(editor.selection) === 'pending');
      await vscode.commands.executeCommand('type', { text: 'pH 7.4' });
      await vscode.commands.executeCommand('jumpToNextSnippetPlaceholder');
      await sleep(50);
      await vscode.commands.executeCommand('type', { text: 'all good' });
      await waitFor('the typed text', () => editor.document.getText().includes('all good'));
      assert.equal(editor.document.getText(), '---\ntitle: Tab stop run\n---\n# Tab stop run\n\nResult: pH 7.4\nall good\n');
    } finally {
      await closeAll();
      fs.rmSync(file, { force: true });
      fs.rmSync(templates, { recursive: true, force: true });
    }
  });
};
