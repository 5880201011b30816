// Spinlocks (_raw_spin_lock and friends; spin_lock etc. are inline wrappers
// in spinlock.h). The lock word (u32 at offset 0) is 0 when free; taking
// the lock stores 1 there through the CPU's store path, so watchpoints and
// the guest (spin_is_locked) see it.
//
// Contention is real: a spin_lock that finds the lock held does not return.
// It leaves RIP at its own entry, so the CPU executes it again — spinning —
// and, when the holder is running on another CPU, ends this CPU's quantum
// so the holder gets on with it. While a task holds a spinlock its preempt
// count is raised, so the scheduler does not preempt it.
//
// As CONFIG_DEBUG_SPINLOCK would, a spin that can never end is reported
// once and the spinning task is then parked (blocked on the lock, so the
// machine's deadlock detection sees it instead of the run burning its
// instruction budget): the lock is held by the spinning task itself
// ("spinlock recursion") or by a task that has exited ("spinlock lockup
// suspected"). A spinner whose lock holder is asleep (it slept with the
// lock held, which Linux reports as "scheduling while atomic") is parked
// too, silently, instead of spinning through the holder's sleep. Unlocking
// wakes parked spinners, which then try again.
//
// The _irq/_irqsave/_bh variants behave like the plain ones (the simulated
// kernel has no interrupts) except for RFLAGS.IF, which irqs_disabled()
// reads: _irq and _irqsave clear it (_irqsave returning RFLAGS as it was),
// _unlock_irq sets it and _irqrestore puts back its argument's IF.

import type { Machine } from '../machine';
import type { Task } from '../task';
import { TaskState } from '../task';
import { dumpStack, logLines } from './printk';
import { NO_RETURN, U64, describeTask, hex, noteWakeup, readU32, writeU32 } from './util';
import { HostResult } from '../hostFunctions';

const X86_EFLAGS_IF = 0x200;

export function registerSpinlock(m: Machine): void {
  /** Which task took each held lock (by our own lock functions). */
  const owners = new Map<bigint, Task>();
  /** Spinners parked on a lock that cannot be released by a running task. */
  const parked = new Map<bigint, Task[]>();
  const reported = new Set<string>();
  m.keep('spinlock', { owners, parked, reported });

  const tryLock = (lock: bigint): boolean => {
    if (readU32(m, lock) !== 0) return false;
    writeU32(m, lock, 1);
    const t = m.currentTask;
    owners.set(lock, t);
    t.preemptCount++;
    return true;
  };

  const park = (lock: bigint, t: Task, reason: string): void => {
    let q = parked.get(lock);
    if (!q) parked.set(lock, q = []);
    if (!q.includes(t)) q.push(t);
    m.blockCurrent(reason);
  };

  const contended = (lock: bigint): HostResult => {
    const t = m.currentTask;
    const owner = owners.get(lock);
    let problem: string | null = null;
    if (owner === t) problem = 'recursion';
    else if (owner && !owner.alive) problem = 'lockup suspected';
    if (problem) {
      const key = `${t.pid}:${lock}`;
      if (!reported.has(key)) {
        reported.add(key);
        logLines(m, 0,
          `BUG: spinlock ${problem} on CPU#${m.currentCpu.index}, ${describeTask(t)}`,
          ` lock: ${hex(lock)}, .owner: ${describeTask(owner!)}, .owner_cpu: ${owner!.cpu}`);
        dumpStack(m);
      }
      park(lock, t, `spinlock ${hex(lock)} (${problem}, held by ${describeTask(owner!)})`);
      return NO_RETURN;
    }
    if (owner && (owner.state === TaskState.BLOCKED || owner.state === TaskState.SLEEPING)) {
      // The holder slept with the lock held (it was told "scheduling while
      // atomic"): nothing can change until it runs again and unlocks, so
      // wait for the unlock instead of spinning through simulated time.
      park(lock, t, `spinlock ${hex(lock)} (held by sleeping ${describeTask(owner)})`);
      return NO_RETURN;
    }
    // Spin. If the holder is on another CPU, let the CPUs move on.
    if (owner && owner.state === TaskState.RUNNING) m.yieldCpu();
    return NO_RETURN;
  };

  const lock = (): HostResult => {
    const l = U64(m.arg(0));
    return tryLock(l) ? undefined : contended(l);
  };

  const lockIrqsave = (): HostResult => {
    const l = U64(m.arg(0));
    if (!tryLock(l)) return contended(l);
    const flags = m.cpu.getRflags();
    setIrqFlag(m, false);
    return BigInt(flags);
  };

  const lockIrq = (): HostResult => {
    const l = U64(m.arg(0));
    if (!tryLock(l)) return contended(l);
    setIrqFlag(m, false);
    return undefined;
  };

  const unlock = (): HostResult => {
    const l = U64(m.arg(0));
    readU32(m, l);
    writeU32(m, l, 0);
    owners.delete(l);
    const t = m.currentTask;
    t.preemptCount = Math.max(0, t.preemptCount - 1);
    const q = parked.get(l);
    if (q) {
      parked.delete(l);
      for (const w of q) if (w.alive) { noteWakeup(m, w); m.wake(w); }
    }
  };

  m.defineHost('_raw_spin_lock', lock);
  m.defineHost('_raw_spin_lock_irq', lockIrq);
  m.defineHost('_raw_spin_lock_bh', lock);
  m.defineHost('_raw_spin_lock_irqsave', lockIrqsave);
  m.defineHost('_raw_spin_trylock', () => tryLock(U64(m.arg(0))) ? 1 : 0);
  m.defineHost('_raw_spin_unlock', unlock);
  m.defineHost('_raw_spin_unlock_irq', () => { unlock(); setIrqFlag(m, true); });
  m.defineHost('_raw_spin_unlock_bh', unlock);
  m.defineHost('_raw_spin_unlock_irqrestore', () => { const f = m.arg(1); unlock(); setIrqFlag(m, (f & BigInt(X86_EFLAGS_IF)) !== 0n); });
}

/** Set or clear RFLAGS.IF of the running CPU (what cli/sti do). */
function setIrqFlag(m: Machine, on: boolean): void {
  const flags = m.cpu.getRflags();
  m.cpu.setRflags(on ? flags | X86_EFLAGS_IF : flags & ~X86_EFLAGS_IF);
}
