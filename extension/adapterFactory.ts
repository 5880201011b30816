// Where the debug adapter runs. By default in its own process on the
// extension host's runtime (process.execPath, with ELECTRON_RUN_AS_NODE=1 so
// desktop VS Code's Electron binary behaves as plain Node): a long
// simulation slice then never blocks the editor or other extensions.
// `kstackwatch.adapterMode: "inline"` runs it inside the extension host
// instead (handy when debugging the adapter itself).

import * as path from 'node:path';
import * as vscode from 'vscode';

export type AdapterMode = 'outOfProcess' | 'inline';

export function adapterMode(): AdapterMode {
  return vscode.workspace.getConfiguration('kstackwatch').get<AdapterMode>('adapterMode') === 'inline' ? 'inline' : 'outOfProcess';
}

export class KswAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly extensionPath: string, private readonly log: { appendLine(line: string): void }) {}

  async createDebugAdapterDescriptor(): Promise<vscode.DebugAdapterDescriptor> {
    if (adapterMode() === 'inline') {
      this.log.appendLine('debug adapter: inline, in the extension host');
      // loaded on first use: the simulator (and its wasm) stays out of the editor until then
      const { KswDebugSession } = await import('../adapter/session');
      return new vscode.DebugAdapterInlineImplementation(new KswDebugSession());
    }
    const adapter = path.join(this.extensionPath, 'dist', 'adapter.js');
    this.log.appendLine(`debug adapter: ${process.execPath} ${adapter}`);
    return new vscode.DebugAdapterExecutable(process.execPath, [adapter], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } as { [key: string]: string },
    });
  }
}
