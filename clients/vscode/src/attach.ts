// Paste and drop of images and files into a note: the files go to the notebook through the
// server's codex.attach (copied into the attachment folder, de-duplicated, with a sidecar
// when the schema asks for one) and the note gets their ![[embeds]] (docs/attachments.md).

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type AttachResult, pastedName } from './attachNames';
import { notebookOf } from './model';
import type { ServerManager } from './server';

/** The kind of the edits, for `editor.pasteAs.preferences` and `editor.dropIntoEditor.preferences`. */
export const ATTACH_KIND = vscode.DocumentDropOrPasteEditKind.Empty.append('codex', 'attach');
const MIME_TYPES = ['files', 'image/*'];

/** A file of a paste or drop: on disk already, or only its bytes (a clipboard image). */
type Source = { file: string } | { name: string; bytes: Uint8Array };

export class AttachProvider implements vscode.DocumentPasteEditProvider, vscode.DocumentDropEditProvider {
  constructor(private readonly manager: ServerManager) {}

  async provideDocumentPasteEdits(
    document: vscode.TextDocument,
    _ranges: readonly vscode.Range[],
    dataTransfer: vscode.DataTransfer,
    _context: vscode.DocumentPasteEditContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.DocumentPasteEdit[] | undefined> {
    const result = await this.attach(document, dataTransfer, token);
    if (!result) return undefined;
    return [new vscode.DocumentPasteEdit(result.text, title(result), ATTACH_KIND)];
  }

  async provideDocumentDropEdits(
    document: vscode.TextDocument,
    _position: vscode.Position,
    dataTransfer: vscode.DataTransfer,
    token: vscode.CancellationToken,
  ): Promise<vscode.DocumentDropEdit | undefined> {
    const result = await this.attach(document, dataTransfer, token);
    if (!result) return undefined;
    return new vscode.DocumentDropEdit(result.text, title(result), ATTACH_KIND);
  }

  /**
   * Attach the files of `dataTransfer` to `document`; undefined when there are none, the note
   * is not in an open notebook, or the server has no codex.attach (the editor's own paste then
   * applies). The edit that inserts the embeds is the editor's, so one undo removes them.
   */
  private async attach(
    document: vscode.TextDocument,
    dataTransfer: vscode.DataTransfer,
    token: vscode.CancellationToken,
  ): Promise<AttachResult | undefined> {
    if (document.uri.scheme !== 'file' || !this.manager.serverCommands().includes('codex.attach')) return undefined;
    if (!notebookOf(this.manager.notebooks ?? [], document.uri.fsPath)) return undefined;
    const sources = await filesOf(dataTransfer);
    if (sources.length === 0 || token.isCancellationRequested) return undefined;
    const folder = await mkdtemp(path.join(tmpdir(), 'codex-paste-'));
    try {
      const files: string[] = [];
      for (const source of sources) {
        if ('file' in source) {
          files.push(source.file);
        } else {
          // One folder per file: two pasted files may share a name.
          const file = path.join(folder, String(files.length), source.name);
          await mkdir(path.dirname(file), { recursive: true });
          await writeFile(file, source.bytes);
          files.push(file);
        }
      }
      const result = await this.manager.exec<AttachResult>('codex.attach', { uri: document.uri.toString(), files });
      return result.attached.length > 0 ? result : undefined;
    } catch (error) {
      void vscode.window.showErrorMessage(`Codex: attaching failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }
}

/** The files of a paste or drop, in order: those with a path by path, the others by content. */
async function filesOf(dataTransfer: vscode.DataTransfer): Promise<Source[]> {
  const sources: Source[] = [];
  const seen = new Set<unknown>();
  const now = new Date();
  for (const [mime, item] of dataTransfer) {
    const file = item.asFile();
    // The same file may be offered under several mime types.
    if (!file || seen.has(file) || (file.uri && seen.has(file.uri.toString()))) continue;
    seen.add(file);
    if (file.uri && file.uri.scheme === 'file') {
      seen.add(file.uri.toString());
      sources.push({ file: file.uri.fsPath });
    } else {
      sources.push({ name: pastedName(file.name, mime, now), bytes: await file.data() });
    }
  }
  return sources;
}

function title(result: AttachResult): string {
  const count = result.attached.length;
  return count === 1 ? `Attach ${result.attached[0].path} (Codex)` : `Attach ${count} files (Codex)`;
}

/** Register the paste and drop providers for Markdown files. */
export function registerAttach(context: vscode.ExtensionContext, manager: ServerManager): AttachProvider {
  const provider = new AttachProvider(manager);
  const selector: vscode.DocumentSelector = { language: 'markdown', scheme: 'file' };
  context.subscriptions.push(
    vscode.languages.registerDocumentPasteEditProvider(selector, provider, {
      providedPasteEditKinds: [ATTACH_KIND],
      pasteMimeTypes: MIME_TYPES,
    }),
    vscode.languages.registerDocumentDropEditProvider(selector, provider, {
      providedDropEditKinds: [ATTACH_KIND],
      dropMimeTypes: MIME_TYPES,
    }),
  );
  return provider;
}
