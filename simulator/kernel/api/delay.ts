// Delays on the simulated clock (1 instruction = 1 ns; nothing uses host
// time).
//
// msleep, msleep_interruptible and usleep_range sleep: the task leaves its
// CPU and becomes runnable again once the time has passed (a
// wake_up_process() in between does not cut the sleep short, as in Linux;
// there are no signals, so msleep_interruptible always returns 0).
// usleep_range(min, max) sleeps exactly `min` microseconds.
//
// udelay and ndelay busy-wait: a delay of up to BUSY_WAIT_MAX_NS spins on
// the CPU (the function re-executes, one simulated nanosecond per turn, and
// the task keeps its CPU as in Linux). A longer delay would cost one host
// call per simulated nanosecond, so it sleeps instead: simulated time
// advances the same, but other tasks may use the CPU meanwhile. mdelay is
// udelay(n * 1000) (a macro in delay.h).

import type { Machine } from '../machine';
import { dumpStack } from './printk';
import { NO_RETURN, beginWait, causalNow, checkAtomicSleep, endWait, resumeWait } from './util';
import { HostResult } from '../hostFunctions';

/** Longest busy-wait done by actually spinning (ns). */
export const BUSY_WAIT_MAX_NS = 100_000;

/** Sleep `ns` of simulated time in kernel function `fn` (re-executed on wake-up until the time has passed). */
function sleepFor(m: Machine, fn: string, ns: () => number, result: HostResult): HostResult {
  const t = m.currentTask;
  const w = resumeWait(t, fn);
  const now = m.nowNs();
  if (w) {
    if (now >= w.deadline) { endWait(t); return result; }
    m.sleepCurrent(w.deadline, fn);
    return NO_RETURN;
  }
  checkAtomicSleep(m, (l) => dumpStack(m, l));
  const deadline = causalNow(m) + ns();
  beginWait(t, fn, 0n, deadline);
  m.sleepCurrent(deadline, fn);
  return NO_RETURN;
}

/** Busy-wait `ns` in kernel function `fn`. */
function delayFor(m: Machine, fn: string, ns: () => number): HostResult {
  const t = m.currentTask;
  let w = resumeWait(t, fn);
  const now = m.nowNs();
  if (!w) {
    const d = ns();
    if (!(d > 0)) return;
    w = beginWait(t, fn, 0n, causalNow(m) + d);
  }
  const left = w.deadline - now;
  if (left <= 0) { endWait(t); return; }
  if (left > BUSY_WAIT_MAX_NS) m.sleepCurrent(w.deadline, fn);
  return NO_RETURN; // spin: execute this function again
}

export function registerDelay(m: Machine): void {
  const arg = (n: number, scale: number) => () => Number(m.arg(n)) * scale;
  m.defineHost('msleep', () => sleepFor(m, 'msleep', () => m.argU32(0) * 1e6, undefined));
  m.defineHost('msleep_interruptible', () => sleepFor(m, 'msleep_interruptible', () => m.argU32(0) * 1e6, 0));
  m.defineHost('usleep_range', () => sleepFor(m, 'usleep_range', arg(0, 1e3), undefined));
  m.defineHost('udelay', () => delayFor(m, 'udelay', arg(0, 1e3)));
  m.defineHost('ndelay', () => delayFor(m, 'ndelay', arg(0, 1)));
}

/** The delay entry points of real kernel headers (registered after the SDK's, so the SDK's addresses stay put). */
export function registerDelayEntries(m: Machine): void {
  const arg = (n: number, scale: number) => () => Number(m.arg(n)) * scale;
  // What Linux's udelay()/ndelay() macros call: __const_udelay(usecs * 0x10c7) or (nsecs * 5), i.e. xloops = ns * 2^32 / 10^9.
  m.defineHost('__const_udelay', () => delayFor(m, '__const_udelay', () => Math.ceil(Number(m.arg(0)) * 1e9 / 2 ** 32)));
  m.defineHost('__udelay', () => delayFor(m, '__udelay', arg(0, 1e3)));
  m.defineHost('__ndelay', () => delayFor(m, '__ndelay', arg(0, 1)));
  // usleep_range(min, max) is inline over usleep_range_state(min, max, TASK_UNINTERRUPTIBLE) in newer headers
  m.defineHost('usleep_range_state', () => sleepFor(m, 'usleep_range_state', arg(0, 1e3), undefined));
}
