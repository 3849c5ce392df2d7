// The "Codex: ..." commands, the code lens command and the codex-git: revision documents.

import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  type DeletedNote,
  decodeRevision,
  encodeRevision,
  type Feature,
  folderWithin,
  type HistoryEntry,
  hitText,
  historyText,
  isWorkingTree,
  LatestOnly,
  type LspRange,
  type NotebookInfo,
  notebookOf,
  parseQuery,
  plural,
  relativeTime,
  REVISION_SCHEME,
  type RevisionRef,
  revisionPath,
  type SearchHit,
  shortCommit,
  showText,
  splitNoteInput,
} from './model';
import { createNoteFromLink, openCreatedNote } from './linkNote';
import { errorText, type ServerManager, UserError } from './server';
import { tagPickRows } from './sidebarModel';
import { tagTree } from './sidebar';

/** What the tests (and nothing else) look at. */
export interface UiState {
  /** The QuickPick shown last by a Codex command. */
  lastQuickPick?: vscode.QuickPick<vscode.QuickPickItem>;
  /** What the last "Show Backlinks" showed. */
  lastBacklinks?: { uri: string; count: number };
}

interface LocationJson {
  uri: string;
  range: LspRange;
}

export function toRange(range: LspRange): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

export function toLocation(location: LocationJson): vscode.Location {
  return new vscode.Location(vscode.Uri.parse(location.uri), toRange(location.range));
}

async function openAt(uri: string | vscode.Uri, range?: LspRange): Promise<vscode.TextEditor> {
  const target = typeof uri === 'string' ? vscode.Uri.parse(uri) : uri;
  const doc = await vscode.workspace.openTextDocument(target);
  const selection = range ? toRange(range) : undefined;
  const editor = await vscode.window.showTextDocument(doc, { selection, preview: false });
  if (selection) editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}

export function revisionUri(note: vscode.Uri, entry: { commit: string; path?: string }): vscode.Uri {
  const ref: RevisionRef = { note: note.toString(), commit: entry.commit, ...(entry.path ? { path: entry.path } : {}) };
  return vscode.Uri.from({ scheme: REVISION_SCHEME, path: revisionPath(note.path, entry.commit), query: encodeRevision(ref) });
}

/** Read-only documents for `codex-git:` URIs: the note's text at a commit (codex.show). */
export class RevisionProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly manager: ServerManager) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const ref = decodeRevision(uri.query);
    if (!ref) throw new Error(`not a Codex revision: ${uri.toString()}`);
    return showText(await this.manager.exec('codex.show', { uri: ref.note, commit: ref.commit }, 'history'));
  }
}

interface PickOptions {
  title: string;
  placeholder?: string;
  matchOnDescription?: boolean;
  matchOnDetail?: boolean;
}

export class Commands {
  constructor(
    private readonly manager: ServerManager,
    readonly ui: UiState,
  ) {}

  register(context: vscode.ExtensionContext): void {
    const commands: [string, (...args: unknown[]) => Promise<unknown>][] = [
      ['codex.searchNotes', (arg) => this.searchNotes(arg)],
      ['codex.searchByTag', () => this.searchByTag()],
      ['codex.showBacklinks', (arg) => this.showBacklinks(arg)],
      ['codex.newNote', (arg) => this.newNote(arg)],
      ['codex.reindexNotebooks', () => this.reindex()],
      ['codex.showHistory', (arg) => this.showHistory(arg)],
      ['codex.restoreRevision', (arg) => this.restoreRevision(arg)],
      ['codex.compareWithCurrent', (arg) => this.compareWithCurrent(arg)],
      ['codex.restoreDeletedNote', (arg) => this.restoreDeletedNote(arg)],
      ['codex.showNotebooks', () => this.showNotebooks()],
      ['codex.createNoteFromLink', () => createNoteFromLink()],
      ['codex.openCreatedNote', (arg) => openCreatedNote(arg as vscode.Uri)],
      ['codex.showLog', async () => this.manager.log.show(true)],
      ['codex.restartServer', () => this.manager.restart()],
    ];
    for (const [id, handler] of commands) {
      context.subscriptions.push(vscode.commands.registerCommand(id, (...args: unknown[]) => this.guard(id, () => handler(...args))));
    }
    context.subscriptions.push(
      vscode.workspace.registerTextDocumentContentProvider(REVISION_SCHEME, new RevisionProvider(this.manager)),
    );
  }

  /** Errors become one message; the command's promise still rejects for callers that wait. */
  private async guard<T>(id: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      const message = error instanceof UserError ? error.message : `Codex: ${errorText(error)}`;
      this.manager.log.info(`${id}: ${errorText(error)}`);
      this.manager.warn(message);
      throw error;
    }
  }

  private exec<T>(command: string, argument: unknown, feature: Feature): Promise<T> {
    return this.manager.exec<T>(command, argument, feature);
  }

  /** A QuickPick that the tests can reach (ui.lastQuickPick); resolves with the accepted item. */
  private pick<T extends vscode.QuickPickItem>(items: T[], options: PickOptions): Promise<T | undefined> {
    const qp = vscode.window.createQuickPick<T>();
    qp.title = options.title;
    qp.placeholder = options.placeholder;
    qp.matchOnDescription = options.matchOnDescription ?? true;
    qp.matchOnDetail = options.matchOnDetail ?? false;
    qp.items = items;
    this.ui.lastQuickPick = qp as unknown as vscode.QuickPick<vscode.QuickPickItem>;
    return new Promise((resolve) => {
      let result: T | undefined;
      qp.onDidAccept(() => {
        result = qp.selectedItems[0] ?? qp.activeItems[0];
        qp.hide();
      });
      qp.onDidHide(() => {
        qp.dispose();
        resolve(result);
      });
      qp.show();
    });
  }

  // -- search ------------------------------------------------------------------------------

  async searchNotes(initial?: unknown): Promise<void> {
    type HitItem = vscode.QuickPickItem & { hit: SearchHit };
    const qp = vscode.window.createQuickPick<HitItem>();
    this.ui.lastQuickPick = qp as unknown as vscode.QuickPick<vscode.QuickPickItem>;
    const title = 'Codex: Search Notes';
    qp.title = title;
    qp.placeholder = 'Words to find in the notes; #tag keeps notes with that tag';
    qp.matchOnDescription = true;
    qp.matchOnDetail = true;
    const latest = new LatestOnly();
    let timer: NodeJS.Timeout | undefined;
    const run = async (value: string): Promise<void> => {
      const id = latest.begin();
      const { query, tags } = parseQuery(value);
      if (!query && tags.length === 0) {
        qp.items = [];
        qp.busy = false;
        qp.title = title;
        return;
      }
      qp.busy = true;
      try {
        const hits = await this.exec<SearchHit[]>('codex.search', { query, tags, limit: 50 }, 'search');
        if (!latest.isLatest(id)) return;
        qp.items = hits.map((hit) => ({
          ...hitText(hit),
          iconPath: new vscode.ThemeIcon('markdown'),
          alwaysShow: true,
          hit,
        }));
        qp.title = hits.length ? `${title} — ${plural(hits.length, 'hit')}` : `${title} — no note matches`;
      } catch (error) {
        if (!latest.isLatest(id)) return;
        qp.items = [];
        qp.title = `${title} — ${errorText(error)}`;
        this.manager.log.info(`codex.search: ${errorText(error)}`);
      } finally {
        if (latest.isLatest(id)) qp.busy = false;
      }
    };
    qp.onDidChangeValue((value) => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void run(value), 120);
    });
    const accepted = new Promise<SearchHit | undefined>((resolve) => {
      let chosen: SearchHit | undefined;
      qp.onDidAccept(() => {
        chosen = (qp.selectedItems[0] ?? qp.activeItems[0])?.hit;
        if (chosen) qp.hide();
      });
      qp.onDidHide(() => {
        if (timer) clearTimeout(timer);
        qp.dispose();
        resolve(chosen);
      });
    });
    const value = typeof initial === 'string' ? initial : selectedWord();
    qp.value = value;
    qp.show();
    if (value) await run(value);
    const hit = await accepted;
    if (hit) await openAt(hit.uri, hit.range);
  }

  async searchByTag(): Promise<void> {
    const { roots, nested } = await tagTree(this.manager);
    if (roots.length === 0) {
      this.manager.info('Codex: no note has a tag yet.');
      return;
    }
    // Parents (with the count of their nested tags) before their children; the typed text is
    // highlighted in the tag names.
    const tag = await this.pick(tagPickRows(roots, nested), {
      title: 'Codex: Search by Tag',
      placeholder: 'Choose a tag (a parent tag lists the notes of its nested tags too)',
      matchOnDescription: false,
    });
    if (!tag) return;
    const notes = await this.exec<{ uri: string; path: string; title: string }[]>(
      'codex.searchTags',
      { tags: [tag.name], match: 'all' },
      'tags',
    );
    const note = await this.pick(
      notes.map((n) => ({ label: n.title, description: n.path, uri: n.uri, iconPath: new vscode.ThemeIcon('markdown') })),
      { title: `Codex: notes tagged #${tag.name}`, placeholder: plural(notes.length, 'note') },
    );
    if (note) await openAt(note.uri);
  }

  // -- backlinks ----------------------------------------------------------------------------

  /** From the code lens: [{uri, position, locations}]; from the palette: the active note. */
  async showBacklinks(arg?: unknown): Promise<void> {
    let uri: vscode.Uri;
    let position: vscode.Position;
    let locations: vscode.Location[];
    const lens = arg as { uri?: unknown; position?: { line: number; character: number }; locations?: LocationJson[] } | undefined;
    if (lens && typeof lens.uri === 'string' && Array.isArray(lens.locations)) {
      uri = vscode.Uri.parse(lens.uri);
      position = new vscode.Position(lens.position?.line ?? 0, lens.position?.character ?? 0);
      locations = lens.locations.map(toLocation);
    } else {
      const editor = vscode.window.activeTextEditor;
      if (!editor || editor.document.languageId !== 'markdown') {
        throw new UserError('Codex: open a note to see its backlinks.');
      }
      uri = editor.document.uri;
      position = editor.selection.active;
      const found = await this.exec<LocationJson[]>('codex.backlinks', { uri: uri.toString() }, 'backlinks');
      locations = found.map(toLocation);
    }
    this.ui.lastBacklinks = { uri: uri.toString(), count: locations.length };
    if (locations.length === 0) {
      this.manager.info(`Codex: no note links to ${path.basename(uri.fsPath)}.`);
      return;
    }
    await vscode.commands.executeCommand('editor.action.showReferences', uri, position, locations);
  }

  // -- notes and notebooks ------------------------------------------------------------------------

  private async notebooks(): Promise<NotebookInfo[]> {
    return this.exec<NotebookInfo[]>('codex.notebooks', {}, 'notebooks');
  }

  /** Palette: asks for "folder/Title" (pre-filled with the active note's folder). */
  async newNote(arg?: unknown): Promise<vscode.Uri | undefined> {
    const books = await this.notebooks();
    if (books.length === 0) throw new UserError('Codex: open a folder that holds a notebook first.');
    const active = vscode.window.activeTextEditor?.document.uri;
    const activePath = active?.scheme === 'file' ? active.fsPath.replace(/\\/g, '/') : undefined;
    let book = activePath ? notebookOf(books, activePath) : undefined;
    const given = arg as { title?: string; folder?: string; notebook?: string } | undefined;
    if (given && typeof given.notebook === 'string') book = books.find((b) => b.root === given.notebook || b.uri === given.notebook);
    if (!book && books.length === 1) book = books[0];
    if (!book) {
      const chosen = await this.pick(
        books.map((b) => ({ label: b.name, description: b.root, book: b })),
        { title: 'Codex: Create Note', placeholder: 'Which notebook?' },
      );
      if (!chosen) return undefined;
      book = chosen.book;
    }
    let folder: string;
    let title: string;
    if (given && typeof given.title === 'string') {
      title = given.title;
      folder = given.folder ?? '';
    } else {
      const prefix = activePath ? folderWithin(book.root.replace(/\\/g, '/'), activePath) : '';
      const start = prefix ? `${prefix}/` : '';
      const input = await vscode.window.showInputBox({
        title: `Codex: Create Note in ${book.name}`,
        prompt: 'Title of the new note; "folder/Title" puts it in a folder',
        value: start,
        valueSelection: [start.length, start.length],
        validateInput: (value) => (splitNoteInput(value).title ? undefined : 'Type a title'),
      });
      if (input === undefined) return undefined;
      ({ folder, title } = splitNoteInput(input));
    }
    const result = await this.exec<{ uri: string; path: string; created: boolean }>(
      'codex.createNote',
      { title, folder, notebook: book.root },
      'createNote',
    );
    const editor = await openAt(result.uri);
    if (editor.document.isDirty) await editor.document.save();
    const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(end, end);
    if (!result.created) this.manager.info(`Codex: ${result.path} already exists; opened it.`);
    return editor.document.uri;
  }

  async reindex(): Promise<unknown> {
    const results = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Codex: reindexing the notebooks…' },
      () => this.exec<Record<string, unknown>[]>('codex.reindex', { full: true }, 'reindex'),
    );
    this.manager.scheduleRefresh(0);
    const parts = results.map((r) => {
      const name = path.basename(String(r.notebook ?? ''));
      const broken = Number(r.broken_links ?? 0);
      const seconds = Number(r.seconds ?? 0);
      return `${name}: ${plural(Number(r.notes ?? 0), 'note')}, ${plural(broken, 'broken link')} (${seconds.toFixed(1)} s)`;
    });
    this.manager.info(`Codex: reindexed ${parts.join('; ') || 'nothing (no notebook is open)'}.`);
    return results;
  }

  async showNotebooks(): Promise<void> {
    const books = await this.notebooks();
    if (books.length === 0) {
      this.manager.info('Codex: no notebook in this workspace (a notebook is a folder with a .codex/ folder, or any folder of notes).');
      return;
    }
    const chosen = await this.pick(
      books.map((b) => ({
        label: b.name,
        iconPath: new vscode.ThemeIcon('notebook'),
        description: `${plural(b.notes ?? 0, 'note')} · ${plural(b.attachments ?? 0, 'attachment')} · ${plural(b.tags ?? 0, 'tag')}${b.ready === false ? ' · indexing…' : ''}`,
        detail: b.root,
        book: b,
      })),
      { title: 'Codex: Notebooks', placeholder: 'Choose a notebook to reveal it in the Explorer' },
    );
    if (chosen) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.parse(chosen.book.uri));
  }

  // -- history ------------------------------------------------------------------------------------

  /** The note a history command is about: argument, or the active editor (revision or note). */
  private targetNote(arg: unknown): vscode.Uri {
    if (arg instanceof vscode.Uri) {
      if (arg.scheme === REVISION_SCHEME) {
        const ref = decodeRevision(arg.query);
        if (ref) return vscode.Uri.parse(ref.note);
      }
      return arg;
    }
    const given = arg as { uri?: unknown } | undefined;
    if (given && typeof given.uri === 'string') return vscode.Uri.parse(given.uri);
    const doc = vscode.window.activeTextEditor?.document;
    if (doc?.uri.scheme === REVISION_SCHEME) {
      const ref = decodeRevision(doc.uri.query);
      if (ref) return vscode.Uri.parse(ref.note);
    }
    if (doc && doc.uri.scheme === 'file') return doc.uri;
    throw new UserError('Codex: open a note first.');
  }

  private async history(note: vscode.Uri): Promise<HistoryEntry[]> {
    return this.exec<HistoryEntry[]>('codex.history', { uri: note.toString(), limit: 200 }, 'history');
  }

  async showHistory(arg?: unknown): Promise<void> {
    const note = this.targetNote(arg);
    const entries = await this.history(note);
    const name = path.basename(note.fsPath);
    if (entries.length === 0) {
      this.manager.info(`Codex: ${name} has no history (it is not committed to git yet).`);
      return;
    }
    const compare: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('diff'), tooltip: 'Compare with Current' };
    const restore: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('discard'), tooltip: 'Restore this Revision' };
    type Item = vscode.QuickPickItem & { entry: HistoryEntry };
    const current = entries.find((e) => !isWorkingTree(e))?.path;
    const items: Item[] = entries.map((entry) => ({
      ...historyText(entry, current),
      entry,
      buttons: isWorkingTree(entry) ? [] : [compare, restore],
    }));
    const qp = vscode.window.createQuickPick<Item>();
    this.ui.lastQuickPick = qp as unknown as vscode.QuickPick<vscode.QuickPickItem>;
    qp.title = `Codex: History of ${name} — ${plural(entries.filter((e) => !isWorkingTree(e)).length, 'commit')}`;
    qp.placeholder = 'Choose a revision to open it (read-only); the buttons compare or restore';
    qp.matchOnDescription = true;
    qp.matchOnDetail = true;
    qp.items = items;
    const first = items.find((i) => !isWorkingTree(i.entry));
    if (first) qp.activeItems = [first];
    const done = new Promise<void>((resolve) => {
      qp.onDidTriggerItemButton(async (event) => {
        const commit = event.item.entry.commit ?? '';
        qp.hide();
        if (event.button === compare) await this.compareWithCurrent({ uri: note.toString(), commit, path: event.item.entry.path });
        else await this.restoreRevision({ uri: note.toString(), commit });
      });
      qp.onDidAccept(async () => {
        const item = qp.selectedItems[0] ?? qp.activeItems[0];
        qp.hide();
        if (!item) return;
        if (isWorkingTree(item.entry)) await openAt(note);
        else await this.openRevision(note, item.entry);
      });
      qp.onDidHide(() => {
        qp.dispose();
        resolve();
      });
    });
    qp.show();
    await done;
  }

  async openRevision(note: vscode.Uri, entry: HistoryEntry): Promise<vscode.TextEditor> {
    const uri = revisionUri(note, { commit: entry.commit ?? '', path: entry.path });
    const doc = await vscode.workspace.openTextDocument(uri);
    return vscode.window.showTextDocument(doc, { preview: true });
  }

  /** The revision a compare/restore is about: {uri, commit}, a codex-git URI, or the active one. */
  private revisionArg(arg: unknown): RevisionRef | undefined {
    if (arg instanceof vscode.Uri && arg.scheme === REVISION_SCHEME) return decodeRevision(arg.query);
    const given = arg as { uri?: unknown; commit?: unknown; path?: unknown } | undefined;
    if (given && typeof given.uri === 'string' && typeof given.commit === 'string') {
      return { note: given.uri, commit: given.commit, ...(typeof given.path === 'string' ? { path: given.path } : {}) };
    }
    const doc = vscode.window.activeTextEditor?.document;
    if (doc?.uri.scheme === REVISION_SCHEME) return decodeRevision(doc.uri.query);
    return undefined;
  }

  /** Brings back a note deleted from the notebook (its last committed text), as a new file. */
  async restoreDeletedNote(arg?: unknown): Promise<vscode.Uri | undefined> {
    const given = arg as { uri?: unknown; commit?: unknown } | undefined;
    let note: DeletedNote | undefined;
    if (given && typeof given.uri === 'string' && typeof given.commit === 'string') {
      note = { uri: given.uri, commit: given.commit, path: path.basename(vscode.Uri.parse(given.uri).fsPath) };
    } else {
      const deleted = await this.exec<DeletedNote[]>('codex.deletedNotes', {}, 'deletedNotes');
      if (deleted.length === 0) {
        this.manager.info('Codex: git knows no deleted note of this workspace.');
        return undefined;
      }
      const chosen = await this.pick(
        deleted.map((d) => ({
          label: d.path,
          iconPath: new vscode.ThemeIcon('trash'),
          description: [d.author, d.date ? `deleted ${relativeTime(d.date)}` : undefined].filter(Boolean).join(' · '),
          detail: d.subject,
          note: d,
        })),
        { title: 'Codex: Restore Deleted Note', placeholder: 'Choose a note to bring back (its last committed text)', matchOnDetail: true },
      );
      note = chosen?.note;
    }
    if (!note) return undefined;
    await this.exec('codex.restore', { uri: note.uri, commit: note.commit }, 'deletedNotes');
    const editor = await openAt(note.uri);
    if (editor.document.isDirty) await editor.document.save();
    return editor.document.uri;
  }

  async compareWithCurrent(arg?: unknown): Promise<void> {
    const ref = this.revisionArg(arg);
    if (!ref) throw new UserError('Codex: open a revision (Codex: Show Note History) to compare it.');
    const note = vscode.Uri.parse(ref.note);
    const left = revisionUri(note, { commit: ref.commit, path: ref.path });
    const title = `${path.basename(note.fsPath)} (${ref.commit.slice(0, 7)}) ↔ Current`;
    await vscode.commands.executeCommand('vscode.diff', left, note, title, { preview: true });
  }

  /** {uri, commit, confirm?}, a codex-git URI, or the palette (then a revision is picked). */
  async restoreRevision(arg?: unknown): Promise<boolean> {
    let ref = this.revisionArg(arg);
    const confirm = (arg as { confirm?: unknown } | undefined)?.confirm !== false;
    if (!ref) {
      const note = this.targetNote(arg);
      const entries = (await this.history(note)).filter((e) => !isWorkingTree(e));
      if (entries.length === 0) throw new UserError(`Codex: ${path.basename(note.fsPath)} has no committed revision.`);
      const chosen = await this.pick(
        entries.map((entry) => ({ ...historyText(entry, entries[0].path), entry })),
        { title: `Codex: Restore ${path.basename(note.fsPath)}`, placeholder: 'Choose the revision to restore', matchOnDetail: true },
      );
      if (!chosen) return false;
      ref = { note: note.toString(), commit: chosen.entry.commit ?? '' };
    }
    const note = vscode.Uri.parse(ref.note);
    const name = path.basename(note.fsPath);
    if (confirm) {
      const answer = await vscode.window.showWarningMessage(
        `Replace the text of "${name}" with its version from ${shortCommit({ commit: ref.commit })}?`,
        { modal: true, detail: 'The change is made in the editor: Undo brings the current text back. Git is not touched.' },
        'Restore',
      );
      if (answer !== 'Restore') return false;
    }
    await openAt(note);
    await this.exec('codex.restore', { uri: ref.note, commit: ref.commit }, 'restore');
    return true;
  }
}

/** The word under the cursor or the selection, to start a search with. */
function selectedWord(): string {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return '';
  const selection = editor.selection;
  if (!selection.isEmpty && selection.isSingleLine) return editor.document.getText(selection).trim().slice(0, 100);
  return '';
}
