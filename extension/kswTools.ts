// Long work outside a debug session, with progress: compiling a test module
// (`ksw cc`) and hunting it under many seeds (`ksw hunt`, on every core) to
// find the schedules that corrupt — each seed found can then be replayed in
// the debugger, since the machine is deterministic (seedHunt.ts). The
// bundled `ksw` runs on the extension host's runtime, as the adapter does.

import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findFunctions, functionAtLine, isKernelModuleSource } from './cSource';
import { requireTrust } from './trust';
import { WatchStore } from './stackWatchesView';
import { scenariosFor } from './launchDefaults';
import { watchesToSend } from './watchModel';
import { findingItem, huntArgv, huntSummary, HuntReader, progressMessage, replayConfiguration, type SeedHuntPlan } from './seedHunt';

export interface KswResult { code: number | null; stdout: string; stderr: string }

/** Run the bundled ksw; cancellation kills it (a hunt's worker threads with it); `onStdout` sees stdout as it comes. */
export function runKsw(extensionPath: string, args: string[], cwd: string, token?: vscode.CancellationToken, env?: Record<string, string>,
  onStdout?: (chunk: string) => void): Promise<KswResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(extensionPath, 'dist', 'ksw.js'), ...args], {
      cwd, env: { ...process.env, ...env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => { stdout += d; onStdout?.(d); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const sub = token?.onCancellationRequested(() => child.kill());
    child.on('error', reject);
    child.on('close', (code) => { sub?.dispose(); resolve({ code, stdout, stderr }); });
  });
}

export function registerKswTools(context: vscode.ExtensionContext, log: vscode.OutputChannel, store: WatchStore): void {
  const ext = context.extensionPath;

  context.subscriptions.push(vscode.commands.registerCommand('kstackwatch.compile', async () => {
    if (!requireTrust('compile a test module')) return;
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || !doc.fileName.endsWith('.c')) { void vscode.window.showErrorMessage('KStackWatch: open a C test module to compile it.'); return; }
    await doc.save();
    const out = doc.fileName.replace(/\.c$/, '.o');
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `ksw cc ${path.basename(doc.fileName)}`, cancellable: true },
      (_p, token) => runKsw(ext, ['cc', doc.fileName, '-o', out], path.dirname(doc.fileName), token));
    log.appendLine(`$ ksw cc ${doc.fileName} -o ${out}`);
    if (r.stderr) log.append(r.stderr);
    if (r.code === 0) void vscode.window.showInformationMessage(`KStackWatch: compiled ${path.basename(out)}.`);
    else { log.show(true); void vscode.window.showErrorMessage(`KStackWatch: ksw cc failed (see the KStackWatch output).`); }
  }));

  context.subscriptions.push(vscode.commands.registerCommand('kstackwatch.runSeeds', () => runWithManySeeds(context, log, store)));
}

/**
 * Run With Many Seeds: `ksw hunt` over seeds 1..kstackwatch.seeds with a
 * cancellable progress notification, then the seeds found in a QuickPick;
 * picking one debugs it with the hunt's very options.
 */
export async function runWithManySeeds(context: Pick<vscode.ExtensionContext, 'extensionPath' | 'globalStorageUri'>, log: vscode.OutputChannel,
  store: Pick<WatchStore, 'list'>): Promise<void> {
  if (!requireTrust('run a test module')) return;
  const editor = vscode.window.activeTextEditor;
  const doc = editor?.document;
  if (!doc || !doc.fileName.endsWith('.c') || !isKernelModuleSource(doc.getText())) {
    void vscode.window.showErrorMessage('KStackWatch: open a C test module to run it with many seeds.');
    return;
  }
  await doc.save();
  const fn = functionAtLine(findFunctions(doc.getText()), editor!.selection.active.line);
  const scenario = fn ? scenariosFor(doc.fileName).find((s) => s.functions.includes(fn.name)) : undefined;
  const watches = watchesToSend(fn ? [scenario?.stackWatch.startsWith(`fn=${fn.name}`) ? scenario.stackWatch : `fn=${fn.name}`] : [], store.list.all());
  if (!watches.length) { void vscode.window.showErrorMessage('KStackWatch: put the cursor in a function or add a stack watch first.'); return; }
  const config = vscode.workspace.getConfiguration('kstackwatch');
  await vscode.workspace.fs.createDirectory(context.globalStorageUri);
  const plan: SeedHuntPlan = {
    source: doc.fileName,
    object: path.join(context.globalStorageUri.fsPath, path.basename(doc.fileName, '.c') + '.o'),
    watches, params: scenario?.params ?? {},
    seeds: config.get<number>('seeds') ?? 20, sched: config.get<string>('sched') ?? '',
  };
  const ext = context.extensionPath;
  const cwd = path.dirname(doc.fileName);
  const argv = huntArgv(plan);
  log.appendLine(`▶ ksw ${argv.map((a) => (/^[\w./=:,-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`);
  const reader = new HuntReader();
  let failure: string | null = null;
  const cancelled = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `KStackWatch: ${plan.seeds} seeds`, cancellable: true }, async (progress, token) => {
    progress.report({ message: `compiling ${path.basename(doc.fileName)}` });
    const cc = await runKsw(ext, ['cc', doc.fileName, '-o', plan.object], cwd, token);
    if (token.isCancellationRequested) return true;
    if (cc.code !== 0) { failure = cc.stderr; return false; }
    progress.report({ message: progressMessage(0, plan.seeds, 0) });
    const r = await runKsw(ext, argv, cwd, token, undefined, (chunk) => {
      const before = reader.done;
      if (reader.feed(chunk)) progress.report({ message: progressMessage(reader.done, plan.seeds, reader.found), increment: (100 * (reader.done - before)) / plan.seeds });
    });
    if (token.isCancellationRequested) return true;
    if (r.code !== 0 && r.code !== 1 && r.code !== 3) failure = r.stderr || `ksw hunt ended with status ${r.code}`;
    return false;
  });
  if (failure !== null) {
    log.append(failure);
    log.show(true);
    void vscode.window.showErrorMessage(`KStackWatch: Run With Many Seeds failed: ${String(failure).trim().split('\n').pop()}`);
    return;
  }
  const summary = huntSummary(reader, plan.seeds, cancelled);
  for (const f of reader.findings) {
    const item = findingItem(f);
    log.appendLine(`  seed ${f.seed}: ${item.description}`);
    if (f.replay) log.appendLine(`    ${f.replay}`);
  }
  log.appendLine(`■ ${summary}`);
  if (!reader.findings.length) { void vscode.window.showInformationMessage(`KStackWatch: ${summary}.`); return; }
  const picked = await vscode.window.showQuickPick(reader.findings.map((f) => ({ ...findingItem(f), finding: f })), {
    title: `KStackWatch: ${summary}`, placeHolder: 'Debug a seed: it replays exactly (same seed, interleaving, watches and parameters)', matchOnDescription: true,
  });
  if (!picked) return;
  void vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(doc.uri), replayConfiguration(plan, picked.finding.seed) as vscode.DebugConfiguration);
}
