/* SPDX-License-Identifier: MIT */
/*
 * Preemption control. preempt_count_add/sub are kernel functions (as in a
 * Linux built with CONFIG_DEBUG_PREEMPT): the simulated scheduler does not
 * preempt a task whose count is non-zero, and preempt_count_sub(1) reaching
 * zero reschedules if needed.
 */
#ifndef _LINUX_PREEMPT_H
#define _LINUX_PREEMPT_H

#include <linux/compiler.h>

/* Exported by the simulated kernel. */
void preempt_count_add(int val);
void preempt_count_sub(int val);
int preempt_count(void);

#define preempt_disable()	do { preempt_count_add(1); barrier(); } while (0)
#define preempt_enable()	do { barrier(); preempt_count_sub(1); } while (0)
#define preempt_enable_no_resched()	preempt_enable()
#define in_atomic()		(preempt_count() != 0)

#endif /* _LINUX_PREEMPT_H */
