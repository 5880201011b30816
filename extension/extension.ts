// Activation: wires the editor features together. Each concern lives in its
// own file (see the list below); this file only creates them and registers
// what VS Code asks for.
//
//   debugProvider     F5 without launch.json, dynamic configs, checks before launch
//   adapterFactory    out-of-process (default) or inline debug adapter
//   sessions          tracker: kernel log, corruption/oops events, live watches
//   stackWatchesView  the Stack Watches view and the persisted watch list
//   watchCommands     CodeLens, gutter marks and watch commands
//   annotations       decorations, Problems entries and hovers for reports
//   kswLanguage       .ksw files: diagnostics, completion, hovers
//   launchCompletion  stackWatch completion in launch.json from the workspace's modules
//   kswTools          ksw cc / many seeds with progress
//   compileProblems   a .c that does not compile: gcc's errors in Problems, no session

import * as path from 'node:path';
import * as vscode from 'vscode';
import { KswAdapterFactory } from './adapterFactory';
import { Annotations } from './annotations';
import { CompileProblems } from './compileProblems';
import { functionAtCursor, registerDebugProviders } from './debugProvider';
import { registerKswLanguage } from './kswLanguage';
import { registerLaunchCompletion } from './launchCompletion';
import { registerKswTools } from './kswTools';
import { DEBUG_TYPE } from './launchDefaults';
import { Sessions } from './sessions';
import { GOTO_TIME_COMMAND } from './reports';
import { StackWatchesView, WatchStore } from './stackWatchesView';
import { registerWatchCommands, WatchCodeLens } from './watchCommands';
import { watchRows } from './watchModel';

/** What the extension returns from activate(): used by tests in a real VS Code. */
export interface KswApi {
  watches(): { config: string; enabled: boolean }[];
  annotations(): Record<'writer' | 'victim' | 'oops', number>;
}

export function activate(context: vscode.ExtensionContext): KswApi {
  const media = path.join(context.extensionPath, 'extension', 'media');
  const log = vscode.window.createOutputChannel('KStackWatch', 'kstackwatch-log');
  const store = new WatchStore(context.workspaceState);
  const annotations = new Annotations(media);
  const sessions = new Sessions(log, annotations, store);
  const view = new StackWatchesView(store, {
    rows: () => {
      const live = sessions.current();
      return watchRows(store.list.all(), live?.launchWatches ?? [], live?.watches ?? null, live?.previousMisses ?? 0);
    },
    registers: () => sessions.current()?.registers ?? null,
    note: () => {
      const live = sessions.current();
      if (!live?.watches?.misses) return undefined;
      return `${live.watches.misses} call(s) not watched: no free debug register (DR0–DR3 are shared with data breakpoints).`;
    },
  });
  const lens = new WatchCodeLens(store, media);
  context.subscriptions.push(
    log, store, annotations, sessions, view, lens,
    sessions.onDidChange(() => view.refresh()),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new KswAdapterFactory(context.extensionPath, log)),
    vscode.languages.registerCodeLensProvider({ language: 'c', scheme: 'file' }, lens),
    vscode.commands.registerCommand('kstackwatch.functionAtCursor', functionAtCursor),
    vscode.commands.registerCommand('kstackwatch.showLog', () => log.show(true)),
    // docs/guide.md ships in the .vsix: shown as a rendered Markdown preview
    vscode.commands.registerCommand('kstackwatch.openGuide', () =>
      vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(path.join(context.extensionPath, 'docs', 'guide.md')))),
    vscode.commands.registerCommand('kstackwatch.clearAnnotations', () => annotations.clear()),
    vscode.commands.registerCommand(GOTO_TIME_COMMAND, (origin: unknown) => sessions.gotoOrigin(origin)),
    vscode.commands.registerCommand('kstackwatch.refreshWatches', () => sessions.refresh()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => view.refresh()),
  );
  const compile = new CompileProblems(context.extensionPath, log);
  context.subscriptions.push(compile);
  registerDebugProviders(context, log, (program, config) => compile.check(program, config));
  registerWatchCommands(context, store);
  registerKswLanguage(context);
  registerLaunchCompletion(context);
  registerKswTools(context, log, store);
  return {
    watches: () => store.list.all().map((w) => ({ config: w.config, enabled: w.enabled })),
    annotations: () => annotations.summary(),
  };
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}
