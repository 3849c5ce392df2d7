// Inline views in the Markdown preview: a markdown-it plugin (markdown.markdownItPlugins) that
// draws the result of each ```base / ```codex-view block of a note as a table under the block.
// markdown-it renders synchronously: results come from a cache filled by codex.query, and the
// preview is refreshed when a result arrives or the notebook changes.

import * as vscode from 'vscode';
import { errorText, type ServerManager } from '../server';
import type { ViewResult } from './messages';

const VIEW_FENCES = new Set(['base', 'codex-view']);

/** The markdown-it pieces the plugin uses (the preview passes its own instance). */
interface FenceToken {
  type: string;
  info: string;
  content: string;
}
type Rule = (tokens: FenceToken[], idx: number, options: unknown, env: unknown, self: unknown) => string;
interface MarkdownIt {
  renderer: { rules: Record<string, Rule | undefined> };
  utils: { escapeHtml(text: string): string };
}

/** The language of a fence (`base` of ```` ```base title ````). */
export function fenceLanguage(info: string): string {
  return info.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(cellText).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The HTML of a view result (escaped with `escape`). */
export function resultHtml(result: ViewResult, escape: (text: string) => string): string {
  const head = result.columns.map((c) => `<th>${escape(c.name)}</th>`).join('');
  const rows = result.rows.map((row) => `<tr>${result.columns.map((c) => `<td>${escape(cellText(row.values[c.id]))}</td>`).join('')}</tr>`).join('');
  const count = result.total > result.rows.length ? `${result.rows.length} of ${result.total} rows` : `${result.total} row${result.total === 1 ? '' : 's'}`;
  return `<div class="codex-view" data-view="${escape(result.view)}"><p class="codex-view-title"><strong>${escape(result.view)}</strong> · ${escape(count)}</p><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

export class PreviewViews {
  private readonly results = new Map<string, string>();
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly manager: ServerManager) {}

  /** Forgets every result (the notebook changed) and redraws the open previews, once a burst
   * of changes (typing) is over. */
  invalidate(): void {
    if (this.results.size === 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.results.clear();
      void vscode.commands.executeCommand('markdown.preview.refresh');
    }, 300);
  }

  /** The markdown-it plugin. */
  extend<T>(md: T): T {
    const it = md as unknown as MarkdownIt;
    const fence = it.renderer.rules.fence;
    it.renderer.rules.fence = (tokens, idx, options, env, self) => {
      const code = fence ? fence(tokens, idx, options, env, self) : '';
      const token = tokens[idx];
      if (!VIEW_FENCES.has(fenceLanguage(token.info))) return code;
      const document = (env as { currentDocument?: vscode.Uri } | undefined)?.currentDocument;
      if (!(document instanceof vscode.Uri) || document.scheme !== 'file') return code;
      const block = tokens.slice(0, idx).filter((t) => t.type === 'fence' && VIEW_FENCES.has(fenceLanguage(t.info))).length;
      return code + this.blockHtml(document, block, token.content, it.utils.escapeHtml);
    };
    return md;
  }

  private blockHtml(document: vscode.Uri, block: number, text: string, escape: (text: string) => string): string {
    const key = `${document.toString()}#${block}\n${text}`;
    const done = this.results.get(key);
    if (done !== undefined) return done;
    if (!this.pending.has(key)) {
      this.pending.add(key);
      void this.manager
        .exec<ViewResult>('codex.query', { uri: document.toString(), block })
        .then(
          (result) => resultHtml(result, escape),
          (e) => `<p class="codex-view-error">${escape(`Codex view: ${errorText(e)}`)}</p>`,
        )
        .then((html) => {
          this.pending.delete(key);
          this.results.set(key, html);
          void vscode.commands.executeCommand('markdown.preview.refresh');
        });
    }
    return '<p class="codex-view-loading">Running the view…</p>';
  }
}
