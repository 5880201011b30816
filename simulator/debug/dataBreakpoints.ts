// Data breakpoints as real debug-register watchpoints, sharing DR0–DR3
// with KStackWatch's pool and the guest's hw_breakpoints, which come first
// (hwBreakpoint.ts). A breakpoint that finds no free slot — when it is set,
// or at a point of the history the machine went back to — is shown
// unverified with the reason (who holds the slots), instead of failing
// silently, and arms when a slot is freed. A hit stops after the access, as
// x86 does; the runtime shows the accessing instruction itself as the top
// frame.

import type { Task } from '../kernel/task';
import { hex } from './ctypes';
import { hitConditionMet } from './breakpoints';
import { countHit, HitCounter } from './hitCounts';
import { DataWatchAttr, DataWatchHit, ProbeError, WatchState } from './target';
import type { BreakpointResult, DataBreakpointSpec } from './types';

export interface DataBreakpointHost {
  insertWatch(attr: DataWatchAttr, hit: (h: DataWatchHit) => void, armed: () => void): { slot: number };
  removeWatch(handle: { slot: number }): void;
  watchState(handle: { slot: number }): WatchState;
  read(address: bigint, length: number): bigint | undefined;
  test(task: Task, condition: string): boolean;
  hit(task: Task, id: number, insn: bigint, description: string): void;
  /** The position in history now (retired instructions): where a new breakpoint starts counting its hits. */
  position(): number;
}

interface DataBreakpoint {
  id: number;
  spec: DataBreakpointSpec;
  address: bigint;
  length: 1 | 2 | 4 | 8;
  access: 'w' | 'rw';
  handle: { slot: number } | null;
  label: string;
  condition?: string;
  hitCondition?: string;
  /** Hits counted from where it was set (hitCounts.ts). */
  count: HitCounter;
  lastValue: bigint | undefined;
  result: BreakpointResult;
  /** The result the client was last told (set, or a 'changed' event). */
  shown: BreakpointResult;
}

/** dataId: `0xADDRESS/LENGTH`, plus what the user watches for the description. */
export function makeDataId(address: bigint, length: number): string {
  return `${hex(address)}/${length}`;
}

export function parseDataId(id: string): { address: bigint; length: 1 | 2 | 4 | 8 } | undefined {
  const m = /^(0x[0-9a-f]+)\/(1|2|4|8)$/i.exec(id.trim());
  return m ? { address: BigInt(m[1]), length: Number(m[2]) as 1 | 2 | 4 | 8 } : undefined;
}

/** Is [address, address+length) something a debug register can watch? A reason when not. */
export function watchableProblem(address: bigint, length: number): string | undefined {
  if (![1, 2, 4, 8].includes(length)) return `x86 debug registers watch 1, 2, 4 or 8 bytes (this is ${length})`;
  if (address % BigInt(length) !== 0n) return `${hex(address)} is not aligned to ${length} bytes, as a debug register needs`;
  return undefined;
}

export class DataBreakpointManager {
  private nextId = 1;
  private list: DataBreakpoint[] = [];
  /** Labels of dataIds handed out by dataBreakpointInfo. */
  readonly labels = new Map<string, string>();

  constructor(private host: DataBreakpointHost) {}

  set(specs: DataBreakpointSpec[]): BreakpointResult[] {
    for (const b of this.list) if (b.handle) this.host.removeWatch(b.handle);
    this.list = specs.map((s) => this.create(s, this.nextId++));
    return this.list.map((b) => b.result);
  }

  /** After a restart: the same watchpoints (same ids) in the new program, whose layout is the same (`sameHistory`: as BreakpointManager.rebind). */
  rebind(host: DataBreakpointHost, sameHistory = false): BreakpointResult[] {
    this.host = host;
    this.list = this.list.map((b) => {
      const again = this.create(b.spec, b.id, sameHistory ? b.count.since : 0);
      if (sameHistory) again.shown = b.shown; // a replay's machine: the client still sees what it was told
      return again;
    });
    return this.list.map((b) => b.result);
  }

  /**
   * Breakpoints whose state differs from what the client was last told: a
   * watchpoint armed or waiting for a debug register at this point of the
   * history (after going back, or as the guest took or freed slots).
   */
  changes(): BreakpointResult[] {
    const changed: BreakpointResult[] = [];
    for (const b of this.list) {
      if (b.handle) b.result = this.armedResult(b, b.handle);
      if (b.result.verified === b.shown.verified && b.result.message === b.shown.message) continue;
      b.shown = b.result;
      changed.push(b.result);
    }
    return changed;
  }

  /** Every data breakpoint's hit count (a checkpoint keeps them). */
  counters(): HitCounter[] {
    return this.list.map((b) => b.count);
  }

  /** The watchpoints armed now: what may stop the machine. */
  armed(): { address: bigint; length: number; access: 'w' | 'rw' }[] {
    return this.list.filter((b) => b.handle).map((b) => ({ address: b.address, length: b.length, access: b.access }));
  }

  /** The machine went back in time: the values a hit compares with are the ones there. */
  refreshValues(): void {
    for (const b of this.list) if (b.handle) b.lastValue = this.host.read(b.address, b.length);
  }

  /** "data breakpoint 3" for the slot this manager holds, if any. */
  slotOwner(slot: number): string | undefined {
    const b = this.list.find((x) => x.handle?.slot === slot);
    return b ? `data breakpoint ${b.id} (${b.label})` : undefined;
  }

  private create(s: DataBreakpointSpec, id: number, since = this.host.position()): DataBreakpoint {
    const parsed = parseDataId(s.dataId);
    const base = { id, spec: s, handle: null, count: { since, hits: 0 }, lastValue: undefined, condition: s.condition?.trim() || undefined, hitCondition: s.hitCondition?.trim() || undefined };
    if (!parsed) {
      const result = { id, verified: false, message: `'${s.dataId}' is not a data breakpoint id` };
      return { ...base, address: 0n, length: 8, access: 'w', label: s.dataId, result, shown: result };
    }
    const label = this.labels.get(s.dataId) ?? `${parsed.length} bytes at ${hex(parsed.address)}`;
    const access = s.accessType === 'read' || s.accessType === 'readWrite' ? 'rw' : 'w';
    const b: DataBreakpoint = { ...base, ...parsed, access, label, result: { id, verified: false }, shown: { id, verified: false } };
    const problem = watchableProblem(parsed.address, parsed.length);
    if (problem) { b.result = b.shown = { id, verified: false, message: problem }; return b; }
    try {
      // the value a hit compares with: now, and again when a waiting watch arms (stores meanwhile went unseen)
      const remember = (): void => { b.lastValue = this.host.read(b.address, b.length); };
      b.handle = this.host.insertWatch({ address: b.address, length: b.length, kind: access }, (h) => this.onHit(b, h), remember);
      b.lastValue = this.host.read(b.address, b.length);
      b.result = this.armedResult(b, b.handle);
    } catch (e) {
      if (!(e instanceof ProbeError)) throw e;
      b.result = { id, verified: false, message: e.message };
    }
    b.shown = b.result;
    return b;
  }

  /** Verified with its debug register, or unverified with why it has none now. */
  private armedResult(b: DataBreakpoint, handle: { slot: number }): BreakpointResult {
    const state = this.host.watchState(handle);
    if ('problem' in state) return { id: b.id, verified: false, message: `${state.problem}; it arms when one is freed` };
    const how = b.access === 'rw' ? 'read or written (x86 has no read-only watch)' : 'written';
    return { id: b.id, verified: true, message: `DR${state.slot}: ${b.label} when ${how}` };
  }

  private onHit(b: DataBreakpoint, h: DataWatchHit): void {
    const old = b.lastValue;
    const now = this.host.read(b.address, b.length);
    b.lastValue = now;
    if (b.condition) {
      let ok = true;
      try { ok = this.host.test(h.task, b.condition); } catch { ok = true; }
      if (!ok) return;
    }
    const counted = countHit(b.count, this.host.position());
    if (b.hitCondition && !(counted && hitConditionMet(b.hitCondition, b.count.hits))) return;
    const change = now === undefined ? '' : old === undefined || old === now ? ` (value ${hex(now)})` : `: ${hex(old)} → ${hex(now)}`;
    this.host.hit(h.task, b.id, h.insn, `${b.label} ${b.access === 'rw' ? 'accessed' : 'written'} by ${h.task.comm} (pid ${h.task.pid})${change}`);
  }
}
