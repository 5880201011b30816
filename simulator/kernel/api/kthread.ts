// Kernel threads: kthread_create_on_node (kthread_create/kthread_run are
// macros over it), kthread_should_stop, kthread_stop, kthread_exit,
// kthread_bind.
//
// A new thread is NEW (stopped) until wake_up_process(). Returning from the
// thread function ends it with that value (the machine's exit trampoline);
// kthread_exit() ends it from anywhere. kthread_stop() sets the stop flag,
// wakes the thread and blocks until it has exited, returning its result; a
// thread that was never woken does not run its function at all and yields
// -EINTR, as in Linux.
//
// kthread_bind() is accepted but has no effect: the simulated scheduler has
// no CPU affinity (any CPU takes the next runnable task).

import type { Machine } from '../machine';
import { TaskState } from '../task';
import { Gpr, RegSlot } from '../../cpu/registers';
import { OutOfPhysicalMemory, splitAddress } from '../../memory/memory';
import { callArgs, guestFormat } from './guestFormat';
import { wakeUpTask } from './sched';
import { NO_RETURN, U64, beginWait, describeTask, endWait, noteWakeup, readU32, resumeWait, taskByStruct } from './util';

const EINTR = 4, ENOMEM = 12, ESRCH = 3;
/** More threads than this is a runaway module. */
const MAX_TASKS = 4096;

export function registerKthread(m: Machine): void {
  m.defineHost('kthread_create_on_node', () => {
    const fn = m.arg(0), data = m.arg(1);
    const name = guestFormat(m, m.arg(3), callArgs(m, 4), 64);
    const comm = Buffer.from(name.bytes).toString('utf8');
    if (m.tasks.length >= MAX_TASKS) return U64(BigInt(-ENOMEM));
    try {
      const t = m.createTask(comm, fn, data);
      noteWakeup(m, t); // it cannot run before it was created
      return t.taskStruct;
    } catch (e) {
      if (e instanceof OutOfPhysicalMemory) return U64(BigInt(-ENOMEM));
      throw e;
    }
  });

  m.defineHost('kthread_should_stop', () => m.currentTask.shouldStop);

  m.defineHost('kthread_exit', () => {
    m.exitCurrent(Number(BigInt.asIntN(32, m.arg(0))));
    return NO_RETURN;
  });

  m.defineHost('kthread_bind', () => { /* no CPU affinity in the simulated scheduler */ });

  m.defineHost('kthread_stop', () => {
    const self = m.currentTask;
    const p = m.arg(0);
    const target = taskByStruct(m, p);
    if (!target) {
      readU32(m, p); // a bad pointer faults as in Linux
      return -ESRCH;
    }
    const w = resumeWait(self, 'kthread_stop', target.taskStruct);
    if (!target.alive) {
      if (w) endWait(self);
      return target.exitCode;
    }
    if (!w) {
      target.shouldStop = true;
      if (target.state === TaskState.NEW) {
        // kthread(): a thread stopped before it ever ran returns -EINTR without calling its function.
        const r = target.regs;
        [r[RegSlot.RIP], r[RegSlot.RIP + 1]] = splitAddress(m.kthreadExit);
        r[2 * Gpr.RAX] = -EINTR;
        r[2 * Gpr.RAX + 1] = -1;
      }
      wakeUpTask(m, target);
      beginWait(self, 'kthread_stop', target.taskStruct);
    }
    if (!target.stopWaiters.includes(self)) target.stopWaiters.push(self);
    m.blockCurrent(`kthread_stop(${describeTask(target)})`);
    return NO_RETURN;
  });
}
