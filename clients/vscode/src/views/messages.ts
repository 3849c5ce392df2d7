// The messages between the view editor's webview and the extension, and their validation. The
// webview is untrusted input: every message it posts is checked here before anything runs, and
// a property change may only touch a note of the rows it was sent, under a key it shows.

/** A column of a view result, as `codex.query` returns it. */
export interface ViewColumn {
  id: string;
  name: string;
}

/** One row of a view result. */
export interface ViewRow {
  path: string;
  uri: string;
  line?: number;
  values: Record<string, unknown>;
}

/** A group of rows (indices into `rows`) with its summaries. */
export interface ViewGroup {
  key: unknown;
  rows: number[];
  summaries?: Record<string, unknown>;
}

/** The answer of `codex.query`. */
export interface ViewResult {
  view: string;
  type: string;
  columns: ViewColumn[];
  rows: ViewRow[];
  groups?: ViewGroup[];
  groupBy?: string | null;
  summaries?: Record<string, unknown>;
  total: number;
  /** Every view of the source that ran, in its order (servers before this field: absent). */
  views?: string[];
  /** For an inline block: its number and the 0-based line of its opening fence. */
  block?: number;
  line?: number;
}

/** A property as `codex.properties` describes it. */
export interface PropertyInfo {
  kind: string;
  count: number;
  enum: unknown[];
}

/** The answer of `codex.views` (one file or inline block). */
export interface ViewSource {
  uri: string;
  path: string;
  notebook: string;
  block: number | null;
  line: number;
  views: { name: string; type: string; rows?: number; error?: string }[];
}

/** What the extension sends the webview to draw. */
export interface RenderMessage {
  type: 'render';
  views: string[];
  active: string;
  result?: ViewResult;
  properties: Record<string, PropertyInfo>;
  error?: string;
}

/** Messages the webview may post. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'selectView'; view: string }
  | { type: 'open'; uri: string; line?: number }
  | { type: 'setProperty'; uri: string; key: string; value: PropertyValue }
  | { type: 'test.reply'; id: number; state: unknown };

export type PropertyValue = null | boolean | number | string | (null | boolean | number | string)[];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function isScalar(value: unknown): value is null | boolean | number | string {
  return value === null || typeof value === 'boolean' || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** A value `codex.setProperty` takes: a scalar or a list of scalars (short enough for a cell). */
export function isPropertyValue(value: unknown): value is PropertyValue {
  if (Array.isArray(value)) return value.length <= 1000 && value.every(isScalar);
  return isScalar(value) && (typeof value !== 'string' || value.length <= 10_000);
}

/** The frontmatter key a column or group id names (`note.status`, `status`), else undefined. */
export function propertyKey(id: string): string | undefined {
  if (id.startsWith('note.')) return id.slice('note.'.length) || undefined;
  if (/^(file|formula|git|this)\./.test(id) || id.includes('.')) return undefined;
  return id || undefined;
}

/**
 * The message the webview posted, when it is well formed and allowed by what it was shown
 * (`shown`: the result it drew); else a sentence saying why it is refused.
 */
export function validateWebviewMessage(data: unknown, shown: RenderMessage | undefined): WebviewMessage | string {
  if (!isObject(data) || typeof data.type !== 'string') return 'not a message';
  switch (data.type) {
    case 'ready':
      return { type: 'ready' };
    case 'selectView':
      if (typeof data.view !== 'string' || !shown?.views.includes(data.view)) return 'selectView: unknown view';
      return { type: 'selectView', view: data.view };
    case 'open': {
      const row = shown?.result?.rows.find((r) => r.uri === data.uri);
      if (!row) return 'open: not a row of the view';
      const line = typeof data.line === 'number' && Number.isInteger(data.line) && data.line >= 0 ? data.line : undefined;
      return { type: 'open', uri: row.uri, ...(line === undefined ? {} : { line }) };
    }
    case 'setProperty': {
      const result = shown?.result;
      const row = result?.rows.find((r) => r.uri === data.uri);
      if (!result || !row) return 'setProperty: not a row of the view';
      if (row.line !== undefined) return 'setProperty: a task row has no frontmatter of its own';
      if (typeof data.key !== 'string') return 'setProperty: key must be text';
      const shownKeys = [...result.columns.map((c) => c.id), ...(result.groupBy ? [result.groupBy] : [])]
        .map(propertyKey)
        .filter((k): k is string => k !== undefined);
      if (!shownKeys.includes(data.key)) return `setProperty: ${data.key} is not a property the view shows`;
      if (!isPropertyValue(data.value)) return 'setProperty: value must be null, a boolean, number, text or a list of those';
      return { type: 'setProperty', uri: row.uri, key: data.key, value: data.value };
    }
    case 'test.reply':
      if (typeof data.id !== 'number') return 'test.reply: id must be a number';
      return { type: 'test.reply', id: data.id, state: data.state };
    default:
      return `unknown message type ${data.type}`;
  }
}

/** The names of the views of a view file in a `codex.views` answer (in file order). */
export function viewNames(sources: readonly ViewSource[], isFile: (uri: string) => boolean): string[] {
  const source = sources.find((s) => s.block === null && isFile(s.uri));
  return source ? source.views.map((v) => v.name) : [];
}
