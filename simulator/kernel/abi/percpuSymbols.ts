// Per-CPU variables that modules built against real kernel headers read
// directly through %gs (x86-64 per-CPU symbols are offsets from each CPU's
// GS base): `current_task` (get_current()), `cpu_number`
// (smp_processor_id()), `__preempt_count` (inline preempt_disable()) and
// `this_cpu_off` (this_cpu_ptr(): the CPU's own base). They sit in the
// same per-CPU area as the SDK's fields; the stack canary stays at 0x28.

import type { Machine } from '../machine';
import { PERCPU } from '../../sdk/abi';

export const PERCPU_SYMBOLS: Readonly<Record<string, number>> = {
  current_task: PERCPU.CURRENT_TASK,
  cpu_number: PERCPU.CPU_NUMBER,
  __preempt_count: 0x10,
  this_cpu_off: 0x18,
};

/** A per-CPU symbol's offset (what the module's %gs-relative relocations resolve to), or undefined. */
export function percpuSymbol(name: string): bigint | undefined {
  const off = Object.prototype.hasOwnProperty.call(PERCPU_SYMBOLS, name) ? PERCPU_SYMBOLS[name] : undefined;
  return off === undefined ? undefined : BigInt(off);
}

/** Fill in the per-CPU values that never change (this_cpu_off). */
export function initPercpuSymbols(m: Machine): void {
  for (const pc of m.percpu) m.mem.writeU64(pc.gsBase + BigInt(PERCPU_SYMBOLS.this_cpu_off), pc.gsBase, true);
}
