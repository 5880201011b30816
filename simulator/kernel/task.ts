// A kernel task (kthread): its saved CPU context while it is not running,
// its stack, canary, shadow call stack, and scheduling state.

import { SavedContext } from '../cpu/savedContext';
import { ShadowStack } from './shadowStack';
import { FrameExits } from './frameExits';

export const enum TaskState {
  /** Waiting in the run queue. */
  RUNNABLE = 'runnable',
  /** On a CPU. */
  RUNNING = 'running',
  /** Asleep until a time (msleep, schedule_timeout). */
  SLEEPING = 'sleeping',
  /** Waiting for an event (mutex, completion, kthread_stop, wake_up_process). */
  BLOCKED = 'blocked',
  /** Created by kthread_create, never woken yet. */
  NEW = 'new',
  DEAD = 'dead',
}

/** Its saved registers (SavedContext) while off a CPU, and the rest of its state. */
export class Task extends SavedContext {
  readonly shadow = new ShadowStack();
  /** The frames that returned, per depth (where a stale stack address came from). */
  readonly exits = new FrameExits();
  state: TaskState = TaskState.NEW;
  /** CPU it runs on, or last ran on. */
  cpu = -1;
  /**
   * The only CPU it may run on (kthread_bind, a per-CPU kworker), or -1 for
   * any. While that CPU is offline any CPU takes it, as Linux breaks the
   * affinity of a per-CPU kthread whose CPU goes down.
   */
  boundCpu = -1;
  /** For SLEEPING: simulated time (ns) to wake at. */
  wakeAt = 0;
  /** For BLOCKED: what it waits for, for deadlock reports. */
  waitReason = '';
  /** For BLOCKED: simulated time it blocked at (hung-task detection). */
  blockedSince = 0;
  /** Set by kthread_stop. */
  shouldStop = false;
  exitCode = 0;
  /** Tasks blocked in kthread_stop() on this task. */
  readonly stopWaiters: Task[] = [];
  /** Number of spinlocks held: no preemption while non-zero. */
  preemptCount = 0;
  /** Instructions this task ran (for statistics). */
  insns = 0;
  /** Per-task data of in-kernel tools (KStackWatch keeps its context here). */
  readonly toolData = new Map<string, unknown>();

  constructor(
    readonly pid: number,
    public comm: string,
    /** Lowest address of its THREAD_SIZE stack. */
    readonly stackBase: bigint,
    readonly stackTop: bigint,
    readonly canary: bigint,
    /** Guest address of its struct task_struct. */
    readonly taskStruct: bigint,
  ) {
    super();
    this.canaryLo = Number(canary & 0xffffffffn) | 0;
    this.canaryHi = Number(canary >> 32n) | 0;
    this.stackHi = Number(stackBase >> 32n) | 0;
    this.stackBaseLo = Number(stackBase & 0xffffffffn);
    this.stackTopLo = Number(stackTop - (stackBase & ~0xffffffffn));
  }

  /** The canary as 32-bit halves (compared on hot paths without BigInt). */
  readonly canaryLo: number;
  readonly canaryHi: number;

  get alive(): boolean {
    return this.state !== TaskState.DEAD;
  }

  /**
   * stackContains for an address given as 32-bit halves, without BigInt (the
   * KStackWatch probe path). A task's stack never crosses a 4 GiB boundary.
   */
  stackContainsAt(lo: number, hi: number, len: number): boolean {
    if (hi !== this.stackHi) return false;
    const a = lo >>> 0;
    return a >= this.stackBaseLo && a + len <= this.stackTopLo;
  }

  private readonly stackHi: number;
  private readonly stackBaseLo: number;
  /** May be 2^32 exactly when the stack ends at a 4 GiB boundary. */
  private readonly stackTopLo: number;

  /** Does [addr, addr+len) lie within this task's stack? */
  stackContains(addr: bigint, len: number): boolean {
    return addr >= this.stackBase && addr + BigInt(len) <= this.stackTop;
  }

  describe(): string {
    return `${this.comm} (pid ${this.pid})`;
  }
}
