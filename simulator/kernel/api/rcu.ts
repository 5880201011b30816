// RCU basics (kernel/rcu): rcu_read_lock/unlock (the out-of-line
// __rcu_read_lock/__rcu_read_unlock of CONFIG_PREEMPT_RCU kernels such as
// Debian's), synchronize_rcu, call_rcu, kvfree_call_rcu (what kfree_rcu()
// and kvfree_rcu() expand to), rcu_barrier.
//
// A grace period ends once every task that was inside a read-side critical
// section when it started has left it, and at least one jiffy has passed.
// Callbacks run after their grace period on the ksoftirqd thread of the CPU
// that queued them (as RCU_SOFTIRQ does); kfree_rcu's object is freed then,
// so a use after the grace period touches freed (poisoned) memory.

import type { Machine } from '../machine';
import type { Task } from '../task';
import { timerBase } from './timers';
import { tickStartNs } from './time';
import { NO_RETURN, U64, noteWakeup } from './util';
import { kfree } from './slab';

const NESTING = 'rcu-nesting';
/** kfree_rcu passes the rcu_head's offset in the object instead of a function when it is below this. */
const KVFREE_OFFSET_LIMIT = 4096n;

export function registerRcu(m: Machine): void {
  const readers = new Set<Task>();
  const waiters: Task[] = [];
  const counts = { pendingCallbacks: 0, keySeq: 0n };
  m.keep('rcu', { readers, waiters, counts });

  const nesting = (t: Task): number => (t.toolData.get(NESTING) as number | undefined) ?? 0;
  m.defineHost('__rcu_read_lock', () => {
    const t = m.currentTask;
    t.toolData.set(NESTING, nesting(t) + 1);
    readers.add(t);
  });
  m.defineHost('__rcu_read_unlock', () => {
    const t = m.currentTask;
    const n = Math.max(nesting(t) - 1, 0);
    t.toolData.set(NESTING, n);
    if (n === 0) {
      readers.delete(t);
      for (const w of waiters.splice(0)) { noteWakeup(m, w); m.wake(w); }
    }
  });

  /** The readers a grace period starting now must wait for. */
  const snapshot = (): Set<Task> => new Set([...readers].filter((t) => t.alive && t !== m.runningCpu?.current));
  const over = (gp: Set<Task>): boolean => [...gp].every((t) => !readers.has(t) || !t.alive);

  /** Run `then` on CPU `cpu`'s ksoftirqd after a grace period starting now. */
  const afterGracePeriod = (cpu: number, then: { call: bigint; arg: bigint } | (() => void)): void => {
    const gp = snapshot();
    const key = 0xffff_0000_0000_0000n + counts.keySeq++; // not a guest address: internal timers
    counts.pendingCallbacks++;
    const check = (): void => {
      if (!over(gp)) { timerBase(m).add(key, m.nowNs() + tickStartNs(m, 1), cpu, check); return; }
      if (typeof then === 'function') { then(); done(); return; }
      timerBase(m).add(key, m.nowNs(), cpu, { ...then });
      // the guest callback is counted done when it is queued to run (rcu_barrier waits for the queueing)
      done();
    };
    timerBase(m).add(key, m.nowNs() + tickStartNs(m, 1), cpu, check);
  };
  const done = (): void => {
    counts.pendingCallbacks--;
    for (const w of waiters.splice(0)) { noteWakeup(m, w); m.wake(w); }
  };
  const cpuNow = (): number => m.runningCpu?.index ?? 0;

  m.defineHost('call_rcu', () => afterGracePeriod(cpuNow(), { call: U64(m.arg(1)), arg: U64(m.arg(0)) }));
  m.defineHost('kvfree_call_rcu', () => {
    const head = U64(m.arg(0)), second = U64(m.arg(1));
    // kfree_rcu(p, rhf): (head, offset of rhf); kvfree_rcu(p) / newer kernels: (head or NULL, p)
    const obj = head !== 0n && second < KVFREE_OFFSET_LIMIT ? head - second : second;
    afterGracePeriod(cpuNow(), () => kfree(m, 'kfree_rcu', obj));
  });

  const GP_KEY = 'rcu-gp';
  m.defineHost('synchronize_rcu', () => {
    const t = m.currentTask;
    let st = t.toolData.get(GP_KEY) as { gp: Set<Task>; until: number } | undefined;
    if (!st) t.toolData.set(GP_KEY, st = { gp: snapshot(), until: m.nowNs() + tickStartNs(m, 1) });
    if (!over(st.gp)) { waiters.push(t); m.blockCurrent('synchronize_rcu'); return NO_RETURN; }
    if (m.nowNs() < st.until) { m.sleepCurrent(st.until, 'synchronize_rcu'); return NO_RETURN; }
    t.toolData.delete(GP_KEY);
    return undefined;
  });
  m.defineHost('rcu_barrier', () => {
    if (counts.pendingCallbacks > 0) { waiters.push(m.currentTask); m.blockCurrent('rcu_barrier'); return NO_RETURN; }
    return undefined;
  });
}
