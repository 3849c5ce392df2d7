import * as vscode from 'vscode';

/**
 * The "Codex Notebooks" output channel: the server's log (window/logMessage and stderr, through
 * vscode-languageclient) and the extension's own lines. Keeps the last lines for the tests.
 */
export class LogChannel implements vscode.LogOutputChannel {
  readonly name: string;
  private readonly tail: string[] = [];
  private partial = '';

  constructor(
    private readonly channel: vscode.LogOutputChannel,
    private readonly keep = 2000,
  ) {
    this.name = channel.name;
  }

  get logLevel(): vscode.LogLevel {
    return this.channel.logLevel;
  }

  get onDidChangeLogLevel(): vscode.Event<vscode.LogLevel> {
    return this.channel.onDidChangeLogLevel;
  }

  trace(message: string, ...args: unknown[]): void {
    this.channel.trace(message, ...args);
    this.record(`[trace] ${message}\n`);
  }

  debug(message: string, ...args: unknown[]): void {
    this.channel.debug(message, ...args);
    this.record(`[debug] ${message}\n`);
  }

  info(message: string, ...args: unknown[]): void {
    this.channel.info(message, ...args);
    this.record(`[info] ${message}\n`);
  }

  warn(message: string, ...args: unknown[]): void {
    this.channel.warn(message, ...args);
    this.record(`[warning] ${message}\n`);
  }

  error(error: string | Error, ...args: unknown[]): void {
    this.channel.error(error, ...args);
    this.record(`[error] ${error instanceof Error ? error.message : error}\n`);
  }

  append(value: string): void {
    this.channel.append(value);
    this.record(value);
  }

  appendLine(value: string): void {
    this.channel.appendLine(value);
    this.record(`${value}\n`);
  }

  replace(value: string): void {
    this.channel.replace(value);
    this.tail.length = 0;
    this.partial = '';
    this.record(value);
  }

  clear(): void {
    this.channel.clear();
  }

  show(columnOrPreserve?: vscode.ViewColumn | boolean, preserveFocus?: boolean): void {
    if (typeof columnOrPreserve === 'boolean' || columnOrPreserve === undefined) {
      this.channel.show(columnOrPreserve);
    } else {
      this.channel.show(columnOrPreserve, preserveFocus);
    }
  }

  hide(): void {
    this.channel.hide();
  }

  dispose(): void {
    this.channel.dispose();
  }

  lines(): string[] {
    return this.partial ? [...this.tail, this.partial] : [...this.tail];
  }

  private record(value: string): void {
    const parts = (this.partial + value).split('\n');
    this.partial = parts.pop() ?? '';
    this.tail.push(...parts);
    if (this.tail.length > this.keep) this.tail.splice(0, this.tail.length - this.keep);
  }
}
