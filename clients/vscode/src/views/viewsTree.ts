// The "Views" tree of the Codex sidebar: every view file and inline view block of the open
// notebooks (from codex.views), each view with its row count; a click opens it.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { plural } from '../model';
import { errorText, type ServerManager } from '../server';
import type { ViewSource } from './messages';
import { VIEW_EDITOR, type ViewEditorProvider } from './viewEditor';

type Node = { kind: 'source'; source: ViewSource } | { kind: 'view'; source: ViewSource; name: string; type: string; rows?: number; error?: string };

const ICONS: Record<string, string> = { table: 'table', list: 'list-unordered', cards: 'preview', board: 'project', calendar: 'calendar' };

/** The label of a view source: its file name, and the block's number for an inline view. */
export function sourceLabel(source: ViewSource): string {
  const name = path.posix.basename(source.path);
  return source.block === null ? name : `${name} › block ${source.block + 1}`;
}

// Asks again while a change has not reached the index yet: up to RETRIES x RETRY_MS.
const RETRIES = 8;
const RETRY_MS = 250;

export class ViewsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.emitter.event;
  private sources: ViewSource[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retries = 0;
  message: string | undefined;
  view: vscode.TreeView<Node> | undefined;

  constructor(private readonly manager: ServerManager) {}

  /** Re-reads the views soon (several changes in a row make one request). A change on disk
   * reaches the index a moment later: while the answer stays the same, it asks again a few
   * times, as the view panels do. */
  schedule(delayMs = 400): void {
    if (this.timer) clearTimeout(this.timer);
    this.retries = RETRIES;
    this.timer = setTimeout(() => void this.refresh(), delayMs);
  }

  async refresh(): Promise<void> {
    const before = JSON.stringify(this.sources);
    try {
      this.sources = (await this.manager.exec<ViewSource[]>('codex.views', {})).sort((a, b) => a.path.localeCompare(b.path) || (a.block ?? -1) - (b.block ?? -1));
      this.message = this.sources.length ? undefined : 'No views in the open notebooks: add a .cdx or .base file, or a ```base block in a note.';
    } catch (e) {
      this.sources = [];
      this.message = errorText(e);
    }
    if (this.view) this.view.message = this.message;
    this.emitter.fire();
    if (this.retries > 0 && JSON.stringify(this.sources) === before) {
      this.retries -= 1;
      this.timer = setTimeout(() => void this.refresh(), RETRY_MS);
    } else {
      this.retries = 0;
    }
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      if (!this.sources) await this.refresh();
      return (this.sources ?? []).map((source) => ({ kind: 'source', source }));
    }
    if (node.kind === 'source') return node.source.views.map((v) => ({ kind: 'view', source: node.source, ...v }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'source') {
      const item = new vscode.TreeItem(sourceLabel(node.source), vscode.TreeItemCollapsibleState.Expanded);
      item.description = path.posix.dirname(node.source.path) === '.' ? '' : path.posix.dirname(node.source.path);
      item.tooltip = node.source.path;
      item.resourceUri = vscode.Uri.parse(node.source.uri);
      item.contextValue = 'codex.viewSource';
      return item;
    }
    const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
    item.description = node.error ? node.error : plural(node.rows ?? 0, 'row');
    item.tooltip = `${node.type} view of ${node.source.path}${node.error ? `: ${node.error}` : ''}`;
    item.iconPath = new vscode.ThemeIcon(node.error ? 'error' : (ICONS[node.type] ?? 'table'));
    item.command = { command: 'codex.views.open', title: 'Open View', arguments: [node.source.uri, node.name, node.source.block] };
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.emitter.dispose();
  }
}

/** Creates the Views tree and the command its items run. */
export function registerViewsTree(context: vscode.ExtensionContext, manager: ServerManager, editor: ViewEditorProvider): ViewsTree {
  const tree = new ViewsTree(manager);
  const view = vscode.window.createTreeView('codex.views', { treeDataProvider: tree, showCollapseAll: true });
  tree.view = view;
  context.subscriptions.push(
    view,
    tree,
    editor.onDidChangeNotes(() => tree.schedule()),
    manager.onDidChangeNotebooks(() => tree.schedule(0)),
    vscode.commands.registerCommand('codex.views.refresh', () => tree.refresh()),
    vscode.commands.registerCommand('codex.views.open', async (uri: string, name?: string, block?: number | null) => {
      const target = vscode.Uri.parse(uri);
      if (typeof block === 'number') {
        // An inline view: the block's views in a panel, beside its note.
        await editor.openInline(target, block, name);
        return;
      }
      await vscode.commands.executeCommand('vscode.openWith', target, VIEW_EDITOR);
      if (name) editor.select(target, name);
    }),
  );
  return tree;
}
