/* SPDX-License-Identifier: MIT */
/*
 * Kernel threads. kthread_create() makes a stopped task named by the printf
 * format (truncated to 15 characters); wake_up_process() starts it;
 * kthread_run() does both. A thread function returning ends the thread;
 * kthread_stop() sets the stop flag (see kthread_should_stop()), wakes the
 * thread and waits for it to exit, returning its result.
 */
#ifndef _LINUX_KTHREAD_H
#define _LINUX_KTHREAD_H

#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/sched.h>

#define NUMA_NO_NODE	(-1)

/* Exported by the simulated kernel. */
__printf(4, 5)
struct task_struct *kthread_create_on_node(int (*threadfn)(void *data), void *data,
					   int node, const char namefmt[], ...);
void kthread_bind(struct task_struct *k, unsigned int cpu);
int kthread_stop(struct task_struct *k);
bool kthread_should_stop(void);
__noreturn void kthread_exit(long result);

#define kthread_create(threadfn, data, namefmt, ...) \
	kthread_create_on_node(threadfn, data, NUMA_NO_NODE, namefmt, ##__VA_ARGS__)

#define kthread_run(threadfn, data, namefmt, ...) ({				\
	struct task_struct *__k = kthread_create(threadfn, data, namefmt, ## __VA_ARGS__); \
	if (!IS_ERR(__k))							\
		wake_up_process(__k);						\
	__k; })

#endif /* _LINUX_KTHREAD_H */
