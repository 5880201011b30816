// Per-quantum hooks for the kernel API (the timer tick, printk's
// housekeeping), on the machine's quantum hooks.

import type { Machine } from '../machine';

/** Call `fn` before every quantum a CPU runs. */
export function beforeQuantum(m: Machine, fn: () => void): void {
  m.hooks.beforeQuantum.push(fn);
}

/** Call `fn` after every quantum a CPU runs (the task is still loaded). */
export function afterQuantum(m: Machine, fn: () => void): void {
  m.hooks.afterQuantum.push(fn);
}
