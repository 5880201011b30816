/* SPDX-License-Identifier: MIT */
/*
 * Tasks. struct task_struct is allocated and filled by the simulated kernel;
 * its layout is fixed (checked below, mirrored in simulator/sdk/abi.ts
 * TASK_STRUCT). The fields a module may read are pid, tgid, comm, __state,
 * stack and cpu; the rest is the kernel's.
 *
 * set_current_state(TASK_(UN)INTERRUPTIBLE) then schedule() blocks the task
 * until wake_up_process(), as in Linux: the kernel reads __state when
 * schedule() is called. Task structs are never freed while the module is
 * loaded, so get_task_struct/put_task_struct have nothing to count.
 */
#ifndef _LINUX_SCHED_H
#define _LINUX_SCHED_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/limits.h>
#include <linux/preempt.h>
#include <linux/smp.h>
#include <asm/current.h>

#define TASK_COMM_LEN		16

#define TASK_RUNNING		0x00000000
#define TASK_INTERRUPTIBLE	0x00000001
#define TASK_UNINTERRUPTIBLE	0x00000002
#define __TASK_STOPPED		0x00000004
#define EXIT_DEAD		0x00000010
#define EXIT_ZOMBIE		0x00000020
#define TASK_DEAD		0x00000080
#define TASK_WAKEKILL		0x00000100
#define TASK_NOLOAD		0x00000400
#define TASK_KILLABLE		(TASK_WAKEKILL | TASK_UNINTERRUPTIBLE)
#define TASK_IDLE		(TASK_UNINTERRUPTIBLE | TASK_NOLOAD)

#define PF_KTHREAD		0x00200000

#define MAX_SCHEDULE_TIMEOUT	LONG_MAX

struct task_struct {
	unsigned int	__state;		/* 0x00: TASK_* */
	unsigned int	flags;			/* 0x04: PF_* */
	void		*stack;			/* 0x08: lowest address of its THREAD_SIZE stack */
	pid_t		pid;			/* 0x10 */
	pid_t		tgid;			/* 0x14 */
	char		comm[TASK_COMM_LEN];	/* 0x18 */
	unsigned long	stack_canary;		/* 0x28 */
	int		prio;			/* 0x30 */
	unsigned int	cpu;			/* 0x34: CPU it runs or last ran on */
	unsigned long	__ksw_private[8];	/* 0x38: the kernel's */
};						/* 0x78 bytes */

_Static_assert(offsetof(struct task_struct, pid) == 0x10, "task_struct.pid");
_Static_assert(offsetof(struct task_struct, comm) == 0x18, "task_struct.comm");
_Static_assert(offsetof(struct task_struct, stack_canary) == 0x28, "task_struct.stack_canary");
_Static_assert(sizeof(struct task_struct) == 0x78, "task_struct size");

#define __set_current_state(state_value)	WRITE_ONCE(current->__state, (state_value))
#define set_current_state(state_value)		smp_store_mb(current->__state, (state_value))
#define task_is_running(task)			(READ_ONCE((task)->__state) == TASK_RUNNING)

static inline pid_t task_pid_nr(const struct task_struct *tsk) { return tsk->pid; }
static inline unsigned int task_cpu(const struct task_struct *tsk) { return READ_ONCE(tsk->cpu); }
#define get_task_struct(t)	((void)(t))
#define put_task_struct(t)	((void)(t))
#define get_task_comm(buf, tsk)	({ __builtin_memcpy((buf), (tsk)->comm, TASK_COMM_LEN); (buf); })

/* Exported by the simulated kernel. */
void schedule(void);
long schedule_timeout(long timeout);
long schedule_timeout_interruptible(long timeout);
long schedule_timeout_uninterruptible(long timeout);
void yield(void);
int __cond_resched(void);
int wake_up_process(struct task_struct *tsk);
void set_user_nice(struct task_struct *p, long nice);

/* Gives the CPU to another runnable task if this one has used its quantum. */
#define cond_resched()	__cond_resched()

#endif /* _LINUX_SCHED_H */
