// Starts, restarts and talks to the codex-lsp language server.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  type ClientCapabilities,
  ExecuteCommandRequest,
  type FeatureState,
  LanguageClient,
  type LanguageClientOptions,
  RevealOutputChannelOn,
  type ServerOptions,
  State,
  type StaticFeature,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
  type Disposable as LspDisposable,
} from 'vscode-languageclient/node';
import {
  commandLine,
  describe,
  type Problem,
  pythonProblem,
  type ProblemAction,
  resolveServer,
  type ServerChoice,
} from './discovery';
import { createdFile, isCreateNoteAction, OPEN_CREATED_NOTE } from './linkNote';
import type { LogChannel } from './log';
import {
  contextKey,
  type Feature,
  FEATURES,
  missingCommands,
  type NotebookInfo,
  offeredFeatures,
  ProgressTracker,
  type ProgressValue,
  RESTART_SETTINGS,
  type ServerState,
  serverSettings,
  statusView,
} from './model';
import { checkPython } from './python';
import { activeInterpreter, onInterpreterChange } from './pythonExtension';

export interface Notice {
  level: 'error' | 'warning' | 'info';
  message: string;
}

/** Shows `$/progress` reports of the server in the status bar instead of notifications. */
class StatusProgressFeature implements StaticFeature {
  constructor(
    private readonly client: LanguageClient,
    private readonly tracker: ProgressTracker,
    private readonly changed: (value: ProgressValue) => void,
  ) {}

  fillClientCapabilities(capabilities: ClientCapabilities): void {
    capabilities.window = capabilities.window ?? {};
    capabilities.window.workDoneProgress = true;
  }

  initialize(): void {
    // Registered after the built-in progress feature, so this handler replaces its one.
    this.client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      const subscription: LspDisposable = this.client.onProgress(WorkDoneProgress.type, token, (value) => {
        this.tracker.update(token, value as ProgressValue);
        this.changed(value as ProgressValue);
        if (value.kind === 'end') subscription.dispose();
      });
    });
  }

  getState(): FeatureState {
    return { kind: 'static' };
  }

  clear(): void {
    this.tracker.clear();
  }
}

/** The notification the server sends after index changes, to clients that ask for it. */
export const INDEX_CHANGED = 'codex/indexChanged';

/**
 * Asks for `codex/indexChanged` (an experimental capability) and passes on the notebooks each
 * one names: what is drawn from commands (views, panels) is re-asked when the index has
 * changed, not when the editor saw a file change that the server may not have indexed yet.
 */
class IndexNoticeFeature implements StaticFeature {
  constructor(
    private readonly client: LanguageClient,
    private readonly changed: (notebooks: string[]) => void,
  ) {}

  fillClientCapabilities(capabilities: ClientCapabilities): void {
    const experimental = (capabilities.experimental ?? {}) as Record<string, unknown>;
    capabilities.experimental = { ...experimental, codex: { indexChanged: true } };
  }

  initialize(): void {
    this.client.onNotification(INDEX_CHANGED, (params: { notebooks?: unknown }) => {
      const notebooks = Array.isArray(params?.notebooks) ? params.notebooks.filter((n): n is string => typeof n === 'string') : [];
      this.changed(notebooks);
    });
  }

  getState(): FeatureState {
    return { kind: 'static' };
  }

  clear(): void {}
}

export class ServerManager implements vscode.Disposable {
  client: LanguageClient | undefined;
  choice: ServerChoice | undefined;
  state: ServerState = 'starting';
  readonly notices: Notice[] = [];
  /** Every text the status bar item showed, oldest first (for the tests). */
  readonly statusHistory: string[] = [];
  notebooks: NotebookInfo[] | undefined;
  private lastError: string | undefined;
  private readonly shownProblems = new Set<string>();
  private readonly tracker = new ProgressTracker();
  private readonly status: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private queue: Promise<void> = Promise.resolve();
  private refreshTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly notebooksEmitter = new vscode.EventEmitter<NotebookInfo[]>();
  readonly onDidChangeNotebooks = this.notebooksEmitter.event;
  private readonly indexEmitter = new vscode.EventEmitter<string[]>();
  /** The server's index of these notebooks (root URIs) changed: what it answers may have too. */
  readonly onDidChangeIndex = this.indexEmitter.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: LogChannel,
  ) {
    this.status = vscode.window.createStatusBarItem('codex.status', vscode.StatusBarAlignment.Right, 100);
    this.status.name = 'Codex Notebooks';
    this.disposables.push(
      this.status,
      this.stateEmitter,
      this.notebooksEmitter,
      this.indexEmitter,
      vscode.workspace.onDidChangeConfiguration((event) => this.configurationChanged(event)),
      vscode.workspace.onDidSaveTextDocument((doc) => {
        if (doc.languageId === 'markdown') this.scheduleRefresh();
      }),
      vscode.workspace.onDidCreateFiles(() => this.scheduleRefresh()),
      vscode.workspace.onDidDeleteFiles(() => this.scheduleRefresh()),
      vscode.workspace.onDidRenameFiles(() => this.scheduleRefresh()),
    );
    void onInterpreterChange(() => {
      if (this.choice?.kind === 'bundled' && this.choice.python.source === 'python-extension') {
        this.log.info('the Python extension changed its interpreter: restarting the server');
        void this.restart();
      }
    }).then((d) => d && this.disposables.push(d));
    this.updateStatus();
  }

  // -- life cycle ------------------------------------------------------------------------

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private setState(state: ServerState, error?: string): void {
    this.state = state;
    this.lastError = error;
    this.updateStatus();
    this.stateEmitter.fire(state);
  }

  private async doStart(): Promise<void> {
    this.setState('starting');
    this.notebooks = undefined;
    const settings = vscode.workspace.getConfiguration('codex');
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const pythonSetting = settings.get<string>('server.python', '');
    const commandSetting = settings.get<string>('server.command', '');
    const input = {
      commandSetting,
      argsSetting: settings.get<string[]>('server.args'),
      pythonSetting,
      bundledDir: path.join(this.context.extensionPath, 'bundled'),
      env: process.env,
      platform: process.platform,
      home: os.homedir(),
      isExecutable,
      isFile: exists,
    };
    let resolution = resolveServer(input);
    if (resolution.ok && resolution.choice.kind === 'bundled' && resolution.choice.python.source === 'default') {
      // Only now is the Python extension's interpreter worth asking for (it may activate it).
      const pythonExtension = await this.pythonExtensionInterpreter(folder);
      if (pythonExtension) resolution = resolveServer({ ...input, pythonExtension });
    }
    if (!resolution.ok) {
      this.choice = undefined;
      this.fail(resolution.problem);
      return;
    }
    const choice = resolution.choice;
    this.choice = choice;
    this.log.info(`starting the language server: ${describe(choice)}`);
    if (choice.kind === 'bundled') {
      const check = await checkPython(choice.python, choice.launcher);
      const problem = pythonProblem(choice.python, check);
      if (problem) {
        this.fail(problem);
        return;
      }
      if (check.kind === 'ok') this.log.info(`Python ${check.version} at ${check.executable ?? choice.python.command}`);
    }
    const line = commandLine(choice);
    const serverOptions: ServerOptions = {
      command: line.command,
      args: line.args,
      options: { env: { ...process.env, PYTHONUNBUFFERED: '1' }, cwd: folder?.fsPath },
    };
    const client = new LanguageClient('codex', 'Codex Notebooks', serverOptions, this.clientOptions());
    client.registerFeature(
      new StatusProgressFeature(client, this.tracker, (value) => {
        this.updateStatus();
        if (value.kind === 'end') this.scheduleRefresh(50);
      }),
    );
    client.registerFeature(
      new IndexNoticeFeature(client, (notebooks) => {
        if (this.client !== client) return;
        this.indexEmitter.fire(notebooks);
        this.scheduleRefresh(50);
      }),
    );
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.client = undefined;
      await client.dispose().catch(() => undefined);
      this.fail({
        key: `start:${describe(choice)}`,
        message: `Codex Notebooks: the language server did not start (${errorText(error)}). See the Codex Notebooks output for its log.`,
        actions: ['Show Log', 'Open Settings'],
      });
      return;
    }
    client.onDidChangeState((event) => {
      if (this.client !== client) return;
      if (event.newState === State.Running) {
        this.applyFeatures();
        this.setState('running');
        this.scheduleRefresh(50);
      } else if (event.newState === State.Stopped) {
        this.setState('stopped', 'the language server stopped');
      }
    });
    this.shownProblems.clear();
    const info = client.initializeResult?.serverInfo;
    this.log.info(`language server ${info?.name ?? '?'} ${info?.version ?? ''} is running`);
    this.applyFeatures();
    this.setState('running');
    this.scheduleRefresh(50);
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.clearTimers();
    this.tracker.clear();
    this.applyFeatures();
    if (client) {
      try {
        await client.dispose(5000);
      } catch (error) {
        this.log.info(`stopping the server: ${errorText(error)}`);
      }
    }
    this.setState('stopped');
  }

  private async pythonExtensionInterpreter(folder: vscode.Uri | undefined): Promise<string[] | undefined> {
    try {
      return await activeInterpreter(folder);
    } catch {
      return undefined;
    }
  }

  private clientOptions(): LanguageClientOptions {
    return {
      documentSelector: [
        { scheme: 'file', language: 'markdown' },
        { scheme: 'untitled', language: 'markdown' },
        // View files: the server's diagnostics, completion and hover in their YAML, and
        // codex.query reads the open buffer (the view editor shows unsaved edits).
        { scheme: 'file', pattern: '**/*.cdx' },
        { scheme: 'file', pattern: '**/*.base' },
      ],
      outputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      diagnosticCollectionName: 'codex',
      markdown: { isTrusted: false, supportHtml: false },
      initializationFailedHandler: (error) => {
        this.log.info(`initialization failed: ${errorText(error)}`);
        return false;
      },
      middleware: {
        // The quick fix that creates a broken link's note also opens it (VS Code runs the
        // command after applying the edit).
        provideCodeActions: async (document, range, context, token, next) => {
          const actions = await next(document, range, context, token);
          for (const action of actions ?? []) {
            if (!(action instanceof vscode.CodeAction) || action.command || !isCreateNoteAction(action)) continue;
            const target = createdFile(action.edit as vscode.WorkspaceEdit);
            if (target) action.command = { command: OPEN_CREATED_NOTE, title: 'Open the new note', arguments: [target] };
          }
          return actions;
        },
        workspace: {
          // The server asks for the `codex` section; it is not sent the client-only keys.
          configuration: async (params, token, next) => {
            const result = await next(params, token);
            if (!Array.isArray(result)) return result;
            return result.map((value, i) => (params.items[i]?.section === 'codex' ? serverSettings(value) : value));
          },
        },
      },
    };
  }

  private configurationChanged(event: vscode.ConfigurationChangeEvent): void {
    if (RESTART_SETTINGS.some((section) => event.affectsConfiguration(section))) {
      this.log.info('server settings changed: restarting the language server');
      void this.restart();
      return;
    }
    if (event.affectsConfiguration('codex') && this.client?.isRunning()) {
      // The server reads the `codex` section again through workspace/configuration.
      void this.client.sendNotification('workspace/didChangeConfiguration', { settings: null }).catch(() => undefined);
    }
  }

  // -- notifications -----------------------------------------------------------------------

  private fail(problem: Problem): void {
    this.log.info(problem.message);
    this.setState('failed', problem.message);
    this.announce(problem);
  }

  /** Shows a problem once (until the server starts again). */
  announce(problem: Problem): void {
    if (this.shownProblems.has(problem.key)) return;
    this.shownProblems.add(problem.key);
    this.notices.push({ level: 'error', message: problem.message });
    void vscode.window.showErrorMessage(problem.message, ...problem.actions).then((action) => this.runAction(action));
  }

  private runAction(action: ProblemAction | undefined): void {
    switch (action) {
      case 'Open Settings':
        void vscode.commands.executeCommand('workbench.action.openSettings', 'codex.server');
        break;
      case 'Show Log':
        this.log.show(true);
        break;
      case 'Install Python':
        void vscode.env.openExternal(vscode.Uri.parse('https://www.python.org/downloads/'));
        break;
    }
  }

  info(message: string): void {
    this.notices.push({ level: 'info', message });
    void vscode.window.showInformationMessage(message);
  }

  warn(message: string): void {
    this.notices.push({ level: 'warning', message });
    void vscode.window.showWarningMessage(message);
  }

  // -- features -----------------------------------------------------------------------------

  serverCommands(): string[] {
    const client = this.client;
    if (!client || !client.isRunning()) return [];
    return [...(client.initializeResult?.capabilities.executeCommandProvider?.commands ?? [])];
  }

  private applyFeatures(): void {
    const offered = offeredFeatures(this.serverCommands());
    for (const feature of Object.keys(FEATURES) as Feature[]) {
      void vscode.commands.executeCommand('setContext', contextKey(feature), offered[feature]);
    }
    void vscode.commands.executeCommand('setContext', 'codex.serverRunning', this.serverCommands().length > 0);
  }

  /** Runs a server command; a feature the server lacks gives a clear error. */
  async exec<T>(command: string, argument?: unknown, feature?: Feature): Promise<T> {
    const client = await this.runningClient();
    const offered = this.serverCommands();
    if (feature && missingCommands(feature, offered).length > 0) {
      throw new UserError(
        `The running codex-lsp server does not offer ${missingCommands(feature, offered).join(', ')}; update codex-lsp (or the extension) to use this command.`,
      );
    }
    if (!offered.includes(command)) {
      throw new UserError(`The running codex-lsp server does not offer ${command}; update codex-lsp to use this command.`);
    }
    return (await client.sendRequest(ExecuteCommandRequest.type, {
      command,
      arguments: argument === undefined ? [] : [argument],
    })) as T;
  }

  private async runningClient(): Promise<LanguageClient> {
    await this.queue;
    const client = this.client;
    if (!client || !client.isRunning()) {
      throw new UserError(
        this.lastError ? `The Codex language server is not running: ${this.lastError}` : 'The Codex language server is not running.',
      );
    }
    return client;
  }

  // -- status bar and notebooks ------------------------------------------------------------------

  private updateStatus(): void {
    const view = statusView({
      state: this.state,
      progress: this.tracker.current(),
      notebooks: this.notebooks,
      error: this.lastError,
    });
    if (view.text !== this.status.text) {
      this.statusHistory.push(view.text);
      if (this.statusHistory.length > 200) this.statusHistory.shift();
    }
    this.status.text = view.text;
    this.status.tooltip = view.tooltip;
    this.status.command = view.command;
    this.status.show();
  }

  statusText(): string {
    return this.status.text;
  }

  scheduleRefresh(delayMs = 1000): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refreshNotebooks();
    }, delayMs);
  }

  async refreshNotebooks(): Promise<NotebookInfo[] | undefined> {
    if (this.state !== 'running' || !this.serverCommands().includes('codex.notebooks')) return undefined;
    try {
      const books = await this.exec<NotebookInfo[]>('codex.notebooks', {});
      this.notebooks = books;
      this.updateStatus();
      this.notebooksEmitter.fire(books);
      if (books.some((b) => b.ready === false) || this.tracker.busy) {
        if (this.pollTimer) clearTimeout(this.pollTimer);
        this.pollTimer = setTimeout(() => void this.refreshNotebooks(), 500);
      }
      return books;
    } catch (error) {
      this.log.info(`codex.notebooks failed: ${errorText(error)}`);
      return undefined;
    }
  }

  /** Resolves when the server runs and every notebook is indexed (for tests and commands). */
  async whenIndexed(timeoutMs = 60_000): Promise<NotebookInfo[]> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.state === 'failed') throw new Error(this.lastError ?? 'the server failed');
      if (this.state === 'running') {
        const books = await this.refreshNotebooks();
        // Every workspace folder is (or holds) a notebook; the server adds them after start.
        const expectSome = (vscode.workspace.workspaceFolders?.length ?? 0) > 0;
        if (books && (books.length > 0 || !expectSome) && books.every((b) => b.ready !== false) && !this.tracker.busy) {
          return books;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`the notebooks were not indexed within ${timeoutMs} ms (${this.statusText()})`);
  }

  private clearTimers(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.refreshTimer = this.pollTimer = undefined;
  }

  dispose(): void {
    this.clearTimers();
    void this.client?.dispose(2000).catch(() => undefined);
    this.client = undefined;
    for (const d of this.disposables) d.dispose();
  }
}

/** An error whose message is for the user as it stands. */
export class UserError extends Error {}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}

function isExecutable(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return false;
    if (process.platform === 'win32') return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** launch.py need not be executable: it is run by Python. */
export function exists(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
