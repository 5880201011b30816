// One thread of a user-mode process: its saved context while it is off the
// CPU engine (registers, FS base — its TLS —, flags, SSE, x87), its signal
// state, what it waits for when blocked, and where it may run.

import type { X87Saved } from '../cpu/helpers/x87';
import { Gpr } from '../cpu/registers';
import { SavedContext } from '../cpu/savedContext';
import { ThreadSignals } from './signals';

export const enum ThreadState {
  RUNNABLE = 'runnable',
  /** In futex wait (futexAddr), maybe with a timeout (wakeAtNs). */
  FUTEX = 'futex',
  /** In nanosleep until wakeAtNs. */
  SLEEP = 'sleep',
  /** In rt_sigsuspend until a signal it does not block arrives. */
  SIGSUSPEND = 'sigsuspend',
  /** In rt_sigtimedwait (sigwait) for a signal of sigwaitSet; it issues the call again when one arrives or at its timeout. */
  SIGWAIT = 'sigwait',
  /** Its pipe read or write would block: it issues the call again after another thread made a system call. */
  PIPE = 'pipe',
  DEAD = 'dead',
}

/** Its saved registers (SavedContext) while off a CPU, and the rest of its state. */
export class GuestThread extends SavedContext {
  mxcsr = 0x1f80;
  x87: X87Saved | null = null;
  signals = new ThreadSignals();
  state: ThreadState = ThreadState.RUNNABLE;
  /** The simulated CPU it holds (-1: none), and the one it ran on last (getcpu, the debugger). */
  onCpu = -1;
  lastCpu = 0;
  /** sched_setaffinity: the CPUs it may run on (bit i: CPU i); `anyCpu` when that is all of them. */
  affinity = 0n;
  anyCpu = true;
  /** The scheduling round from whose start it waits for a CPU (see Threads.startRound). */
  eligibleRound = -1;
  /** CLONE_CHILD_CLEARTID / set_tid_address: zeroed and futex-woken when the thread exits. */
  clearChildTid = 0n;
  /** set_robust_list: the head of the thread's list of held robust mutexes. */
  robustList = 0n;
  /** FUTEX: the word waited on and the wait's bitset. */
  futexAddr = 0n;
  futexBitset = 0;
  /** FUTEX (with a timeout), SLEEP: simulated time (ns) to wake at; Infinity for none. */
  wakeAtNs = Infinity;
  /** SLEEP: where nanosleep reports the time left if a signal interrupts it (0: nowhere). */
  sleepRem = 0n;
  /** Instructions this thread retired. */
  insns = 0;
  /** PIPE: what it waits for (for the deadlock report). */
  waitReason = '';
  /** SIGWAIT: the signals waited for; the wait's deadline survives the call's restarts. */
  sigwaitSet = 0n;
  sigwaitDeadline = Infinity;
  /** The call it issues again (PIPE, SIGWAIT) is a continuation of the one that blocked. */
  restarting = false;

  constructor(readonly tid: number) {
    super();
  }

  get alive(): boolean {
    return this.state !== ThreadState.DEAD;
  }

  /** Whether it may run on CPU `cpu` (its affinity). */
  mayRunOn(cpu: number): boolean {
    return this.anyCpu || ((this.affinity >> BigInt(cpu)) & 1n) !== 0n;
  }

  /** Set the result of the system call this (switched-out) thread is blocked in. */
  setResult(value: number): void {
    this.regs[2 * Gpr.RAX] = value;
    this.regs[2 * Gpr.RAX + 1] = value < 0 ? -1 : 0;
  }

  /** What it waits for, for the deadlock report and the debugger. */
  describe(): string {
    switch (this.state) {
      case ThreadState.FUTEX: return `thread ${this.tid} in futex wait on 0x${this.futexAddr.toString(16)}`;
      case ThreadState.SLEEP: return `thread ${this.tid} sleeping`;
      case ThreadState.SIGSUSPEND: return `thread ${this.tid} in sigsuspend`;
      case ThreadState.PIPE: return `thread ${this.tid}: ${this.waitReason}`;
      case ThreadState.SIGWAIT: return `thread ${this.tid} in sigwait`;
      default: return `thread ${this.tid} ${this.state}`;
    }
  }
}
