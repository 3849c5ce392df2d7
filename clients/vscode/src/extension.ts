// Codex Notebooks: the VS Code client of the codex-lsp language server.

import * as vscode from 'vscode';
import { type AttachProvider, registerAttach } from './attach';
import { Commands, type UiState } from './commands';
import { Daily } from './daily';
import type { ServerChoice } from './discovery';
import { LogChannel } from './log';
import type { NotebookInfo } from './model';
import { type Notice, ServerManager } from './server';
import { registerSidebar, type Sidebar, snapshotTree, type TreeSnapshot } from './sidebar';
import { registerViewEditor, type ViewPanel } from './views/viewEditor';
import { PreviewViews } from './views/preview';
import { registerViewsTree } from './views/viewsTree';

/** What `activate` returns: used by the end-to-end tests (and open to other extensions). */
export interface CodexApi {
  /** Resolves when the server runs and every notebook is indexed. */
  ready(timeoutMs?: number): Promise<NotebookInfo[]>;
  server(): ServerChoice | undefined;
  serverCommands(): string[];
  statusText(): string;
  /** Every text the status bar item showed, oldest first. */
  statusHistory(): string[];
  logLines(): string[];
  notices: Notice[];
  ui: UiState;
  restart(): Promise<void>;
  /** The sidebar's views: the data shown, and every tree item as the user sees it. */
  views: Sidebar;
  tree(view: 'connections' | 'tags' | 'history'): Promise<TreeSnapshot[]>;
  /** The open view editor (.cdx, .base) of a file, if any. */
  viewPanel(uri: vscode.Uri): ViewPanel | undefined;
  /** The open view panel of an inline view block of a note, if any. */
  inlineViewPanel(uri: vscode.Uri, block: number): ViewPanel | undefined;
  /** The sidebar's Views tree as the user sees it. */
  viewsTree(): Promise<TreeSnapshot[]>;
  /** The Markdown preview's plugin (markdown.markdownItPlugins): inline views as tables. */
  extendMarkdownIt<T>(md: T): T;
  /** The paste and drop provider of files (codex.attach). */
  attach: AttachProvider;
}

let manager: ServerManager | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<CodexApi> {
  const log = new LogChannel(vscode.window.createOutputChannel('Codex Notebooks', { log: true }));
  context.subscriptions.push(log);
  manager = new ServerManager(context, log);
  context.subscriptions.push(manager);
  const ui: UiState = {};
  new Commands(manager, ui).register(context);
  new Daily(manager, ui).register(context);
  const views = registerSidebar(context, manager);
  const viewEditor = registerViewEditor(context, manager);
  const viewsTree = registerViewsTree(context, manager, viewEditor);
  const preview = new PreviewViews(manager);
  const attach = registerAttach(context, manager);
  context.subscriptions.push(viewEditor.onDidChangeNotes(() => preview.invalidate()));
  const started = manager.start();
  const current = manager;
  void started.catch((error) => log.info(`start failed: ${String(error)}`));
  return {
    ready: async (timeoutMs?: number) => {
      await started;
      return current.whenIndexed(timeoutMs);
    },
    server: () => current.choice,
    serverCommands: () => current.serverCommands(),
    statusText: () => current.statusText(),
    statusHistory: () => [...current.statusHistory],
    logLines: () => log.lines(),
    notices: current.notices,
    ui,
    restart: () => current.restart(),
    views,
    tree: (view) => snapshotTree(views[view] as vscode.TreeDataProvider<unknown>),
    viewPanel: (uri) => viewEditor.panel(uri),
    inlineViewPanel: (uri, block) => viewEditor.inlinePanel(uri, block),
    viewsTree: () => snapshotTree(viewsTree),
    extendMarkdownIt: (md) => preview.extend(md),
    attach,
  };
}

export async function deactivate(): Promise<void> {
  const running = manager;
  manager = undefined;
  if (running?.client) await running.client.dispose(3000).catch(() => undefined);
}
