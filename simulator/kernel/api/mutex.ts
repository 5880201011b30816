// Mutexes (kernel/locking/mutex.c). struct mutex's `owner` (u64 at offset
// 0) is 0 when free, else the owner's task_struct address, in guest memory
// as in Linux (mutex_is_locked reads it). Contended lockers block in FIFO
// order, keyed by the mutex's address; mutex_unlock hands the mutex
// directly to the first waiter (owner = that task) and wakes it, so no
// other task can barge in between.
//
// A task blocked on a mutex shows `mutex_lock+0x0` as its RIP; a cycle of
// such tasks is a deadlock the machine reports. Without signals the
// _interruptible/_killable variants always succeed (return 0).

import type { Machine } from '../machine';
import { dumpStack } from './printk';
import {
  NO_RETURN, U64, WaitQueues, beginWait, checkAtomicSleep, describeTask, endWait, grant, hex, readU64, resumeWait,
  taskByStruct, writeU64,
} from './util';
import { HostResult } from '../hostFunctions';

export function registerMutex(m: Machine): void {
  const waiters = m.keep('mutex', new WaitQueues());

  const lock = (fn: string, okValue: number | undefined): HostResult => {
    const t = m.currentTask;
    const lk = U64(m.arg(0));
    const w = resumeWait(t, fn, lk);
    if (w?.granted) { endWait(t); return okValue; }
    const owner = readU64(m, lk);
    if (owner === 0n) {
      writeU64(m, lk, t.taskStruct);
      if (w) { waiters.remove(lk, t); endWait(t); }
      return okValue;
    }
    if (!w) {
      checkAtomicSleep(m, (l) => dumpStack(m, l));
      waiters.add(lk, t, beginWait(t, fn, lk));
    }
    const holder = owner === 0n ? undefined : taskByStruct(m, owner);
    m.blockCurrent(`mutex ${hex(lk)}${holder ? ` (owner ${describeTask(holder)})` : ''}`);
    return NO_RETURN;
  };

  m.defineHost('mutex_lock', () => lock('mutex_lock', undefined));
  m.defineHost('mutex_lock_interruptible', () => lock('mutex_lock_interruptible', 0));
  m.defineHost('mutex_lock_killable', () => lock('mutex_lock_killable', 0));

  m.defineHost('mutex_trylock', () => {
    const lk = U64(m.arg(0));
    if (readU64(m, lk) !== 0n) return 0;
    writeU64(m, lk, m.currentTask.taskStruct);
    return 1;
  });

  m.defineHost('mutex_unlock', () => {
    const lk = U64(m.arg(0));
    readU64(m, lk);
    const next = waiters.takeFirst(lk);
    if (next) {
      writeU64(m, lk, next.taskStruct);
      grant(m, next);
    } else {
      writeU64(m, lk, 0n);
    }
  });
}
