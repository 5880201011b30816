// The binary interface between guest modules (compiled against
// simulator/sdk/include) and the simulated kernel: addresses, per-CPU and
// structure layouts, flag values. Each number here is also written in a
// header; test/unit/moduleSdk.test.ts compiles static assertions generated
// from this file, so the two cannot drift apart.

/** Modules are placed from here (Linux's MODULES_VADDR), so -mcmodel=kernel's R_X86_64_32S reaches them. */
export const MODULE_AREA_START = 0xffffffffa0000000n;
/** End of the module area (Linux's MODULES_END). */
export const MODULE_AREA_END = 0xffffffffff000000n;
/**
 * Lowest address an export may have: module code reaches kernel functions
 * and data (`jiffies`) with 32-bit PC-relative and sign-extended
 * relocations, so every exported address must lie in the top 2 GiB, like
 * the kernel image (0xffffffff80000000..).
 */
export const KERNEL_EXPORT_MIN = 0xffffffff80000000n;

/** THREAD_SIZE: each task's stack. */
export const THREAD_SIZE = 16 * 1024;

/** Byte offsets in each CPU's per-CPU area (GS base); see asm/percpu.h. */
export const PERCPU = {
  /** struct task_struct * of the running task (`current`). */
  CURRENT_TASK: 0x00,
  /** u32 CPU number (`smp_processor_id()`). */
  CPU_NUMBER: 0x08,
  /** u64 canary of the running task (-mstack-protector-guard-offset=40). */
  STACK_CANARY: 0x28,
  /** Bytes the kernel must provide. */
  SIZE: 0x30,
} as const;

/** struct task_struct (linux/sched.h). */
export const TASK_STRUCT = {
  STATE: 0x00, FLAGS: 0x04, STACK: 0x08, PID: 0x10, TGID: 0x14, COMM: 0x18, COMM_LEN: 16,
  STACK_CANARY: 0x28, PRIO: 0x30, CPU: 0x34, PRIVATE: 0x38, SIZE: 0x78,
} as const;

/** task_struct.__state values (linux/sched.h). */
export const TASK_STATE = {
  RUNNING: 0x0, INTERRUPTIBLE: 0x1, UNINTERRUPTIBLE: 0x2, STOPPED: 0x4, DEAD: 0x80,
} as const;

/** task_struct.flags bits. */
export const PF_KTHREAD = 0x00200000;

/** struct completion (linux/completion.h): `done` is a u32 at 0. */
export const COMPLETION = { DONE: 0x00, SIZE: 0x10 } as const;
/** raw_spinlock_t/spinlock_t (linux/spinlock.h): u32 lock word at 0, 0 = unlocked. */
export const SPINLOCK = { VAL: 0x00, SIZE: 0x04 } as const;
/** struct mutex (linux/mutex.h): owner task pointer at 0, 0 = unlocked. */
export const MUTEX = { OWNER: 0x00, SIZE: 0x10 } as const;

/** gfp_t bits (linux/gfp.h). */
export const GFP = {
  ZERO: 0x100, ATOMIC: 0x820, KERNEL: 0xcc0, NOWAIT: 0x800,
} as const;

/** The SDK's jiffies tick rate (Machine.hz unless a .ko names another CONFIG_HZ), and jiffies' initial value at it (Linux's INITIAL_JIFFIES). */
export const HZ = 1000;
export const INITIAL_JIFFIES = BigInt.asUintN(32, BigInt(-300 * HZ));

/** KERN_<LEVEL> prefix: "\x01" then '0'..'7' or 'c' (continuation). */
export const KERN_SOH = '\x01';

/** struct bug_entry in section __bug_table (linux/bug.h). */
export const BUG_ENTRY = { ADDR: 0x00, FILE: 0x08, LINE: 0x10, FLAGS: 0x12, SIZE: 0x18 } as const;
export const BUGFLAG = { WARNING: 1 << 0, ONCE: 1 << 1, DONE: 1 << 2, NO_CUT_HERE: 1 << 3 } as const;
/** ud2: what BUG()/WARN() execute. The kernel resumes a warning at RIP + UD2_LENGTH. */
export const UD2_LENGTH = 2;

/** struct ksw_module_param in section .ksw_params (linux/moduleparam.h). */
export const MODULE_PARAM_ENTRY = { NAME: 0x00, ARG: 0x08, TYPE: 0x10, PERM: 0x18, SIZE_FIELD: 0x1a, SIZE: 0x20 } as const;
export const MODULE_PARAMS_SECTION = '.ksw_params';

/** module_init/module_exit pointer variables (linux/module.h). */
export const MODULE_INIT_SYMBOL = '__ksw_module_init';
export const MODULE_EXIT_SYMBOL = '__ksw_module_exit';

/** Section of BUG()/WARN() records. */
export const BUG_TABLE_SECTION = '__bug_table';
