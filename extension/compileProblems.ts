// Before a session runs a .c program, compile it as the adapter will (`ksw
// cc`, the bundled ksw with the same flags): when gcc refuses it, its errors
// and warnings go to Problems on their lines and the session is not started
// — instead of the launch failing into VS Code's modal, whose main button
// ("Open launch.json") makes no sense for F5 without a launch.json.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { fileUri } from './annotations';
import { runKsw } from './kswTools';

export interface GccDiagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based; 0 when gcc gave none. */
  column: number;
  severity: 'error' | 'warning' | 'note';
  message: string;
}

/** gcc's `file:line:col: error: message` lines (relative files resolved against `cwd`). */
export function parseGccDiagnostics(stderr: string, cwd: string): GccDiagnostic[] {
  const out: GccDiagnostic[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^(.+?):(\d+):(?:(\d+):)? (fatal error|error|warning|note): (.*)$/.exec(line);
    if (!m) continue;
    out.push({
      file: path.resolve(cwd, m[1]), line: Number(m[2]), column: m[3] ? Number(m[3]) : 0,
      severity: m[4] === 'fatal error' ? 'error' : m[4] as GccDiagnostic['severity'], message: m[5],
    });
  }
  return out;
}

export class CompileProblems implements vscode.Disposable {
  readonly diagnostics = vscode.languages.createDiagnosticCollection('ksw cc');

  constructor(private readonly extensionPath: string, private readonly log: vscode.OutputChannel) {}

  /**
   * Compile `program` with the launch's compiler and flags. True when it
   * compiles (its old Problems are cleared); false after showing gcc's
   * diagnostics in Problems and saying so without a modal.
   */
  async check(program: string, config: { [key: string]: unknown }): Promise<boolean> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksw-check-'));
    const cflags = Array.isArray(config.cflags) ? config.cflags.filter((f): f is string => typeof f === 'string') : [];
    const cwd = typeof config.cwd === 'string' ? config.cwd : path.dirname(program);
    try {
      const env = typeof config.compiler === 'string' ? { CC: config.compiler } : undefined;
      // columns in bytes (gcc's default counts a tab as up to 8), as the editor counts characters
      const r = await runKsw(this.extensionPath, ['cc', program, '-o', path.join(dir, 'check.o'), ...cflags, '-fdiagnostics-column-unit=byte'], cwd, undefined, env);
      this.diagnostics.clear();
      if (r.code === 0) return true;
      const found = parseGccDiagnostics(r.stderr, cwd).filter((d) => d.severity !== 'note');
      const byFile = new Map<string, vscode.Diagnostic[]>();
      for (const d of found) {
        const at = new vscode.Range(d.line - 1, Math.max(0, d.column - 1), d.line - 1, Math.max(0, d.column - 1) + 1);
        const diag = new vscode.Diagnostic(at, d.message, d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
        diag.source = 'gcc (ksw cc)';
        byFile.set(d.file, [...(byFile.get(d.file) ?? []), diag]);
      }
      for (const [file, list] of byFile) this.diagnostics.set(fileUri(file), list);
      this.log.appendLine(`$ ksw cc ${program}\n${r.stderr.trimEnd()}`);
      const errors = found.filter((d) => d.severity === 'error').length;
      const reason = errors ? `${errors} error${errors === 1 ? '' : 's'} — see Problems` : (r.stderr.trim().split('\n').pop() ?? 'see the KStackWatch output');
      void vscode.window.showWarningMessage(`KStackWatch: ${path.basename(program)} does not compile (${reason}); the session was not started.`);
      if (errors) void vscode.commands.executeCommand('workbench.actions.view.problems');
      return false;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  dispose(): void {
    this.diagnostics.dispose();
  }
}
