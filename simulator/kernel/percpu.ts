// One simulated CPU's state that outlives the task on it, and the guest's
// view of it (the per-CPU area and the task struct fields the SDK reads).

import type { DebugRegisters } from '../cpu/debugRegisters';
import type { Task } from './task';

export interface PerCpu {
  readonly index: number;
  online: boolean;
  current: Task | null;
  readonly debug: DebugRegisters;
  readonly gsBase: bigint;
  /** Instructions run by the current task since it was scheduled here. */
  sliceUsed: number;
  insns: number;
}

/** Offsets in the per-CPU area (see sdk/include/asm/percpu.h). */
export const enum PerCpuOffset { CURRENT_TASK = 0x00, CPU_NUMBER = 0x08, STACK_CANARY = 0x28 }

/** Task struct field offsets (see sdk/include/linux/sched.h). */
export const enum TaskStructOffset { STATE = 0x00, FLAGS = 0x04, STACK = 0x08, PID = 0x10, TGID = 0x14, COMM = 0x18, CANARY = 0x28, CPU = 0x34, SIZE = 0x78 }
