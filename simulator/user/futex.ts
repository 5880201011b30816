// futex(2) for the threads of one process: wait queues keyed by the
// word's address (private and shared futexes are the same here — there is
// one address space), FIFO wake order, bitsets (FUTEX_WAIT_BITSET /
// WAKE_BITSET, which glibc uses), requeue (pthread_cond_broadcast in older
// libcs), WAKE_OP, and timeouts on the simulated clock: relative for
// FUTEX_WAIT, absolute (CLOCK_MONOTONIC, or CLOCK_REALTIME with
// FUTEX_CLOCK_REALTIME) for FUTEX_WAIT_BITSET. PI futexes are not here.

import { Memory } from '../memory/memory';
import { Errno } from './errno';
import { GuestThread, ThreadState, Threads } from './threads';

export const enum FutexOp {
  WAIT = 0, WAKE = 1, REQUEUE = 3, CMP_REQUEUE = 4, WAKE_OP = 5, WAIT_BITSET = 9, WAKE_BITSET = 10,
}
const FUTEX_PRIVATE = 128, FUTEX_CLOCK_REALTIME = 256;
const BITSET_ANY = -1;

export interface FutexClock {
  /** Simulated CLOCK_MONOTONIC (ns), the scheduler's clock. */
  monotonicNs(): number;
  /** CLOCK_REALTIME minus CLOCK_MONOTONIC (ns; a BigInt: wall-clock nanoseconds exceed 2^53). */
  realtimeOffsetNs(): bigint;
}

export class Futexes {
  private readonly queues = new Map<bigint, GuestThread[]>();

  constructor(private readonly mem: Memory, private readonly threads: Threads, private readonly clock: FutexClock) {}

  /** The futex system call for the current thread. */
  call(addr: bigint, opWord: number, val: number, timeout: bigint, addr2: bigint, val3: number): number {
    const op = opWord & ~(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME);
    if ((addr & 3n) !== 0n) return -Errno.EINVAL;
    switch (op) {
      case FutexOp.WAIT:
      case FutexOp.WAIT_BITSET: {
        if (op === FutexOp.WAIT_BITSET && val3 === 0) return -Errno.EINVAL;
        const deadline = !timeout ? Infinity
          : op === FutexOp.WAIT ? this.relativeDeadline(timeout) : this.absoluteDeadline(timeout, (opWord & FUTEX_CLOCK_REALTIME) !== 0);
        if (Number.isNaN(deadline)) return -Errno.EINVAL;
        return this.wait(addr, val, deadline, op === FutexOp.WAIT ? BITSET_ANY : val3);
      }
      case FutexOp.WAKE:
        return this.wake(addr, val, BITSET_ANY);
      case FutexOp.WAKE_BITSET:
        if (val3 === 0) return -Errno.EINVAL;
        return this.wake(addr, val, val3);
      case FutexOp.REQUEUE:
      case FutexOp.CMP_REQUEUE: {
        if (op === FutexOp.CMP_REQUEUE && (this.mem.readU32(addr) | 0) !== (val3 | 0)) return -Errno.EAGAIN;
        // val2 (the most to requeue) travels in the timeout argument
        return this.requeue(addr, addr2, val, Number(BigInt.asIntN(32, timeout)));
      }
      case FutexOp.WAKE_OP:
        return this.wakeOp(addr, addr2, val, Number(BigInt.asIntN(32, timeout)), val3);
      default:
        return -Errno.ENOSYS;
    }
  }

  /** Wake up to `n` waiters on `addr` whose bitset meets `bitset`; returns how many woke. */
  wake(addr: bigint, n: number, bitset: number): number {
    const q = this.queues.get(addr);
    if (!q) return 0;
    let woken = 0;
    for (let i = 0; i < q.length && woken < n;) {
      const t = q[i];
      if ((t.futexBitset & bitset) === 0) { i++; continue; }
      q.splice(i, 1);
      t.setResult(0);
      t.state = ThreadState.RUNNABLE;
      t.wakeAtNs = Infinity;
      woken++;
    }
    if (q.length === 0) this.queues.delete(addr);
    return woken;
  }

  /** Take a thread off its queue (its wait timed out or a signal interrupted it). */
  remove(t: GuestThread): void {
    const q = this.queues.get(t.futexAddr);
    if (!q) return;
    const i = q.indexOf(t);
    if (i >= 0) q.splice(i, 1);
    if (q.length === 0) this.queues.delete(t.futexAddr);
  }

  private wait(addr: bigint, val: number, deadlineNs: number, bitset: number): number {
    if ((this.mem.readU32(addr) | 0) !== (val | 0)) return -Errno.EAGAIN;
    if (deadlineNs <= this.clock.monotonicNs()) return -Errno.ETIMEDOUT;
    const t = this.threads.current;
    t.state = ThreadState.FUTEX;
    t.futexAddr = addr;
    t.futexBitset = bitset;
    t.wakeAtNs = deadlineNs;
    let q = this.queues.get(addr);
    if (!q) this.queues.set(addr, q = []);
    q.push(t);
    this.threads.leaveCpu();
    return 0; // what the wait returns when woken (a timeout or a signal sets its own result)
  }

  private requeue(from: bigint, to: bigint, nWake: number, nMove: number): number {
    if (nWake < 0 || nMove < 0) return -Errno.EINVAL;
    const woken = this.wake(from, nWake, BITSET_ANY);
    const q = this.queues.get(from);
    let moved = 0;
    if (q && from !== to) {
      let dest = this.queues.get(to);
      while (q.length && moved < nMove) {
        const t = q.shift()!;
        t.futexAddr = to;
        if (!dest) this.queues.set(to, dest = []);
        dest.push(t);
        moved++;
      }
      if (q.length === 0) this.queues.delete(from);
    }
    return woken + moved;
  }

  /** FUTEX_WAKE_OP: *addr2 = op(*addr2, oparg); wake n on addr; if cmp(old, cmparg) wake n2 on addr2. */
  private wakeOp(addr: bigint, addr2: bigint, n: number, n2: number, encoded: number): number {
    const op = (encoded >>> 28) & 7, shift = (encoded >>> 28) & 8, cmp = (encoded >>> 24) & 15;
    let oparg = (encoded << 8) >> 20;
    const cmparg = (encoded << 20) >> 20;
    if (shift) oparg = 1 << (oparg & 31);
    const old = this.mem.readU32(addr2) | 0;
    const next = [oparg, old + oparg, old | oparg, old & ~oparg, old ^ oparg][op];
    if (next === undefined) return -Errno.ENOSYS;
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, next | 0, true);
    this.mem.write(addr2, b);
    let woken = this.wake(addr, n, BITSET_ANY);
    const hit = [old === cmparg, old !== cmparg, old < cmparg, old <= cmparg, old > cmparg, old >= cmparg][cmp];
    if (hit === undefined) return -Errno.ENOSYS;
    if (hit) woken += this.wake(addr2, n2, BITSET_ANY);
    return woken;
  }

  /** A timespec in nanoseconds, or null if it is invalid. */
  private readTimespec(at: bigint): bigint | null {
    const sec = BigInt.asIntN(64, this.mem.readU64(at)), nsec = BigInt.asIntN(64, this.mem.readU64(at + 8n));
    if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return null;
    return sec * 1_000_000_000n + nsec;
  }

  private relativeDeadline(at: bigint): number {
    const ns = this.readTimespec(at);
    return ns === null ? NaN : this.clock.monotonicNs() + Number(ns);
  }

  /** An absolute timeout, converted to the monotonic clock the scheduler counts in. */
  private absoluteDeadline(at: bigint, realtime: boolean): number {
    const ns = this.readTimespec(at);
    if (ns === null) return NaN;
    return Number(realtime ? ns - this.clock.realtimeOffsetNs() : ns);
  }
}
