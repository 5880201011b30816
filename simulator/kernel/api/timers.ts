// Timers (kernel/time/timer.c): timer_setup (init_timer_key), add_timer,
// add_timer_on, mod_timer, mod_timer_pending, timer_reduce, del_timer /
// timer_delete, try_to_del_timer_sync, timer_delete_sync (del_timer_sync is
// inline over it), timer_shutdown(_sync), plus msleep-free helpers
// (__msecs_to_jiffies, __usecs_to_jiffies, jiffies_to_msecs/usecs).
//
// A due timer's callback runs in softirq context; here it runs on the
// `ksoftirqd/N` kthread of the CPU that armed it (as Linux does under softirq
// load), so reports name that task. struct timer_list's `expires` and
// `function` are read where the module's DWARF (or Linux 6.x) puts them;
// pending timers are kept on the host. Jiffies tick at Machine.hz, the
// module's own CONFIG_HZ for a Kbuild module, so its jiffies-based delays
// last as long as they would on its kernel.
//
// Host code can arm timers too (delayed work): addHostTimer.

import type { Machine } from '../machine';
import type { Task } from '../task';
import { jiffiesAt, jiffiesFromNowNs } from './time';
import { defineServiceEntry, ServiceStep, startServiceThread } from './serviceThread';
import { NO_RETURN, U64, noteWakeup, readU64, writeU32, writeU64 } from './util';
import { kernelStructs } from '../abi/kernelStructs';

interface PendingTimer { key: bigint; atNs: number; seq: number; cpu: number; run: { call: bigint; arg: bigint } | (() => void) }

export interface TimerBase {
  /** Arm a host callback at simulated time atNs, on CPU `cpu`'s softirq thread; `key` identifies it for cancelTimer. */
  add(key: bigint, atNs: number, cpu: number, run: PendingTimer['run']): void;
  cancel(key: bigint): boolean;
  pending(key: bigint): boolean;
  /** Is a timer callback for `key` running now? */
  running(key: bigint): boolean;
}

const bases = new WeakMap<Machine, TimerBase>();

export function timerBase(m: Machine): TimerBase {
  const b = bases.get(m);
  if (!b) throw new Error('timers not registered');
  return b;
}

/** The simulated time at which jiffies reach `expires` (a 32/64-bit wrapping comparison, as time_after_eq). */
function jiffiesToNs(m: Machine, expires: bigint): number {
  const now = jiffiesAt(m, m.nowNs());
  const delta = BigInt.asIntN(64, U64(expires - now));
  return delta <= 0n ? m.nowNs() : jiffiesFromNowNs(m, m.nowNs(), Number(delta));
}

export function registerTimers(m: Machine): void {
  const entry = defineServiceEntry(m, 'run_ksoftirqd');
  const pending: PendingTimer[] = [];
  const threads = new Map<number, Task>();
  const runningKeys = new Set<bigint>();
  const counts = { seq: 0 };
  m.keep('timers', { pending, threads, runningKeys, counts });

  const next = (cpu: number) => (): ServiceStep => {
    const mine = pending.filter((p) => p.cpu === cpu).sort((a, b) => a.atNs - b.atNs || a.seq - b.seq);
    if (mine.length === 0) { threads.delete(cpu); return { exit: true }; }
    const now = m.nowNs();
    const due = mine[0];
    if (due.atNs > now) return { sleepUntilNs: due.atNs, reason: 'timer' };
    pending.splice(pending.indexOf(due), 1);
    if (typeof due.run === 'function') { due.run(); return next(cpu)(); }
    runningKeys.add(due.key);
    return { ...due.run, done: () => { runningKeys.delete(due.key); } };
  };

  const base: TimerBase = {
    add(key, atNs, cpu, run) {
      base.cancel(key);
      pending.push({ key, atNs, seq: counts.seq++, cpu, run });
      const t = threads.get(cpu);
      if (t && t.alive) { noteWakeup(m, t); m.wake(t); return; }
      threads.set(cpu, startServiceThread(m, `ksoftirqd/${cpu}`, entry, next(cpu)));
    },
    cancel(key) {
      const i = pending.findIndex((p) => p.key === key);
      if (i < 0) return false;
      pending.splice(i, 1);
      return true;
    },
    pending: (key) => pending.some((p) => p.key === key),
    running: (key) => runningKeys.has(key),
  };
  bases.set(m, base);

  const S = () => kernelStructs(m).timer;
  const cpuNow = (): number => m.runningCpu?.index ?? 0;
  const arm = (timer: bigint, expires: bigint, cpu = cpuNow()): void => {
    writeU64(m, timer + BigInt(S().expires), expires);
    const fn = readU64(m, timer + BigInt(S().function));
    base.add(timer, jiffiesToNs(m, expires), cpu, { call: fn, arg: timer });
  };

  m.defineHost('init_timer_key', () => {
    const timer = U64(m.arg(0));
    base.cancel(timer);
    writeU64(m, timer, 0n); // entry.next: not pending
    writeU64(m, timer + 8n, 0n);
    writeU64(m, timer + BigInt(S().function), m.arg(1));
    writeU32(m, timer + BigInt(S().flags), m.argU32(2));
  });
  m.defineHost('add_timer', () => { const t = U64(m.arg(0)); arm(t, readU64(m, t + BigInt(S().expires))); });
  m.defineHost('add_timer_on', () => {
    const t = U64(m.arg(0));
    arm(t, readU64(m, t + BigInt(S().expires)), Math.min(Math.max(m.argI32(1), 0), m.percpu.length - 1));
  });
  m.defineHost('mod_timer', () => { const t = U64(m.arg(0)); const was = base.pending(t); arm(t, m.arg(1)); return was ? 1 : 0; });
  m.defineHost('mod_timer_pending', () => {
    const t = U64(m.arg(0));
    if (!base.pending(t)) return 0;
    arm(t, m.arg(1));
    return 1;
  });
  m.defineHost('timer_reduce', () => {
    const t = U64(m.arg(0));
    const was = base.pending(t);
    const cur = readU64(m, t + BigInt(S().expires));
    if (!was || BigInt.asIntN(64, U64(m.arg(1) - cur)) < 0n) arm(t, m.arg(1));
    return was ? 1 : 0;
  });
  const del = (): number => (base.cancel(U64(m.arg(0))) ? 1 : 0);
  m.defineHost('del_timer', del);
  m.defineHost('timer_delete', del);
  m.defineHost('timer_shutdown', del);
  m.defineHost('try_to_del_timer_sync', () => (base.running(U64(m.arg(0))) ? -1 : del()));
  // _sync: also wait for a running callback (the caller spins in Linux; here it yields until it is over)
  const delSync = (): number | typeof NO_RETURN => {
    const t = U64(m.arg(0));
    const had = base.cancel(t);
    if (base.running(t)) { m.yieldCpu(); return rerun(m, had); }
    const earlier = m.currentTask.toolData.get(DEL_SYNC_KEY) as boolean | undefined;
    m.currentTask.toolData.delete(DEL_SYNC_KEY);
    return had || earlier ? 1 : 0;
  };
  m.defineHost('timer_delete_sync', delSync);
  m.defineHost('del_timer_sync', delSync);
  m.defineHost('timer_shutdown_sync', delSync);

  m.defineHost('__msecs_to_jiffies', () => Math.ceil(m.argU32(0) * m.hz / 1000));
  m.defineHost('__usecs_to_jiffies', () => Math.ceil(m.argU32(0) * m.hz / 1_000_000));
  m.defineHost('jiffies_to_msecs', () => Math.floor(m.argU32(0) * 1000 / m.hz));
  m.defineHost('jiffies_to_usecs', () => Math.floor(m.argU32(0) * 1_000_000 / m.hz));
}

const DEL_SYNC_KEY = 'del_timer_sync';

/** Stay at the function's entry (it runs again next time the task runs), remembering whether it had cancelled. */
function rerun(m: Machine, had: boolean): typeof NO_RETURN {
  if (had) m.currentTask.toolData.set(DEL_SYNC_KEY, true);
  return NO_RETURN;
}
