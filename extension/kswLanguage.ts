// The `.ksw` language: one stack-watch config per line. Diagnostics on each
// bad token (errors the kernel would refuse, warnings for keys it would
// skip), completion of keys with their documentation, and hovers.

import * as vscode from 'vscode';
import { WATCH_KEYS, checkKswDocument, keyInfo, kswLineContent } from './watchConfig';

export const KSW_LANGUAGE = 'kstackwatch';

export function registerKswLanguage(context: vscode.ExtensionContext): void {
  const diagnostics = vscode.languages.createDiagnosticCollection('kstackwatch-config');
  const check = (doc: vscode.TextDocument) => {
    if (doc.languageId !== KSW_LANGUAGE) return;
    const list: vscode.Diagnostic[] = [];
    for (const entry of checkKswDocument(doc.getText())) {
      for (const p of entry.problems) {
        const range = new vscode.Range(entry.line, entry.offset + p.start, entry.line, entry.offset + Math.max(p.end, p.start + 1));
        const d = new vscode.Diagnostic(range, p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
        d.source = 'KStackWatch';
        list.push(d);
      }
    }
    diagnostics.set(doc.uri, list);
  };
  for (const doc of vscode.workspace.textDocuments) check(doc);
  context.subscriptions.push(
    diagnostics,
    vscode.workspace.onDidOpenTextDocument(check),
    vscode.workspace.onDidChangeTextDocument((e) => check(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => diagnostics.delete(doc.uri)),
    vscode.languages.registerCompletionItemProvider(KSW_LANGUAGE, { provideCompletionItems }, '=', ' '),
    vscode.languages.registerHoverProvider(KSW_LANGUAGE, { provideHover }),
  );
}

function provideCompletionItems(doc: vscode.TextDocument, pos: vscode.Position): vscode.CompletionItem[] {
  const before = doc.lineAt(pos.line).text.slice(0, pos.character);
  if (before.includes('#')) return [];
  const token = /[^ \t]*$/.exec(before)?.[0] ?? '';
  if (token.includes('=')) return valueCompletions(token.slice(0, token.indexOf('=')));
  const used = new Set((kswLineContent(doc.lineAt(pos.line).text)?.text ?? '').split(/\s+/).map((t) => t.slice(0, t.indexOf('='))).map((k) => keyInfo(k)?.long));
  return WATCH_KEYS.filter((k) => !used.has(k.long)).flatMap((k, i) => {
    const forms = k.long === k.short ? [k.short] : [k.short, k.long];
    return forms.map((name) => {
      const item = new vscode.CompletionItem(name, vscode.CompletionItemKind.Property);
      item.insertText = new vscode.SnippetString(`${name}=${k.kind === 'name' ? '${1:function}' : k.kind === 'variable' ? '${1:buf[4]}' : '$1'}`);
      item.detail = k.long === k.short ? k.doc.split('.')[0] : `${k.long} | ${k.short}`;
      item.documentation = new vscode.MarkdownString(`${k.doc}\n\nExample: \`${k.example}\``);
      item.sortText = `${k.long === 'func_name' ? 0 : 1}${String(i).padStart(2, '0')}${name === k.short ? 0 : 1}`;
      item.command = { command: 'editor.action.triggerSuggest', title: '' };
      return item;
    });
  });
}

function valueCompletions(key: string): vscode.CompletionItem[] {
  const info = keyInfo(key);
  if (!info) return [];
  const values = info.long === 'watch_len' ? [['0', 'the stack canary'], ['1', '1 byte'], ['2', '2 bytes'], ['4', '4 bytes'], ['8', '8 bytes']]
    : info.kind === 'flag' ? [['0', 'off'], ['1', 'on']] : [];
  return values.map(([v, doc]) => {
    const item = new vscode.CompletionItem(v, vscode.CompletionItemKind.Value);
    item.detail = doc;
    return item;
  });
}

function provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
  const range = doc.getWordRangeAtPosition(pos, /[A-Za-z_]+(?==)/);
  if (!range) return undefined;
  const info = keyInfo(doc.getText(range));
  if (!info) return undefined;
  return new vscode.Hover(new vscode.MarkdownString(`**${info.long}** (\`${info.short}\`)\n\n${info.doc}\n\nExample: \`${info.example}\``), range);
}
