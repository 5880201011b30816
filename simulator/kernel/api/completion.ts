// Completions (kernel/sched/completion.c). struct completion's `done` (u32
// at offset 0) lives in guest memory, as in Linux; the waiting tasks are
// kept here, in FIFO order, keyed by the completion's address.
//
// complete() hands its "done" straight to the first waiter if there is one
// (Linux increments done and the woken waiter decrements it: the same
// effect, with no window for try_wait_for_completion to steal it), else
// increments done; complete_all() sets done to UINT_MAX and releases every
// waiter. Without signals, the _interruptible/_killable waits never return
// -ERESTARTSYS.

import type { Machine } from '../machine';
import { dumpStack } from './printk';
import { jiffiesFromNowNs, ticksAt } from './time';
import {
  NO_RETURN, U64, WaitQueues, beginWait, causalNow, checkAtomicSleep, endWait, grant, hex, readU32, resumeWait,
  writeU32,
} from './util';
import { HostResult } from '../hostFunctions';

const UINT_MAX = 0xffffffff;
const MAX_SCHEDULE_TIMEOUT = 0x7fffffffffffffffn;

export function registerCompletion(m: Machine): void {
  const waiters = m.keep('completion', new WaitQueues());

  /** Take one "done" if there is one. */
  const tryTake = (x: bigint): boolean => {
    const done = readU32(m, x);
    if (done === 0) return false;
    if (done !== UINT_MAX) writeU32(m, x, done - 1);
    return true;
  };

  /**
   * The common wait: `timeout` in jiffies, or undefined for none. Returns
   * the kernel function's result: for timed waits the jiffies left (at
   * least 1) on success and 0 on timeout; `okValue` for untimed ones.
   */
  const wait = (fn: string, timed: boolean, okValue: number | undefined): HostResult => {
    const t = m.currentTask;
    const x = U64(m.arg(0));
    const w = resumeWait(t, fn, x);
    const now = m.nowNs();
    const left = (deadline: number): bigint =>
      deadline === Infinity ? MAX_SCHEDULE_TIMEOUT
        : BigInt(Math.max(1, Math.ceil(deadline * m.hz / 1e9) - ticksAt(m, now)));
    if (w) {
      if (w.granted || tryTake(x)) {
        waiters.remove(x, t);
        endWait(t);
        return timed ? left(w.deadline) : okValue;
      }
      if (now >= w.deadline) { // timed out
        waiters.remove(x, t);
        endWait(t);
        return 0;
      }
    } else {
      const timeout = timed ? BigInt.asIntN(64, m.arg(1)) : MAX_SCHEDULE_TIMEOUT;
      if (tryTake(x)) return timed ? (timeout === 0n ? 1 : timeout) : okValue;
      if (timed && timeout <= 0n) return 0;
      checkAtomicSleep(m, (l) => dumpStack(m, l));
      const deadline = timeout >= MAX_SCHEDULE_TIMEOUT ? Infinity
        : jiffiesFromNowNs(m, causalNow(m), Number(timeout));
      waiters.add(x, t, beginWait(t, fn, x, deadline));
    }
    const cur = resumeWait(t, fn, x)!;
    if (cur.deadline === Infinity) m.blockCurrent(`completion ${hex(x)}`);
    else m.sleepCurrent(cur.deadline, `completion ${hex(x)}`);
    return NO_RETURN;
  };

  m.defineHost('wait_for_completion', () => wait('wait_for_completion', false, undefined));
  m.defineHost('wait_for_completion_io', () => wait('wait_for_completion_io', false, undefined));
  m.defineHost('wait_for_completion_interruptible', () => wait('wait_for_completion_interruptible', false, 0));
  m.defineHost('wait_for_completion_killable', () => wait('wait_for_completion_killable', false, 0));
  m.defineHost('wait_for_completion_timeout', () => wait('wait_for_completion_timeout', true, undefined));
  m.defineHost('wait_for_completion_interruptible_timeout',
    () => wait('wait_for_completion_interruptible_timeout', true, undefined));

  m.defineHost('try_wait_for_completion', () => tryTake(U64(m.arg(0))));
  m.defineHost('completion_done', () => readU32(m, U64(m.arg(0))) !== 0);

  m.defineHost('complete', () => {
    const x = U64(m.arg(0));
    const done = readU32(m, x); // faults on a bad pointer before anything changes
    const t = waiters.takeFirst(x);
    if (t) grant(m, t);
    else if (done !== UINT_MAX) writeU32(m, x, done + 1);
  });

  m.defineHost('complete_all', () => {
    const x = U64(m.arg(0));
    readU32(m, x);
    writeU32(m, x, UINT_MAX);
    for (const t of waiters.takeAll(x)) grant(m, t);
  });
}
