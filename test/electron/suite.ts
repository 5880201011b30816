// Runs inside desktop VS Code, started by scripts/test-electron.mjs through
// @vscode/test-electron (for machines that can download VS Code; CI here
// uses the code-server route of test/e2e instead). The same scenario as the
// E2E test, checked through the API: start scenario 1 with a canary watch,
// wait for the stop, then the annotations and the Problems entry.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KswApi } from '../../extension/extension';

async function until<T>(what: string, probe: () => T | undefined, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<KswApi>('kstackwatch-studio.kstackwatch-studio');
  assert.ok(ext, 'the extension is installed');
  const api = await ext.activate();
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'examples/ is open');
  const program = path.join(folder.uri.fsPath, 'kstackwatch', 'kstackwatch_test.c');
  await vscode.window.showTextDocument(vscode.Uri.file(program));

  let stopped = false;
  const sub = vscode.debug.registerDebugAdapterTrackerFactory('kstackwatch', {
    createDebugAdapterTracker: () => ({
      onDidSendMessage: (m: { type: string; event?: string; body?: { reason?: string } }) => {
        if (m.type === 'event' && m.event === 'stopped' && m.body?.reason === 'data breakpoint') stopped = true;
      },
    }),
  });
  try {
    const ok = await vscode.debug.startDebugging(folder, {
      type: 'kstackwatch', request: 'launch', name: 'electron test: scenario 1', program, params: { test: 1 }, stackWatch: 'fn=test_canary_overflow',
    });
    assert.ok(ok, 'the session starts');
    await until('the data breakpoint stop', () => stopped || undefined, 60_000);
    await until('the writer annotation', () => api.annotations().writer > 0 || undefined, 10_000);
    const diagnostics = vscode.languages.getDiagnostics(vscode.Uri.file(program));
    assert.ok(diagnostics.some((d) => /Stack corruption: insmod/.test(d.message)), 'a Problems entry names the writer');
    await vscode.debug.stopDebugging();
  } finally {
    sub.dispose();
  }
}
