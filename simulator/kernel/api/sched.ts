// The scheduler's exports: schedule, schedule_timeout*, yield,
// __cond_resched, wake_up_process, set_user_nice; preemption control
// (preempt_count_add/sub, preempt_count); and the CPU mask queries
// (num_online_cpus, num_possible_cpus, cpu_online).
//
// schedule() honours task_struct.__state as Linux does: after
// set_current_state(TASK_(UN)INTERRUPTIBLE) it blocks until
// wake_up_process(); with TASK_RUNNING it only yields. wake_up_process() on
// a task that has set a sleeping state but not yet called schedule() sets it
// back to TASK_RUNNING (and returns 1), so the usual
// "set state; check condition; schedule()" loop never misses a wake-up.
//
// __cond_resched() returns 0 and does nothing: the simulated scheduler
// preempts a task whose time slice is used up at any instruction boundary
// where its preempt count is zero, so there is no voluntary point to add.

import type { Machine } from '../machine';
import { Task, TaskState } from '../task';
import { dumpStack, logLines } from './printk';
import {
  NO_RETURN, beginWait, causalNow, checkAtomicSleep, endWait, guestState, hex, noteWakeup, readU32, resumeWait,
  setGuestState, taskByStruct,
} from './util';
import { HostResult } from '../hostFunctions';
import { jiffiesFromNowNs, ticksAt } from './time';

export const MAX_SCHEDULE_TIMEOUT = 0x7fffffffffffffffn;
export const TASK_INTERRUPTIBLE = 1;
export const TASK_UNINTERRUPTIBLE = 2;

/**
 * Give the CPU to the next runnable task, if any, and come back later (the
 * task goes to the back of the run queue at the end of this round). The
 * host function returns normally; the task resumes after the call.
 */
export function yieldCurrent(m: Machine, reason = 'yield'): void {
  m.sleepCurrent(m.nowNs(), reason);
}

/** Wake a task as wake_up_process() does; true if its state changed. */
export function wakeUpTask(m: Machine, t: Task): boolean {
  switch (t.state) {
    case TaskState.NEW:
    case TaskState.BLOCKED:
    case TaskState.SLEEPING:
      noteWakeup(m, t);
      return m.wake(t);
    case TaskState.RUNNING:
    case TaskState.RUNNABLE:
      // Between set_current_state() and schedule(): back to TASK_RUNNING.
      if (guestState(m, t) !== 0) { setGuestState(m, t, 0); return true; }
      return false;
    default:
      return false;
  }
}

/** Jiffies left until `deadline` (ns), as schedule_timeout() returns them. */
function jiffiesLeft(m: Machine, deadline: number): bigint {
  if (deadline === Infinity) return MAX_SCHEDULE_TIMEOUT;
  const left = Math.ceil(deadline * m.hz / 1e9) - ticksAt(m, m.nowNs());
  return BigInt(Math.max(0, left));
}

function schedule(m: Machine): HostResult {
  const t = m.currentTask;
  if (resumeWait(t, 'schedule')) { endWait(t); return; }
  if (guestState(m, t) === 0) {
    checkAtomicSleep(m, (l) => dumpStack(m, l));
    yieldCurrent(m, 'schedule');
    return;
  }
  checkAtomicSleep(m, (l) => dumpStack(m, l));
  beginWait(t, 'schedule');
  m.blockCurrent('schedule');
  return NO_RETURN;
}

/** schedule_timeout() and its variants (`state`: the state they set first, or undefined). */
function scheduleTimeout(m: Machine, state: number | undefined): HostResult {
  const t = m.currentTask;
  const w = resumeWait(t, 'schedule_timeout');
  if (w) { endWait(t); return jiffiesLeft(m, w.deadline); }
  const timeout = m.argI64(0);
  if (state !== undefined) setGuestState(m, t, state);
  if (timeout < 0n) {
    logLines(m, 3, `schedule_timeout: wrong timeout value ${hex(timeout)}`);
    dumpStack(m);
    setGuestState(m, t, 0);
    return 0;
  }
  if (guestState(m, t) === 0) {
    // Nothing to sleep for: schedule() returns at once; the timer has not expired.
    yieldCurrent(m, 'schedule_timeout');
    return timeout;
  }
  checkAtomicSleep(m, (l) => dumpStack(m, l));
  if (timeout >= MAX_SCHEDULE_TIMEOUT) {
    beginWait(t, 'schedule_timeout');
    m.blockCurrent('schedule_timeout');
    return NO_RETURN;
  }
  // The timer fires at a jiffy boundary, `timeout` jiffies from now.
  const deadline = jiffiesFromNowNs(m, causalNow(m), Number(timeout));
  beginWait(t, 'schedule_timeout', 0n, deadline);
  m.sleepCurrent(deadline, 'schedule_timeout');
  return NO_RETURN;
}

export function registerSched(m: Machine): void {
  m.defineHost('schedule', () => schedule(m));
  m.defineHost('schedule_timeout', () => scheduleTimeout(m, undefined));
  m.defineHost('schedule_timeout_interruptible', () => scheduleTimeout(m, TASK_INTERRUPTIBLE));
  m.defineHost('schedule_timeout_uninterruptible', () => scheduleTimeout(m, TASK_UNINTERRUPTIBLE));
  m.defineHost('yield', () => {
    checkAtomicSleep(m, (l) => dumpStack(m, l));
    yieldCurrent(m);
  });
  m.defineHost('__cond_resched', () => 0);
  m.defineHost('set_user_nice', () => { /* no priorities in the simulated scheduler */ });

  m.defineHost('wake_up_process', () => {
    const p = m.arg(0);
    const t = taskByStruct(m, p);
    if (!t) {
      readU32(m, p); // a bad pointer faults as in Linux
      return 0;
    }
    return wakeUpTask(m, t) ? 1 : 0;
  });

  // Preemption: one counter per task, shared with the spinlocks.
  m.defineHost('preempt_count_add', () => { m.currentTask.preemptCount += m.argI32(0); });
  m.defineHost('preempt_count_sub', () => {
    const t = m.currentTask;
    t.preemptCount = Math.max(0, t.preemptCount - m.argI32(0));
  });
  m.defineHost('preempt_count', () => m.currentTask.preemptCount);

  // CPU masks. 6.1's num_online_cpus() is inline over atomic_t __num_online_cpus, kept up to date across hotplug.
  m.defineHost('num_online_cpus', () => m.percpu.filter((p) => p.online).length);
  const numOnline = m.defineData('__num_online_cpus', 4);
  const setNumOnline = (leaving?: unknown): void => {
    m.mem.write(numOnline, new Uint8Array(Uint32Array.of(m.percpu.filter((p) => p.online && p !== leaving).length).buffer), true);
  };
  setNumOnline();
  m.hotplug.callbacks.push({ online: () => setNumOnline(), offline: (pc) => setNumOnline(pc) });
  m.defineHost('num_possible_cpus', () => m.percpu.length);
  m.defineHost('cpu_online', () => {
    const n = m.argU32(0);
    return n < m.percpu.length && m.percpu[n].online ? 1 : 0;
  });
}
