// Helpers shared by the kernel API host functions: guest memory access
// (reads may fault with MemoryFault, which the CPU turns into an oops of the
// calling task; writes go through the CPU's store accessors so armed data
// breakpoints see them), task lookup, and the "wait state" that lets a
// blocking host function be re-executed when its task is woken.
//
// Blocking convention: a host function that must wait leaves RIP at its own
// entry (returns NO_RETURN without popping the return address) and blocks
// or sleeps the task. When the task is woken it executes the function again;
// the function finds its WaitState (task.toolData) and decides whether to
// return or to wait some more. So a waiting task's RIP is `mutex_lock+0x0`
// etc., which makes deadlock reports and call traces read like Linux's, and
// spurious wake-ups (wake_up_process on a task blocked in a mutex) are
// harmless.

import { MemoryFault, PAGE_SIZE, splitAddress } from '../../memory/memory';
import { NO_RETURN } from '../hostFunctions';
import type { Machine } from '../machine';
import { Task, TaskState } from '../task';

export { NO_RETURN };

export const U64 = (v: bigint): bigint => BigInt.asUintN(64, v);
export const hex = (v: bigint | number): string => '0x' + U64(BigInt(v)).toString(16);

// ---- reading guest memory ------------------------------------------------------------

/** `len` bytes at addr (throws MemoryFault like the guest's own load would). */
export function readBytes(m: Machine, addr: bigint, len: number): Uint8Array {
  if (len <= 0) return new Uint8Array(0);
  return m.mem.read(U64(addr), len);
}

export function readU32(m: Machine, addr: bigint): number {
  return m.mem.readU32(U64(addr));
}

export function readU64(m: Machine, addr: bigint): bigint {
  return m.mem.readU64(U64(addr));
}

/**
 * The bytes of the NUL-terminated string at addr, without the NUL, at most
 * `max` bytes. Reads page by page, so it never touches memory past the
 * terminator's page. Throws MemoryFault if it reaches unmapped memory first.
 */
export function readCBytes(m: Machine, addr: bigint, max: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let a = U64(addr);
  while (total < max) {
    const pageLeft = PAGE_SIZE - Number(a & BigInt(PAGE_SIZE - 1));
    const n = Math.min(pageLeft, max - total);
    const chunk = m.mem.read(a, n);
    const z = chunk.indexOf(0);
    if (z >= 0) {
      chunks.push(chunk.subarray(0, z));
      total += z;
      break;
    }
    chunks.push(chunk);
    total += n;
    a = U64(a + BigInt(n));
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

/** As readCBytes, but null instead of a fault. */
export function tryReadCBytes(m: Machine, addr: bigint, max: number): Uint8Array | null {
  try {
    return readCBytes(m, addr, max);
  } catch (e) {
    if (e instanceof MemoryFault) return null;
    throw e;
  }
}

export function tryReadBytes(m: Machine, addr: bigint, len: number): Uint8Array | null {
  try {
    return readBytes(m, addr, len);
  } catch (e) {
    if (e instanceof MemoryFault) return null;
    throw e;
  }
}

/** A guest C string decoded as UTF-8 (faults on a bad pointer). */
export function readCString(m: Machine, addr: bigint, max = 4096): string {
  return Buffer.from(readCBytes(m, addr, max)).toString('utf8');
}

// ---- writing guest memory (through the store accessors: watchpoints see these) ---------

export function writeU8(m: Machine, addr: bigint, v: number): void {
  const [lo, hi] = splitAddress(addr);
  m.mem.st8(lo, hi, v & 0xff);
}

export function writeU16(m: Machine, addr: bigint, v: number): void {
  const [lo, hi] = splitAddress(addr);
  m.mem.st16(lo, hi, v & 0xffff);
}

export function writeU32(m: Machine, addr: bigint, v: number): void {
  const [lo, hi] = splitAddress(addr);
  m.mem.st32(lo, hi, v | 0);
}

export function writeU64(m: Machine, addr: bigint, v: bigint): void {
  const [lo, hi] = splitAddress(addr);
  const [vlo, vhi] = splitAddress(v);
  m.mem.st64(lo, hi, vlo, vhi);
}

/** Store bytes in ascending order, 8 at a time where possible (like rep movsq + movsb). */
export function writeBytes(m: Machine, addr: bigint, data: Uint8Array): void {
  const n = data.length;
  let i = 0;
  if (n >= 8) {
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (; i + 8 <= n; i += 8) {
      const [lo, hi] = splitAddress(addr + BigInt(i));
      m.mem.st64(lo, hi, dv.getInt32(i, true), dv.getInt32(i + 4, true));
    }
  }
  for (; i < n; i++) {
    const [lo, hi] = splitAddress(addr + BigInt(i));
    m.mem.st8(lo, hi, data[i]);
  }
}

/** memset: `n` copies of a byte. */
export function fillBytes(m: Machine, addr: bigint, byte: number, n: number): void {
  const b = byte & 0xff;
  const word = (b | (b << 8) | (b << 16) | (b << 24)) | 0;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const [lo, hi] = splitAddress(addr + BigInt(i));
    m.mem.st64(lo, hi, word, word);
  }
  for (; i < n; i++) {
    const [lo, hi] = splitAddress(addr + BigInt(i));
    m.mem.st8(lo, hi, b);
  }
}

// ---- tasks ---------------------------------------------------------------------------

/** The task whose struct task_struct is at `addr`, if any. */
export function taskByStruct(m: Machine, addr: bigint): Task | undefined {
  const a = U64(addr);
  for (const t of m.tasks) if (t.taskStruct === a) return t;
  return undefined;
}

export function guestState(m: Machine, t: Task): number {
  return m.taskLayout.state < 0 ? 0 : readU32(m, t.taskStruct + BigInt(m.taskLayout.state));
}

export function setGuestState(m: Machine, t: Task, state: number): void {
  if (m.taskLayout.state >= 0) writeU32(m, t.taskStruct + BigInt(m.taskLayout.state), state);
}

export function describeTask(t: Task): string {
  return `${t.comm}/${t.pid}`;
}

// ---- waiting -------------------------------------------------------------------------

const WAIT_KEY = 'kapi.wait';

/** What a task blocked (or sleeping) inside a kernel function is waiting for. */
export interface WaitState {
  /** The waiting function (e.g. 'mutex_lock'). */
  fn: string;
  /** The object waited on (guest address), or 0. */
  key: bigint;
  /** Simulated time to give up at (ns); Infinity for none. */
  deadline: number;
  /** Set by the waker: the task got what it waited for. */
  granted: boolean;
}

/** The task's wait state if it is re-executing `fn` on `key` after a wait. */
export function resumeWait(t: Task, fn: string, key = 0n): WaitState | undefined {
  const w = t.toolData.get(WAIT_KEY) as WaitState | undefined;
  return w && w.fn === fn && w.key === key ? w : undefined;
}

export function beginWait(t: Task, fn: string, key = 0n, deadline = Infinity): WaitState {
  const w: WaitState = { fn, key, deadline, granted: false };
  t.toolData.set(WAIT_KEY, w);
  return w;
}

export function endWait(t: Task): void {
  t.toolData.delete(WAIT_KEY);
}

export function currentWait(t: Task): WaitState | undefined {
  return t.toolData.get(WAIT_KEY) as WaitState | undefined;
}

/** FIFO queues of waiting tasks, keyed by the guest address of the object waited on. */
export class WaitQueues {
  private readonly queues = new Map<bigint, { task: Task; wait: WaitState }[]>();

  add(key: bigint, task: Task, wait: WaitState): void {
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, q = []);
    if (!q.some((e) => e.task === task)) q.push({ task, wait });
  }

  remove(key: bigint, task: Task): void {
    const q = this.queues.get(key);
    if (!q) return;
    const i = q.findIndex((e) => e.task === task);
    if (i >= 0) q.splice(i, 1);
    if (q.length === 0) this.queues.delete(key);
  }

  /** The first task still waiting (alive, same wait, not yet granted), removed from the queue. */
  takeFirst(key: bigint): Task | undefined {
    const q = this.queues.get(key);
    while (q && q.length > 0) {
      const e = q.shift()!;
      if (valid(e.task, e.wait)) {
        if (q.length === 0) this.queues.delete(key);
        return e.task;
      }
    }
    this.queues.delete(key);
    return undefined;
  }

  /** Every task still waiting on key, removed from the queue. */
  takeAll(key: bigint): Task[] {
    const q = this.queues.get(key) ?? [];
    this.queues.delete(key);
    return q.filter((e) => valid(e.task, e.wait)).map((e) => e.task);
  }

  has(key: bigint): boolean {
    const q = this.queues.get(key);
    return !!q && q.some((e) => valid(e.task, e.wait));
  }
}

function valid(t: Task, w: WaitState): boolean {
  return t.alive && t.toolData.get(WAIT_KEY) === w && !w.granted;
}

/** Give a waiting task what it waited for and make it runnable. */
export function grant(m: Machine, t: Task): void {
  const w = currentWait(t);
  if (w) w.granted = true;
  noteWakeup(m, t);
  m.wake(t);
}

// ---- causality across CPUs -------------------------------------------------------------

const NOT_BEFORE_KEY = 'kapi.notBefore';

/**
 * Record that the running task is making `t` runnable (creating, waking or
 * handing it something) now. CPUs run their quanta of a round side by side
 * from the same start time, so `t` may next run on a CPU whose clock is a
 * little behind the waker's; its sleeps are then measured from the wake-up,
 * not from before it (see causalNow).
 */
export function noteWakeup(m: Machine, t: Task): void {
  t.toolData.set(NOT_BEFORE_KEY, m.nowNs());
}

/**
 * The current time for computing the running task's sleep deadlines: its
 * CPU's clock, but no earlier than the moment another task woke it. (A task
 * created at 5.000 ms that runs msleep(2) at what its CPU calls 4.999 ms
 * still wakes no earlier than 7.000 ms.)
 */
export function causalNow(m: Machine): number {
  const t = m.currentTask;
  const now = m.nowNs();
  const nb = t.toolData.get(NOT_BEFORE_KEY) as number | undefined;
  if (nb === undefined) return now;
  if (nb <= now) { t.toolData.delete(NOT_BEFORE_KEY); return now; }
  return nb;
}

/** Is the task on a CPU right now (so spinning on it makes progress elsewhere)? */
export function isRunning(t: Task): boolean {
  return t.state === TaskState.RUNNING;
}

/**
 * Linux prints "BUG: scheduling while atomic" when a task sleeps with a
 * spinlock held or preemption disabled; it then schedules anyway.
 */
export function checkAtomicSleep(m: Machine, dumpStack: (level: number) => void): void {
  const t = m.currentTask;
  if (t.preemptCount <= 0) return;
  m.log(3, `BUG: scheduling while atomic: ${t.comm}/${t.pid}/0x${t.preemptCount.toString(16).padStart(8, '0')}`);
  dumpStack(4);
}
