// Completion of `stackWatch` in launch.json from the workspace's own
// modules: `fn=NAME` for each watchable function of the configuration's
// program (or of every kernel module in the folder when the program is not
// a .c there) — not the bundled example's functions, which the schema no
// longer lists.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isKernelModuleSource, watchableFunctions } from './cSource';

/**
 * Is the cursor (at the end of `before`, the document's text up to it)
 * inside a string of a `stackWatch` value — `"stackWatch": "fn=…` or an
 * element of `"stackWatch": [ …, "fn=…` — and what was typed in it?
 */
export function stackWatchContext(before: string): { typed: string; program?: string } | undefined {
  const open = /"((?:[^"\\]|\\.)*)$/.exec(before);
  if (!open) return undefined;
  // the string must be a value (after ':' or in an array), not a key
  const head = before.slice(0, open.index);
  const m = /"stackWatch"\s*:\s*(\[(?:\s*"(?:[^"\\]|\\.)*"\s*,)*\s*)?$/.exec(head);
  if (!m) return undefined;
  // the enclosing configuration's program, the nearest one before it
  const programs = [...head.matchAll(/"program"\s*:\s*"((?:[^"\\]|\\.)*)"/g)];
  // the configuration object's opening brace (not the one of a ${…} variable)
  const lastBrace = Math.max(-1, ...[...head.matchAll(/(?<!\$)\{/g)].map((b) => b.index ?? -1));
  const program = programs.filter((p) => (p.index ?? 0) > lastBrace).pop()?.[1];
  return { typed: open[1], ...(program ? { program } : {}) };
}

export class StackWatchCompletion implements vscode.CompletionItemProvider {
  async provideCompletionItems(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.CompletionItem[]> {
    const ctx = stackWatchContext(doc.getText(new vscode.Range(new vscode.Position(0, 0), pos)));
    if (!ctx) return [];
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    const files = await this.modules(folder, ctx.program);
    const typedFrom = pos.character - (/[^"\s]*$/.exec(doc.lineAt(pos.line).text.slice(0, pos.character))?.[0].length ?? 0);
    const range = new vscode.Range(pos.line, typedFrom, pos.line, pos.character);
    const items: vscode.CompletionItem[] = [];
    for (const file of files) {
      let text: string;
      try { text = fs.readFileSync(file, 'utf8'); } catch { continue; }
      for (const fn of watchableFunctions(text)) {
        const item = new vscode.CompletionItem(`fn=${fn.name}`, vscode.CompletionItemKind.Function);
        item.detail = `watch ${fn.name}'s canary — ${path.basename(file)}:${fn.line + 1}`;
        item.range = range;
        items.push(item);
      }
    }
    return items;
  }

  /** The program's source when it is a .c in the folder, the module sources of a Kbuild folder program, else every kernel module .c of the folder. */
  private async modules(folder: vscode.WorkspaceFolder | undefined, program: string | undefined): Promise<string[]> {
    if (program && folder) {
      const resolved = program.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath).replace(/\.k?o$/, '.c');
      if (resolved.endsWith('.c') && fs.existsSync(resolved)) return [resolved];
      const sources = moduleSourcesIn(resolved);
      if (sources.length) return sources;
    }
    const pattern = folder ? new vscode.RelativePattern(folder, '**/*.c') : '**/*.c';
    const uris = await vscode.workspace.findFiles(pattern, '**/{node_modules,.git,out,dist}/**', 50);
    return uris.map((u) => u.fsPath).filter(isModuleFile);
  }
}

function isModuleFile(file: string): boolean {
  try { return isKernelModuleSource(fs.readFileSync(file, 'utf8')); } catch { return false; }
}

/** The kernel module sources of a folder (a Kbuild folder program); none when it is not a folder. */
function moduleSourcesIn(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((n) => n.endsWith('.c')).map((n) => path.join(dir, n)).filter(isModuleFile);
  } catch {
    return [];
  }
}

export function registerLaunchCompletion(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.languages.registerCompletionItemProvider(
    [{ language: 'jsonc', pattern: '**/.vscode/launch.json' }, { language: 'json', pattern: '**/.vscode/launch.json' }],
    new StackWatchCompletion(), '"', '='));
}
