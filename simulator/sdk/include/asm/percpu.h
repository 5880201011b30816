/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU area of the simulated machine. Each CPU's GS base points at
 * its own area; the kernel keeps these words current on every context
 * switch:
 *
 *   %gs:0x00  struct task_struct *current_task   (the running task)
 *   %gs:0x08  unsigned int cpu_number             (smp_processor_id())
 *   %gs:0x28  unsigned long stack_canary          (the running task's canary;
 *                                                  -mstack-protector-guard-offset=40)
 *
 * Reading them is one instruction (`mov %gs:0x0,%rax`), as in Linux, so
 * `current` and smp_processor_id() add no calls to stack traces.
 * Mirrored in simulator/sdk/abi.ts (PERCPU_*).
 */
#ifndef _ASM_X86_PERCPU_H
#define _ASM_X86_PERCPU_H

#define KSW_PERCPU_CURRENT_TASK		0x00
#define KSW_PERCPU_CPU_NUMBER		0x08
#define KSW_PERCPU_STACK_CANARY		0x28

/* Stable within a task (so the compiler may reuse the value): no volatile. */
#define __ksw_this_cpu_read_stable_8(off) ({				\
	unsigned long __val;						\
	__asm__ ("movq %%gs:%c1, %0" : "=r" (__val) : "i" (off));	\
	__val; })

#define __ksw_this_cpu_read_4(off) ({					\
	unsigned int __val;						\
	__asm__ __volatile__ ("movl %%gs:%c1, %0" : "=r" (__val) : "i" (off)); \
	__val; })

#endif /* _ASM_X86_PERCPU_H */
