// Where the simulated kernel writes the fields of each task's struct
// task_struct that module code reads inline (`current->comm`, `->pid`,
// `->stack`, the task state). SDK modules use the SDK's small struct
// (sdk/abi.ts); a module built against real kernel headers brings the
// layout of its kernel version in its own DWARF, and the kernel lays out
// task structs that way for it (Kernel.load).

import type { StructLayout } from '../../dwarf/structs';
import { TASK_STRUCT } from '../../sdk/abi';

/** Byte offsets in struct task_struct; -1 for a field the layout has not. */
export interface TaskLayout {
  /** sizeof(struct task_struct): what each task's struct gets. */
  size: number;
  state: number;
  flags: number;
  stack: number;
  pid: number;
  tgid: number;
  comm: number;
  canary: number;
  /** The CPU the task runs on (u32): task_struct.cpu, or thread_info.cpu in newer kernels. */
  cpu: number;
  /** Where this layout came from, for messages. */
  source: string;
}

export const SDK_TASK_LAYOUT: TaskLayout = {
  size: TASK_STRUCT.SIZE, state: TASK_STRUCT.STATE, flags: TASK_STRUCT.FLAGS, stack: TASK_STRUCT.STACK,
  pid: TASK_STRUCT.PID, tgid: TASK_STRUCT.TGID, comm: TASK_STRUCT.COMM, canary: TASK_STRUCT.STACK_CANARY,
  cpu: TASK_STRUCT.CPU, source: 'SDK',
};

/**
 * The layout `struct task_struct` has in a module's DWARF, or undefined when
 * the module's debug info does not define it (then no code of the module
 * reads a task_struct field, and any layout will do).
 */
export function taskLayoutFrom(s: StructLayout | undefined): TaskLayout | undefined {
  if (!s) return undefined;
  const at = (...paths: string[]): number => {
    for (const p of paths) {
      const m = s.member(p);
      if (m) return m.offset;
    }
    return -1;
  };
  return {
    size: s.size, state: at('__state', 'state'), flags: at('flags'), stack: at('stack'), pid: at('pid'),
    tgid: at('tgid'), comm: at('comm'), canary: at('stack_canary'), cpu: at('thread_info.cpu', 'cpu'),
    source: 'module DWARF',
  };
}
