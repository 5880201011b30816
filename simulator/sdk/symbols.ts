// Every symbol a module compiled against the SDK may import: what the
// simulated kernel has to export (DESIGN.md §3.5). The headers declare them
// `extern`; test/unit/moduleSdk.test.ts checks this list against the
// headers, both ways.

/** Functions and variables declared by simulator/sdk/include/linux/*.h, by header. */
export const SDK_EXPORTS: Readonly<Record<string, readonly string[]>> = {
  'printk.h': ['_printk', 'vprintk', 'dump_stack'],
  'sprintf.h': ['sprintf', 'snprintf', 'scnprintf', 'vsnprintf', 'vscnprintf', 'sscanf'],
  'panic.h': ['panic'],
  'preempt.h': ['preempt_count_add', 'preempt_count_sub', 'preempt_count'],
  'smp.h': ['num_online_cpus', 'num_possible_cpus', 'cpu_online'],
  'sched.h': ['schedule', 'schedule_timeout', 'schedule_timeout_interruptible',
    'schedule_timeout_uninterruptible', 'yield', '__cond_resched', 'wake_up_process', 'set_user_nice'],
  'kthread.h': ['kthread_create_on_node', 'kthread_bind', 'kthread_stop', 'kthread_should_stop', 'kthread_exit'],
  'delay.h': ['msleep', 'msleep_interruptible', 'usleep_range', 'udelay', 'ndelay'],
  'completion.h': ['wait_for_completion', 'wait_for_completion_io', 'wait_for_completion_interruptible',
    'wait_for_completion_killable', 'wait_for_completion_timeout',
    'wait_for_completion_interruptible_timeout', 'try_wait_for_completion', 'completion_done',
    'complete', 'complete_all'],
  'slab.h': ['kmalloc', 'krealloc', 'kfree', 'ksize'],
  'string.h': ['memcpy', 'memmove', 'memset', 'memcmp', 'memchr', 'strlen', 'strnlen', 'strcpy',
    'strncpy', 'strscpy', 'strcat', 'strncat', 'strcmp', 'strncmp', 'strcasecmp', 'strchr', 'strrchr',
    'strstr'],
  'random.h': ['get_random_u32', 'get_random_u64', 'get_random_u32_below', 'get_random_bytes'],
  'spinlock.h': ['_raw_spin_lock', '_raw_spin_unlock', '_raw_spin_trylock', '_raw_spin_lock_irq',
    '_raw_spin_unlock_irq', '_raw_spin_lock_irqsave', '_raw_spin_unlock_irqrestore', '_raw_spin_lock_bh',
    '_raw_spin_unlock_bh'],
  'mutex.h': ['mutex_lock', 'mutex_lock_interruptible', 'mutex_lock_killable', 'mutex_trylock', 'mutex_unlock'],
  'jiffies.h': ['jiffies'],
  'ktime.h': ['ktime_get'],
  'kstackwatch.h': ['ksw_watch_show', 'ksw_watch_fire'],
  'fs.h': ['filp_open', 'filp_close', 'kernel_read', 'kernel_write'],
};

/** The variables among SDK_EXPORTS (everything else is a function). */
export const SDK_EXPORTED_VARIABLES: readonly string[] = ['jiffies'];

/**
 * Symbols gcc itself may reference in kernel-flag code: the stack
 * protector's failure call, the mem* functions it emits for struct copies
 * and initializers, and libgcc helpers for operations x86-64 has no
 * general-register instruction for at this ISA level.
 */
export const COMPILER_RUNTIME_SYMBOLS: readonly string[] = [
  '__stack_chk_fail', 'memcpy', 'memmove', 'memset', 'memcmp',
  // gcc 12, x86-64, -mgeneral-regs-only: popcount/parity/clrsb without POPCNT; 128-bit division
  // (__divti3 and friends at -O0/-O1, the combined __divmodti4/__udivmodti4 from -O2); 128-bit
  // overflow checks; -ftrapv arithmetic.
  '__popcountdi2', '__popcountti2', '__paritydi2', '__parityti2', '__clrsbdi2', '__clrsbti2',
  '__divti3', '__udivti3', '__modti3', '__umodti3', '__udivmodti4', '__divmodti4', '__muloti4',
  '__mulvdi3', '__addvdi3', '__subvdi3', '__negvdi2',
  '__addvsi3', '__subvsi3', '__mulvsi3', '__negvsi2', '__absvsi2', '__absvdi2',
  '__addvti3', '__subvti3', '__mulvti3', '__negvti2', '__absvti2',
];

/** Everything a module may import, without duplicates. */
export function allKernelImports(): string[] {
  return [...new Set([...Object.values(SDK_EXPORTS).flat(), ...COMPILER_RUNTIME_SYMBOLS])];
}
