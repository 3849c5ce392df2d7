// Client-side logic that needs no VS Code: which UI commands the running server supports,
// the settings sent to the server, progress and status text, search queries, history entries
// and `codex-git:` revision URIs. Unit-tested under plain Node (test/unit).

// -- server features -> context keys --------------------------------------------------------

/** UI feature -> the server commands it needs (`workspace/executeCommand` names). */
export const FEATURES = {
  search: ['codex.search'],
  tags: ['codex.tags', 'codex.searchTags'],
  backlinks: ['codex.backlinks'],
  createNote: ['codex.createNote'],
  daily: ['codex.daily'],
  templates: ['codex.templates', 'codex.createNote'],
  reindex: ['codex.reindex'],
  notebooks: ['codex.notebooks'],
  history: ['codex.history', 'codex.show'],
  restore: ['codex.history', 'codex.restore'],
  deletedNotes: ['codex.deletedNotes', 'codex.restore'],
  diff: ['codex.diff'],
  connections: ['codex.connections'],
  views: ['codex.query', 'codex.views', 'codex.setProperty'],
} as const satisfies Record<string, readonly string[]>;

export type Feature = keyof typeof FEATURES;

/** The context key that shows a feature's commands (`codex.has.search`, ...). */
export function contextKey(feature: Feature): string {
  return `codex.has.${feature}`;
}

/** Which features the server offers, from `executeCommandProvider.commands`. */
export function offeredFeatures(serverCommands: readonly string[] | undefined): Record<Feature, boolean> {
  const offered = new Set(serverCommands ?? []);
  const result = {} as Record<Feature, boolean>;
  for (const [feature, needs] of Object.entries(FEATURES) as [Feature, readonly string[]][]) {
    result[feature] = needs.every((name) => offered.has(name));
  }
  return result;
}

export function missingCommands(feature: Feature, serverCommands: readonly string[] | undefined): string[] {
  const offered = new Set(serverCommands ?? []);
  return FEATURES[feature].filter((name) => !offered.has(name));
}

// -- settings ---------------------------------------------------------------------------

/** Keys of the `codex` section that only the extension reads; the server is not sent them. */
export const CLIENT_ONLY_KEYS = ['trace'] as const;

/** The `codex` section as the server should see it (a deep copy without client-only keys). */
export function serverSettings(section: unknown): unknown {
  if (section === null || typeof section !== 'object' || Array.isArray(section)) return section;
  const copy = JSON.parse(JSON.stringify(section)) as Record<string, unknown>;
  for (const key of CLIENT_ONLY_KEYS) delete copy[key];
  return copy;
}

/** Settings whose change needs a new server process (the rest are sent to the server). */
export const RESTART_SETTINGS = ['codex.server'] as const;

// -- progress and status bar --------------------------------------------------------------

export interface ProgressValue {
  kind: 'begin' | 'report' | 'end';
  title?: string;
  message?: string;
  percentage?: number;
}

interface Running {
  title: string;
  message?: string;
  percentage?: number;
}

/** Work-done progress by token: what is running now. */
export class ProgressTracker {
  private readonly running = new Map<string, Running>();

  update(token: string | number, value: ProgressValue): void {
    const key = String(token);
    if (value.kind === 'end') {
      this.running.delete(key);
      return;
    }
    const previous = this.running.get(key);
    this.running.set(key, {
      title: value.title ?? previous?.title ?? 'Working',
      message: value.message ?? previous?.message,
      percentage: value.percentage ?? previous?.percentage,
    });
  }

  clear(): void {
    this.running.clear();
  }

  get busy(): boolean {
    return this.running.size > 0;
  }

  /** The most recent piece of work, e.g. "Indexing lab-notebook 40%". */
  current(): string | undefined {
    const last = [...this.running.values()].pop();
    if (!last) return undefined;
    const pct = last.percentage !== undefined ? ` ${Math.round(last.percentage)}%` : '';
    return `${last.title}${pct}`;
  }
}

/** One row of `codex.notebooks`. */
export interface NotebookInfo {
  name: string;
  root: string;
  uri: string;
  ready?: boolean;
  notes?: number;
  attachments?: number;
  links?: number;
  tags?: number;
}

export type ServerState = 'starting' | 'running' | 'stopped' | 'failed';

export interface StatusInput {
  state: ServerState;
  progress?: string;
  notebooks?: NotebookInfo[];
  error?: string;
}

export interface StatusView {
  text: string;
  tooltip: string;
  /** The command run on click. */
  command: 'codex.showNotebooks' | 'codex.showLog';
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Status bar text: indexing progress, then the note count. */
export function statusView(input: StatusInput): StatusView {
  if (input.state === 'failed' || input.state === 'stopped') {
    return {
      text: '$(error) Codex',
      tooltip: input.error ? `Codex Notebooks: ${input.error}` : 'Codex Notebooks: the language server is not running',
      command: 'codex.showLog',
    };
  }
  if (input.progress) {
    return { text: `$(sync~spin) ${input.progress}`, tooltip: `Codex Notebooks: ${input.progress}`, command: 'codex.showNotebooks' };
  }
  if (input.state === 'starting' || !input.notebooks) {
    return { text: '$(loading~spin) Codex', tooltip: 'Codex Notebooks: starting the language server', command: 'codex.showLog' };
  }
  const books = input.notebooks;
  if (books.length === 0) {
    return { text: '$(notebook) Codex', tooltip: 'Codex Notebooks: no notebook in this workspace', command: 'codex.showNotebooks' };
  }
  const notes = books.reduce((sum, b) => sum + (b.notes ?? 0), 0);
  const indexing = books.filter((b) => b.ready === false);
  const lines = books.map((b) => `${b.name}: ${plural(b.notes ?? 0, 'note')}${b.ready === false ? ' (indexing)' : ''}`);
  return {
    text: indexing.length ? `$(sync~spin) Indexing ${indexing.map((b) => b.name).join(', ')}` : `$(notebook) ${plural(notes, 'note')}`,
    tooltip: `Codex Notebooks — ${plural(books.length, 'notebook')}\n${lines.join('\n')}\nClick to list the notebooks.`,
    command: 'codex.showNotebooks',
  };
}

// -- search --------------------------------------------------------------------------------

/** Split "pcr #methods gel" into full-text words and tags. */
export function parseQuery(value: string): { query: string; tags: string[] } {
  const words: string[] = [];
  const tags: string[] = [];
  for (const word of value.split(/\s+/).filter(Boolean)) {
    if (/^#[^\s#]+$/.test(word)) tags.push(word.slice(1));
    else words.push(word);
  }
  return { query: words.join(' '), tags };
}

export interface LspPosition {
  line: number;
  character: number;
}
export interface LspRange {
  start: LspPosition;
  end: LspPosition;
}

/** One `codex.search` hit. */
export interface SearchHit {
  uri: string;
  path: string;
  title: string;
  snippet?: string;
  /** Matches in `snippet`, [start, end) UTF-16 offsets. */
  snippetMatches?: [number, number][];
  score?: number;
  tags?: string[];
  range?: LspRange;
}

export interface ItemText {
  label: string;
  description?: string;
  detail?: string;
}

/** Characters of the snippet kept before its first match (VS Code cuts the detail at the end). */
const SNIPPET_LEAD = 30;

/**
 * QuickPick text of a hit: title, path, and the snippet on one line, started shortly before its
 * first match (`snippetMatches`) so the match, which the picker highlights, stays in view.
 */
export function hitText(hit: SearchHit): ItemText {
  let snippet = hit.snippet ?? '';
  const first = hit.snippetMatches?.[0]?.[0];
  if (first !== undefined && first > SNIPPET_LEAD && first <= snippet.length) {
    const space = snippet.lastIndexOf(' ', first - SNIPPET_LEAD);
    if (space > 0) snippet = `…${snippet.slice(space + 1)}`;
  }
  snippet = snippet.replace(/\s+/g, ' ').trim();
  return {
    label: hit.title || hit.path,
    description: hit.path,
    detail: snippet || undefined,
  };
}

/**
 * Keeps only the newest of overlapping asynchronous queries: `begin()` before a query,
 * `isLatest(id)` when its answer arrives.
 */
export class LatestOnly {
  private counter = 0;

  begin(): number {
    return ++this.counter;
  }

  isLatest(id: number): boolean {
    return id === this.counter;
  }
}

// -- history ---------------------------------------------------------------------------------

/** One `codex.history` entry (see docs/protocol.md). */
export interface HistoryEntry {
  commit?: string | null;
  shortCommit?: string | null;
  author?: string;
  email?: string;
  date?: string;
  subject?: string;
  path?: string;
  workingTree?: boolean;
}

/** One `codex.deletedNotes` entry: a note that git knows but the disk no longer has. */
export interface DeletedNote {
  uri: string;
  path: string;
  notebook?: string;
  /** The last commit that had the note. */
  commit: string;
  deletedIn?: string;
  date?: string;
  author?: string;
  subject?: string;
}

/** The "uncommitted changes" entry that history lists first. */
export function isWorkingTree(entry: HistoryEntry): boolean {
  if (entry.workingTree) return true;
  const commit = (entry.commit ?? '').toString().toLowerCase();
  return commit === '' || commit === 'working tree' || commit === 'working-tree' || commit === 'worktree';
}

export function shortCommit(entry: HistoryEntry): string {
  return entry.shortCommit || (entry.commit ?? '').slice(0, 7);
}

/** "3 days ago", "just now", ... */
export function relativeTime(iso: string | undefined, now: Date = new Date()): string {
  if (!iso) return '';
  const then = new Date(iso);
  if (Number.isNaN(then.getTime())) return iso;
  const seconds = Math.round((now.getTime() - then.getTime()) / 1000);
  if (seconds < 0) return then.toISOString().slice(0, 10);
  if (seconds < 45) return 'just now';
  const units: [number, string][] = [
    [60, 'minute'],
    [3600, 'hour'],
    [86400, 'day'],
    [604800, 'week'],
    [2629800, 'month'],
    [31557600, 'year'],
  ];
  let chosen = units[0];
  for (const unit of units) if (seconds >= unit[0] * 0.95) chosen = unit;
  const count = Math.max(1, Math.round(seconds / chosen[0]));
  return `${plural(count, chosen[1])} ago`;
}

/** QuickPick text of a history entry; `currentPath` is the note's path now. */
export function historyText(entry: HistoryEntry, currentPath: string | undefined, now: Date = new Date()): ItemText {
  if (isWorkingTree(entry)) {
    return { label: '$(edit) Working tree', description: 'uncommitted changes', detail: undefined };
  }
  const when = relativeTime(entry.date, now);
  const parts = [shortCommit(entry), entry.author, when].filter(Boolean);
  const renamed = entry.path && currentPath && entry.path !== currentPath ? `as ${entry.path}` : undefined;
  return {
    label: `$(git-commit) ${entry.subject || '(no message)'}`,
    description: parts.join(' · '),
    detail: renamed,
  };
}

// -- codex-git: URIs ----------------------------------------------------------------------------

export const REVISION_SCHEME = 'codex-git';

/** What a `codex-git:` URI stands for: a note (file URI) at a commit. */
export interface RevisionRef {
  note: string;
  commit: string;
  /** The note's path at that commit, when it differs. */
  path?: string;
}

/** The path shown for a revision: ".../PCR amplification (1a2b3c4).md" (keeps the extension). */
export function revisionPath(notePath: string, commit: string): string {
  const short = commit.slice(0, 7);
  const slash = notePath.lastIndexOf('/');
  const dir = notePath.slice(0, slash + 1);
  const base = notePath.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return `${dir}${base} (${short})`;
  return `${dir}${base.slice(0, dot)} (${short})${base.slice(dot)}`;
}

export function encodeRevision(ref: RevisionRef): string {
  return JSON.stringify(ref.path ? { note: ref.note, commit: ref.commit, path: ref.path } : { note: ref.note, commit: ref.commit });
}

export function decodeRevision(query: string): RevisionRef | undefined {
  try {
    const value = JSON.parse(query) as Partial<RevisionRef>;
    if (typeof value?.note === 'string' && typeof value.commit === 'string') {
      return { note: value.note, commit: value.commit, ...(typeof value.path === 'string' ? { path: value.path } : {}) };
    }
  } catch {
    // not ours
  }
  return undefined;
}

/** `codex.show` answers with the text, or an object carrying it. */
export function showText(result: unknown): string {
  if (typeof result === 'string') return result;
  if (result && typeof result === 'object') {
    const record = result as Record<string, unknown>;
    for (const key of ['text', 'content', 'contents']) {
      if (typeof record[key] === 'string') return record[key] as string;
    }
  }
  throw new Error('codex.show returned no text');
}

// -- new notes --------------------------------------------------------------------------------

/** "protocols/PCR v2" -> folder "protocols", title "PCR v2". */
export function splitNoteInput(value: string): { folder: string; title: string } {
  const trimmed = value.trim().replace(/\\/g, '/');
  const slash = trimmed.lastIndexOf('/');
  if (slash < 0) return { folder: '', title: trimmed };
  return {
    folder: trimmed
      .slice(0, slash)
      .split('/')
      .filter(Boolean)
      .join('/'),
    title: trimmed.slice(slash + 1).trim(),
  };
}

/** Folder of `file` relative to `root` (both POSIX-style paths), "" at the root or outside. */
export function folderWithin(root: string, file: string): string {
  const base = root.endsWith('/') ? root : `${root}/`;
  if (!file.startsWith(base)) return '';
  const rel = file.slice(base.length);
  const slash = rel.lastIndexOf('/');
  return slash < 0 ? '' : rel.slice(0, slash);
}

/** The notebook (longest root) that holds `file`. */
export function notebookOf<T extends { root: string }>(notebooks: readonly T[], file: string): T | undefined {
  let best: T | undefined;
  for (const book of notebooks) {
    const root = book.root.replace(/\\/g, '/');
    const base = root.endsWith('/') ? root : `${root}/`;
    if ((file === root || file.startsWith(base)) && (!best || root.length > best.root.length)) best = book;
  }
  return best;
}
