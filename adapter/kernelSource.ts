// Frames in the simulated kernel's own functions (msleep, __stack_chk_fail,
// ret_from_fork, ksw_watch_fire…) have no C source: they run on the host.
// Rather than VS Code's "Unknown Source", they carry a source named
// `kernel` (deemphasized) whose content is this read-only description, so
// clicking such a frame explains what it is instead of failing to open.

import type { DebugProtocol } from '@vscode/debugprotocol';

/** The sourceReference of the description (stable for a session). */
export const KERNEL_SOURCE_REFERENCE = 1;

export const KERNEL_SOURCE: DebugProtocol.Source = {
  name: 'kernel',
  sourceReference: KERNEL_SOURCE_REFERENCE,
  presentationHint: 'deemphasize',
  origin: 'simulated kernel (implemented on the host, no C source)',
};

export const KERNEL_SOURCE_TEXT = `KStackWatch Studio — the simulated kernel

This frame is in a function of the simulated kernel, not of your module.
The kernel's exported API (printk, msleep, kthread_run, kmalloc, mutexes,
completions, __stack_chk_fail, ret_from_fork, ksw_watch_fire, ...) is
implemented in TypeScript on the host (simulator/kernel/api/), so it has no
C source and no instructions of its own to step through: a call into it
runs as one step and returns to the caller.

Its frames appear in call stacks with their symbol (name+0xoff/0xsize at a
stub address near 0xffffffff81000000), as Linux prints kernel functions in
a call trace. Select a frame of your module to see its source and locals.
`;
