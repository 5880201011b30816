// Long work outside a debug session, with progress: compiling a test module
// (`ksw cc`) and running it under many seeds (`ksw run --json`) to find
// the schedules that corrupt — each seed can then be replayed in the
// debugger, since the machine is deterministic. The bundled `ksw` runs on
// the extension host's runtime, as the adapter does.

import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findFunctions, functionAtLine, isKernelModuleSource } from './cSource';
import { requireTrust } from './trust';
import { WatchStore } from './stackWatchesView';
import { scenariosFor } from './launchDefaults';
import { watchesToSend } from './watchModel';

export interface KswResult { code: number | null; stdout: string; stderr: string }

/** Run the bundled ksw; cancellation kills it. */
export function runKsw(extensionPath: string, args: string[], cwd: string, token?: vscode.CancellationToken, env?: Record<string, string>): Promise<KswResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(extensionPath, 'dist', 'ksw.js'), ...args], {
      cwd, env: { ...process.env, ...env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
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

  context.subscriptions.push(vscode.commands.registerCommand('kstackwatch.runSeeds', async () => {
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
    const count = vscode.workspace.getConfiguration('kstackwatch').get<number>('seeds') ?? 20;
    const params = scenario ? Object.entries(scenario.params).flatMap(([k, v]) => ['--param', `${k}=${v}`]) : [];
    const cwd = path.dirname(doc.fileName);
    const objectDir = context.globalStorageUri.fsPath;
    await vscode.workspace.fs.createDirectory(context.globalStorageUri);
    const object = path.join(objectDir, path.basename(doc.fileName, '.c') + '.o');
    const hits: number[] = [];
    log.appendLine(`▶ ${count} seeds: ${path.basename(doc.fileName)} ${params.join(' ')} ${watches.map((w) => `--watch "${w}"`).join(' ')}`);
    const cancelled = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `KStackWatch: ${count} seeds`, cancellable: true }, async (progress, token) => {
      progress.report({ message: `compiling ${path.basename(doc.fileName)}` });
      const cc = await runKsw(ext, ['cc', doc.fileName, '-o', object], cwd, token);
      if (cc.code !== 0) { log.append(cc.stderr); log.show(true); return false; }
      for (let seed = 1; seed <= count; seed++) {
        if (token.isCancellationRequested) return true;
        progress.report({ message: `seed ${seed}/${count}${hits.length ? ` — corrupted with ${hits.length}` : ''}`, increment: 100 / count });
        const r = await runKsw(ext, ['run', object, '--json', '--quiet', '--seed', String(seed), ...params, ...watches.flatMap((w) => ['--watch', w])], cwd, token);
        const corrupted = r.stdout.split('\n').some((l) => l.startsWith('{"type":"corruption"'));
        if (corrupted) hits.push(seed);
        log.appendLine(`  seed ${seed}: exit ${r.code}${corrupted ? ' — stack corruption caught' : ''}`);
      }
      return false;
    });
    if (cancelled) { log.appendLine('  cancelled'); return; }
    const summary = hits.length ? `corruption caught with seed${hits.length > 1 ? 's' : ''} ${hits.join(', ')}` : 'no corruption caught';
    log.appendLine(`■ ${summary}`);
    if (!hits.length) { void vscode.window.showInformationMessage(`KStackWatch: ${count} seeds, ${summary}.`); return; }
    const debug = `Debug Seed ${hits[0]}`;
    const choice = await vscode.window.showInformationMessage(`KStackWatch: ${count} seeds, ${summary}.`, debug);
    if (choice === debug) {
      const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
      void vscode.debug.startDebugging(folder, {
        type: 'kstackwatch', request: 'launch', name: `KStackWatch: ${path.basename(doc.fileName)} seed ${hits[0]}`, program: doc.fileName,
        seed: hits[0], stackWatch: watches, ...(scenario ? { params: scenario.params } : {}),
      });
    }
  }));
}
