// A stand-in for the `vscode` module, so the extension's providers can be
// unit-tested under plain node. Import it first: it registers itself as
// `vscode` for every later require. Only what the tested files touch is
// here; each call is recorded in `calls`.

import Module = require('node:module');

export interface Calls { info: string[]; warning: string[]; error: string[]; commands: string[] }
export const calls: Calls = { info: [], warning: [], error: [], commands: [] };

/** The answer the next warning/error message "clicks" (undefined = dismissed). */
export const answers: { warning?: string; error?: string } = {};

export interface FakeEditor { document: { uri: { scheme: string; fsPath: string }; languageId: string; getText(): string }; selection: { active: { line: number; character: number } } }

export const state: { trusted: boolean; editor: FakeEditor | undefined } = { trusted: true, editor: undefined };

export function reset(): void {
  calls.info.length = 0; calls.warning.length = 0; calls.error.length = 0; calls.commands.length = 0;
  answers.warning = undefined; answers.error = undefined;
  state.trusted = true; state.editor = undefined;
}

export function editorAt(file: string, text: string, line: number, languageId = 'c'): FakeEditor {
  return { document: { uri: { scheme: 'file', fsPath: file }, languageId, getText: () => text }, selection: { active: { line, character: 0 } } };
}

const vscode = {
  workspace: {
    get isTrusted() { return state.trusted; },
    getConfiguration: () => ({ get: () => undefined }),
    findFiles: async () => [],
  },
  window: {
    get activeTextEditor() { return state.editor; },
    showInformationMessage: async (m: string) => { calls.info.push(m); return undefined; },
    showWarningMessage: async (m: string) => { calls.warning.push(m); return answers.warning; },
    showErrorMessage: async (m: string) => { calls.error.push(m); return answers.error; },
    setStatusBarMessage: (m: string) => { calls.warning.push(m); return { dispose() {} }; },
  },
  commands: { executeCommand: async (c: string) => { calls.commands.push(c); } },
  debug: { registerDebugConfigurationProvider: () => ({ dispose() {} }) },
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
