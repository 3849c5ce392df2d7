// The custom editor of view files (.cdx, .base), and the view panel of an inline view block of
// a note: a webview drawing each view of the source (table, list, cards, board, calendar) from
// the server's codex.query, following the notebook as it changes, and changing notes through
// codex.setProperty (an undoable WorkspaceEdit). An inline block's YAML is only read: it is
// edited in its note.

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
/** The webview panel type of an inline view block (its note stays a text editor). */
export const INLINE_VIEW = 'codex.inlineView';
/** The client-side command of the server's "Open" lens over an inline view block. */
export const OPEN_INLINE_VIEW = 'codex.openInlineView';

/**
 * Re-query this long after the view's own text changed (its YAML, or an inline block's note,
 * typed in the editor): the server reads the buffer once the edit has reached it. A few
 * queries catch it as soon as it does; on a busy machine later, so after the last guess the
 * view keeps asking every `SETTLE_EVERY_MS`, until the answer changes or `SETTLE_MS` have
 * passed. Changes of the notebook are followed through `codex/indexChanged` instead.
 */
const AFTER_EDIT_MS = [40, 120, 250];
const SETTLE_EVERY_MS = 250;
const SETTLE_MS = 4000;

/** An open view editor, as the tests drive it. */
export interface ViewPanel {
  /** The view file, or the note holding the inline block. */
  readonly document: vscode.TextDocument;
  /** The inline block's number in the note (undefined for a view file). */
  readonly block?: number;
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
  /** The 0-based line of an inline block's opening fence, as the server last said. */
  line: number | undefined;

  constructor(
    readonly document: vscode.TextDocument,
    readonly panel: vscode.WebviewPanel,
    private readonly manager: ServerManager,
    readonly block?: number,
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

  /** Re-query soon and again until the answer changes (the view's own text just changed). */
  schedule(): void {
    for (const timer of this.timers) clearTimeout(timer);
    const debounce = vscode.workspace.getConfiguration('codex').get<number>('index.debounceMs', 300);
    const times = [...AFTER_EDIT_MS, debounce + 120];
    for (let ms = debounce + 120 + SETTLE_EVERY_MS; ms <= SETTLE_MS; ms += SETTLE_EVERY_MS) times.push(ms);
    this.timers = times.map((ms) => setTimeout(() => void this.refresh(), ms));
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
    let shownView: string | undefined; // the view the result is of
    try {
      const source = this.block === undefined ? { uri } : { uri, block: this.block };
      if (this.block === undefined) {
        // codex.views reads the file on disk, codex.query the buffer: while the YAML has unsaved
        // edits a name may be gone, and the buffer's first view is shown.
        const sources = await this.manager.exec<ViewSource[]>('codex.views', {});
        views = viewNames(sources, (u) => sameFile(u, this.document.uri));
      }
      // The view shown last, while the source still has it (else the query falls back to the first).
      const asked = this.active;
      const view = asked ?? views[0];
      const answer = await this.manager
        .exec<ViewResult>('codex.query', view ? { ...source, view } : source)
        .catch((e) => (view ? this.manager.exec<ViewResult>('codex.query', source) : Promise.reject(e)));
      if (typeof answer.line === 'number') this.line = answer.line;
      result = answer;
      // The answer names the views of the text it ran (the buffer); codex.views reads the
      // index, which may not hold a file just created.
      if (answer.views?.length) views = answer.views;
      if (!views.includes(answer.view)) views = [answer.view];
      shownView = answer.view;
      // A tab chosen while this query ran stays chosen: the render queued after it shows it.
      if (this.active === asked) this.active = answer.view;
      if (this.manager.serverCommands().includes('codex.properties')) {
        properties = (await this.manager.exec<{ properties: Record<string, PropertyInfo> }>('codex.properties', { uri })).properties;
      }
    } catch (e) {
      error = errorText(e);
    }
    const message: RenderMessage = { type: 'render', views, active: shownView ?? this.active ?? views[0] ?? '', properties, ...(result ? { result } : {}), ...(error ? { error } : {}) };
    const json = JSON.stringify(message);
    if (json === this.lastJson) return;
    // The change was seen: no more asking until the next one.
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
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
    return [...this.panels].find((p) => p.block === undefined && p.document.uri.fsPath === uri.fsPath);
  }

  /** The open view panel of inline block `block` of note `uri`, if any. */
  inlinePanel(uri: vscode.Uri, block: number): ViewPanel | undefined {
    return [...this.panels].find((p) => p.block === block && p.document.uri.fsPath === uri.fsPath);
  }

  /** The inline view panel the user is looking at, if any. */
  activeInline(): Panel | undefined {
    return [...this.panels].find((p) => p.block !== undefined && p.panel.active);
  }

  /** Shows the views of inline block `block` of note `uri` in a panel beside the note. */
  async openInline(uri: vscode.Uri, block: number, view?: string): Promise<ViewPanel> {
    const open = [...this.panels].find((p) => p.block === block && p.document.uri.fsPath === uri.fsPath);
    if (open) {
      open.panel.reveal();
      if (view) open.select(view);
      return open;
    }
    const document = await vscode.workspace.openTextDocument(uri);
    const media = vscode.Uri.joinPath(this.context.extensionUri, 'media');
    const name = uri.path.replace(/^.*\//, '').replace(/\.md$/i, '');
    const webviewPanel = vscode.window.createWebviewPanel(INLINE_VIEW, `${name} › block ${block + 1}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, {
      enableScripts: true,
      enableFindWidget: true,
      localResourceRoots: [media],
    });
    const panel = this.attach(document, webviewPanel, block);
    if (view) panel.select(view);
    return panel;
  }

  /** A note or view file changed in the editor or on disk (the views tree and the preview follow). */
  changed(): void {
    this.notesEmitter.fire();
  }

  /** The server's index changed: every open view re-queries now. */
  indexChanged(): void {
    for (const panel of this.panels) void panel.refresh();
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
    this.attach(document, webviewPanel, undefined);
  }

  /** Draws the views of `document` (a view file, or inline block `block` of a note) in `webviewPanel`. */
  private attach(document: vscode.TextDocument, webviewPanel: vscode.WebviewPanel, block: number | undefined): Panel {
    const media = vscode.Uri.joinPath(this.context.extensionUri, 'media');
    webviewPanel.webview.options = { enableScripts: true, localResourceRoots: [media] };
    webviewPanel.webview.html = html(webviewPanel.webview, media);
    const panel = new Panel(document, webviewPanel, this.manager, block);
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
    return panel;
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
    manager.onDidChangeIndex(() => provider.indexChanged()),
    vscode.commands.registerCommand(OPEN_INLINE_VIEW, async (arg?: unknown) => {
      const where = inlineArgument(arg);
      if (!where) {
        void vscode.window.showErrorMessage('Codex: Open needs a note and the number of its inline view block.');
        return undefined;
      }
      await provider.openInline(where.uri, where.block);
      return undefined;
    }),
    vscode.commands.registerCommand('codex.views.openAsText', async (uri?: vscode.Uri) => {
      const inline = uri ? undefined : provider.activeInline();
      if (inline) {
        // An inline view's text is its block in the note: show the note at the opening fence.
        const position = new vscode.Position(inline.line ?? 0, 0);
        const shown = vscode.window.visibleTextEditors.find((e) => e.document === inline.document);
        await vscode.window.showTextDocument(inline.document, {
          preview: false,
          selection: new vscode.Range(position, position),
          viewColumn: shown?.viewColumn ?? vscode.ViewColumn.Beside,
        });
        return undefined;
      }
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

/** The `{uri, block}` argument of the "Open" lens, when well formed. */
export function inlineArgument(arg: unknown): { uri: vscode.Uri; block: number } | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const { uri, block } = arg as Record<string, unknown>;
  if (typeof uri !== 'string' || typeof block !== 'number' || !Number.isInteger(block) || block < 0) return undefined;
  try {
    return { uri: vscode.Uri.parse(uri, true), block };
  } catch {
    return undefined;
  }
}

function activeViewUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom ? input.uri : undefined;
}
