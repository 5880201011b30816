// The threads of a user-mode process (clone with CLONE_THREAD) and their
// scheduler. The process runs on one simulated CPU; its threads take turns
// on it, preempted after a time slice whose length comes from the seed, so
// the same program, input and seed give the same interleaving every time,
// and another seed gives another one. A thread off the CPU keeps its whole
// context here (registers, FS base — its TLS —, flags, SSE, x87, and its
// signal mask). Blocked threads wait for a futex wake or a simulated time;
// when nothing can run, simulated time skips ahead to the next timeout (the
// CPU idles), and when nothing ever could, the process is deadlocked.

import type { Cpu } from '../cpu/cpu';
import { x87StateOf, type X87Saved } from '../cpu/helpers/x87';
import { FlagSlot, Gpr, RegSlot, XMM_COUNT } from '../cpu/registers';
import { mulberry32 } from './prng';
import type { ThreadSignals } from './signals';

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

/** Shortest and longest time slice, in instructions (the seed picks each one in between). */
const SLICE_MIN = 20_000, SLICE_SPREAD = 60_000;

export class GuestThread {
  readonly regs = new Int32Array(RegSlot.COUNT);
  readonly flags = new Int32Array(FlagSlot.COUNT);
  readonly xmm = new Int32Array(XMM_COUNT * 4);
  mxcsr = 0x1f80;
  x87: X87Saved | null = null;
  signals: ThreadSignals | null = null;
  state: ThreadState = ThreadState.RUNNABLE;
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

  constructor(readonly tid: number) {}

  get alive(): boolean {
    return this.state !== ThreadState.DEAD;
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

export interface ThreadHost {
  /** Simulated time now (ns). */
  nowNs(): number;
  /** Nothing can run: let `ns` of simulated time pass with the CPU idle. */
  idle(ns: number): void;
  /** Swap the per-thread signal state (blocked mask, alternate stack) in and out. */
  saveSignals(): ThreadSignals;
  restoreSignals(s: ThreadSignals): void;
  /** A blocked thread stops waiting (timed out, or `interrupted` by a signal): off its futex queue, sleep's time left. */
  cancelWait(t: GuestThread, interrupted: boolean): void;
  /** The process's interval timers (alarm, setitimer): when the next one is due, and firing those due. */
  nextTimerNs(): number;
  fireTimers(): void;
  /** Every live thread waits for something that can never happen. */
  deadlock(what: string): void;
}

export class Threads {
  /** Every thread ever created, in creation order (dead ones stay, for tid lookups and statistics). */
  readonly all: GuestThread[] = [];
  current: GuestThread;
  private readonly rng: () => number;
  private nextTid: number;
  /** cpu.insnCount when the current thread's slice ends, and when it was switched in. */
  private sliceEnd = 0;
  private switchedIn = 0;
  /** The current thread should give up the CPU at the next schedule point (sched_yield). */
  private yieldNow = false;

  constructor(private readonly cpu: Cpu, private readonly host: ThreadHost, mainTid: number, seed: number) {
    this.rng = mulberry32(seed ^ 0x7468726);
    this.nextTid = mainTid + 1;
    this.current = new GuestThread(mainTid);
    this.all.push(this.current);
    this.sliceEnd = this.newSlice();
  }

  get live(): GuestThread[] {
    return this.all.filter((t) => t.alive);
  }

  byTid(tid: number): GuestThread | undefined {
    return this.all.find((t) => t.tid === tid && t.alive);
  }

  /** A new thread whose context is the current one's (clone): the caller adjusts it. */
  spawn(): GuestThread {
    const t = new GuestThread(this.nextTid++);
    this.save(t);
    t.signals = { ...t.signals!, alt: null };
    this.all.push(t);
    return t;
  }

  /** The current thread stops running (blocked or dead): switch at the next schedule point. */
  leaveCpu(): void {
    this.cpu.requestStop();
  }

  /** The current thread's pipe call would block: it waits, to issue the call again later. */
  waitForPipe(what: string): void {
    this.current.state = ThreadState.PIPE;
    this.current.waitReason = what;
    this.cpu.requestStop();
  }

  /** Some thread made a system call (a pipe may have changed): pipe waiters try again. */
  wakePipeWaiters(): void {
    const all = this.all;
    if (all.length === 1) return;
    for (let i = 0; i < all.length; i++) if (all[i].state === ThreadState.PIPE && all[i] !== this.current) all[i].state = ThreadState.RUNNABLE;
  }

  yield(): void {
    this.yieldNow = true;
    this.cpu.requestStop();
  }

  /**
   * How many instructions the current thread may run before the scheduler
   * must look again: the rest of its slice when there are other threads,
   * and no further than the next timeout.
   */
  slice(): number {
    const now = this.host.nowNs();
    let limit = this.host.nextTimerNs();
    for (const t of this.all) if (t !== this.current && t.wakeAtNs < limit) limit = t.wakeAtNs;
    let n = limit === Infinity ? Infinity : Math.max(1, limit - now);
    // With other threads, the slice always ends on time: one may be woken (by a futex wake) while this one runs.
    if (this.all.length > 1) n = Math.min(n, Math.max(1, this.sliceEnd - this.cpu.insnCount));
    return n;
  }

  /**
   * The schedule point, between two runs of the CPU: wake timed-out
   * waiters, then switch threads if the current one blocked, exited,
   * yielded or used up its slice. Returns false when no thread can ever run
   * again (the host has been told).
   */
  schedule(): boolean {
    const cur = this.current;
    const mustLeave = cur.state !== ThreadState.RUNNABLE || this.yieldNow || this.cpu.insnCount >= this.sliceEnd;
    if (!mustLeave) {
      this.host.fireTimers();
      this.wakeExpired();
      return true;
    }
    this.yieldNow = false;
    this.save(cur);
    for (;;) {
      this.host.fireTimers();
      this.wakeExpired();
      const next = this.pickAfter(cur);
      if (next) {
        this.load(next);
        return true;
      }
      let soonest = this.host.nextTimerNs();
      for (const t of this.all) if (t.alive && t.wakeAtNs < soonest) soonest = t.wakeAtNs;
      if (soonest === Infinity) {
        const waiting = this.live.map((t) => t.describe());
        this.load(cur);
        this.host.deadlock(waiting.length ? waiting.join(', ') : 'no thread left');
        return false;
      }
      this.host.idle(Math.max(0, soonest - this.host.nowNs()));
    }
  }

  /**
   * A signal `sig` became pending for the process: a thread blocked
   * interruptibly that does not block it wakes with -EINTR (and runs the
   * handler when it gets the CPU), unless the running thread takes it.
   */
  interrupt(sig: number): void {
    const bit = 1n << BigInt(sig - 1);
    for (const t of this.all) {
      if (t.state === ThreadState.SIGWAIT && t.sigwaitSet & bit) {
        t.state = ThreadState.RUNNABLE;
        t.wakeAtNs = Infinity;
        t.restarting = true;
        return;
      }
    }
    const takes = (t: GuestThread): boolean => !((t === this.current || !t.signals ? this.host.saveSignals() : t.signals).blocked & bit);
    if (this.current.state === ThreadState.RUNNABLE && takes(this.current)) return;
    for (const t of this.all) {
      // (the current thread is blocked only at a schedule point, where its context is already saved)
      if (!t.alive || t.state === ThreadState.RUNNABLE || !takes(t)) continue;
      this.host.cancelWait(t, true);
      // a pipe call is issued again after the handler (SA_RESTART-like); the others return -EINTR
      if (t.state !== ThreadState.PIPE) t.setResult(-4);
      t.state = ThreadState.RUNNABLE;
      t.wakeAtNs = Infinity;
      return;
    }
  }

  private wakeExpired(): void {
    const now = this.host.nowNs();
    for (const t of this.all) {
      if (!t.alive || t.wakeAtNs > now) continue;
      if (t.state === ThreadState.FUTEX) {
        this.host.cancelWait(t, false);
        t.setResult(-110); // -ETIMEDOUT
      }
      if (t.state === ThreadState.SIGWAIT) t.restarting = true; // the call, issued again, sees its deadline passed
      t.wakeAtNs = Infinity;
      t.state = ThreadState.RUNNABLE;
    }
  }

  /** Round robin: the first runnable thread after `cur` (cur itself last). */
  private pickAfter(cur: GuestThread): GuestThread | null {
    const n = this.all.length, at = this.all.indexOf(cur);
    for (let k = 1; k <= n; k++) {
      const t = this.all[(at + k) % n];
      if (t.state === ThreadState.RUNNABLE) return t;
    }
    return null;
  }

  private newSlice(): number {
    return this.cpu.insnCount + SLICE_MIN + (this.rng() % SLICE_SPREAD);
  }

  private save(t: GuestThread): void {
    const cpu = this.cpu;
    t.regs.set(cpu.regs);
    t.flags.set(cpu.flags);
    t.xmm.set(cpu.xmm);
    t.mxcsr = cpu.mxcsr;
    t.x87 = x87StateOf(cpu).save();
    t.signals = this.host.saveSignals();
    if (t === this.current) {
      t.insns += cpu.insnCount - this.switchedIn;
      this.switchedIn = cpu.insnCount;
    }
  }

  private load(t: GuestThread): void {
    const cpu = this.cpu;
    cpu.regs.set(t.regs);
    cpu.flags.set(t.flags);
    cpu.xmm.set(t.xmm);
    cpu.mxcsr = t.mxcsr;
    if (t.x87) x87StateOf(cpu).restore(t.x87);
    if (t.signals) this.host.restoreSignals(t.signals);
    this.current = t;
    this.switchedIn = cpu.insnCount;
    this.sliceEnd = this.newSlice();
  }
}
