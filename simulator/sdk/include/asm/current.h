/* SPDX-License-Identifier: MIT */
#ifndef _ASM_X86_CURRENT_H
#define _ASM_X86_CURRENT_H

#include <linux/compiler.h>
#include <asm/percpu.h>

struct task_struct;

/* The running task: one %gs-relative load (see asm/percpu.h). */
static __always_inline struct task_struct *get_current(void)
{
	return (struct task_struct *)__ksw_this_cpu_read_stable_8(KSW_PERCPU_CURRENT_TASK);
}

#define current get_current()

#endif /* _ASM_X86_CURRENT_H */
