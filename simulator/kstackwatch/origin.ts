// Where a corrupted stack address came from: the most recent earlier frame
// (any task) whose range held it before the victim's frame took it, and
// what that frame kept there per DWARF and its prologue — `scratch[3]`, the
// canary, a saved register, the return address, padding. A stale pointer
// into a frame that returned points at exactly this (DESIGN.md §3.2 origin).
// The returns themselves are recorded cheaply by every task (FrameExits);
// this runs once per report.

import type { Machine } from '../kernel/machine';
import type { CorruptionOrigin } from './events';
import type { FrameExit } from '../kernel/frameExits';
import type { Task } from '../kernel/task';
import { InsnDecoder } from '../cpu/decode';
import { FrameLayout, prologueLayout } from './frameLayout';

export interface FunctionRange { name: string; address: bigint; size: number }

/** A local or parameter with a fixed place in its function's frame. */
export interface FrameSlot {
  name: string;
  /** C type as DWARF names it (`long[16]` for an array). */
  typeName: string;
  size: number;
  /** Its address is CFA + offset, RBP + offset, or post-prologue RSP + offset. */
  base: 'cfa' | 'rbp' | 'rsp';
  offset: number;
}

export interface OriginSymbols {
  functions(): FunctionRange[];
  /** The function's locals and parameters with fixed frame locations (DWARF); empty without debug info. */
  frameSlots(fn: FunctionRange): FrameSlot[];
  /** The code bytes as loaded (probes' int3 undone). */
  originalBytes(addr: bigint, length: number): Uint8Array;
}

export class OriginFinder {
  private readonly decoder = new InsnDecoder();
  private readonly layouts = new Map<bigint, FrameLayout>();

  constructor(private readonly m: Machine, private readonly symbols: OriginSymbols) {}

  /** Whose frame held [addr, addr+len) last, before the frame at victimCfa (or null: none did). */
  find(addr: bigint): CorruptionOrigin | null {
    const fns = this.symbols.functions();
    let best: { exit: FrameExit; task: Task; fn: FunctionRange; what: string } | null = null;
    for (const task of this.m.tasks) {
      if (!task.stackContains(addr, 1)) continue;
      for (const exit of task.exits.above(addr)) {
        if (best && exit.returnedNs <= best.exit.returnedNs) continue;
        const fn = fns.find((f) => f.address === exit.target);
        if (!fn) continue; // a host-implemented kernel function: no frame on the guest stack
        const what = this.describe(fn, exit.cfa, addr);
        if (what !== null) best = { exit, task, fn, what };
      }
    }
    if (!best) return null;
    return { function: best.fn.name, variable: best.what, pid: best.task.pid, comm: best.task.comm, returned_ns: best.exit.returnedNs };
  }

  /** What fn's frame at cfa kept at addr, or null when addr is outside that frame. */
  describe(fn: FunctionRange, cfa: bigint, addr: bigint): string | null {
    const layout = this.layout(fn);
    const depth = Number(cfa - addr); // addr = CFA - depth
    if (depth <= 0 || depth > layout.extent) return null;
    if (depth <= 8) return 'return address';
    if (layout.canaryDepth !== null && depth <= layout.canaryDepth && depth > layout.canaryDepth - 8) return 'canary';
    const saved = layout.saved.find((s) => depth <= s.depth && depth > s.depth - 8);
    if (saved) return `saved ${saved.name}`;
    for (const slot of this.symbols.frameSlots(fn)) {
      const start = this.slotAddress(slot, layout, cfa);
      if (start === null || addr < start || addr >= start + BigInt(slot.size)) continue;
      const at = Number(addr - start);
      const dims = /\[(\d+)\]$/.exec(slot.typeName);
      if (dims) {
        const element = slot.size / Number(dims[1]);
        const rest = at % element;
        return `${slot.name}[${Math.floor(at / element)}]${rest ? `+${rest}` : ''}`;
      }
      return at === 0 ? slot.name : `${slot.name}+${at}`;
    }
    return 'padding';
  }

  private slotAddress(slot: FrameSlot, layout: FrameLayout, cfa: bigint): bigint | null {
    switch (slot.base) {
      case 'cfa': return cfa + BigInt(slot.offset);
      case 'rbp': return layout.rbpDepth === null ? null : cfa - BigInt(layout.rbpDepth) + BigInt(slot.offset);
      case 'rsp': return cfa - BigInt(layout.rspDepth) + BigInt(slot.offset);
    }
  }

  private layout(fn: FunctionRange): FrameLayout {
    let l = this.layouts.get(fn.address);
    if (!l) {
      l = prologueLayout(this.symbols.originalBytes(fn.address, Math.min(fn.size, 256)), fn.address, this.decoder);
      this.layouts.set(fn.address, l);
    }
    return l;
  }
}

/** The report's text line for an origin (or its absence). */
export function originLine(addr: string, o: CorruptionOrigin | null): string {
  if (!o) return `kstackwatch: origin ${addr} was in no earlier frame`;
  return `kstackwatch: origin ${addr} was ${o.variable} of ${o.function} pid ${o.pid} (${o.comm}), returned at ${o.returned_ns} ns`;
}
