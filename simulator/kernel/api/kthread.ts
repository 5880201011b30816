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
// kthread_bind() binds the thread to one CPU (Task.boundCpu), as Linux does
// for a thread that has not run yet.

import type { Machine } from '../machine';
import { TaskState } from '../task';
import { Gpr, RegSlot } from '../../cpu/registers';
import { OutOfPhysicalMemory, splitAddress } from '../../memory/memory';
import { callArgs, guestFormat } from './guestFormat';
import { wakeUpTask } from './sched';
import { NO_RETURN, U64, beginWait, describeTask, endWait, noteWakeup, readU32, resumeWait, taskByStruct, writeBytes } from './util';
import { logLines } from './printk';

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

  m.defineHost('kthread_bind', () => {
    const t = taskByStruct(m, m.arg(0));
    const cpu = m.argU32(1);
    if (!t) { readU32(m, m.arg(0)); return; } // a bad pointer faults as in Linux
    // Linux WARNs and leaves a thread that is already running where it is
    if (t.state !== TaskState.NEW) { logLines(m, 4, `WARNING: kthread_bind: ${t.comm} is not stopped; not bound`); return; }
    if (cpu < m.percpu.length) t.boundCpu = cpu;
  }),

  // __get_task_comm(buf, size, tsk): get_task_comm()'s strscpy_pad of tsk->comm
  m.defineHost('__get_task_comm', () => {
    const [buf, size, p] = [m.arg(0), Number(m.arg(1) & 0xffffn), m.arg(2)];
    const t = taskByStruct(m, p);
    if (!t) { readU32(m, p); return buf; } // a bad pointer faults as in Linux
    if (size === 0) return buf;
    const out = new Uint8Array(size);
    out.set(Buffer.from(t.comm).subarray(0, size - 1));
    writeBytes(m, buf, out);
    return buf;
  });

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
