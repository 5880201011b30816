// Workqueues (kernel/workqueue.c): the system workqueues (system_wq,
// system_highpri_wq, system_long_wq, system_unbound_wq, …),
// alloc_workqueue/destroy_workqueue, queue_work_on, queue_delayed_work_on,
// mod_delayed_work_on, flush_work, flush_delayed_work, __flush_workqueue,
// drain_workqueue, cancel_work(_sync), cancel_delayed_work(_sync),
// work_busy.
//
// Work runs on kworker threads named as Linux names them: `kworker/N:0` for
// CPU N's pool (queue_work on CPU N, or queue_work_on(N, …)), `kworker/N:0H`
// for the high-priority pool, `kworker/uM:0` for unbound workqueues. One
// worker per pool runs its items in order (Linux adds workers when one
// blocks; here a blocked item holds up its pool). An idle worker exits and
// a new one starts with the next item. A per-CPU pool's worker is bound to
// its CPU (Task.boundCpu), so queue_work_on(N, …) runs the item on CPU N,
// and queue_work (WORK_CPU_UNBOUND) on the CPU that queued it;
// smp_processor_id() in the work function says so. Unbound pools' workers
// run anywhere.
//
// WORK_STRUCT_PENDING (bit 0 of work->data) is kept in guest memory, as
// work_pending() reads it inline; which items are queued or running is kept
// here.

import type { Machine } from '../machine';
import type { Task } from '../task';
import { defineServiceEntry, ServiceStep, startServiceThread } from './serviceThread';
import { timerBase } from './timers';
import { tickStartNs } from './time';
import { NO_RETURN, U64, hex, noteWakeup, readCString, readU64, writeU64 } from './util';
import { kernelStructs } from '../abi/kernelStructs';
import { kmalloc, kfree } from './slab';

const WORK_STRUCT_PENDING = 1n;
const WQ_UNBOUND = 1 << 1;
const WQ_HIGHPRI = 1 << 4;
const WORK_BUSY_PENDING = 1, WORK_BUSY_RUNNING = 2;
const WQ_DESCRIPTOR = 64;

interface Pool { key: string; queue: bigint[]; worker: Task | null; running: bigint | null }
interface Wq { addr: bigint; name: string; flags: number }

export function registerWorkqueue(m: Machine): void {
  const entry = defineServiceEntry(m, 'worker_thread');
  const pools = new Map<string, Pool>();
  const wqs = new Map<bigint, Wq>();
  /** Work items queued or running, → the pool they are in, and the workqueue they were queued on. */
  const where = new Map<bigint, { pool: Pool; wq: bigint }>();
  const waiters: Task[] = [];
  m.keep('workqueue', { pools, wqs, where, waiters });

  const S = () => kernelStructs(m);
  const wakeWaiters = (): void => {
    for (const t of waiters.splice(0)) { noteWakeup(m, t); m.wake(t); }
  };
  const setPending = (work: bigint, on: boolean): void => {
    const d = readU64(m, work + BigInt(S().work.data));
    writeU64(m, work + BigInt(S().work.data), on ? d | WORK_STRUCT_PENDING : d & ~WORK_STRUCT_PENDING);
  };
  const isPending = (work: bigint): boolean => (readU64(m, work + BigInt(S().work.data)) & WORK_STRUCT_PENDING) !== 0n;

  const nextFor = (pool: Pool) => (): ServiceStep => {
    const work = pool.queue.shift();
    if (work === undefined) { pool.worker = null; return { exit: true }; }
    setPending(work, false); // cleared before the function runs, so it may requeue itself
    pool.running = work;
    const fn = readU64(m, work + BigInt(S().work.func));
    return {
      call: fn, arg: work,
      done: () => {
        pool.running = null;
        if (!pool.queue.includes(work)) where.delete(work);
        wakeWaiters();
      },
    };
  };

  const poolFor = (wq: Wq | undefined, cpu: number): Pool => {
    const unbound = wq ? (wq.flags & WQ_UNBOUND) !== 0 : false;
    const key = unbound ? `u${2 * m.percpu.length}` : `${cpu}${wq && (wq.flags & WQ_HIGHPRI) ? 'H' : ''}`;
    let p = pools.get(key);
    if (!p) pools.set(key, p = { key, queue: [], worker: null, running: null });
    return p;
  };
  const cpuFor = (cpu: number): number => (cpu >= 0 && cpu < m.percpu.length ? cpu : m.runningCpu?.index ?? 0);

  /** Put a pending work item on its pool's queue and make sure a worker runs it. */
  const enqueue = (wq: bigint, work: bigint, cpu: number): void => {
    const pool = poolFor(wqs.get(wq), cpuFor(cpu));
    pool.queue.push(work);
    where.set(work, { pool, wq });
    const [num, suffix] = [pool.key.replace(/H$/, ''), pool.key.endsWith('H') ? 'H' : ''];
    if (pool.worker && pool.worker.alive) { noteWakeup(m, pool.worker); m.wake(pool.worker); return; }
    pool.worker = startServiceThread(m, `kworker/${num}:0${suffix}`, entry, nextFor(pool));
    if (!num.startsWith('u')) pool.worker.boundCpu = Number(num);
  };

  const queueWorkOn = (cpu: number, wq: bigint, work: bigint): boolean => {
    if (isPending(work)) return false;
    setPending(work, true);
    enqueue(wq, work, cpu);
    return true;
  };

  const dworkParts = (dwork: bigint) => ({ work: dwork + BigInt(S().delayedWork.work), timer: dwork + BigInt(S().delayedWork.timer) });
  const queueDelayed = (cpu: number, wq: bigint, dwork: bigint, delay: bigint): void => {
    const { work, timer } = dworkParts(dwork);
    if (delay === 0n) { enqueue(wq, work, cpu); return; }
    const d = delay > 0x7fffffffn ? 0x7fffffff : Number(delay);
    timerBase(m).add(timer, m.nowNs() + tickStartNs(m, d), cpuFor(cpu), () => enqueue(wq, work, cpu));
  };

  /** Remove a queued (not yet running) item; true if it was pending. */
  const grab = (work: bigint, timer?: bigint): boolean => {
    let was = false;
    if (timer !== undefined && timerBase(m).cancel(timer)) was = true;
    const w = where.get(work);
    if (w) {
      const i = w.pool.queue.indexOf(work);
      if (i >= 0) { w.pool.queue.splice(i, 1); was = true; if (w.pool.running !== work) where.delete(work); }
    }
    if (was || isPending(work)) setPending(work, false);
    return was;
  };
  const busy = (work: bigint): boolean => where.has(work);

  /** Block the caller until `done()`; the host function runs again when woken. Returns NO_RETURN while waiting. */
  const waitFor = (fn: string, done: () => boolean, waitedKey: string, what: bigint): boolean | typeof NO_RETURN => {
    const t = m.currentTask;
    if (done()) {
      const waited = t.toolData.get(waitedKey) === true;
      t.toolData.delete(waitedKey);
      return waited;
    }
    t.toolData.set(waitedKey, true);
    waiters.push(t);
    m.blockCurrent(`${fn} ${hex(what)}`);
    return NO_RETURN;
  };

  // ---- the workqueues ----------------------------------------------------------------
  const makeWq = (name: string, flags: number, at?: bigint): bigint => {
    const d = at ?? kmalloc(m, BigInt(WQ_DESCRIPTOR), true);
    if (d !== 0n) wqs.set(d, { addr: d, name, flags });
    return d;
  };
  const SYSTEM: [string, string, number][] = [
    ['system_wq', 'events', 0], ['system_highpri_wq', 'events_highpri', WQ_HIGHPRI],
    ['system_long_wq', 'events_long', 0], ['system_unbound_wq', 'events_unbound', WQ_UNBOUND],
    ['system_freezable_wq', 'events_freezable', 0], ['system_power_efficient_wq', 'events_power_efficient', 0],
    ['system_freezable_power_efficient_wq', 'events_freezable_power_efficient', 0],
  ];
  for (const [sym, name, flags] of SYSTEM) {
    // the pointer variable, then its workqueue's descriptor (kernel data: the heap's layout stays as it was)
    const v = m.defineData(sym, 16 + WQ_DESCRIPTOR);
    m.mem.writeU64(v, makeWq(name, flags, v + 16n), true);
  }

  m.defineHost('alloc_workqueue', () => makeWq(readCString(m, m.arg(0), 63), m.argU32(1)));
  m.defineHost('destroy_workqueue', () => {
    const wq = U64(m.arg(0));
    const r = waitFor('destroy_workqueue', () => ![...where.values()].some((w) => w.wq === wq), 'wq-waited', wq);
    if (r === NO_RETURN) return r;
    if (wqs.delete(wq) && !SYSTEM.some(([sym]) => m.kernelSymbol(sym)! + 16n === wq)) kfree(m, 'destroy_workqueue', wq);
    return undefined;
  });
  const flushWq = (fn: string) => () => {
    const wq = U64(m.arg(0));
    const r = waitFor(fn, () => ![...where.values()].some((w) => w.wq === wq), 'wq-waited', wq);
    return r === NO_RETURN ? r : undefined;
  };
  m.defineHost('__flush_workqueue', flushWq('flush_workqueue'));
  m.defineHost('drain_workqueue', flushWq('drain_workqueue'));

  // ---- work items --------------------------------------------------------------------
  // INIT_DELAYED_WORK points dwork->timer at this; delayed work is timed on the host, so it only
  // runs when a module arms that timer itself: queue the work on the system workqueue.
  m.defineHost('delayed_work_timer_fn', () => {
    const dwork = U64(m.arg(0)) - BigInt(S().delayedWork.timer);
    enqueue(m.kernelSymbol('system_wq') !== undefined ? readU64(m, m.kernelSymbol('system_wq')!) : 0n,
      dwork + BigInt(S().delayedWork.work), -1);
  });
  m.defineHost('queue_work_on', () => queueWorkOn(m.argI32(0), U64(m.arg(1)), U64(m.arg(2))));
  m.defineHost('queue_delayed_work_on', () => {
    const dwork = U64(m.arg(2));
    const { work } = dworkParts(dwork);
    if (isPending(work)) return false;
    setPending(work, true);
    queueDelayed(m.argI32(0), U64(m.arg(1)), dwork, m.arg(3));
    return true;
  });
  m.defineHost('mod_delayed_work_on', () => {
    const dwork = U64(m.arg(2));
    const { work, timer } = dworkParts(dwork);
    const was = grab(work, timer);
    setPending(work, true);
    queueDelayed(m.argI32(0), U64(m.arg(1)), dwork, m.arg(3));
    return was;
  });
  m.defineHost('flush_work', () => {
    const work = U64(m.arg(0));
    return waitFor('flush_work', () => !busy(work), 'work-waited', work);
  });
  m.defineHost('flush_delayed_work', () => {
    const dwork = U64(m.arg(0));
    const { work, timer } = dworkParts(dwork);
    if (timerBase(m).cancel(timer)) enqueue(where.get(work)?.wq ?? 0n, work, -1);
    return waitFor('flush_delayed_work', () => !busy(work), 'work-waited', work);
  });
  m.defineHost('cancel_work', () => grab(U64(m.arg(0))));
  m.defineHost('cancel_delayed_work', () => { const { work, timer } = dworkParts(U64(m.arg(0))); return grab(work, timer); });
  const cancelSync = (fn: string, delayed: boolean) => () => {
    const t = m.currentTask;
    const a = U64(m.arg(0));
    const { work, timer } = delayed ? dworkParts(a) : { work: a, timer: undefined };
    if (!t.toolData.has('cancel-had')) t.toolData.set('cancel-had', grab(work, timer));
    const r = waitFor(fn, () => !busy(work), 'cancel-waited', work);
    if (r === NO_RETURN) return r;
    const had = t.toolData.get('cancel-had') === true;
    t.toolData.delete('cancel-had');
    return had;
  };
  m.defineHost('cancel_work_sync', cancelSync('cancel_work_sync', false));
  m.defineHost('cancel_delayed_work_sync', cancelSync('cancel_delayed_work_sync', true));
  m.defineHost('work_busy', () => {
    const work = U64(m.arg(0));
    const w = where.get(work);
    return (isPending(work) ? WORK_BUSY_PENDING : 0) | (w && w.pool.running === work ? WORK_BUSY_RUNNING : 0);
  });
}
