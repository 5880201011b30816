// The simulated kernel's address map (x86-64 Linux-like).

/** Kernel text: host-function entry stubs, trampolines, probe slots. */
export const KERNEL_TEXT = 0xffffffff81000000n;
export const KERNEL_TEXT_SIZE = 0x100000;
/** fprobe's exit trampoline (return_to_handler), in the middle of kernel text. */
export const FTRACE_TRAMPOLINE = KERNEL_TEXT + BigInt(KERNEL_TEXT_SIZE / 2);
/** Kernel data modules may link against (jiffies…), also within ±2 GiB. */
export const KERNEL_DATA = 0xffffffff82000000n;
export const KERNEL_DATA_SIZE = 0x10000;
/** Where loaded modules go (-mcmodel=kernel: within ±2 GiB of kernel text). */
export const MODULE_AREA = 0xffffffffa0000000n;
/** vmalloc-like area for task stacks, each with unmapped guard pages around it. */
export const STACK_AREA = 0xffffc90000000000n;
/** Direct map: kmalloc'ed memory, task structs. */
export const HEAP_AREA = 0xffff888000000000n;
export const HEAP_SIZE = 64 << 20;
/** Per-CPU areas (the GS base of CPU n is PERCPU_AREA + n * PERCPU_STRIDE). */
export const PERCPU_AREA = 0xffff8f0000000000n;
export const PERCPU_STRIDE = 0x1000;

export const THREAD_SIZE = 16 * 1024;
/** Unmapped gap between consecutive stacks (catches overflows as page faults). */
export const STACK_GUARD = 4096;

/** Bytes reserved per host function stub in kernel text. */
export const HOST_STUB_SIZE = 16;
