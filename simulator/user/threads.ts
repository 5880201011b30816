// The threads of a user-mode process (clone with CLONE_THREAD) and the
// simulated CPUs they run on. As in the kernel's scheduler, one CPU engine
// runs every simulated CPU in turn: a round gives each CPU that holds a
// thread one seeded quantum (quanta.ts), all CPUs of a round over the same
// stretch of simulated time, so N CPUs make progress in parallel and the
// same program, input and seed give the same interleaving every time.
// Because the engine runs one instruction at a time, every instruction is
// atomic across CPUs (lock-prefixed ones included, as on hardware).
//
// A thread keeps its CPU until it blocks, exits, yields, or its quantum
// ends while more runnable threads wait than CPUs are free. A thread off
// the engine keeps its whole context in its GuestThread. Blocked threads
// wait for a futex wake, a signal or a simulated time; when no thread can
// run, simulated time skips ahead to the next timeout (the CPUs idle), and
// when nothing ever could, the process is deadlocked.

import type { Cpu } from '../cpu/cpu';
import { x87StateOf } from '../cpu/helpers/x87';
import { GuestThread, ThreadState } from './guestThread';
import { Quanta, QuantumPolicy, SMP_QUANTA, UNIPROCESSOR_QUANTA } from './quanta';
import { ThreadSignals } from './signals';

export { GuestThread, ThreadState } from './guestThread';

/** The most CPUs a process may be given (sched_getaffinity's mask is one 64-bit word). */
export const MAX_CPUS = 64;
const EINTR = 4, ETIMEDOUT = 110;

export interface ThreadHost {
  /** The running thread's signal state from now on. */
  useSignals(s: ThreadSignals): void;
  /** A blocked thread stops waiting (timed out, or `interrupted` by a signal): off its futex queue, sleep's time left. */
  cancelWait(t: GuestThread, interrupted: boolean): void;
  /** The process's timers (timers.ts): when the next wall-clock one is due (ns), the next CPU-time one (process CPU ns), and firing those due. */
  nextTimerNs(): number;
  nextCpuTimerNs(): number;
  fireTimers(): void;
  /** Every live thread waits for something that can never happen. */
  deadlock(what: string): void;
}

export interface ThreadsOptions {
  /** Simulated CPUs (default 1). */
  cpus?: number;
  /** Quantum lengths; default UNIPROCESSOR_QUANTA on one CPU, SMP_QUANTA on several. */
  quanta?: QuantumPolicy;
}

export class Threads {
  /** Every thread ever created, in creation order (dead ones stay, for tid lookups and statistics). */
  readonly all: GuestThread[] = [];
  /** The thread whose system calls are being served: the one loaded in the engine, or the last one that was. */
  current: GuestThread;
  /** What each simulated CPU holds (null: idle). */
  readonly onCpu: (GuestThread | null)[];
  private readonly quanta: Quanta;
  private nextTid: number;
  /** The thread whose context the engine holds (null: saved, the engine's copy may be stale). */
  private loaded: GuestThread | null;
  /** The current thread should give up its CPU at the next schedule point (sched_yield). */
  private yieldNow = false;
  /** Simulated time at the start of the round, and cpu.insnCount where the running quantum's time counts from. */
  private roundStartNs = 0;
  private quantumStartInsns = 0;
  /** cpu.insnCount when instructions were last credited to the running thread. */
  private credited = 0;
  private roundNo = 0;
  /** The last thread given a CPU (the next pick starts after it: round robin). */
  private lastPicked: GuestThread;
  private readonly round = {
    active: false,
    /** The CPU that starts the round and how many after it have had their turn. */
    first: 0,
    next: 0,
    fine: false,
    ranAny: false,
    /** The longest quantum of the round so far (the round's length in simulated ns). */
    insns: 0,
    /** The running quantum: its CPU (-1: none), length and how much of it has run. */
    cpu: -1,
    quantum: 0,
    ran: 0,
  };

  constructor(private readonly cpu: Cpu, private readonly host: ThreadHost, mainTid: number, seed: number, opts: ThreadsOptions = {}) {
    const n = opts.cpus ?? 1;
    if (!Number.isInteger(n) || n < 1 || n > MAX_CPUS) throw new RangeError(`cpus must be between 1 and ${MAX_CPUS}`);
    this.onCpu = new Array<GuestThread | null>(n).fill(null);
    this.quanta = new Quanta(opts.quanta ?? (n === 1 ? UNIPROCESSOR_QUANTA : SMP_QUANTA), seed);
    this.nextTid = mainTid + 1;
    const main = new GuestThread(mainTid);
    this.all.push(main);
    this.current = this.loaded = this.lastPicked = main;
    main.onCpu = 0;
    this.onCpu[0] = main;
  }

  get cpuCount(): number {
    return this.onCpu.length;
  }

  get live(): GuestThread[] {
    return this.all.filter((t) => t.alive);
  }

  byTid(tid: number): GuestThread | undefined {
    return this.all.find((t) => t.tid === tid && t.alive);
  }

  /** Simulated time now (ns), as the running CPU sees it. */
  nowNs(): number {
    return this.roundStartNs + (this.cpu.insnCount - this.quantumStartInsns);
  }

  /** Instructions `t` has retired (CLOCK_THREAD_CPUTIME_ID), the running quantum's included. */
  cpuTimeOf(t: GuestThread): number {
    return t.insns + (this.round.cpu >= 0 && this.onCpu[this.round.cpu] === t ? this.cpu.insnCount - this.credited : 0);
  }

  /** A new thread whose context is the current one's (clone): the caller adjusts it. */
  spawn(): GuestThread {
    const cur = this.current;
    const t = new GuestThread(this.nextTid++);
    this.saveContext(t);
    t.signals = new ThreadSignals(cur.signals.blocked);
    t.affinity = cur.affinity;
    t.anyCpu = cur.anyCpu;
    this.all.push(t);
    // a lone thread runs without quanta: let the scheduler draw one now that there are two
    this.cpu.requestStop();
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

  /** sched_setaffinity for `t`: the CPUs it may use from now on (it moves off a CPU it may no longer use at once). */
  setAffinity(t: GuestThread, mask: bigint): void {
    const all = (1n << BigInt(this.cpuCount)) - 1n;
    t.affinity = mask & all;
    t.anyCpu = t.affinity === all;
    if (t === this.current) this.cpu.requestStop();
  }

  /**
   * The schedule point, between two runs of the engine: credit what ran,
   * fire due timers, wake timed-out waiters, then go on with the running
   * quantum or start the next CPU's. Returns how many instructions the
   * loaded thread may run before the next schedule point, or 0 when no
   * thread can ever run again (the host has been told).
   */
  schedule(): number {
    const r = this.round;
    if (r.cpu >= 0) {
      const t = this.onCpu[r.cpu]!;
      const ran = this.cpu.insnCount - this.credited;
      this.credited = this.cpu.insnCount;
      r.ran += ran;
      t.insns += ran;
      this.host.fireTimers();
      this.wakeExpired();
      // A lone thread runs without quanta; once it has company it gets a drawn one from here.
      if (r.quantum === Infinity && this.all.length > 1) r.quantum = r.ran + this.quanta.next(r.fine);
      if (t.state === ThreadState.RUNNABLE && !this.yieldNow && r.ran < r.quantum && t.mayRunOn(r.cpu)) return this.limit(r.quantum - r.ran);
      this.endQuantum(t);
    }
    for (;;) {
      if (!r.active) this.startRound();
      const n = this.onCpu.length;
      for (; r.next < n; r.next++) {
        const c = (r.first + r.next) % n;
        const t = this.onCpu[c] ?? this.pick(c);
        if (!t) continue;
        this.switchTo(t, c);
        r.cpu = c;
        r.ran = 0;
        r.quantum = this.all.length === 1 ? Infinity : this.quanta.next(r.fine);
        r.ranAny = true;
        this.quantumStartInsns = this.credited = this.cpu.insnCount;
        return this.limit(r.quantum);
      }
      r.active = false;
      this.roundStartNs += r.insns;
      this.quantumStartInsns = this.cpu.insnCount;
      if (r.ranAny) continue;
      // No CPU had a thread to run: idle until the next timeout, if there is one.
      let soonest = this.host.nextTimerNs();
      for (const t of this.all) if (t.alive && t.wakeAtNs < soonest) soonest = t.wakeAtNs;
      if (soonest === Infinity) {
        const waiting = this.live.map((t) => t.describe());
        this.host.deadlock(waiting.length ? waiting.join(', ') : 'no thread left');
        return 0;
      }
      this.roundStartNs = Math.max(this.roundStartNs, soonest);
    }
  }

  /**
   * A signal `sig` became pending for the process (`to` null) or for thread
   * `to`: a thread blocked interruptibly that does not block it wakes with
   * -EINTR (and runs the handler when it gets a CPU) — unless, for the
   * process, a running or runnable thread takes it anyway. A thread in
   * sigwait for it takes it first.
   */
  interrupt(sig: number, to: ThreadSignals | null): void {
    const bit = 1n << BigInt(sig - 1);
    for (const t of this.all) {
      if (to && t.signals !== to) continue;
      if (t.state === ThreadState.SIGWAIT && t.sigwaitSet & bit) {
        t.state = ThreadState.RUNNABLE;
        t.wakeAtNs = Infinity;
        t.restarting = true;
        return;
      }
    }
    const takes = (t: GuestThread): boolean => t.alive && (!to || t.signals === to) && !(t.signals.blocked & bit);
    // Linux's complete_signal: the current thread if it takes it, else the first that does.
    if (this.current.state === ThreadState.RUNNABLE && takes(this.current)) return;
    const t = this.all.find(takes);
    if (!t || t.state === ThreadState.RUNNABLE) return;
    this.host.cancelWait(t, true);
    // a pipe call is issued again after the handler (SA_RESTART-like); the others return -EINTR
    if (t.state !== ThreadState.PIPE) t.setResult(-EINTR);
    t.state = ThreadState.RUNNABLE;
    t.wakeAtNs = Infinity;
  }

  // ---- rounds ---------------------------------------------------------------------

  /**
   * A round starts at one simulated time for all CPUs. Threads runnable
   * now may take a free CPU in it; one woken later in the round waits for
   * the next, or it would run at times before its waker woke it.
   */
  private startRound(): void {
    const r = this.round;
    this.host.fireTimers();
    this.wakeExpired();
    this.roundNo++;
    for (const t of this.all) if (t.state === ThreadState.RUNNABLE && t.onCpu < 0) t.eligibleRound = this.roundNo;
    r.active = true;
    r.first = this.onCpu.length > 1 ? this.quanta.firstCpu(this.onCpu.length) : 0;
    r.next = 0;
    r.fine = this.quanta.fineRound();
    r.ranAny = false;
    r.insns = 0;
  }

  /** The running quantum is over: the thread leaves its CPU if it blocked, exited, may not stay, or others wait. */
  private endQuantum(t: GuestThread): void {
    const r = this.round;
    const c = r.cpu;
    r.insns = Math.max(r.insns, r.ran);
    r.cpu = -1;
    r.next++;
    const yielded = this.yieldNow;
    this.yieldNow = false;
    if (t.state === ThreadState.RUNNABLE && t.mayRunOn(c) && !(this.waitingForCpu() && (yielded || r.ran >= r.quantum))) return;
    this.onCpu[c] = null;
    t.onCpu = -1;
    this.saveContext(t);
    this.loaded = null;
  }

  /** More runnable threads wait for a CPU than CPUs are free (the running thread still holds its own). */
  private waitingForCpu(): boolean {
    let waiting = 0, free = 0;
    for (const t of this.all) if (t.state === ThreadState.RUNNABLE && t.onCpu < 0) waiting++;
    for (const t of this.onCpu) if (!t) free++;
    return waiting > free;
  }

  /** The next thread for free CPU `c`: round robin over the threads waiting since the round began. */
  private pick(c: number): GuestThread | null {
    const all = this.all, n = all.length, at = all.indexOf(this.lastPicked);
    for (let k = 1; k <= n; k++) {
      const t = all[(at + k) % n];
      if (t.eligibleRound !== this.roundNo || t.state !== ThreadState.RUNNABLE || t.onCpu >= 0 || !t.mayRunOn(c)) continue;
      t.eligibleRound = -1;
      t.onCpu = c;
      this.onCpu[c] = t;
      this.lastPicked = t;
      return t;
    }
    return null;
  }

  /**
   * Instructions until the next timeout (a timer, a sleeper, a timed wait)
   * or CPU-time timer (the process's CPU time is cpu.insnCount), but no more than `n`.
   */
  private limit(n: number): number {
    let at = this.host.nextTimerNs();
    for (const t of this.all) if (t !== this.current && t.wakeAtNs < at) at = t.wakeAtNs;
    if (at !== Infinity) n = Math.min(n, Math.max(1, at - this.nowNs()));
    const cpuAt = this.host.nextCpuTimerNs();
    return cpuAt === Infinity ? n : Math.min(n, Math.max(1, cpuAt - this.cpu.insnCount));
  }

  private wakeExpired(): void {
    const now = this.nowNs();
    for (const t of this.all) {
      if (!t.alive || t.wakeAtNs > now) continue;
      if (t.state === ThreadState.FUTEX) {
        this.host.cancelWait(t, false);
        t.setResult(-ETIMEDOUT);
      }
      if (t.state === ThreadState.SIGWAIT) t.restarting = true; // the call, issued again, sees its deadline passed
      t.wakeAtNs = Infinity;
      t.state = ThreadState.RUNNABLE;
    }
  }

  // ---- the engine --------------------------------------------------------------------

  /** Load `t` into the engine as CPU `c` (saving whoever was there). */
  private switchTo(t: GuestThread, c: number): void {
    this.cpu.cpuNumber = c; // rdtscp's TSC_AUX
    t.lastCpu = c;
    if (this.loaded === t) return;
    if (this.loaded) this.saveContext(this.loaded);
    const cpu = this.cpu;
    t.loadInto(cpu);
    cpu.mxcsr = t.mxcsr;
    if (t.x87) x87StateOf(cpu).restore(t.x87);
    this.host.useSignals(t.signals);
    this.current = this.loaded = t;
  }

  /** The engine's context into `t` (a switch, or clone copying the caller's). */
  private saveContext(t: GuestThread): void {
    const cpu = this.cpu;
    t.saveFrom(cpu);
    t.mxcsr = cpu.mxcsr;
    const x87 = x87StateOf(cpu);
    if (t.x87) x87.saveInto(t.x87);
    else t.x87 = x87.save();
  }
}
