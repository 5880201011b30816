// A per-quantum hook for the kernel API (the timer tick, printk's
// housekeeping). The machine has no tick hook yet, so this wraps the CPU's
// run(), which the machine calls once per quantum of a task on a CPU.
// TODO(machine): replace with a Machine hook (see the API report).

import type { Machine } from '../machine';
import type { RunResult } from '../../cpu/cpu';

interface QuantumHooks {
  before: (() => void)[];
  after: (() => void)[];
}

const installed = new WeakMap<Machine, QuantumHooks>();

function hooksOf(m: Machine): QuantumHooks {
  let h = installed.get(m);
  if (h) return h;
  const hooks: QuantumHooks = { before: [], after: [] };
  installed.set(m, hooks);
  const cpu = m.cpu;
  const run = cpu.run.bind(cpu);
  cpu.run = (maxInsns: number): RunResult => {
    for (const f of hooks.before) f();
    const r = run(maxInsns);
    for (const f of hooks.after) f();
    return r;
  };
  return hooks;
}

/** Call `fn` before every quantum a CPU runs. */
export function beforeQuantum(m: Machine, fn: () => void): void {
  hooksOf(m).before.push(fn);
}

/** Call `fn` after every quantum a CPU runs (the task is still loaded). */
export function afterQuantum(m: Machine, fn: () => void): void {
  hooksOf(m).after.push(fn);
}
