// A stand-in for the `vscode` module, so the extension's providers can be
// unit-tested under plain node. Import it first: it registers itself as
// `vscode` for every later require. Only what the tested files touch is
// here; each call is recorded in `calls`.

import Module = require('node:module');
import * as fs from 'node:fs';

export interface QuickPickCall { items: { label: string; description?: string; detail?: string }[]; options: { title?: string } }
export interface Calls {
  info: string[]; warning: string[]; error: string[]; commands: string[];
  /** Progress notifications: each withProgress's title and the messages it reported. */
  progress: { title: string; messages: string[] }[];
  quickPick: QuickPickCall[];
  /** Configurations passed to debug.startDebugging. */
  debug: Record<string, unknown>[];
}
export const calls: Calls = { info: [], warning: [], error: [], commands: [], progress: [], quickPick: [], debug: [] };

/** The answer the next warning/error message "clicks" (undefined = dismissed), the QuickPick row picked. */
export const answers: { warning?: string; error?: string; quickPick?: number } = {};

export interface FakeEditor {
  document: { uri: { scheme: string; fsPath: string }; fileName: string; languageId: string; getText(): string; save(): Promise<boolean> };
  selection: { active: { line: number; character: number } };
}

export const state: {
  trusted: boolean; editor: FakeEditor | undefined;
  /** Settings read through workspace.getConfiguration(section).get(key), by `section.key`. */
  config: Record<string, unknown>;
  /** Cancel a withProgress task once it has reported this many messages. */
  cancelAfterReports?: number;
} = { trusted: true, editor: undefined, config: {} };

export function reset(): void {
  calls.info.length = 0; calls.warning.length = 0; calls.error.length = 0; calls.commands.length = 0;
  calls.progress.length = 0; calls.quickPick.length = 0; calls.debug.length = 0;
  answers.warning = undefined; answers.error = undefined; answers.quickPick = undefined;
  state.trusted = true; state.editor = undefined; state.config = {}; state.cancelAfterReports = undefined;
}

export function editorAt(file: string, text: string, line: number, languageId = 'c'): FakeEditor {
  return {
    document: { uri: { scheme: 'file', fsPath: file }, fileName: file, languageId, getText: () => text, save: async () => true },
    selection: { active: { line, character: 0 } },
  };
}

/** A cancellation token whose cancel() fires its listeners, as VS Code's does. */
function cancellation(): { token: { isCancellationRequested: boolean; onCancellationRequested(f: () => void): { dispose(): void } }; cancel(): void } {
  const listeners: (() => void)[] = [];
  const token = {
    isCancellationRequested: false,
    onCancellationRequested: (f: () => void) => { listeners.push(f); return { dispose() {} }; },
  };
  return { token, cancel: () => { if (token.isCancellationRequested) return; token.isCancellationRequested = true; for (const f of listeners) f(); } };
}

const vscode = {
  workspace: {
    get isTrusted() { return state.trusted; },
    getConfiguration: (section?: string) => ({ get: (key: string) => state.config[section ? `${section}.${key}` : key] }),
    findFiles: async () => [],
    getWorkspaceFolder: () => undefined,
    fs: { createDirectory: async (uri: { fsPath: string }) => { fs.mkdirSync(uri.fsPath, { recursive: true }); } },
  },
  window: {
    get activeTextEditor() { return state.editor; },
    showInformationMessage: async (m: string) => { calls.info.push(m); return undefined; },
    showWarningMessage: async (m: string) => { calls.warning.push(m); return answers.warning; },
    showErrorMessage: async (m: string) => { calls.error.push(m); return answers.error; },
    setStatusBarMessage: (m: string) => { calls.warning.push(m); return { dispose() {} }; },
    withProgress: async <T>(options: { title: string }, task: (p: { report(v: { message?: string }): void }, token: unknown) => Promise<T>): Promise<T> => {
      const record = { title: options.title, messages: [] as string[] };
      calls.progress.push(record);
      const c = cancellation();
      return task({
        report: (v) => {
          if (v.message !== undefined) record.messages.push(v.message);
          if (state.cancelAfterReports !== undefined && record.messages.length >= state.cancelAfterReports) c.cancel();
        },
      }, c.token);
    },
    showQuickPick: async <T extends QuickPickCall['items'][number]>(items: T[], options: QuickPickCall['options']) => {
      calls.quickPick.push({ items, options });
      return answers.quickPick === undefined ? undefined : items[answers.quickPick];
    },
  },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  commands: { executeCommand: async (c: string) => { calls.commands.push(c); } },
  debug: {
    registerDebugConfigurationProvider: () => ({ dispose() {} }),
    startDebugging: async (_folder: unknown, config: Record<string, unknown>) => { calls.debug.push(config); return true; },
  },
  DebugConfigurationProviderTriggerKind: { Initial: 1, Dynamic: 2 },
  RelativePattern: class { constructor(readonly base: unknown, readonly pattern: string) {} },
};

type Loader = (request: string, parent: unknown, isMain: boolean) => unknown;
const mod = Module as unknown as { _load: Loader };
const original = mod._load;
mod._load = function load(request: string, parent: unknown, isMain: boolean): unknown {
  if (request === 'vscode') return vscode;
  return original.call(this, request, parent, isMain);
};
