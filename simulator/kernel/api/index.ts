// The simulated kernel's exported API: every function (and variable) the
// guest SDK headers declare, implemented on the host (DESIGN.md §3.5), plus
// the compiler runtime gcc may call. One group per file; registerKernelApi()
// installs them all on a machine.
//
// Module loaders resolve undefined symbols with resolveKernelSymbol() (host
// functions, then the variables: jiffies). Front ends should call
// flushPrintk() when a run ends, so a last printk without a newline from a
// task that is still alive is not lost.
//
// ksw_watch_show/ksw_watch_fire are registered by the Kernel class with
// KStackWatch, which owns the watch state.

import type { Machine } from '../machine';
import { registerCompletion } from './completion';
import { registerDelay, registerDelayEntries } from './delay';
import { registerJumpLabel } from './jumpLabel';
import { registerFs } from './fs';
import { registerKthread } from './kthread';
import { registerLibgcc } from './libgcc';
import { registerMutex } from './mutex';
import { registerPrintk } from './printk';
import { registerRandom, registerRandomSmall } from './random';
import { registerSched } from './sched';
import { registerSlab } from './slab';
import { registerSpinlock } from './spinlock';
import { registerSprintf } from './sprintf';
import { registerString } from './string';
import { registerTime } from './time';
import { registerThunks } from './thunks';
import { registerParamOps } from './params';
import { registerParavirt } from './paravirt';
import { registerListDebug } from './listDebug';
import { registerSlabEntries } from './slabEntries';
import { registerWaitqueue } from './waitqueue';
import { registerTimers } from './timers';
import { registerWorkqueue } from './workqueue';
import { registerRcu } from './rcu';
import { registerStringExtra } from './stringExtra';
import { registerBitmap } from './bitmap';
import { registerSort } from './sort';

export { flushPrintk, dumpStack, kernelPanic, printkText } from './printk';
export { KERNEL_DATA, updateJiffies, jiffiesAt } from './time';

const registered = new WeakSet<Machine>();

/** Register the whole kernel API on `m` (idempotent). */
export function registerKernelApi(m: Machine): void {
  if (registered.has(m)) return;
  registered.add(m);
  registerPrintk(m);
  registerSprintf(m);
  registerString(m);
  registerFs(m);
  registerSlab(m);
  registerSched(m);
  registerKthread(m);
  registerDelay(m);
  registerCompletion(m);
  registerSpinlock(m);
  registerMutex(m);
  registerRandom(m);
  registerTime(m);
  registerLibgcc(m);
  // what modules built by Kbuild against real kernel headers call besides
  registerThunks(m);
  registerParamOps(m);
  registerListDebug(m);
  registerSlabEntries(m);
  registerWaitqueue(m);
  registerTimers(m);
  registerWorkqueue(m);
  registerRcu(m);
  registerStringExtra(m);
  registerBitmap(m);
  registerSort(m);
  registerDelayEntries(m);
  registerRandomSmall(m);
  registerJumpLabel(m);
  registerParavirt(m);
}

/** Address of a kernel export (function or variable) for the module loader, or undefined. */
export function resolveKernelSymbol(m: Machine, name: string): bigint | undefined {
  return m.host.resolve(name) ?? m.kernelSymbol(name);
}
