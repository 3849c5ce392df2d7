// "Create Note from Link": the server's quick fix for a broken link (a WorkspaceEdit that creates
// the note, so Undo removes it) applied from a command, and the new note opened and saved. The
// same landing is added to the quick fix itself (the lightbulb), through `openCreatedNote`.

import * as vscode from 'vscode';
import { UserError } from './server';

/** The command the server's "create note" quick fix is given, to land in the new note. */
export const OPEN_CREATED_NOTE = 'codex.openCreatedNote';

/** The diagnostic code the server gives a link whose target does not exist. */
export const BROKEN_LINK = 'link-broken';

function codeOf(diagnostic: vscode.Diagnostic): string | undefined {
  const code = diagnostic.code;
  if (code === undefined) return undefined;
  return String(typeof code === 'object' ? code.value : code);
}

/** Is this code action the server's "create the note of a broken link"? */
export function isCreateNoteAction(action: vscode.CodeAction): boolean {
  return !!action.edit && (action.diagnostics ?? []).some((d) => d.source === 'codex' && codeOf(d) === BROKEN_LINK);
}

/** The file a "create note" edit creates (the document its text edit writes into). */
export function createdFile(edit: vscode.WorkspaceEdit): vscode.Uri | undefined {
  return edit.entries().find(([uri]) => uri.scheme === 'file')?.[0];
}

/** Opens the note a quick fix has just created, saved, with the cursor at its end. */
export async function openCreatedNote(uri: vscode.Uri): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  if (doc.isDirty) await doc.save();
  const end = doc.lineAt(doc.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(end, end);
  return editor;
}

/**
 * Creates the note named by the broken link under the cursor and opens it. Resolves with the new
 * note's URI; a cursor on no broken link is a UserError.
 */
export async function createNoteFromLink(): Promise<vscode.Uri> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'markdown') throw new UserError('Codex: put the cursor on a broken link in a note first.');
  const doc = editor.document;
  const position = editor.selection.active;
  const broken = vscode.languages
    .getDiagnostics(doc.uri)
    .find((d) => d.source === 'codex' && codeOf(d) === BROKEN_LINK && d.range.contains(position));
  if (!broken) throw new UserError('Codex: the cursor is not on a broken link (a link to a note that does not exist).');
  const actions =
    (await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      doc.uri,
      broken.range,
      vscode.CodeActionKind.QuickFix.value,
    )) ?? [];
  // The quick fix as the middleware marked it (the answer of executeCodeActionProvider does not
  // carry the action's diagnostics).
  const action = actions.find((a) => a.edit && a.command?.command === OPEN_CREATED_NOTE);
  const target = action?.command?.arguments?.[0];
  if (!action?.edit || !(target instanceof vscode.Uri)) throw new UserError('Codex: the server offers no note to create for this link.');
  if (!(await vscode.workspace.applyEdit(action.edit))) throw new UserError(`Codex: the editor did not create ${target.fsPath}.`);
  await openCreatedNote(target);
  return target;
}
