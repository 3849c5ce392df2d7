// The Python extension's active interpreter (ms-python.python), when that extension is there.

import * as vscode from 'vscode';

interface EnvironmentPath {
  id: string;
  path: string;
}
interface ResolvedEnvironment {
  executable?: { uri?: vscode.Uri };
}
interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
    resolveEnvironment(env: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
  settings?: {
    getExecutionDetails?(resource?: vscode.Uri): { execCommand: string[] | undefined };
    onDidChangeExecutionDetails?: vscode.Event<vscode.Uri | undefined>;
  };
}

export const PYTHON_EXTENSION_ID = 'ms-python.python';

async function api(timeoutMs: number): Promise<PythonApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION_ID);
  if (!extension) return undefined;
  if (extension.isActive) return extension.exports;
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs));
  try {
    return await Promise.race([Promise.resolve(extension.activate()), timeout]);
  } catch {
    return undefined;
  }
}

/** The active interpreter as a command line (e.g. ["/home/me/.venv/bin/python"]). */
export async function activeInterpreter(resource?: vscode.Uri, timeoutMs = 10_000): Promise<string[] | undefined> {
  const python = await api(timeoutMs);
  if (!python) return undefined;
  try {
    const environments = python.environments;
    if (environments) {
      const active = environments.getActiveEnvironmentPath(resource);
      const resolved = await environments.resolveEnvironment(active);
      const executable = resolved?.executable?.uri?.fsPath;
      if (executable) return [executable];
    }
    const command = python.settings?.getExecutionDetails?.(resource).execCommand;
    if (command && command.length > 0) return command;
  } catch {
    // An API we do not know: act as if the extension were not there.
  }
  return undefined;
}

/** Fires when the user picks another interpreter in the Python extension. */
export async function onInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  const extension = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION_ID);
  if (!extension) return undefined;
  const python = await api(10_000);
  const event = python?.environments?.onDidChangeActiveEnvironmentPath ?? python?.settings?.onDidChangeExecutionDetails;
  return event ? event(() => listener()) : undefined;
}
