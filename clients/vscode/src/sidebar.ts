// The "Codex" view container: Connections, Tags and History of the active note, all fed by
// server commands (codex.connections, codex.tags/codex.searchTags, codex.history).

import * as path from 'node:path';
import * as vscode from 'vscode';
import { revisionUri, toRange } from './commands';
import { type HistoryEntry, historyText, isWorkingTree, type LspRange, plural } from './model';
import { errorText, type ServerManager } from './server';
import {
  type Backlink,
  type BacklinkGroup,
  buildTagTree,
  type Connections,
  contextLine,
  distinctLinks,
  groupBacklinks,
  isBroken,
  linkInContext,
  type OutgoingLink,
  parentTags,
  shownCount,
  tagIcon,
  type TagCount,
  type TagNode,
} from './sidebarModel';

/** A tree item as the tests read it: what the user sees, and its children. */
export interface TreeSnapshot {
  label: string;
  /** The highlighted parts of the label. */
  highlighted?: string[];
  description?: string;
  tooltip?: string;
  command?: string;
  arguments?: unknown[];
  /** The icon: `theme-icon-id` or `theme-icon-id theme-color-id`, or an image's URI. */
  icon?: string;
  children: TreeSnapshot[];
}

/** Every item of a tree, expanded (what the tests check; also documents what is shown). */
export async function snapshotTree<T>(provider: vscode.TreeDataProvider<T>, parent?: T, depth = 0): Promise<TreeSnapshot[]> {
  const children = (await provider.getChildren(parent)) ?? [];
  const out: TreeSnapshot[] = [];
  for (const child of children) {
    const item = await provider.getTreeItem(child);
    const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
    const expandable = item.collapsibleState !== undefined && item.collapsibleState !== vscode.TreeItemCollapsibleState.None;
    const highlights = typeof item.label === 'object' ? item.label.highlights : undefined;
    out.push({
      label,
      ...(highlights ? { highlighted: highlights.map(([start, end]) => label.slice(start, end)) } : {}),
      description: typeof item.description === 'string' ? item.description : undefined,
      tooltip: typeof item.tooltip === 'string' ? item.tooltip : undefined,
      command: item.command?.command,
      arguments: item.command?.arguments,
      icon: iconText(item.iconPath),
      children: expandable && depth < 4 ? await snapshotTree(provider, child, depth + 1) : [],
    });
  }
  return out;
}

function iconText(icon: vscode.TreeItem['iconPath']): string | undefined {
  if (icon instanceof vscode.ThemeIcon) {
    // A ThemeColor keeps its id in a field that @types/vscode does not declare.
    const color = (icon.color as { id?: string } | undefined)?.id;
    return color ? `${icon.id} ${color}` : icon.id;
  }
  if (icon instanceof vscode.Uri) return icon.toString(true);
  return undefined;
}

function openCommand(uri: string, range?: LspRange): vscode.Command {
  const options: vscode.TextDocumentShowOptions = { preview: true };
  if (range) options.selection = toRange(range);
  return { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.parse(uri), options] };
}

/** The note the views are about: the active Markdown file editor (kept while focus is elsewhere). */
class ActiveNote implements vscode.Disposable {
  uri: vscode.Uri | undefined;
  private readonly emitter = new vscode.EventEmitter<vscode.Uri | undefined>();
  readonly onDidChange = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    this.uri = ActiveNote.noteOf(vscode.window.activeTextEditor);
    this.subscriptions = [
      this.emitter,
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        const uri = ActiveNote.noteOf(editor);
        // Focus moving to an output panel or a revision keeps the note; closing it clears it.
        if (!uri && editor) return;
        if (uri?.toString() === this.uri?.toString()) return;
        this.uri = uri;
        this.emitter.fire(uri);
      }),
      vscode.workspace.onDidSaveTextDocument((doc) => {
        if (doc.uri.toString() === this.uri?.toString()) this.emitter.fire(this.uri);
      }),
      // The server publishes the note's diagnostics once it has indexed an edit: its links are
      // then what codex.connections answers (a save alone can come before that).
      vscode.languages.onDidChangeDiagnostics((event) => {
        const uri = this.uri?.toString();
        if (uri && event.uris.some((u) => u.toString() === uri)) this.changedSoon();
      }),
    ];
  }

  private timer: NodeJS.Timeout | undefined;

  /** One change event for a burst of diagnostics updates. */
  private changedSoon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.emitter.fire(this.uri);
    }, 100);
  }

  private static noteOf(editor: vscode.TextEditor | undefined): vscode.Uri | undefined {
    const doc = editor?.document;
    return doc && doc.uri.scheme === 'file' && doc.languageId === 'markdown' ? doc.uri : undefined;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
  }
}

/** Base of the views: a refresh counter the tests wait on, and the view's message. */
abstract class View<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  protected readonly changed = new vscode.EventEmitter<T | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  view: vscode.TreeView<T> | undefined;
  /** Incremented when fresh data from the server is shown (tests wait for it). */
  generation = 0;
  /** The note the data shown is about. */
  shownNote: string | undefined;
  message: string | undefined;

  abstract getTreeItem(element: T): vscode.TreeItem | Thenable<vscode.TreeItem>;
  abstract getChildren(element?: T): vscode.ProviderResult<T[]>;

  protected setMessage(message: string | undefined): void {
    this.message = message;
    if (this.view) this.view.message = message;
  }

  protected shown(note: string | undefined): void {
    this.shownNote = note;
    this.generation++;
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** A view of what the server says about the active note: the answer to the latest refresh wins. */
abstract class ActiveNoteView<T, D> extends View<T> {
  private latest = 0;

  constructor(
    protected readonly manager: ServerManager,
    private readonly active: ActiveNote,
    private readonly noNote: string,
  ) {
    super();
  }

  /** The server's answer about ``note``. */
  protected abstract fetch(note: vscode.Uri): Promise<D>;
  /** Keep ``data`` about ``note`` to show (undefined: nothing); returns the view's message. */
  protected abstract keep(data: D | undefined, note: vscode.Uri | undefined): string | undefined;

  async refresh(): Promise<void> {
    const id = ++this.latest;
    const note = this.active.uri;
    if (!note) {
      this.keep(undefined, undefined);
      this.setMessage(this.noNote);
      this.shown(undefined);
      return;
    }
    try {
      const data = await this.fetch(note);
      if (id !== this.latest) return;
      this.setMessage(this.keep(data, note));
    } catch (error) {
      if (id !== this.latest) return;
      this.keep(undefined, note);
      this.setMessage(errorText(error));
    }
    this.shown(note.toString());
  }
}

// -- Connections ----------------------------------------------------------------------------

/** What the Connections view shows: codex.connections, and the note's unlinked mentions. */
type ConnectionsData = Connections & { mentions: Backlink[] };

type ConnectionNode =
  | { kind: 'group'; group: 'backlinks' | 'mentions' | 'links' | 'tags'; count: number }
  | { kind: 'source'; group: BacklinkGroup }
  | { kind: 'context'; uri: string; range: LspRange; context: string; note: string }
  | { kind: 'link'; link: OutgoingLink; note: string }
  | { kind: 'tag'; tag: string };

export class ConnectionsView extends ActiveNoteView<ConnectionNode, ConnectionsData> {
  private data: ConnectionsData | undefined;

  constructor(manager: ServerManager, active: ActiveNote) {
    super(manager, active, 'Open a note to see its backlinks, links and tags.');
  }

  protected async fetch(note: vscode.Uri): Promise<ConnectionsData> {
    const uri = note.toString();
    const [connections, mentions] = await Promise.all([
      this.manager.exec<Connections>('codex.connections', { uri }, 'connections'),
      // A server without codex.mentions (older) shows no mentions rather than an error.
      this.manager.exec<Backlink[]>('codex.mentions', { uri }).catch(() => [] as Backlink[]),
    ]);
    return { ...connections, mentions };
  }

  protected keep(data: ConnectionsData | undefined): string | undefined {
    this.data = data && {
      backlinks: data.backlinks ?? [],
      links: data.links ?? [],
      tags: data.tags ?? [],
      mentions: data.mentions ?? [],
    };
    return undefined;
  }

  getChildren(element?: ConnectionNode): ConnectionNode[] {
    const data = this.data;
    if (!data) return [];
    if (!element) {
      return [
        { kind: 'group', group: 'backlinks', count: data.backlinks.length },
        { kind: 'group', group: 'mentions', count: data.mentions.length },
        { kind: 'group', group: 'links', count: distinctLinks(data.links).length },
        { kind: 'group', group: 'tags', count: data.tags.length },
      ];
    }
    const note = this.shownNote ?? '';
    switch (element.kind) {
      case 'group':
        if (element.group === 'backlinks') return groupBacklinks(data.backlinks).map((group) => ({ kind: 'source', group }));
        if (element.group === 'mentions') return groupBacklinks(data.mentions).map((group) => ({ kind: 'source', group }));
        if (element.group === 'links') return distinctLinks(data.links).map((link) => ({ kind: 'link', link, note }));
        return data.tags.map((tag) => ({ kind: 'tag', tag }));
      case 'source':
        return element.group.links.map((l) => ({ kind: 'context', uri: l.uri, range: l.range, context: contextLine(l.context), note }));
      default:
        return [];
    }
  }

  getTreeItem(element: ConnectionNode): vscode.TreeItem {
    const Expanded = vscode.TreeItemCollapsibleState.Expanded;
    switch (element.kind) {
      case 'group': {
        const names = { backlinks: 'Backlinks', mentions: 'Unlinked mentions', links: 'Links', tags: 'Tags' };
        // Mentions start folded: they are suggestions, often many.
        const open = element.count && element.group !== 'mentions' ? Expanded : vscode.TreeItemCollapsibleState.Collapsed;
        const item = new vscode.TreeItem(names[element.group], element.count ? open : vscode.TreeItemCollapsibleState.None);
        item.description = String(element.count);
        item.iconPath = new vscode.ThemeIcon({ backlinks: 'references', mentions: 'mention', links: 'link', tags: 'tag' }[element.group]);
        item.id = `group:${element.group}`;
        return item;
      }
      case 'source': {
        const item = new vscode.TreeItem(element.group.title, Expanded);
        item.description = plural(element.group.links.length, 'link');
        item.tooltip = vscode.Uri.parse(element.group.uri).fsPath;
        item.iconPath = new vscode.ThemeIcon('file');
        item.resourceUri = vscode.Uri.parse(element.group.uri);
        item.command = openCommand(element.group.uri, element.group.links[0]?.range);
        return item;
      }
      case 'context': {
        const link = linkInContext(element.context, element.note);
        const label = element.context || `line ${element.range.start.line + 1}`;
        const item = new vscode.TreeItem(link ? { label, highlights: [link] } : label);
        item.tooltip = element.context;
        item.description = `line ${element.range.start.line + 1}`;
        item.command = openCommand(element.uri, element.range);
        return item;
      }
      case 'link': {
        const link = element.link;
        const item = new vscode.TreeItem(link.title || link.target);
        if (isBroken(link)) {
          item.description = 'not found';
          item.tooltip = `No note or file named "${link.target}": Codex: Create Note from Link creates it.`;
          item.iconPath = new vscode.ThemeIcon('warning');
          item.contextValue = 'codex.brokenLink';
          // Goes to the link in the note, where "Create Note from Link" creates the note.
          item.command = openCommand(element.note, link.range);
        } else {
          const target = vscode.Uri.parse(link.uri ?? '');
          item.description = vscode.workspace.asRelativePath(target, false);
          item.tooltip = target.fsPath;
          item.iconPath = new vscode.ThemeIcon(target.path.toLowerCase().endsWith('.md') ? 'file' : 'file-media');
          item.command = openCommand(target.toString());
        }
        return item;
      }
      case 'tag': {
        const item = new vscode.TreeItem(`#${element.tag}`);
        item.iconPath = new vscode.ThemeIcon('tag');
        item.command = { command: 'codex.searchNotes', title: 'Notes with this tag', arguments: [`#${element.tag}`] };
        return item;
      }
    }
  }
}

// -- Tags ---------------------------------------------------------------------------------------

type TagsNode = { kind: 'tag'; node: TagNode } | { kind: 'note'; uri: string; title: string; path: string };

export class TagsView extends View<TagsNode> {
  private roots: TagNode[] = [];
  private nested = new Map<string, number>();
  private latest = 0;

  constructor(private readonly manager: ServerManager) {
    super();
  }

  async refresh(): Promise<void> {
    const id = ++this.latest;
    try {
      const { roots, nested } = await tagTree(this.manager);
      if (id !== this.latest) return;
      this.roots = roots;
      this.nested = nested;
      this.setMessage(roots.length ? undefined : 'No note has a tag yet.');
    } catch (error) {
      if (id !== this.latest) return;
      this.roots = [];
      this.setMessage(errorText(error));
    }
    this.shown(undefined);
  }

  async getChildren(element?: TagsNode): Promise<TagsNode[]> {
    if (!element) return this.roots.map((node) => ({ kind: 'tag', node }));
    if (element.kind !== 'tag') return [];
    // Choosing a tag lists its notes (with its nested tags, as Obsidian's tag search does).
    const notes = await this.manager.exec<{ uri: string; path: string; title: string }[]>(
      'codex.searchTags',
      { tags: [element.node.name], match: 'all' },
      'tags',
    );
    return [
      ...element.node.children.map((node): TagsNode => ({ kind: 'tag', node })),
      ...notes.map((n): TagsNode => ({ kind: 'note', ...n })),
    ];
  }

  getTreeItem(element: TagsNode): vscode.TreeItem {
    if (element.kind === 'tag') {
      const item = new vscode.TreeItem(`#${element.node.name}`, vscode.TreeItemCollapsibleState.Collapsed);
      item.description = String(shownCount(element.node, this.nested));
      item.iconPath = tagIconPath(element.node.color);
      if (element.node.description) item.tooltip = element.node.description;
      item.id = `tag:${element.node.name}`;
      return item;
    }
    const item = new vscode.TreeItem(element.title || element.path);
    item.description = element.path;
    item.resourceUri = vscode.Uri.parse(element.uri);
    item.iconPath = new vscode.ThemeIcon('file');
    item.command = openCommand(element.uri);
    return item;
  }
}

/** The icon of a tag in the tree: the tag icon in its colour, or a circle of its colour. */
function tagIconPath(color: string | undefined): vscode.ThemeIcon | vscode.Uri {
  const icon = tagIcon(color);
  if (icon && 'svg' in icon) return vscode.Uri.parse(`data:image/svg+xml;utf8,${encodeURIComponent(icon.svg)}`);
  return new vscode.ThemeIcon('tag', icon ? new vscode.ThemeColor(icon.themeColor) : undefined);
}

/** The nested tag tree, with the count of every parent including its nested tags. */
export async function tagTree(manager: ServerManager): Promise<{ roots: TagNode[]; nested: Map<string, number> }> {
  const tags = await manager.exec<TagCount[]>('codex.tags', {}, 'tags');
  const roots = buildTagTree(tags);
  const parents = parentTags(roots);
  // A note carrying two nested tags counts once: only the server can count a parent exactly.
  const counts = await Promise.all(
    parents.map((name) => manager.exec<unknown[]>('codex.searchTags', { tags: [name], match: 'all' }, 'tags').then((notes) => notes.length)),
  );
  return { roots, nested: new Map(parents.map((name, i) => [name, counts[i]])) };
}

// -- History ------------------------------------------------------------------------------------

type HistoryNode = { entry: HistoryEntry; note: vscode.Uri; current?: string };

export class HistoryView extends ActiveNoteView<HistoryNode, HistoryEntry[]> {
  private entries: HistoryNode[] = [];

  constructor(manager: ServerManager, active: ActiveNote) {
    super(manager, active, 'Open a note to see its revisions.');
  }

  protected fetch(note: vscode.Uri): Promise<HistoryEntry[]> {
    return this.manager.exec<HistoryEntry[]>('codex.history', { uri: note.toString(), limit: 200 }, 'history');
  }

  protected keep(entries: HistoryEntry[] | undefined, note: vscode.Uri | undefined): string | undefined {
    if (!entries || !note) {
      this.entries = [];
      return undefined;
    }
    const current = entries.find((e) => !isWorkingTree(e))?.path;
    this.entries = entries.map((entry) => ({ entry, note, current }));
    return entries.length ? undefined : `${path.basename(note.fsPath)} has no history (it is not committed to git yet).`;
  }

  getChildren(element?: HistoryNode): HistoryNode[] {
    return element ? [] : this.entries;
  }

  getTreeItem(element: HistoryNode): vscode.TreeItem {
    const text = historyText(element.entry, element.current);
    const icon = /^\$\(([\w-]+)\) /.exec(text.label);
    const item = new vscode.TreeItem(icon ? text.label.slice(icon[0].length) : text.label);
    item.iconPath = new vscode.ThemeIcon(icon ? icon[1] : 'git-commit');
    item.description = text.description;
    item.tooltip = [text.label.replace(/^\$\([\w-]+\) /, ''), text.description, text.detail].filter(Boolean).join('\n');
    if (isWorkingTree(element.entry)) {
      item.command = { command: 'vscode.open', title: 'Open', arguments: [element.note] };
      return item;
    }
    const commit = element.entry.commit ?? '';
    item.contextValue = 'codex.revision';
    item.command = {
      command: 'vscode.open',
      title: 'Open Revision',
      arguments: [revisionUri(element.note, { commit, path: element.entry.path }), { preview: true }],
    };
    return item;
  }
}

/** The arguments of the revision commands for a History item (its inline buttons). */
export function revisionArgument(node: unknown): unknown {
  const given = node as HistoryNode | undefined;
  if (given?.entry && given.note instanceof vscode.Uri) {
    return { uri: given.note.toString(), commit: given.entry.commit ?? '', path: given.entry.path };
  }
  return node;
}

// -- the container ------------------------------------------------------------------------------

export interface Sidebar {
  connections: ConnectionsView;
  tags: TagsView;
  history: HistoryView;
}

/** Creates the three views and keeps them up to date. */
export function registerSidebar(context: vscode.ExtensionContext, manager: ServerManager): Sidebar {
  const active = new ActiveNote();
  const connections = new ConnectionsView(manager, active);
  const tags = new TagsView(manager);
  const history = new HistoryView(manager, active);
  const views: [string, View<unknown>][] = [
    ['codex.connections', connections as View<unknown>],
    ['codex.tags', tags as View<unknown>],
    ['codex.history', history as View<unknown>],
  ];
  for (const [id, provider] of views) {
    const view = vscode.window.createTreeView(id, { treeDataProvider: provider, showCollapseAll: id !== 'codex.history' });
    provider.view = view;
    view.message = provider.message;
    context.subscriptions.push(view, provider);
  }
  const noteViews = (): void => {
    void connections.refresh();
    void history.refresh();
  };
  const all = (): void => {
    noteViews();
    void tags.refresh();
  };
  context.subscriptions.push(
    active,
    active.onDidChange(noteViews),
    // Index runs change counts and links; the notebooks refresh follows every one of them.
    manager.onDidChangeNotebooks(all),
    manager.onDidChangeState((state) => {
      if (state !== 'running') all();
    }),
    vscode.commands.registerCommand('codex.refreshSidebar', all),
    vscode.commands.registerCommand('codex.history.compare', (node: unknown) =>
      vscode.commands.executeCommand('codex.compareWithCurrent', revisionArgument(node)),
    ),
    vscode.commands.registerCommand('codex.history.restore', (node: unknown) =>
      vscode.commands.executeCommand('codex.restoreRevision', revisionArgument(node)),
    ),
  );
  return { connections, tags, history };
}
