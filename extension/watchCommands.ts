// Editor actions on stack watches: the "Watch stack of foo" CodeLens and a
// gutter mark on watched functions, the commands of the editor, gutter and
// view menus, and the input boxes that edit a watch (checked as you type,
// with the offending token named).

import * as path from 'node:path';
import * as vscode from 'vscode';
import { arrayElementChoices, checkWatchAgainstSource, findFunctions, functionAtLine, isKernelModuleSource, localVariableAt, watchableFunctions } from './cSource';
import { WatchStore, ViewNode } from './stackWatchesView';
import { validateWatchInput } from './watchConfig';
import { depthOfConfig, functionOfConfig, StoredWatch } from './watchModel';

export class WatchCodeLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly gutter: vscode.TextEditorDecorationType;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly store: WatchStore, media: string) {
    this.gutter = vscode.window.createTextEditorDecorationType({ gutterIconPath: path.join(media, 'gutter-watch.svg'), gutterIconSize: '70%' });
    this.disposables.push(
      this.gutter, this.changed,
      store.onDidChange(() => { this.changed.fire(); this.renderGutter(); }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.renderGutter()),
      vscode.workspace.onDidChangeTextDocument((e) => { if (e.document.languageId === 'c') this.renderGutter(); }),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('kstackwatch.codeLens')) this.changed.fire(); }),
    );
    this.renderGutter();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (vscode.workspace.getConfiguration('kstackwatch').get<boolean>('codeLens') === false) return [];
    const text = doc.getText();
    if (!isKernelModuleSource(text)) return [];
    return watchableFunctions(text).map((fn) => {
      const range = new vscode.Range(fn.line, 0, fn.line, 0);
      const watches = this.store.list.forFunction(fn.name);
      if (!watches.length) {
        return new vscode.CodeLens(range, { title: `$(eye) Watch stack of ${fn.name}`, command: 'kstackwatch.watchFunction', arguments: [fn.name], tooltip: `Watch ${fn.name}'s stack canary with KStackWatch (fn=${fn.name})` });
      }
      const enabled = watches.filter((w) => w.enabled).length;
      return new vscode.CodeLens(range, {
        title: `$(eye) Watching ${fn.name}: ${watches.map((w) => w.config.replace(`fn=${fn.name}`, '').trim() || 'canary').join(', ')}${enabled < watches.length ? ' (disabled)' : ''} — remove`,
        command: 'kstackwatch.removeWatch', arguments: [fn.name], tooltip: 'Remove the stack watch(es) on this function',
      });
    });
  }

  private renderGutter(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.languageId !== 'c') continue;
      const watched = new Set(this.store.list.all().filter((w) => w.enabled).map((w) => functionOfConfig(w.config)));
      const ranges = findFunctions(editor.document.getText()).filter((f) => watched.has(f.name)).map((f) => ({
        range: new vscode.Range(f.line, 0, f.line, 0),
        hoverMessage: `KStackWatch: ${this.store.list.forFunction(f.name).map((w) => w.config).join('; ')}`,
      }));
      editor.setDecorations(this.gutter, ranges);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function userWatchOf(store: WatchStore, node: unknown): StoredWatch | undefined {
  const n = node as ViewNode | undefined;
  if (n && n.kind === 'watch' && !n.row.fromLaunch) return store.list.get(n.row.watch.id);
  return undefined;
}

export function registerWatchCommands(context: vscode.ExtensionContext, store: WatchStore): void {
  const add = (config: string) => {
    store.update((list) => list.add(config));
    void vscode.window.setStatusBarMessage(`$(eye) KStackWatch: watching "${config}"`, 4000);
  };
  const editorFunction = (): { name: string } | undefined => {
    const e = vscode.window.activeTextEditor;
    if (!e) return undefined;
    const fn = functionAtLine(findFunctions(e.document.getText()), e.selection.active.line);
    if (!fn) void vscode.window.showErrorMessage('KStackWatch: put the cursor inside a C function.');
    return fn;
  };
  const reg = (id: string, f: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, f));

  reg('kstackwatch.watchFunction', (name?: string) => {
    const fn = typeof name === 'string' ? name : editorFunction()?.name;
    if (fn) add(`fn=${fn}`);
  });
  reg('kstackwatch.watchCanary', (arg?: unknown) => {
    // from the gutter's context menu the argument is { lineNumber, uri }
    const at = arg as { lineNumber?: number; uri?: vscode.Uri } | undefined;
    const e = vscode.window.activeTextEditor;
    if (at?.lineNumber && e) {
      const fn = functionAtLine(findFunctions(e.document.getText()), at.lineNumber - 1);
      if (fn) { add(`fn=${fn.name}`); return; }
    }
    const fn = editorFunction();
    if (fn) add(`fn=${fn.name}`);
  });
  reg('kstackwatch.watchLocal', async () => {
    const e = vscode.window.activeTextEditor;
    if (!e) return;
    const pos = e.selection.active;
    const found = localVariableAt(e.document.getText(), pos.line, pos.character);
    if (typeof found === 'string') { void vscode.window.showErrorMessage(`KStackWatch: ${found}.`); return; }
    if (found.arrayLength === undefined) { add(`fn=${found.function} var=${found.variable}`); return; }
    const picked = await vscode.window.showQuickPick(arrayElementChoices(found.variable.replace(/\[0\]$/, ''), found.arrayLength),
      { title: `Watch which element of ${found.variable.replace(/\[0\]$/, '')}[${found.arrayLength}]?` });
    if (picked) add(`fn=${found.function} var=${picked.label}`);
  });
  reg('kstackwatch.removeWatch', async (arg?: unknown) => {
    const w = userWatchOf(store, arg);
    if (w) { store.update((list) => list.remove(w.id)); return; }
    const name = typeof arg === 'string' ? arg : editorFunction()?.name;
    if (!name) return;
    const watches = store.list.forFunction(name);
    if (!watches.length) { void vscode.window.showInformationMessage(`KStackWatch: ${name} has no stack watch.`); return; }
    let chosen = watches;
    if (watches.length > 1) {
      const picked = await vscode.window.showQuickPick(watches.map((x) => ({ label: x.config, watch: x })), { canPickMany: true, title: `Remove stack watches of ${name}` });
      if (!picked) return;
      chosen = picked.map((p) => p.watch);
    }
    store.update((list) => { for (const x of chosen) list.remove(x.id); });
  });
  reg('kstackwatch.addWatch', async () => {
    const e = vscode.window.activeTextEditor;
    const fn = e ? functionAtLine(findFunctions(e.document.getText()), e.selection.active.line) : undefined;
    const value = await vscode.window.showInputBox({
      title: 'Add Stack Watch', prompt: 'A KStackWatch config: fn=NAME [fo=OFF] [dp=DEPTH] [so=SP_OFFSET wl=LEN] [var=NAME] …',
      value: `fn=${fn?.name ?? ''}`, validateInput: validateAgainstModule,
    });
    if (value?.trim()) add(value.trim());
  });
  reg('kstackwatch.editWatch', async (arg?: unknown) => {
    const w = userWatchOf(store, arg);
    if (!w) { void vscode.window.showInformationMessage('KStackWatch: a watch from launch.json is edited in launch.json.'); return; }
    const value = await vscode.window.showInputBox({ title: 'Edit Stack Watch', value: w.config, validateInput: validateAgainstModule });
    if (value === undefined || !value.trim()) return;
    store.update((list) => { if (!list.edit(w.id, value.trim())) void vscode.window.showWarningMessage(`KStackWatch: "${value.trim()}" is already a watch.`); });
  });
  reg('kstackwatch.setDepth', async (arg?: unknown) => {
    const w = userWatchOf(store, arg);
    if (!w) return;
    const value = await vscode.window.showInputBox({
      title: `Depth of ${functionOfConfig(w.config) ?? 'the watch'}`, prompt: 'Recursion depth to watch (0 = the outermost call); empty removes dp=',
      value: String(depthOfConfig(w.config)),
      validateInput: (v) => (v.trim() === '' || /^(0x[0-9a-f]+|\d+)$/i.test(v.trim()) && Number(v.trim()) <= 0xffff ? undefined : 'a number from 0 to 65535'),
    });
    if (value === undefined) return;
    store.update((list) => list.setDepth(w.id, value.trim() === '' ? null : Number(value.trim())));
  });
  reg('kstackwatch.enableWatch', (arg?: unknown) => { const w = userWatchOf(store, arg); if (w) store.update((l) => l.setEnabled(w.id, true)); });
  reg('kstackwatch.disableWatch', (arg?: unknown) => { const w = userWatchOf(store, arg); if (w) store.update((l) => l.setEnabled(w.id, false)); });
  reg('kstackwatch.toggleAll', () => {
    const anyEnabled = store.list.all().some((w) => w.enabled);
    store.update((l) => l.setAllEnabled(!anyEnabled));
  });
  reg('kstackwatch.removeAll', () => store.update((l) => l.removeAll()));
  // clicking a row reveals the watched function, as the Breakpoints view reveals a breakpoint's line
  reg('kstackwatch.revealWatch', async (config?: string) => {
    const name = typeof config === 'string' ? functionOfConfig(config) : undefined;
    if (!name) return;
    const at = await findDefinition(name);
    if (!at) { void vscode.window.setStatusBarMessage(`KStackWatch: no definition of ${name} in the workspace's C files`, 4000); return; }
    await vscode.window.showTextDocument(at.uri, { selection: at.range, preserveFocus: true, preview: true });
  });
}

/** The definition of a C function: open documents first, then the workspace's .c files. */
async function findDefinition(name: string): Promise<vscode.Location | undefined> {
  const inText = (uri: vscode.Uri, text: string) => {
    const f = findFunctions(text).find((x) => x.name === name);
    return f ? new vscode.Location(uri, new vscode.Range(f.line, f.column, f.line, f.column + name.length)) : undefined;
  };
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.languageId !== 'c') continue;
    const at = inText(doc.uri, doc.getText());
    if (at) return at;
  }
  for (const uri of await vscode.workspace.findFiles('**/*.c', '**/{node_modules,.git}/**', 200)) {
    const bytes = await vscode.workspace.fs.readFile(uri);
    const at = inText(uri, Buffer.from(bytes).toString('utf8'));
    if (at) return at;
  }
  return undefined;
}

/**
 * The input box's check: the config's syntax, then the module's source (the
 * C module in the active editor, else an open one) — a function it does not
 * define is a warning, an array element that does not exist an error — so a
 * watch that cannot work is caught while it is typed, not as "unverified".
 */
export function validateAgainstModule(text: string): string | vscode.InputBoxValidationMessage | undefined {
  const syntax = validateWatchInput(text);
  if (syntax) return syntax;
  const docs = [vscode.window.activeTextEditor?.document, ...vscode.workspace.textDocuments]
    .filter((d): d is vscode.TextDocument => !!d && d.languageId === 'c' && isKernelModuleSource(d.getText()));
  const doc = docs[0];
  if (!doc) return undefined;
  const found = checkWatchAgainstSource(text.trim(), doc.getText(), path.basename(doc.fileName));
  if (!found) return undefined;
  return { message: found.message, severity: found.severity === 'error' ? vscode.InputBoxValidationSeverity.Error : vscode.InputBoxValidationSeverity.Warning };
}
