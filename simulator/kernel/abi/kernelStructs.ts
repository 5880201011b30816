// Offsets in the kernel structs whose fields the simulated kernel reads or
// writes on a module's behalf (struct work_struct, delayed_work,
// timer_list): Linux 6.x's layout by default, replaced by the layout in a
// Kbuild module's own DWARF when it describes them (Kernel.load), so a
// module built against other headers still gets its own layout.

import type { Machine } from '../machine';
import type { DebugInfo } from '../../dwarf/debugInfo';

export interface KernelStructs {
  work: { data: number; func: number };
  delayedWork: { work: number; timer: number };
  timer: { expires: number; function: number; flags: number };
}

export const LINUX_6_STRUCTS: KernelStructs = {
  work: { data: 0, func: 24 },
  delayedWork: { work: 0, timer: 32 },
  timer: { expires: 16, function: 24, flags: 32 },
};

const byMachine = new WeakMap<Machine, KernelStructs>();

export function kernelStructs(m: Machine): KernelStructs {
  return byMachine.get(m) ?? LINUX_6_STRUCTS;
}

/** Take the layouts the module's DWARF defines; the others keep their defaults. */
export function adoptKernelStructs(m: Machine, dbg: DebugInfo): void {
  const d = LINUX_6_STRUCTS;
  const at = (struct: string, member: string, dflt: number): number => dbg.struct(struct)?.member(member)?.offset ?? dflt;
  byMachine.set(m, {
    work: { data: at('work_struct', 'data', d.work.data), func: at('work_struct', 'func', d.work.func) },
    delayedWork: { work: at('delayed_work', 'work', d.delayedWork.work), timer: at('delayed_work', 'timer', d.delayedWork.timer) },
    timer: {
      expires: at('timer_list', 'expires', d.timer.expires), function: at('timer_list', 'function', d.timer.function),
      flags: at('timer_list', 'flags', d.timer.flags),
    },
  });
}
