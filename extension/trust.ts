// Workspace Trust: compiling a workspace's C files runs its build flags and
// headers through gcc, and running a module executes its code (simulated,
// but still the workspace's code) — so in Restricted Mode nothing is
// compiled or run, and the user is told why instead of seeing nothing.

import * as vscode from 'vscode';

let explained = false;

/** Say (once per window, then in the status bar) why an action is refused. */
export function explainUntrusted(action: string): void {
  const message = `KStackWatch cannot ${action} in Restricted Mode: it would compile this workspace's C files with gcc and run them. Trust the workspace to debug here.`;
  if (explained) {
    vscode.window.setStatusBarMessage(`$(shield) ${message}`, 8000);
    return;
  }
  explained = true;
  const manage = 'Manage Workspace Trust';
  void vscode.window.showWarningMessage(message, manage).then((choice) => {
    if (choice === manage) void vscode.commands.executeCommand('workbench.trust.manage');
  });
}

/** True when trusted; otherwise explains and returns false. */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  explainUntrusted(action);
  return false;
}
