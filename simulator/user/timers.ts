// The process's timers, all on simulated clocks: the interval timers
// (alarm, setitimer/getitimer: ITIMER_REAL → SIGALRM on CLOCK_MONOTONIC
// time, ITIMER_VIRTUAL → SIGVTALRM and ITIMER_PROF → SIGPROF on the
// process's CPU time) and POSIX timers (timer_create/settime/gettime/
// getoverrun/delete on CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME or
// CLOCK_PROCESS_CPUTIME_ID, notifying by SIGEV_SIGNAL to the process,
// SIGEV_THREAD_ID to one thread — how musl and glibc build SIGEV_THREAD —
// or SIGEV_NONE). Wall-clock timers bound how far the scheduler lets a CPU
// run (Threads.limit) and are what an idle process jumps to; CPU-time ones
// advance only while a thread runs (a program runs entirely in user mode
// here, so virtual and profiling time are the same: instructions retired).
//
// As on Linux, a timer's signal does not queue behind itself: an expiry
// while the previous signal is still pending counts as an overrun
// (si_overrun, timer_getoverrun), and so do periods skipped at once.

import { Memory } from '../memory/memory';
import { Errno } from './errno';
import type { SignalInfo } from './signals';
import { Register, int } from './syscallTypes';

const SIGALRM = 14, SIGVTALRM = 26, SIGPROF = 27;
const SI_KERNEL = 0x80, SI_TIMER = -2;
const NS_PER_S = 1_000_000_000;
const TIMER_ABSTIME = 1;
const SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD_ID = 4;
const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_BOOTTIME = 7;
/** Linux's default per-process limit on POSIX timers is far higher; this keeps a runaway loop in check. */
const MAX_TIMERS = 4096;
const DELAYTIMER_MAX = 0x7fffffff;

export interface TimerHost {
  /** Simulated CLOCK_MONOTONIC (ns), CLOCK_REALTIME minus it, and the process's CPU time (ns = instructions). */
  nowNs(): number;
  realtimeOffsetNs(): bigint;
  cpuNs(): number;
  /** Send a signal to the process, or to thread `tid` (false: no such thread). */
  signalProcess(sig: number, info: SignalInfo): void;
  signalThread(tid: number, sig: number, info: SignalInfo): boolean;
  /**
   * A CPU-time clock id (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
   * or the encoded ids libc and clock_getcpuclockid make) as 2 (this
   * process) or 3 (a thread of it); -1 for another process's; null when
   * `clockId` is not a CPU-time clock.
   */
  cpuClockOf(clockId: number): number | null;
  /** Whether `sig` is still pending for the process, or for thread `tid`. */
  isPending(sig: number, tid: number | null): boolean;
  threadExists(tid: number): boolean;
  warnOnce(line: string): void;
}

/** One timer: when it is next due (Infinity: disarmed) on its clock, and its period (0: one-shot). */
interface Timer {
  /** True: counts process CPU time; false: CLOCK_MONOTONIC. */
  cpu: boolean;
  at: number;
  interval: number;
  signo: number;
  /** SIGEV_THREAD_ID's thread, or null for the process. */
  tid: number | null;
  notify: number;
  value: bigint;
  /** Expiries since its signal was queued that found it still pending, and that count as of the last delivery. */
  overrun: number;
  overrunLast: number;
  /** The POSIX timer id, or -1 for an interval timer. */
  id: number;
}

export class ProcessTimers {
  /** ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF. */
  private readonly itimers: Timer[] = [
    { cpu: false, at: Infinity, interval: 0, signo: SIGALRM, tid: null, notify: SIGEV_SIGNAL, value: 0n, overrun: 0, overrunLast: 0, id: -1 },
    { cpu: true, at: Infinity, interval: 0, signo: SIGVTALRM, tid: null, notify: SIGEV_SIGNAL, value: 0n, overrun: 0, overrunLast: 0, id: -1 },
    { cpu: true, at: Infinity, interval: 0, signo: SIGPROF, tid: null, notify: SIGEV_SIGNAL, value: 0n, overrun: 0, overrunLast: 0, id: -1 },
  ];
  private readonly posix = new Map<number, Timer>();
  /** The interval timers and the POSIX ones, in one array: the scheduler scans it at every schedule point, allocating nothing. */
  private readonly all: Timer[] = [...this.itimers];
  /** The clock each POSIX timer was created on (for absolute CLOCK_REALTIME times). */
  private readonly clocks = new Map<number, number>();

  constructor(private readonly mem: Memory, private readonly host: TimerHost) {}

  install(on: Register): void {
    on(37, ([secs]) => this.alarm(Number(secs & 0xffffffffn)));
    on(38, ([which, nv, old]) => this.setitimer(int(which), nv, old));
    on(36, ([which, cur]) => this.getitimer(int(which), cur));
    on(222, ([clock, sevp, idPtr]) => this.timerCreate(int(clock), sevp, idPtr));
    on(223, ([id, flags, nv, old]) => this.timerSettime(int(id), int(flags), nv, old));
    on(224, ([id, cur]) => this.timerGettime(int(id), cur));
    on(225, ([id]) => { const t = this.posix.get(int(id)); return t ? t.overrunLast : -Errno.EINVAL; });
    on(226, ([id]) => this.timerDelete(int(id)));
  }

  // ---- for the scheduler -------------------------------------------------------------

  /** When the next wall-clock (CLOCK_MONOTONIC) timer is due; Infinity for none. */
  nextWallNs(): number {
    let at = Infinity;
    for (const t of this.all) if (!t.cpu && t.at < at) at = t.at;
    return at;
  }

  /** The process CPU time (ns) at which the next CPU-time timer is due; Infinity for none. */
  nextCpuNs(): number {
    let at = Infinity;
    for (const t of this.all) if (t.cpu && t.at < at) at = t.at;
    return at;
  }

  /** Fire every timer that is due (reloading periodic ones). */
  fire(): void {
    const now = this.host.nowNs(), cpuNow = this.host.cpuNs();
    for (const t of this.all) {
      const clock = t.cpu ? cpuNow : now;
      if (t.at > clock) continue;
      let missed = 0;
      if (t.interval > 0) {
        t.at += t.interval;
        if (t.at <= clock) {
          missed = Math.floor((clock - t.at) / t.interval) + 1;
          t.at += missed * t.interval;
        }
      } else t.at = Infinity;
      this.notify(t, missed);
    }
  }

  private notify(t: Timer, missed: number): void {
    if (t.notify === SIGEV_NONE) return;
    if (t.id < 0) {
      this.host.signalProcess(t.signo, { code: SI_KERNEL });
      return;
    }
    t.overrun = Math.min(DELAYTIMER_MAX, t.overrun + missed);
    if (this.host.isPending(t.signo, t.tid)) {
      t.overrun = Math.min(DELAYTIMER_MAX, t.overrun + 1);
      return;
    }
    const info: SignalInfo = {
      code: SI_TIMER, timerId: t.id, value: t.value,
      onDequeue: (i) => { i.overrun = t.overrunLast = t.overrun; t.overrun = 0; },
    };
    if (t.tid === null) this.host.signalProcess(t.signo, info);
    else if (!this.host.signalThread(t.tid, t.signo, info)) t.at = Infinity; // its thread is gone: the timer stops
  }

  // ---- interval timers ----------------------------------------------------------------

  /** alarm: arm ITIMER_REAL for `secs` (0 disarms); returns the seconds left of the previous one, rounded as Linux does. */
  private alarm(secs: number): number {
    const t = this.itimers[0];
    const left = this.remaining(t);
    this.arm(t, secs * NS_PER_S, 0);
    if (left === 0) return 0;
    const s = Math.floor(left / NS_PER_S), us = Math.floor((left % NS_PER_S) / 1000);
    return s === 0 || us >= 500_000 ? s + 1 : s;
  }

  private setitimer(which: number, nv: bigint, old: bigint): number {
    const t = this.itimers[which];
    if (!t) return -Errno.EINVAL;
    let value = 0, interval = 0;
    if (nv) {
      const i = this.readTime(nv, 1000), v = this.readTime(nv + 16n, 1000);
      if (i === null || v === null) return -Errno.EINVAL;
      interval = i; value = v;
    }
    if (old) this.writeTimes(old, t, 1000);
    if (nv) this.arm(t, value, interval);
    return 0;
  }

  private getitimer(which: number, cur: bigint): number {
    const t = this.itimers[which];
    if (!t) return -Errno.EINVAL;
    this.writeTimes(cur, t, 1000);
    return 0;
  }

  // ---- POSIX timers ---------------------------------------------------------------------

  /** timer_create(clockid, struct sigevent *, timer_t *): sigevent { sigval value; int signo; int notify; int tid; … }. */
  private timerCreate(clockId: number, sevp: bigint, idPtr: bigint): number {
    const clock = this.host.cpuClockOf(clockId) ?? clockId;
    if (clock === 3 || clock < 0) {
      this.host.warnOnce('ksw: warning: timer_create on a thread\'s CPU-time clock is not supported (process CPU time, CLOCK_MONOTONIC, CLOCK_REALTIME and CLOCK_BOOTTIME are); returns -EINVAL');
      return -Errno.EINVAL;
    }
    if (clock !== CLOCK_REALTIME && clock !== CLOCK_MONOTONIC && clock !== CLOCK_BOOTTIME && clock !== CLOCK_PROCESS_CPUTIME_ID) return -Errno.EINVAL;
    if (this.posix.size >= MAX_TIMERS) return -Errno.EAGAIN;
    let id = 0;
    while (this.posix.has(id)) id++;
    let notify = SIGEV_SIGNAL, signo = SIGALRM, tid: number | null = null, value = BigInt(id);
    if (sevp) {
      value = this.mem.readU64(sevp);
      signo = this.mem.readU32(sevp + 8n) | 0;
      notify = this.mem.readU32(sevp + 12n) | 0;
      if (notify !== SIGEV_SIGNAL && notify !== SIGEV_NONE && notify !== SIGEV_THREAD_ID) return -Errno.EINVAL; // SIGEV_THREAD is libc's
      if (notify !== SIGEV_NONE && (signo < 1 || signo > 64)) return -Errno.EINVAL;
      if (notify === SIGEV_THREAD_ID) {
        tid = this.mem.readU32(sevp + 16n) | 0;
        if (!this.host.threadExists(tid)) return -Errno.EINVAL;
      }
    }
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, id, true);
    this.mem.write(idPtr, b);
    const t: Timer = { cpu: clock === CLOCK_PROCESS_CPUTIME_ID, at: Infinity, interval: 0, signo, tid, notify, value, overrun: 0, overrunLast: 0, id };
    this.posix.set(id, t);
    this.all.push(t);
    this.clocks.set(id, clock);
    return 0;
  }

  private timerDelete(id: number): number {
    const t = this.posix.get(id);
    if (!t) return -Errno.EINVAL;
    this.posix.delete(id);
    this.clocks.delete(id);
    this.all.splice(this.all.indexOf(t), 1);
    return 0;
  }

  /** timer_settime(id, flags, const struct itimerspec *new, struct itimerspec *old): itimerspec { interval; value }. */
  private timerSettime(id: number, flags: number, nv: bigint, old: bigint): number {
    const t = this.posix.get(id);
    if (!t) return -Errno.EINVAL;
    const interval = this.readTime(nv, 1), value = this.readTime(nv + 16n, 1);
    if (interval === null || value === null) return -Errno.EINVAL;
    if (old) this.writeTimes(old, t, 1);
    t.overrun = t.overrunLast = 0;
    if (value === 0) { t.at = Infinity; t.interval = 0; return 0; }
    if (flags & TIMER_ABSTIME) {
      // an absolute CLOCK_REALTIME time, on the monotonic clock the scheduler counts
      // (read again as a BigInt: wall-clock nanoseconds exceed 2^53, and a rounded deadline could come early)
      const at = this.clocks.get(id) === CLOCK_REALTIME ? Number(this.readTimeExact(nv + 16n) - this.host.realtimeOffsetNs()) : value;
      t.at = Math.max(at, 0);
      t.interval = interval;
      return 0;
    }
    this.arm(t, value, interval);
    return 0;
  }

  private timerGettime(id: number, cur: bigint): number {
    const t = this.posix.get(id);
    if (!t) return -Errno.EINVAL;
    this.writeTimes(cur, t, 1);
    return 0;
  }

  // ---- helpers -----------------------------------------------------------------------------

  private now(t: Timer): number {
    return t.cpu ? this.host.cpuNs() : this.host.nowNs();
  }

  private arm(t: Timer, valueNs: number, intervalNs: number): void {
    t.at = valueNs > 0 ? this.now(t) + valueNs : Infinity;
    t.interval = valueNs > 0 ? intervalNs : 0;
  }

  /** Time left (ns) until `t` is due; 0 when disarmed (and at least 1 ns while armed, as Linux reports). */
  private remaining(t: Timer): number {
    return t.at === Infinity ? 0 : Math.max(1, t.at - this.now(t));
  }

  /** A timeval (unit 1000: microseconds) or timespec (unit 1: nanoseconds) in ns, or null when invalid. */
  private readTime(at: bigint, unit: 1 | 1000): number | null {
    const s = BigInt.asIntN(64, this.mem.readU64(at)), sub = BigInt.asIntN(64, this.mem.readU64(at + 8n));
    if (s < 0n || sub < 0n || sub >= BigInt(NS_PER_S / unit)) return null;
    return Number(s) * NS_PER_S + Number(sub) * unit;
  }

  /** A (valid) timespec in ns, exactly. */
  private readTimeExact(at: bigint): bigint {
    return BigInt.asIntN(64, this.mem.readU64(at)) * BigInt(NS_PER_S) + BigInt.asIntN(64, this.mem.readU64(at + 8n));
  }

  /** struct itimerval / itimerspec { interval; value } for `t`. */
  private writeTimes(at: bigint, t: Timer, unit: 1 | 1000): void {
    const left = this.remaining(t), iv = t.interval;
    const b = Buffer.alloc(32);
    b.writeBigInt64LE(BigInt(Math.floor(iv / NS_PER_S)), 0);
    b.writeBigInt64LE(BigInt(Math.floor((iv % NS_PER_S) / unit)), 8);
    b.writeBigInt64LE(BigInt(Math.floor(left / NS_PER_S)), 16);
    b.writeBigInt64LE(BigInt(Math.floor((left % NS_PER_S) / unit)), 24);
    this.mem.write(at, b);
  }
}
