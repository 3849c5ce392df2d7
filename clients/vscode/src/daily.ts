// Daily notes and notes from templates: "Codex: Open Today's Note", "Open Daily Note for Date…",
// "Next/Previous Daily Note" and "New Note from Template…" (codex.daily, codex.templates and
// codex.createNote; docs/templates.md). A new note whose template has tab stops is created with
// their defaults, then its text is replaced by the server's snippet so the user tabs through them.

import * as vscode from 'vscode';
import type { UiState } from './commands';
import { type ServerManager, UserError } from './server';

/** What codex.createNote and codex.daily answer. */
export interface CreatedNote {
  uri: string;
  path: string;
  created: boolean;
  snippet?: string;
  template?: string;
  date?: string;
}

/** One row of codex.templates. */
export interface TemplateInfo {
  name: string;
  type: string | null;
  folder: string | null;
  pattern: string | null;
  description: string | null;
  problem?: string;
}

/** Opens a note the server created or found; a new note with a snippet gets its tab stops. */
export async function openNewNote(result: CreatedNote): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(result.uri));
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  if (doc.isDirty) await doc.save();
  if (result.created && result.snippet !== undefined) {
    const all = new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length));
    await editor.insertSnippet(new vscode.SnippetString(result.snippet), all);
  } else {
    const end = doc.lineAt(doc.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(end, end);
  }
  return editor;
}

const CLIPBOARD_WAIT_MS = 500;

type TemplateItem = vscode.QuickPickItem & { template: TemplateInfo };

export class Daily {
  constructor(
    private readonly manager: ServerManager,
    private readonly ui: UiState,
  ) {}

  register(context: vscode.ExtensionContext): void {
    const commands: [string, (...args: unknown[]) => Promise<unknown>][] = [
      ['codex.today', () => this.daily({})],
      ['codex.dailyForDate', (arg) => this.dailyForDate(arg)],
      ['codex.nextDaily', () => this.neighbour('next')],
      ['codex.previousDaily', () => this.neighbour('previous')],
      ['codex.newNoteFromTemplate', (arg) => this.newFromTemplate(arg)],
    ];
    for (const [id, handler] of commands) {
      context.subscriptions.push(
        vscode.commands.registerCommand(id, async (...args: unknown[]) => {
          try {
            return await handler(...args);
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            this.manager.warn(error instanceof UserError ? message : `Codex: ${message}`);
            throw error;
          }
        }),
      );
    }
  }

  private async daily(argument: Record<string, unknown>): Promise<vscode.Uri> {
    const result = await this.manager.exec<CreatedNote>('codex.daily', argument, 'daily');
    const editor = await openNewNote(result);
    return editor.document.uri;
  }

  /** The daily note of a date or phrase ("next monday", "2026-12-24", "+1"), asked when not given. */
  async dailyForDate(given?: unknown): Promise<vscode.Uri | undefined> {
    let date = typeof given === 'string' ? given : undefined;
    if (date === undefined) {
      date = await vscode.window.showInputBox({
        title: 'Codex: Open Daily Note for Date',
        prompt: 'A date or phrase: today, tomorrow, next monday, last friday, in 3 days, 2026-12-24, +1',
        value: 'today',
        validateInput: (value) => (value.trim() ? undefined : 'Type a date'),
      });
      if (date === undefined) return undefined;
    }
    return this.daily({ date: date.trim() });
  }

  /** The existing daily note after or before the active one. */
  async neighbour(relative: 'next' | 'previous'): Promise<vscode.Uri> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.uri.scheme !== 'file') throw new UserError('Codex: open a daily note first.');
    return this.daily({ relative, uri: editor.document.uri.toString() });
  }

  /** Asks for the template (when several fit) and the title, creates the note, lands in it. */
  async newFromTemplate(given?: unknown): Promise<vscode.Uri | undefined> {
    const asked = (given ?? {}) as { title?: string; template?: string; type?: string };
    let template = asked.template;
    if (template === undefined) {
      const templates = await this.manager.exec<TemplateInfo[]>('codex.templates', asked.type ? { type: asked.type } : {}, 'templates');
      const usable = templates.filter((t) => !t.problem);
      if (usable.length === 1) template = usable[0].name;
      if (usable.length > 1) {
        const chosen = await this.pickTemplate(usable);
        if (!chosen) return undefined;
        template = chosen.name;
      }
    }
    let title = asked.title;
    if (title === undefined) {
      title = await vscode.window.showInputBox({
        title: template ? `Codex: New Note from ${template}` : 'Codex: New Note',
        prompt: 'Title of the new note',
        validateInput: (value) => (value.trim() ? undefined : 'Type a title'),
      });
      if (title === undefined) return undefined;
    }
    const argument = { title, ...(template ? { template } : {}), ...(asked.type ? { type: asked.type } : {}) };
    // A browser may never answer a clipboard read it does not allow: give up after a moment.
    const clipboard = await Promise.race([
      vscode.env.clipboard.readText().then(
        (text) => text,
        () => '',
      ),
      new Promise<string>((resolve) => setTimeout(() => resolve(''), CLIPBOARD_WAIT_MS)),
    ]);
    const result = await this.manager.exec<CreatedNote>('codex.createNote', { ...argument, clipboard }, 'templates');
    if (!result.created) this.manager.info(`Codex: ${result.path} already exists; opened it.`);
    const editor = await openNewNote(result);
    return editor.document.uri;
  }

  private pickTemplate(templates: TemplateInfo[]): Promise<TemplateInfo | undefined> {
    const qp = vscode.window.createQuickPick<TemplateItem>();
    qp.title = 'Codex: New Note from Template';
    qp.placeholder = 'The template of the new note';
    qp.matchOnDescription = true;
    qp.items = templates.map((template) => ({
      label: template.name,
      description: [template.type && `type ${template.type}`, template.folder && `in ${template.folder}`].filter(Boolean).join(' · '),
      detail: template.description ?? undefined,
      template,
    }));
    this.ui.lastQuickPick = qp as unknown as vscode.QuickPick<vscode.QuickPickItem>;
    return new Promise((resolve) => {
      let result: TemplateInfo | undefined;
      qp.onDidAccept(() => {
        result = (qp.selectedItems[0] ?? qp.activeItems[0])?.template;
        qp.hide();
      });
      qp.onDidHide(() => {
        qp.dispose();
        resolve(result);
      });
      qp.show();
    });
  }
}
