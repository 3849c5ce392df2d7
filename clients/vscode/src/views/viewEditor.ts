// The custom editor of view files (.cdx, .base): a webview drawing each view of the file
// (table, list, cards, board, calendar) from the server's codex.query, following the notebook
// as it changes, and changing notes through codex.setProperty (an undoable WorkspaceEdit).

import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { errorText, type ServerManager } from '../server';
import {
  type PropertyInfo,
  type RenderMessage,
  validateWebviewMessage,
  type ViewResult,
  type ViewSource,
  viewNames,
  type WebviewMessage,
} from './messages';

export const VIEW_EDITOR = 'codex.viewEditor';

/**
 * Re-query this long after a change: a saved note is indexed at once (a few queries catch it
 * as soon as it is), an unsaved edit after the server's index debounce.
 */
const AFTER_SAVE_MS = [40, 120, 250];

/** An open view editor, as the tests drive it. */
export interface ViewPanel {
  readonly document: vscode.TextDocument;
  /** The webview's rendered state (what the user sees), read through a test-only message. */
  state(): Promise<unknown>;
  /** Posts a message to the webview, as its own controls would act. */
  post(message: Record<string, unknown>): Promise<boolean>;
  /** What was last sent to the webview. */
  shown(): RenderMessage | undefined;
}

function sameFile(a: string, b: vscode.Uri): boolean {
  try {
    return vscode.Uri.parse(a).fsPath === b.fsPath;
  } catch {
    return false;
  }
}

class Panel implements ViewPanel {
  private active: string | undefined;
  private last: RenderMessage | undefined;
  private lastJson = '';
  private timers: NodeJS.Timeout[] = [];
  private replies = new Map<number, (state: unknown) => void>();
  private nextId = 1;
  private ready = false;
  private running: Promise<void> = Promise.resolve();

  constructor(
    readonly document: vscode.TextDocument,
    private readonly panel: vscode.WebviewPanel,
    private readonly manager: ServerManager,
  ) {}

  shown(): RenderMessage | undefined {
    return this.last;
  }

  post(message: Record<string, unknown>): Promise<boolean> {
    return Promise.resolve(this.panel.webview.postMessage(message));
  }

  state(): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replies.delete(id);
        reject(new Error('the view editor did not answer'));
      }, 10_000);
      this.replies.set(id, (state) => {
        clearTimeout(timer);
        resolve(state);
      });
      void this.panel.webview.postMessage({ type: 'test.state', id });
    });
  }

  /** Shows the view `name` (a tab of this file). */
  select(name: string): void {
    this.active = name;
    void this.refresh();
  }

  /** Re-query soon, and again after the server's index debounce (a note just changed). */
  schedule(): void {
    for (const timer of this.timers) clearTimeout(timer);
    const debounce = vscode.workspace.getConfiguration('codex').get<number>('index.debounceMs', 300);
    this.timers = [...AFTER_SAVE_MS, debounce + 120].map((ms) => setTimeout(() => void this.refresh(), ms));
  }

  refresh(): Promise<void> {
    // One query at a time, in order: the last one's answer is what stays on screen.
    this.running = this.running.then(() => this.render()).catch(() => undefined);
    return this.running;
  }

  private async render(): Promise<void> {
    if (!this.ready) return;
    const uri = this.document.uri.toString();
    let views: string[] = [];
    let result: ViewResult | undefined;
    let properties: Record<string, PropertyInfo> = {};
    let error: string | undefined;
    try {
      // codex.views reads the file on disk, codex.query the buffer: while the YAML has unsaved
      // edits a name may be gone, and the buffer's first view is shown.
      const sources = await this.manager.exec<ViewSource[]>('codex.views', {});
      views = viewNames(sources, (u) => sameFile(u, this.document.uri));
      // The view shown last, while the source still has it (else the query falls back to the first).
      const view = this.active ?? views[0];
      const answer = await this.manager
        .exec<ViewResult>('codex.query', view ? { uri, view } : { uri })
        .catch((e) => (view ? this.manager.exec<ViewResult>('codex.query', { uri }) : Promise.reject(e)));
      result = answer;
      // The answer names the views of the text it ran (the buffer); codex.views reads the
      // index, which may not hold a file just created.
      if (answer.views?.length) views = answer.views;
      if (!views.includes(answer.view)) views = [answer.view];
      this.active = answer.view;
      if (this.manager.serverCommands().includes('codex.properties')) {
        properties = (await this.manager.exec<{ properties: Record<string, PropertyInfo> }>('codex.properties', { uri })).properties;
      }
    } catch (e) {
      error = errorText(e);
    }
    const message: RenderMessage = { type: 'render', views, active: this.active ?? views[0] ?? '', properties, ...(result ? { result } : {}), ...(error ? { error } : {}) };
    const json = JSON.stringify(message);
    if (json === this.lastJson) return;
    this.lastJson = json;
    this.last = message;
    await this.panel.webview.postMessage(message);
  }

  async receive(data: unknown): Promise<void> {
    const message = validateWebviewMessage(data, this.last);
    if (typeof message === 'string') {
      this.manager.log.info(`view editor: refused a message from the webview: ${message}`);
      return;
    }
    await this.handle(message);
  }

  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.lastJson = '';
        await this.refresh();
        return;
      case 'selectView':
        this.active = message.view;
        await this.refresh();
        return;
      case 'open': {
        const target = vscode.Uri.parse(message.uri);
        const position = new vscode.Position(message.line ?? 0, 0);
        await vscode.window.showTextDocument(target, { preview: false, selection: new vscode.Range(position, position) });
        return;
      }
      case 'setProperty':
        try {
          await this.manager.exec('codex.setProperty', { uri: message.uri, key: message.key, value: message.value });
          // The edit is in the note's buffer (undoable); saving it makes the index, the other
          // views and the file on disk follow, as a cell edit in a table is expected to.
          const note = vscode.workspace.textDocuments.find((d) => sameFile(message.uri, d.uri));
          if (note?.isDirty) await note.save();
        } catch (e) {
          void vscode.window.showErrorMessage(`Codex: could not set ${message.key}: ${errorText(e)}`);
        }
        this.schedule();
        return;
      case 'test.reply':
        this.replies.get(message.id)?.(message.state);
        this.replies.delete(message.id);
        return;
    }
  }

  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }
}

/** The HTML of the webview: local script and style only, a nonce, no remote resources. */
function html(webview: vscode.Webview, media: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'views.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'views.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Codex view</title>
</head>
<body>
<div id="app" aria-live="polite"><p class="empty">Loading the view…</p></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

/** The provider, and the open panels (for the tests). */
export class ViewEditorProvider implements vscode.CustomTextEditorProvider, vscode.Disposable {
  readonly panels = new Set<Panel>();
  private readonly notesEmitter = new vscode.EventEmitter<void>();
  /** A note or view file changed (saved, created, deleted, edited). */
  readonly onDidChangeNotes = this.notesEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly manager: ServerManager,
  ) {}

  /** The open view editor of `uri`, if any. */
  panel(uri: vscode.Uri): ViewPanel | undefined {
    return [...this.panels].find((p) => p.document.uri.fsPath === uri.fsPath);
  }

  /** Every open view editor re-queries (a note changed). */
  changed(): void {
    for (const panel of this.panels) panel.schedule();
    this.notesEmitter.fire();
  }

  /** Shows the view `name` in the open view editors of `uri`. */
  select(uri: vscode.Uri, name: string): void {
    for (const panel of this.panels) if (panel.document.uri.fsPath === uri.fsPath) panel.select(name);
  }

  dispose(): void {
    this.notesEmitter.dispose();
  }

  resolveCustomTextEditor(document: vscode.TextDocument, webviewPanel: vscode.WebviewPanel): void {
    const media = vscode.Uri.joinPath(this.context.extensionUri, 'media');
    webviewPanel.webview.options = { enableScripts: true, localResourceRoots: [media] };
    webviewPanel.webview.html = html(webviewPanel.webview, media);
    const panel = new Panel(document, webviewPanel, this.manager);
    this.panels.add(panel);
    const subscriptions = [
      webviewPanel.webview.onDidReceiveMessage((data) => void panel.receive(data)),
      // The YAML edited as text (the same document): the server queries the buffer.
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document === document) panel.schedule();
      }),
    ];
    webviewPanel.onDidDispose(() => {
      this.panels.delete(panel);
      panel.dispose();
      for (const s of subscriptions) s.dispose();
    });
  }
}

/** Registers the view editor, its commands and what makes open views follow the notebook. */
export function registerViewEditor(context: vscode.ExtensionContext, manager: ServerManager): ViewEditorProvider {
  const provider = new ViewEditorProvider(context, manager);
  const isNote = (doc: vscode.TextDocument) => doc.languageId === 'markdown' || /\.(md|cdx|base)$/i.test(doc.uri.path);
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.{md,cdx,base}');
  context.subscriptions.push(
    provider,
    vscode.window.registerCustomEditorProvider(VIEW_EDITOR, provider, {
      webviewOptions: { enableFindWidget: true },
      supportsMultipleEditorsPerDocument: true,
    }),
    watcher,
    watcher.onDidChange(() => provider.changed()),
    watcher.onDidCreate(() => provider.changed()),
    watcher.onDidDelete(() => provider.changed()),
    vscode.workspace.onDidSaveTextDocument((doc) => isNote(doc) && provider.changed()),
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.contentChanges.length > 0 && event.document.languageId === 'markdown') provider.changed();
    }),
    manager.onDidChangeNotebooks(() => provider.changed()),
    vscode.commands.registerCommand('codex.views.openAsText', (uri?: vscode.Uri) => {
      const target = uri ?? activeViewUri();
      // Beside the view, so that both show and the view follows the YAML as it is typed.
      if (target) return vscode.commands.executeCommand('vscode.openWith', target, 'default', vscode.ViewColumn.Beside);
      return undefined;
    }),
    vscode.commands.registerCommand('codex.views.openView', (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (target) return vscode.commands.executeCommand('vscode.openWith', target, VIEW_EDITOR);
      return undefined;
    }),
  );
  return provider;
}

function activeViewUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom ? input.uri : undefined;
}
