// The system calls of threads, waiting and time: clone/clone3 (threads
// only: CLONE_VM|CLONE_THREAD|CLONE_SIGHAND, the flags musl's and glibc's
// pthread_create pass), exit (one thread) vs exit_group (the process,
// in syscalls.ts), gettid, set_tid_address and CLONE_CHILD_CLEARTID (the
// word pthread_join waits on is zeroed and woken at exit), robust futex
// lists (owner-died marking at exit), futex, sched_yield, the sleeps,
// rt_sigsuspend/pause, rt_sigtimedwait, and the scheduling calls
// (sched_yield, sched_{get,set}affinity, getcpu). All times are simulated
// (see Threads.nowNs); the timers are in timers.ts. fork/vfork (clone without CLONE_THREAD) stay
// unsupported: one process only.

import { Gpr, RegSlot } from '../cpu/registers';
import { Memory, splitAddress } from '../memory/memory';
import { Errno } from './errno';
import { Futexes } from './futex';
import type { Signals } from './signals';
import { Handler, RESTART, Register, int } from './syscallTypes';
import { GuestThread, ThreadState, Threads } from './threads';

const CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800, CLONE_THREAD = 0x10000;
const CLONE_SYSVSEM = 0x40000, CLONE_SETTLS = 0x80000, CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000;
const CLONE_DETACHED = 0x400000, CLONE_CHILD_SETTID = 0x1000000;
/** The flags a thread may be created with here (anything else is refused with EINVAL). */
const THREAD_FLAGS = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |
  CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_CHILD_SETTID;
const FUTEX_WAITERS = 0x80000000, FUTEX_OWNER_DIED = 0x40000000, FUTEX_TID_MASK = 0x3fffffff;
/** The kernel's ROBUST_LIST_LIMIT: a corrupt (cyclic) list is walked at most this far. */
const ROBUST_LIST_LIMIT = 2048;
const NS_PER_S = 1_000_000_000;

export interface ThreadSyscallHost {
  /** Simulated CLOCK_MONOTONIC (ns) and CLOCK_REALTIME minus it (ns). */
  nowNs(): number;
  realtimeOffsetNs(): bigint;
  /** End the process with an exit status (the last thread exited). */
  exitProcess(code: number): void;
  /** One warning line per distinct message. */
  warnOnce(line: string): void;
}

export class ThreadSyscalls {
  readonly futexes: Futexes;

  constructor(
    private readonly mem: Memory,
    readonly threads: Threads,
    private readonly signals: Signals,
    private readonly host: ThreadSyscallHost,
  ) {
    this.futexes = new Futexes(mem, threads, { monotonicNs: () => host.nowNs(), realtimeOffsetNs: () => host.realtimeOffsetNs() });
  }

  install(on: Register): void {
    const threads = this.threads, sigs = this.signals;
    const clone: Handler = ([flags, sp, ptid, ctid, tls]) => this.clone(Number(flags & 0xffffffffn), sp, ptid, ctid, tls);
    on(56, clone);
    on(435, ([args, size]) => this.clone3(args, size));
    on(57, () => this.noFork('fork'));
    on(58, () => this.noFork('vfork'));
    on(59, () => this.noFork('execve'));
    on(60, ([code]) => this.exitThread(Number(code & 0xffn)));
    on(186, () => threads.current.tid); // gettid
    on(218, ([ptr]) => { threads.current.clearChildTid = ptr; return threads.current.tid; }); // set_tid_address
    on(273, ([head, len]) => { // set_robust_list
      if (len !== 24n) return -Errno.EINVAL;
      threads.current.robustList = head;
      return 0;
    });
    on(274, ([tid, headPtr, lenPtr]) => { // get_robust_list
      const t = int(tid) === 0 ? threads.current : threads.byTid(int(tid));
      if (!t) return -Errno.ESRCH;
      this.mem.writeU64(headPtr, t.robustList);
      this.mem.writeU64(lenPtr, 24n);
      return 0;
    });
    on(202, ([addr, op, val, timeout, addr2, val3]) => this.futexes.call(addr, int(op), int(val), timeout, addr2, int(val3)));
    on(24, () => { threads.yield(); return 0; }); // sched_yield
    on(204, ([tid, len, mask]) => this.getAffinity(int(tid), len, mask)); // sched_getaffinity
    on(203, ([tid, len, mask]) => this.setAffinity(int(tid), len, mask)); // sched_setaffinity
    on(309, ([cpuPtr, nodePtr]) => { // getcpu: the CPU the thread runs on; one NUMA node
      if (cpuPtr) this.writeU32(cpuPtr, threads.current.lastCpu);
      if (nodePtr) this.writeU32(nodePtr, 0);
      return 0;
    });
    on(35, ([req, rem]) => this.sleep(req, rem, false, false)); // nanosleep
    on(230, ([clk, flags, req, rem]) => { // clock_nanosleep
      const c = int(clk);
      if (c !== 0 && c !== 1 && c !== 7) return -Errno.EINVAL; // REALTIME, MONOTONIC, BOOTTIME
      return this.sleep(req, rem, (int(flags) & 1) !== 0, c === 0);
    });
    on(130, ([set, size]) => { // rt_sigsuspend
      if (size !== 8n) return -Errno.EINVAL;
      return this.suspend(this.mem.readU64(set));
    });
    on(34, () => this.suspend(sigs.blocked)); // pause
    on(128, ([set, info, timeout, size]) => (size === 8n ? this.sigtimedwait(this.mem.readU64(set), info, timeout) : -Errno.EINVAL));
  }

  // ---- threads ------------------------------------------------------------------

  private clone(flags: number, sp: bigint, ptid: bigint, ctid: bigint, tls: bigint): number {
    if (!(flags & CLONE_THREAD) || !(flags & CLONE_VM) || !(flags & CLONE_SIGHAND)) return this.noFork('fork (clone without CLONE_THREAD)');
    if (flags & ~THREAD_FLAGS & ~0xff) {
      this.host.warnOnce(`ksw: warning: clone flags 0x${(flags >>> 0).toString(16)} include some ksw does not support; returns -EINVAL`);
      return -Errno.EINVAL;
    }
    const t = this.threads.spawn();
    t.setResult(0);
    if (sp) [t.regs[2 * Gpr.RSP], t.regs[2 * Gpr.RSP + 1]] = splitAddress(sp);
    if (flags & CLONE_SETTLS) [t.regs[RegSlot.FS_BASE], t.regs[RegSlot.FS_BASE + 1]] = splitAddress(tls);
    if (flags & CLONE_PARENT_SETTID) this.writeU32(ptid, t.tid);
    if (flags & CLONE_CHILD_SETTID) this.writeU32(ctid, t.tid);
    if (flags & CLONE_CHILD_CLEARTID) t.clearChildTid = ctid;
    return t.tid;
  }

  /** clone3(struct clone_args *, size): flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, … */
  private clone3(args: bigint, size: bigint): number {
    if (size < 64n || size > 4096n) return -Errno.EINVAL;
    const v = (i: number): bigint => this.mem.readU64(args + BigInt(8 * i));
    const flags = v(0);
    if (flags >> 32n || v(4) !== 0n && (flags & BigInt(CLONE_THREAD))) return -Errno.EINVAL;
    const stack = v(5), stackSize = v(6);
    return this.clone(Number(flags), stack ? stack + stackSize : 0n, v(3), v(2), v(7));
  }

  /** A thread by the tid a scheduling call names (0: the caller). */
  private target(tid: number): GuestThread | undefined {
    return tid === 0 ? this.threads.current : this.threads.byTid(tid);
  }

  /** sched_getaffinity: the CPUs the thread may run on, as one 64-bit word (Linux's size for up to 64 CPUs). */
  private getAffinity(tid: number, len: bigint, mask: bigint): number {
    const t = this.target(tid);
    if (!t) return -Errno.ESRCH;
    if (len < 8n || len & 7n) return -Errno.EINVAL;
    const all = (1n << BigInt(this.threads.cpuCount)) - 1n;
    this.mem.writeU64(mask, t.anyCpu ? all : t.affinity);
    return 8;
  }

  /** sched_setaffinity: CPUs beyond the machine's are dropped; none left is EINVAL, as on Linux. */
  private setAffinity(tid: number, len: bigint, mask: bigint): number {
    const t = this.target(tid);
    if (!t) return -Errno.ESRCH;
    const b = this.mem.read(mask, Number(len < 8n ? len : 8n));
    let m = 0n;
    for (let i = b.length - 1; i >= 0; i--) m = (m << 8n) | BigInt(b[i]);
    if ((m & ((1n << BigInt(this.threads.cpuCount)) - 1n)) === 0n) return -Errno.EINVAL;
    this.threads.setAffinity(t, m);
    return 0;
  }

  private noFork(what: string): number {
    this.host.warnOnce(`ksw: warning: ${what} is not supported (ksw runs one process; threads are supported); returns -ENOSYS`);
    return -Errno.ENOSYS;
  }

  /** exit: this thread ends (clear_child_tid zeroed and woken, robust futexes marked); the last one ends the process. */
  private exitThread(code: number): number {
    const t = this.threads.current;
    this.releaseRobustList(t);
    if (t.clearChildTid) {
      try {
        this.writeU32(t.clearChildTid, 0);
        this.futexes.wake(t.clearChildTid, 1, -1);
      } catch {
        // an unmapped clear_child_tid is ignored, as by the kernel
      }
    }
    t.state = ThreadState.DEAD;
    this.signals.dropThread(t.signals);
    if (this.threads.live.length === 0) this.host.exitProcess(code);
    else this.threads.leaveCpu();
    return 0;
  }

  /** The kernel's exit_robust_list: every robust mutex the thread still holds gets FUTEX_OWNER_DIED and one waiter woken. */
  private releaseRobustList(t: GuestThread): void {
    const head = t.robustList;
    if (!head) return;
    try {
      const offset = BigInt.asIntN(64, this.mem.readU64(head + 8n));
      const pending = this.mem.readU64(head + 16n) & ~1n;
      let entry = this.mem.readU64(head) & ~1n;
      for (let n = 0; entry !== head && entry !== 0n && n < ROBUST_LIST_LIMIT; n++) {
        const next = this.mem.readU64(entry) & ~1n;
        if (entry !== pending) this.ownerDied(entry + offset, t.tid);
        entry = next;
      }
      if (pending) this.ownerDied(pending + offset, t.tid);
    } catch {
      // a damaged list ends the walk, as in the kernel
    }
  }

  private ownerDied(word: bigint, tid: number): void {
    const v = this.mem.readU32(word);
    if ((v & FUTEX_TID_MASK) !== tid) return;
    this.writeU32(word, ((v & FUTEX_WAITERS) | FUTEX_OWNER_DIED) >>> 0);
    if (v & FUTEX_WAITERS) this.futexes.wake(word, 1, -1);
  }

  // ---- waiting ----------------------------------------------------------------------

  private sleep(req: bigint, rem: bigint, absolute: boolean, realtime: boolean): number {
    const sec = BigInt.asIntN(64, this.mem.readU64(req)), nsec = BigInt.asIntN(64, this.mem.readU64(req + 8n));
    if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return -Errno.EINVAL;
    let ns = sec * 1_000_000_000n + nsec;
    const now = this.host.nowNs();
    if (absolute) ns = (realtime ? ns - this.host.realtimeOffsetNs() : ns) - BigInt(now);
    if (ns <= 0n) return 0;
    const t = this.threads.current;
    t.state = ThreadState.SLEEP;
    t.wakeAtNs = now + Number(ns);
    t.sleepRem = absolute ? 0n : rem;
    this.threads.leaveCpu();
    return 0;
  }

  /** rt_sigsuspend/pause: -EINTR once a handler has run (at once if a signal is ready). */
  private suspend(mask: bigint): number {
    if (!this.signals.suspend(mask)) {
      this.threads.current.state = ThreadState.SIGSUSPEND;
      this.threads.leaveCpu();
    }
    return -Errno.EINTR;
  }

  /**
   * rt_sigtimedwait (sigwait, sigwaitinfo, sigtimedwait): take a pending
   * signal of `set`, or wait for one (the thread blocks, and issues the call
   * again when one arrives or its timeout passes: -EAGAIN).
   */
  private sigtimedwait(set: bigint, info: bigint, timeout: bigint): number | typeof RESTART {
    const t = this.threads.current;
    const continued = t.restarting;
    t.restarting = false;
    const sig = this.signals.take(set & ~(1n << 8n) & ~(1n << 18n), info); // never SIGKILL/SIGSTOP
    if (sig) { t.sigwaitDeadline = Infinity; return sig; }
    if (!continued) {
      t.sigwaitDeadline = Infinity;
      if (timeout) {
        const s = BigInt.asIntN(64, this.mem.readU64(timeout)), ns = BigInt.asIntN(64, this.mem.readU64(timeout + 8n));
        if (s < 0n || ns < 0n || ns >= 1_000_000_000n) return -Errno.EINVAL;
        t.sigwaitDeadline = this.host.nowNs() + Number(s * 1_000_000_000n + ns);
      }
    }
    if (t.sigwaitDeadline <= this.host.nowNs()) { t.sigwaitDeadline = Infinity; return -Errno.EAGAIN; }
    t.state = ThreadState.SIGWAIT;
    t.sigwaitSet = set;
    t.wakeAtNs = t.sigwaitDeadline;
    this.threads.leaveCpu();
    return RESTART;
  }

  /** A blocked thread stops waiting (timeout or signal): off its futex queue; an interrupted sleep reports what was left. */
  cancelWait(t: GuestThread, interrupted: boolean): void {
    if (t.state === ThreadState.FUTEX) this.futexes.remove(t);
    if (t.state === ThreadState.SLEEP && interrupted && t.sleepRem) {
      const left = Math.max(0, t.wakeAtNs - this.host.nowNs());
      this.mem.writeU64(t.sleepRem, BigInt(Math.floor(left / NS_PER_S)));
      this.mem.writeU64(t.sleepRem + 8n, BigInt(left % NS_PER_S));
    }
  }

  private writeU32(addr: bigint, v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    this.mem.write(addr, b);
  }
}
