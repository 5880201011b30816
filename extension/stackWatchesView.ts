// The Stack Watches view in the Run and Debug side bar, behaving like the
// Breakpoints view: a checkbox per watch, inline edit/remove, hit counts,
// and the live state (armed on which CPU and debug register / pending / no
// free slot / unverified with the reason). Watches are kept in the
// workspace's state, so they come back with the workspace, like breakpoints.

import * as vscode from 'vscode';
import { CpuRegisters, StoredWatch, WatchList, WatchRow, cpuRegisterLines, registersSummary, watchRows } from './watchModel';

const STATE_KEY = 'kstackwatch.watches';

/** The user's watches, persisted in the workspace. */
export class WatchStore implements vscode.Disposable {
  readonly list: WatchList;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly state: vscode.Memento) {
    this.list = new WatchList(state.get<StoredWatch[]>(STATE_KEY, []));
  }

  /** Apply a change, persist it and tell the view and the live sessions. */
  update(change: (list: WatchList) => void): void {
    change(this.list);
    void this.state.update(STATE_KEY, this.list.toJSON());
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export type ViewNode = { kind: 'watch'; row: WatchRow } | { kind: 'armed'; text: string; parent: WatchRow } | { kind: 'note'; text: string }
  | { kind: 'registers'; cpus: CpuRegisters[] } | { kind: 'cpu'; label: string; detail: string; free: number };

export interface WatchSource {
  rows(): WatchRow[];
  note(): string | undefined;
  /** The debug registers of the current session's CPUs, when it is stopped. */
  registers(): CpuRegisters[] | null;
}

const ICONS: Record<WatchRow['state'], [string, string | undefined]> = {
  armed: ['eye', 'debugIcon.breakpointForeground'],
  pending: ['eye', 'debugIcon.breakpointUnverifiedForeground'],
  idle: ['eye', undefined],
  noFreeSlot: ['warning', 'editorWarning.foreground'],
  unverified: ['eye-closed', 'debugIcon.breakpointUnverifiedForeground'],
  invalid: ['error', 'errorForeground'],
  disabled: ['eye-closed', 'disabledForeground'],
};

export class StackWatchesView implements vscode.TreeDataProvider<ViewNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ViewNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<ViewNode>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(store: WatchStore, private readonly source: WatchSource) {
    this.view = vscode.window.createTreeView('kstackwatch.stackWatches', { treeDataProvider: this, showCollapseAll: false, manageCheckboxStateManually: true });
    this.disposables.push(
      this.view,
      this.view.onDidChangeCheckboxState((e) => {
        store.update((list) => {
          for (const [node, state] of e.items) {
            if (node.kind === 'watch' && !node.row.fromLaunch) list.setEnabled(node.row.watch.id, state === vscode.TreeItemCheckboxState.Checked);
          }
        });
      }),
      store.onDidChange(() => this.refresh()),
      this.changed,
    );
  }

  refresh(): void {
    this.changed.fire(undefined);
    const rows = this.source.rows();
    this.view.badge = rows.some((r) => r.hits > 0) ? { value: rows.reduce((n, r) => n + r.hits, 0), tooltip: 'stack watch hits' } : undefined;
    this.view.message = this.source.note();
  }

  getChildren(node?: ViewNode): ViewNode[] {
    if (!node) {
      const nodes: ViewNode[] = this.source.rows().map((row) => ({ kind: 'watch', row }));
      const cpus = this.source.registers();
      if (cpus && nodes.length) nodes.push({ kind: 'registers', cpus });
      return nodes;
    }
    if (node.kind === 'watch') return node.row.armed.map((text) => ({ kind: 'armed', text, parent: node.row }));
    if (node.kind === 'registers') return cpuRegisterLines(node.cpus).map((c) => ({ kind: 'cpu', ...c }));
    return [];
  }

  getTreeItem(node: ViewNode): vscode.TreeItem {
    if (node.kind === 'armed') {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon('debug-breakpoint-data', new vscode.ThemeColor('debugIcon.breakpointForeground'));
      item.contextValue = 'armed';
      return item;
    }
    if (node.kind === 'note') return new vscode.TreeItem(node.text);
    if (node.kind === 'registers') {
      const item = new vscode.TreeItem('Debug registers', vscode.TreeItemCollapsibleState.Collapsed);
      const summary = registersSummary(node.cpus);
      item.description = summary.description;
      item.tooltip = summary.tooltip;
      item.iconPath = new vscode.ThemeIcon('chip');
      item.contextValue = 'registers';
      return item;
    }
    if (node.kind === 'cpu') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.description = node.detail;
      item.tooltip = node.detail.split(' · ').join('\n');
      // no warning icon: a CPU whose slots are all in KStackWatch's pool is the normal state with a watch set
      item.iconPath = new vscode.ThemeIcon('circuit-board');
      return item;
    }
    const row = node.row;
    const item = new vscode.TreeItem(row.watch.config, row.armed.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = `${row.fromLaunch ? 'launch' : 'user'}:${row.watch.config}`;
    item.description = row.fromLaunch ? [row.description, 'launch config'].filter((x, i, a) => x && a.indexOf(x) === i).join(' · ') : row.description;
    item.tooltip = new vscode.MarkdownString(`\`${row.watch.config}\`\n\n${row.tooltip.split('\n').slice(1).join('  \n')}${row.fromLaunch ? '\n\n_From the launch configuration: change it there._' : ''}`);
    item.command = { command: 'kstackwatch.revealWatch', title: 'Reveal Watched Function', arguments: [row.watch.config] };
    const [icon, color] = ICONS[row.state];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    if (!row.fromLaunch) {
      item.checkboxState = row.watch.enabled ? vscode.TreeItemCheckboxState.Checked : vscode.TreeItemCheckboxState.Unchecked;
      item.contextValue = row.watch.enabled ? 'watch-enabled' : 'watch-disabled';
    } else {
      item.contextValue = 'launch-watch';
    }
    return item;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

export { watchRows };
