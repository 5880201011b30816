// The Stack Watches view's model, like VS Code's breakpoint model: a list of
// watches the user set (persisted in the workspace), each enabled or not,
// plus what the live session says about it (verified, hits, where it is
// armed). No `vscode` import: unit-tested under plain node.

import { parseConfig } from '../simulator/kstackwatch/config';
import { checkWatchLine } from './watchConfig';
import type { CpuDebugRegisters, StackWatchInfo, StackWatchList } from '../adapter/protocol';

/** A watch as persisted (workspaceState). */
export interface StoredWatch {
  id: number;
  config: string;
  enabled: boolean;
}

/** What the adapter's `kstackwatch.listStackWatches` / `setStackWatches` return for one watch. */
export type SessionWatchInfo = StackWatchInfo;
export type SessionWatchList = StackWatchList;

export type WatchState = 'disabled' | 'invalid' | 'idle' | 'pending' | 'armed' | 'noFreeSlot' | 'unverified';

/** One row of the view. */
export interface WatchRow {
  watch: StoredWatch;
  /** From the launch configuration (read-only in the view) rather than set by the user. */
  fromLaunch: boolean;
  state: WatchState;
  /** Short text after the label, as the Breakpoints view shows a file name. */
  description: string;
  tooltip: string;
  hits: number;
  /** One child per armed watchpoint: "CPU 1 · DR0 · worker_0 (pid 3) depth 0". */
  armed: string[];
}

/** Same watch? The kernel's own spelling is compared, so `fn=a  wl=8` equals `fn=a wl=8`. */
export function sameConfig(a: string, b: string): boolean {
  return normalizeConfig(a) === normalizeConfig(b);
}

export function normalizeConfig(config: string): string {
  return config.trim().split(/[ \t\n]+/).join(' ');
}

export class WatchList {
  private items: StoredWatch[] = [];
  private nextId = 1;

  constructor(stored: readonly StoredWatch[] = []) {
    for (const w of stored) {
      if (typeof w?.config !== 'string') continue;
      this.items.push({ id: this.nextId++, config: normalizeConfig(w.config), enabled: w.enabled !== false });
    }
  }

  all(): readonly StoredWatch[] {
    return this.items;
  }

  /** Enabled configs, in order: what the session should have armed. */
  enabledConfigs(): string[] {
    return this.items.filter((w) => w.enabled).map((w) => w.config);
  }

  find(config: string): StoredWatch | undefined {
    return this.items.find((w) => sameConfig(w.config, config));
  }

  get(id: number): StoredWatch | undefined {
    return this.items.find((w) => w.id === id);
  }

  /** Add (or re-enable) a watch; returns it. */
  add(config: string): StoredWatch {
    const existing = this.find(config);
    if (existing) { existing.enabled = true; return existing; }
    const w = { id: this.nextId++, config: normalizeConfig(config), enabled: true };
    this.items.push(w);
    return w;
  }

  remove(id: number): boolean {
    const i = this.items.findIndex((w) => w.id === id);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }

  removeAll(): void {
    this.items = [];
  }

  /** Watches on one function (the CodeLens toggles these). */
  forFunction(name: string): StoredWatch[] {
    return this.items.filter((w) => functionOfConfig(w.config) === name);
  }

  setEnabled(id: number, enabled: boolean): void {
    const w = this.get(id);
    if (w) w.enabled = enabled;
  }

  setAllEnabled(enabled: boolean): void {
    for (const w of this.items) w.enabled = enabled;
  }

  /** Replace a watch's config (edit); false when the new text equals another watch. */
  edit(id: number, config: string): boolean {
    const w = this.get(id);
    if (!w) return false;
    const other = this.find(config);
    if (other && other.id !== id) return false;
    w.config = normalizeConfig(config);
    return true;
  }

  /** Set the depth key of a watch, or remove it (null; `dp=0`, the outermost call, is the default). */
  setDepth(id: number, depth: number | null): void {
    const w = this.get(id);
    if (!w) return;
    w.config = withKey(w.config, ['dp', 'depth'], depth === null ? null : String(depth));
  }

  toJSON(): StoredWatch[] {
    return this.items.map((w) => ({ ...w }));
  }
}

/** The `fn=` of a config, or undefined when it has none. */
export function functionOfConfig(config: string): string | undefined {
  for (const t of config.split(/[ \t\n]+/)) {
    const m = /^(?:fn|func_name)=(.+)$/.exec(t);
    if (m) return m[1];
  }
  return undefined;
}

/** Set, replace or (value null) remove a key, keeping the other tokens in place. */
export function withKey(config: string, names: readonly string[], value: string | null): string {
  const tokens = config.trim().split(/[ \t\n]+/).filter(Boolean);
  const i = tokens.findIndex((t) => names.includes(t.slice(0, t.indexOf('='))));
  if (value === null) {
    if (i >= 0) tokens.splice(i, 1);
  } else if (i >= 0) {
    tokens[i] = `${names[0]}=${value}`;
  } else {
    tokens.push(`${names[0]}=${value}`);
  }
  return tokens.join(' ');
}

/** The depth a config watches (0 when it has no dp). */
export function depthOfConfig(config: string): number {
  try { return parseConfig(config).config.depth; } catch { return 0; }
}

function armedLine(a: SessionWatchInfo['armed'][number]): string {
  return `CPU ${a.cpu} · DR${a.slot} · ${a.comm} (pid ${a.pid}) depth ${a.depth} · ${a.canary ? 'canary' : `${a.length} bytes`} @ ${a.address} = ${a.value}`;
}

/**
 * Rows for the view: the launch configuration's watches first (read-only),
 * then the user's, each with the live session's state when there is one.
 * `previousMisses` is the pool's miss count at the last refresh: a watch
 * that is verified but not armed while misses grew is starved of debug
 * registers ("no free slot") rather than waiting for its function.
 */
export function watchRows(list: readonly StoredWatch[], launchConfigs: readonly string[], session: SessionWatchList | null, previousMisses = 0): WatchRow[] {
  const rows: WatchRow[] = [];
  const starved = session !== null && session.misses > previousMisses;
  const describe = (watch: StoredWatch, fromLaunch: boolean): WatchRow => {
    const problems = checkWatchLine(watch.config).filter((p) => p.severity === 'error');
    const base = { watch, fromLaunch, hits: 0, armed: [] as string[] };
    if (!watch.enabled) return { ...base, state: 'disabled', description: 'disabled', tooltip: `${watch.config}\nDisabled: not sent to the session.` };
    if (problems.length) return { ...base, state: 'invalid', description: problems[0].message, tooltip: `${watch.config}\n${problems.map((p) => p.message).join('\n')}` };
    if (!session) {
      return { ...base, state: 'idle', description: '', tooltip: `${watch.config}\nArmed when a KStackWatch session runs.` };
    }
    const info = session.watches.find((s) => sameConfig(s.config, watch.config));
    if (!info || !info.verified) {
      const why = info?.message ?? 'not accepted by the session';
      return { ...base, state: 'unverified', description: why, tooltip: `${watch.config}\nUnverified: ${why}` };
    }
    const hits = info.hits;
    const armed = info.armed.map(armedLine);
    const where = info.function ? `${info.function}+${info.offset ?? '?'}` : '';
    const hitText = hits ? ` · ${hits} hit${hits === 1 ? '' : 's'}` : '';
    if (armed.length) {
      const cpus = [...new Set(info.armed.map((a) => a.cpu))].sort((a, b) => a - b).join(',');
      return { ...base, hits, armed, state: 'armed', description: `armed on CPU ${cpus}${hitText}`, tooltip: `${watch.config}\nProbe at ${where}\nArmed:\n${armed.join('\n')}` };
    }
    if (starved) {
      return { ...base, hits, armed, state: 'noFreeSlot', description: `no free slot (${session.misses} call${session.misses === 1 ? '' : 's'} missed)${hitText}`, tooltip: `${watch.config}\nEvery debug register (DR0–DR3) of the CPU was taken when ${info.function ?? 'the function'} ran: raise mw, or disable other watches and data breakpoints.` };
    }
    return { ...base, hits, armed, state: 'pending', description: `pending${hitText}`, tooltip: `${watch.config}\nProbe at ${where}: armed at the next call of ${info.function ?? 'the function'}.` };
  };
  launchConfigs.forEach((config, i) => rows.push(describe({ id: -1 - i, config: normalizeConfig(config), enabled: true }, true)));
  for (const w of list) {
    if (launchConfigs.some((c) => sameConfig(c, w.config))) continue;
    rows.push(describe(w, false));
  }
  return rows;
}

/** What to send with `kstackwatch.setStackWatches`: the launch's watches, then the user's enabled ones. */
export function watchesToSend(launchConfigs: readonly string[], list: readonly StoredWatch[]): string[] {
  const out = launchConfigs.map(normalizeConfig);
  for (const w of list) {
    if (!w.enabled || out.some((c) => sameConfig(c, w.config))) continue;
    if (checkWatchLine(w.config).some((p) => p.severity === 'error')) continue;
    out.push(normalizeConfig(w.config));
  }
  return out;
}

/** `kstackwatch.debugRegisters`: the DR0–DR3 slots of one CPU. */
export type CpuRegisters = CpuDebugRegisters;

/** One line per CPU, e.g. `CPU 1: DR0 kstackwatch 0xffffc9…bd8/8 · DR1 free · …`, and how many slots are free. */
export function cpuRegisterLines(cpus: readonly CpuRegisters[]): { label: string; detail: string; free: number }[] {
  return cpus.map((c) => {
    const free = c.slots.filter((s) => s.owner === 'free').length;
    // a slot the pool holds but has not armed on a stack (the kernel parks it on a dummy address) is "idle"
    const detail = c.slots.map((s) => s.owner === 'free' ? `DR${s.slot} free`
      : !s.enabled || s.type === 'execute' && s.owner === 'kstackwatch' ? `DR${s.slot} ${s.owner} idle`
        : `DR${s.slot} ${s.owner} ${s.address}/${s.length}${s.type === 'write' ? '' : ` ${s.type}`}`).join(' · ');
    return { label: `CPU ${c.cpu}${c.online ? '' : ' (offline)'}`, detail, free };
  });
}

/**
 * The "Debug registers" row's text. KStackWatch preallocates every free
 * slot of every CPU for its watch pool when a watch starts (the kernel's
 * ksw_watch_alloc with mw=0 does the same), so "0 free" with one watch set
 * is normal and said so without alarm; only slots held by something else
 * (data breakpoints) are counted apart.
 */
export function registersSummary(cpus: readonly CpuRegisters[]): { description: string; tooltip: string } {
  const slots = cpus.flatMap((c) => c.slots);
  const free = slots.filter((s) => s.owner === 'free').length;
  const pool = slots.filter((s) => s.owner === 'kstackwatch');
  const armed = pool.filter((s) => s.enabled && s.type !== 'execute').length;
  const other = slots.length - free - pool.length;
  const parts = [`${armed} armed`];
  if (pool.length) parts.push(`${pool.length - armed} idle in KStackWatch's pool`);
  if (other) parts.push(`${other} data breakpoint${other === 1 ? '' : 's'}`);
  parts.push(`${free} free`);
  return {
    description: parts.join(' · '),
    tooltip: 'DR0–DR3 of every CPU. When a watch starts, KStackWatch takes every free slot as its pool, as the kernel does ' +
      '(mw=0: all of them); idle slots point at a dummy address until a watched function is entered. Holding them all is normal.',
  };
}
