// The DebugConfigurationProvider: F5 with no launch.json (the C file in the
// editor — or its Kbuild folder, built with Kbuild — with a canary watch on
// the function at the cursor), the dynamic
// configurations (every scenario of every example), the initial launch.json,
// and the checks before a launch — Workspace Trust, and stack-watch configs
// validated here so a typo is shown with its token instead of failing the
// session.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isKbuildFolder } from '../simulator/toolchain/kbuild';
import { findFunctions, functionAtLine } from './cSource';
import { DEBUG_TYPE, INITIAL_CONFIGURATIONS, SourceFile, dynamicConfigurations, launchForEditor } from './launchDefaults';
import { checkLaunchStackWatch, describeProblem } from './watchConfig';
import { explainUntrusted } from './trust';

/** Compiles a .c program before a session (compileProblems.ts); true when it compiles. */
export type CompileCheck = (program: string, config: vscode.DebugConfiguration) => Promise<boolean>;

export class KswConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(private readonly log: vscode.OutputChannel, private readonly compileCheck?: CompileCheck) {}

  /**
   * "create a launch.json file": one configuration per module and scenario
   * found in the folder. VS Code puts the manifest's initialConfigurations
   * (the editor-driven one, INITIAL_CONFIGURATIONS) before these itself, so
   * it is not repeated here.
   */
  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
    const found = await new KswDynamicProvider().provideDebugConfigurations(folder);
    const initial = new Set(INITIAL_CONFIGURATIONS.map((c) => c.name));
    return found.filter((c) => !initial.has(c.name)).slice(0, 8).map((c) => ({ ...c }));
  }

  /** F5 with no launch.json: VS Code passes an empty configuration. */
  resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.ProviderResult<vscode.DebugConfiguration> {
    if (!vscode.workspace.isTrusted) {
      explainUntrusted('start a KStackWatch session');
      return undefined;
    }
    if (!config.type && !config.request && !config.name) {
      const root = folder?.uri.fsPath;
      const made = launchForEditor(activeEditor(), root, root && isKbuildFolder(root) ? root : undefined);
      if (typeof made === 'string') {
        void vscode.window.showInformationMessage(made);
        return undefined;
      }
      this.log.appendLine(`F5 without launch.json: ${made.name}${made.stackWatch ? ` with stackWatch "${String(made.stackWatch)}"` : ''}`);
      return made as vscode.DebugConfiguration;
    }
    if (!config.program) {
      void vscode.window.showErrorMessage(`KStackWatch: launch configuration "${config.name ?? ''}" has no "program" (the test module .c/.o/.ko, Kbuild module folder or static executable to run).`);
      return undefined;
    }
    return config;
  }

  /** After ${…} substitution: check the stack watches before anything is compiled or booted. */
  async resolveDebugConfigurationWithSubstitutedVariables(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    const { problems } = checkLaunchStackWatch(config.stackWatch);
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length) {
      const detail = errors.map(describeProblem).join('\n');
      this.log.appendLine(`launch "${config.name}" not started: invalid stack watch\n${detail}`);
      const open = 'Open launch.json';
      const choice = await vscode.window.showErrorMessage(`KStackWatch: invalid stack watch — ${describeProblem(errors[0])}`, { modal: false }, open);
      if (choice === open) void vscode.commands.executeCommand('workbench.action.debug.configure');
      return undefined;
    }
    const warnings = problems.filter((p) => p.severity === 'warning');
    if (warnings.length) {
      const run = 'Run Anyway';
      const choice = await vscode.window.showWarningMessage(`KStackWatch: ${describeProblem(warnings[0])}${warnings.length > 1 ? ` (and ${warnings.length - 1} more)` : ''}. The kernel would skip it.`, { modal: true }, run);
      if (choice !== run) return undefined;
    }
    // a .ko of a Kbuild folder may not be built yet: the adapter builds it
    if (typeof config.program === 'string' && !fs.existsSync(config.program) && !config.program.includes('${') && !kbuildModule(config.program)) {
      void vscode.window.showErrorMessage(`KStackWatch: program ${config.program} does not exist.`);
      return undefined;
    }
    if (!config.cwd && _folder) config.cwd = _folder.uri.fsPath;
    if (this.compileCheck && typeof config.program === 'string' && config.program.endsWith('.c') && !(await this.compileCheck(config.program, config))) return undefined;
    return config;
  }
}

/** Dynamic configurations: one per scenario of each example module, one per other module and built program. */
export class KswDynamicProvider implements vscode.DebugConfigurationProvider {
  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
    const pattern = folder ? new vscode.RelativePattern(folder, '**/*.c') : '**/*.c';
    const uris = await vscode.workspace.findFiles(pattern, '**/{node_modules,.git,out,dist}/**', 200);
    const files: SourceFile[] = [];
    for (const uri of uris.sort((a, b) => a.fsPath.localeCompare(b.fsPath))) {
      try {
        const text = fs.readFileSync(uri.fsPath, 'utf8');
        const exe = uri.fsPath.replace(/\.c$/, '');
        const kbuild = kbuildFolderOf(uri.fsPath);
        files.push({ path: uri.fsPath, text, ...(isExecutable(exe) ? { executable: exe } : {}), ...(kbuild ? { kbuildFolder: kbuild } : {}) });
      } catch {
        // unreadable: skip
      }
    }
    return dynamicConfigurations(folder?.uri.fsPath, files) as vscode.DebugConfiguration[];
  }
}

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** The Kbuild folder a C source lies in (its own folder, when that has a Makefile or Kbuild naming obj-m). */
function kbuildFolderOf(file: string): string | undefined {
  const dir = path.dirname(file);
  return file.endsWith('.c') && isKbuildFolder(dir) ? dir : undefined;
}

function kbuildModule(program: string): boolean {
  return program.endsWith('.ko') && isKbuildFolder(path.dirname(program));
}

function activeEditor(): Parameters<typeof launchForEditor>[0] {
  const e = vscode.window.activeTextEditor;
  if (!e || e.document.uri.scheme !== 'file') return undefined;
  const file = e.document.uri.fsPath;
  const exe = file.replace(/\.c$/, '');
  const kbuild = kbuildFolderOf(file);
  return {
    file, languageId: e.document.languageId, text: e.document.getText(), line: e.selection.active.line,
    ...(file.endsWith('.c') && isExecutable(exe) ? { executable: exe } : {}),
    ...(kbuild ? { kbuildFolder: kbuild } : {}),
  };
}

/** `${command:kstackwatch.functionAtCursor}`: the C function around the cursor. */
export function functionAtCursor(): string | undefined {
  const e = vscode.window.activeTextEditor;
  if (!e) return undefined;
  const fn = functionAtLine(findFunctions(e.document.getText()), e.selection.active.line);
  if (!fn) {
    void vscode.window.showErrorMessage('KStackWatch: put the cursor inside a C function to watch its stack.');
    return undefined;
  }
  return fn.name;
}

export function registerDebugProviders(context: vscode.ExtensionContext, log: vscode.OutputChannel, compileCheck?: CompileCheck): void {
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new KswConfigurationProvider(log, compileCheck), vscode.DebugConfigurationProviderTriggerKind.Initial),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new KswDynamicProvider(), vscode.DebugConfigurationProviderTriggerKind.Dynamic),
  );
}
