// Inline corruption (and oops) annotations: the writer's line in the error
// colour with an after-text, the victim's line marked, an Error in Problems
// with related information, and a hover with the kernel-style report. All of
// it is cleared when the next KStackWatch session starts.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findFunctions } from './cSource';
import {
  CorruptionJson, OopsJson, corruptionAfterText, corruptionHover, corruptionMessage, firstSourceFrame, functionOf,
  oopsAfterText, oopsHover, oopsMessage, victimAfterText, GOTO_TIME_COMMAND,
} from './reports';

interface Mark {
  file: string;
  /** 0-based line. */
  line: number;
  kind: 'writer' | 'victim' | 'oops';
  after: string;
  hover: string;
}

export class Annotations implements vscode.Disposable, vscode.HoverProvider {
  private readonly writer: vscode.TextEditorDecorationType;
  private readonly victim: vscode.TextEditorDecorationType;
  private readonly oops: vscode.TextEditorDecorationType;
  readonly diagnostics = vscode.languages.createDiagnosticCollection('kstackwatch');
  private marks: Mark[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(media: string) {
    const after = (color: string): vscode.ThemableDecorationAttachmentRenderOptions => ({ color: new vscode.ThemeColor(color), margin: '0 0 0 1.5em', fontStyle: 'italic' });
    this.writer = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('inputValidation.errorBackground'),
      border: '1px solid', borderColor: new vscode.ThemeColor('inputValidation.errorBorder'),
      overviewRulerColor: new vscode.ThemeColor('editorError.foreground'), overviewRulerLane: vscode.OverviewRulerLane.Full,
      gutterIconPath: path.join(media, 'gutter-corruption.svg'), gutterIconSize: 'contain',
      after: after('errorForeground'),
    });
    this.victim = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('inputValidation.warningBackground'),
      overviewRulerColor: new vscode.ThemeColor('editorWarning.foreground'), overviewRulerLane: vscode.OverviewRulerLane.Right,
      after: after('editorWarning.foreground'),
    });
    this.oops = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('inputValidation.errorBackground'),
      overviewRulerColor: new vscode.ThemeColor('editorError.foreground'), overviewRulerLane: vscode.OverviewRulerLane.Full,
      gutterIconPath: path.join(media, 'gutter-corruption.svg'), gutterIconSize: 'contain',
      after: after('errorForeground'),
    });
    this.disposables.push(
      this.writer, this.victim, this.oops, this.diagnostics,
      vscode.window.onDidChangeVisibleTextEditors(() => this.render()),
      vscode.languages.registerHoverProvider([{ scheme: 'file' }], this),
    );
  }

  private enabled(): boolean {
    return vscode.workspace.getConfiguration('kstackwatch').get<boolean>('annotations') !== false;
  }

  /** What was annotated, with its simulated time, so going back in time can hide what has not happened yet. */
  private shown: { time: number; apply: () => void }[] = [];
  private now = Infinity;

  clear(): void {
    this.shown = [];
    this.now = Infinity;
    this.reset();
  }

  private reset(): void {
    this.marks = [];
    this.diagnostics.clear();
    this.render();
  }

  /**
   * The machine is now at simulated time `timeNs` (the adapter's
   * `kstackwatch.time` event): show only corruptions and oopses that had
   * happened by then.
   */
  setTime(timeNs: number): void {
    if (timeNs === this.now) return;
    this.now = timeNs;
    this.reset();
    for (const r of this.shown) if (r.time <= timeNs) r.apply();
    this.render();
  }

  /** Record an annotation and show it if it has happened by the current time. */
  private record(time: number | undefined, apply: () => void): void {
    const t = time ?? 0;
    this.shown.push({ time: t, apply });
    if (t <= this.now) { apply(); this.render(); }
  }

  /** Annotate a corruption. `victimLine` is where the victim frame is (from the session), when known. */
  addCorruption(c: CorruptionJson, kernelText: string | undefined, victim: { file: string; line: number } | undefined, watchSource: vscode.Location | undefined): void {
    if (!this.enabled()) return;
    this.record(c.time_ns, () => this.showCorruption(c, kernelText, victim, watchSource));
  }

  private showCorruption(c: CorruptionJson, kernelText: string | undefined, victim: { file: string; line: number } | undefined, watchSource: vscode.Location | undefined): void {
    const top = c.writer.file && c.writer.line ? { file: c.writer.file, line: c.writer.line } : firstSourceFrame(c.writer.stack);
    const hover = corruptionHover(c, kernelText);
    const victimAt = victim ?? this.definitionOf(c.watch.function, top?.file);
    if (victimAt) this.marks.push({ file: victimAt.file, line: victimAt.line - 1, kind: 'victim', after: victimAfterText(c), hover });
    if (top?.file && top.line) {
      this.marks.push({ file: top.file, line: top.line - 1, kind: 'writer', after: corruptionAfterText(c), hover });
      const d = new vscode.Diagnostic(lineRange(top.file, top.line - 1), corruptionMessage(c), vscode.DiagnosticSeverity.Error);
      d.source = 'KStackWatch';
      d.code = 'stack-corruption';
      const related: vscode.DiagnosticRelatedInformation[] = [];
      if (victimAt) related.push(new vscode.DiagnosticRelatedInformation(new vscode.Location(fileUri(victimAt.file), lineRange(victimAt.file, victimAt.line - 1)), `victim frame: ${c.watch.function}() of ${c.watch.comm} (pid ${c.watch.pid}), depth ${c.watch.depth}, CPU ${c.watch.cpu}`));
      if (watchSource) related.push(new vscode.DiagnosticRelatedInformation(watchSource, `watch config: ${c.config}`));
      for (const f of c.writer.stack.slice(1)) {
        if (f.file && f.line) related.push(new vscode.DiagnosticRelatedInformation(new vscode.Location(fileUri(f.file), lineRange(f.file, f.line - 1)), `called from ${functionOf(f.symbol)} (${c.writer.comm})`));
      }
      d.relatedInformation = related;
      this.addDiagnostic(top.file, d);
    }
  }

  addOops(o: OopsJson, kernelText: string | undefined): void {
    if (!this.enabled()) return;
    this.record(o.time_ns, () => this.showOops(o, kernelText));
  }

  private showOops(o: OopsJson, kernelText: string | undefined): void {
    const at = o.file && o.line ? { file: o.file, line: o.line } : firstSourceFrame(o.stack);
    if (!at?.file || !at.line) return;
    this.marks.push({ file: at.file, line: at.line - 1, kind: 'oops', after: oopsAfterText(o), hover: oopsHover(o, kernelText) });
    const d = new vscode.Diagnostic(lineRange(at.file, at.line - 1), oopsMessage(o), vscode.DiagnosticSeverity.Error);
    d.source = 'KStackWatch';
    d.code = 'oops';
    d.relatedInformation = o.stack.filter((f) => f.file && f.line && !(f.file === at.file && f.line === at.line))
      .map((f) => new vscode.DiagnosticRelatedInformation(new vscode.Location(fileUri(f.file!), lineRange(f.file!, f.line! - 1)), `called from ${functionOf(f.symbol)}`));
    this.addDiagnostic(at.file, d);
  }

  private addDiagnostic(file: string, d: vscode.Diagnostic): void {
    const uri = fileUri(file);
    const list = [...(this.diagnostics.get(uri) ?? [])];
    if (!list.some((x) => x.message === d.message && x.range.start.line === d.range.start.line)) list.push(d);
    this.diagnostics.set(uri, list);
  }

  /** The definition line (1-based) of a function in the writer's source, for a victim with no live frame. */
  private definitionOf(fn: string, file: string | undefined): { file: string; line: number } | undefined {
    if (!file) return undefined;
    try {
      const f = findFunctions(fs.readFileSync(file, 'utf8')).find((x) => x.name === fn);
      return f ? { file, line: f.line + 1 } : undefined;
    } catch {
      return undefined;
    }
  }

  private render(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const file = editor.document.uri.fsPath;
      const of = (kind: Mark['kind']) => this.marks.filter((m) => m.kind === kind && samePath(m.file, file)).map((m) => ({
        range: new vscode.Range(m.line, 0, m.line, 0),
        renderOptions: { after: { contentText: m.after } },
      }));
      editor.setDecorations(this.writer, of('writer'));
      editor.setDecorations(this.victim, of('victim'));
      editor.setDecorations(this.oops, of('oops'));
    }
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const marks = this.marks.filter((m) => m.line === position.line && samePath(m.file, document.uri.fsPath));
    if (!marks.length) return undefined;
    const seen = new Set<string>();
    const parts = marks.map((m) => m.hover).filter((h) => !seen.has(h) && !!seen.add(h));
    const md = new vscode.MarkdownString(parts.join('\n\n---\n\n'));
    // the origin's "go back to that moment" link runs this one command, nothing else
    md.isTrusted = { enabledCommands: [GOTO_TIME_COMMAND] };
    return new vscode.Hover(md, document.lineAt(position.line).range);
  }

  /** For tests and the E2E: how many marks of each kind are shown. */
  summary(): Record<Mark['kind'], number> {
    return {
      writer: this.marks.filter((m) => m.kind === 'writer').length,
      victim: this.marks.filter((m) => m.kind === 'victim').length,
      oops: this.marks.filter((m) => m.kind === 'oops').length,
    };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * The URI of a file the adapter named by path: the workspace folder's own
 * URI joined with the relative path when the file is inside a folder (so a
 * remote window — code-server, SSH — gets its vscode-remote:// form and the
 * link opens), else, for a file outside every folder, the URI of an open
 * document with that path, else a file: URI.
 */
export function fileUri(file: string): vscode.Uri {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const rel = path.relative(folder.uri.fsPath, file);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return vscode.Uri.joinPath(folder.uri, ...rel.split(path.sep));
  }
  const open = vscode.workspace.textDocuments.find((d) => samePath(d.uri.fsPath, file));
  return open ? open.uri : vscode.Uri.file(file);
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

/** The whole text of a 0-based line (its length read from the file, so Problems underlines the code). */
function lineRange(file: string, line: number): vscode.Range {
  const doc = vscode.workspace.textDocuments.find((d) => samePath(d.uri.fsPath, file));
  if (doc && line < doc.lineCount) {
    const l = doc.lineAt(line);
    return new vscode.Range(line, l.firstNonWhitespaceCharacterIndex, line, l.text.length);
  }
  try {
    const text = fs.readFileSync(file, 'utf8').split('\n')[line] ?? '';
    return new vscode.Range(line, text.length - text.trimStart().length, line, text.length);
  } catch {
    return new vscode.Range(line, 0, line, 0);
  }
}
