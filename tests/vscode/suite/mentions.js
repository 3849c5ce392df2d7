// End-to-end tests of unlinked mentions in VS Code: the hint on a mention, "Link all N
// mentions" applied as the lightbulb applies it (buffer text after, in both notes), and the
// count in the Connections sidebar.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');

const IMAGER = 'equipment/Gel Imager.md';
const BENCH = 'notes/Bench.md';
const IMAGING = 'notes/Imaging.md';

/** @param {object} h helpers of index.js: test, waitFor, noteUri, closeAll, connectionsOf, group */
module.exports = function registerMentionTests(h) {
  const { test, waitFor, noteUri, closeAll } = h;

  function write(rel, text) {
    fs.mkdirSync(path.dirname(noteUri(rel).fsPath), { recursive: true });
    fs.writeFileSync(noteUri(rel).fsPath, text);
  }

  test('unlinked mentions: the sidebar counts them; Link all N mentions links them in every note', async () => {
    write(IMAGER, '---\naliases: [GI-3]\n---\n# Gel Imager\n');
    write(BENCH, '# Bench\n\nBooked the GI-3 today.\n');
    write(IMAGING, '# Imaging\n\nThe gel imager was busy.\n');
    try {
      // The new notes in the index (the watcher announces them), then the count in the
      // Connections view of the mentioned note.
      const target = noteUri(IMAGER).toString();
      // The last answer goes into the failure message: a wrong count and an error differ.
      let answer;
      await waitFor('the two mentions in the index', async () => {
        try {
          answer = await vscode.commands.executeCommand('codex.mentions', { uri: target });
        } catch (error) {
          answer = `error: ${error.message}`;
        }
        return answer?.length === 2 && Array.isArray(answer);
      }).catch((error) => {
        throw new Error(`${error.message}; codex.mentions last answered ${JSON.stringify(answer)}`);
      });
      await vscode.commands.executeCommand('workbench.view.extension.codex');
      const imager = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(noteUri(IMAGER)), { preview: false });
      const tree = await h.connectionsOf(imager.document.uri, -1, (t) => h.group(t, 'Unlinked mentions')?.description === '2');
      const mentions = h.group(tree, 'Unlinked mentions');
      assert.deepEqual(mentions.children.map((c) => c.label).sort(), ['Bench', 'Imaging']);
      // The hint in a mentioning note, and its quick fix.
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(noteUri(BENCH)), { preview: false });
      const doc = editor.document;
      const hint = await waitFor('the unlinked-mention hint', () =>
        vscode.languages.getDiagnostics(doc.uri).find((d) => d.source === 'codex' && String(d.code?.value ?? d.code) === 'unlinked-mention'),
      );
      assert.equal(hint.severity, vscode.DiagnosticSeverity.Hint);
      assert.equal(doc.getText(hint.range), 'GI-3');
      const actions = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', doc.uri, hint.range, 'quickfix');
      const linkAll = actions.find((a) => /^Link all 2 mentions/.test(a.title));
      assert.ok(linkAll?.edit, `no "Link all" action: ${actions.map((a) => a.title).join(', ')}`);
      assert.ok(await vscode.workspace.applyEdit(linkAll.edit));
      assert.equal(doc.lineAt(2).text, 'Booked the [[Gel Imager|GI-3]] today.');
      const other = await vscode.workspace.openTextDocument(noteUri(IMAGING));
      assert.equal(other.lineAt(2).text, 'The [[Gel Imager|gel imager]] was busy.');
    } finally {
      await closeAll();
      await vscode.commands.executeCommand('workbench.action.files.revertAll').then(undefined, () => undefined);
      for (const rel of [IMAGER, BENCH, IMAGING]) fs.rmSync(noteUri(rel).fsPath, { force: true });
    }
  });
};
