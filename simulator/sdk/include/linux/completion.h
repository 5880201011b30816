/* SPDX-License-Identifier: MIT */
/*
 * Completions. `done` counts complete() calls not yet consumed by a waiter
 * (UINT_MAX after complete_all()); the waiting tasks are kept by the
 * simulated kernel, keyed by the completion's address.
 */
#ifndef _LINUX_COMPLETION_H
#define _LINUX_COMPLETION_H

#include <linux/types.h>

struct completion {
	unsigned int	done;		/* 0x00 */
	unsigned int	__ksw_reserved0;	/* 0x04 */
	unsigned long	__ksw_reserved1;	/* 0x08 */
};					/* 0x10 bytes */

#define COMPLETION_INITIALIZER(work)	{ 0, 0, 0 }
#define COMPLETION_INITIALIZER_ONSTACK(work)	COMPLETION_INITIALIZER(work)
#define DECLARE_COMPLETION(work)	struct completion work = COMPLETION_INITIALIZER(work)
#define DECLARE_COMPLETION_ONSTACK(work)	DECLARE_COMPLETION(work)

static inline void init_completion(struct completion *x)
{
	x->done = 0;
	x->__ksw_reserved0 = 0;
	x->__ksw_reserved1 = 0;
}

static inline void reinit_completion(struct completion *x)
{
	x->done = 0;
}

/* Exported by the simulated kernel. */
void wait_for_completion(struct completion *x);
void wait_for_completion_io(struct completion *x);
int wait_for_completion_interruptible(struct completion *x);
int wait_for_completion_killable(struct completion *x);
unsigned long wait_for_completion_timeout(struct completion *x, unsigned long timeout);
long wait_for_completion_interruptible_timeout(struct completion *x, unsigned long timeout);
bool try_wait_for_completion(struct completion *x);
bool completion_done(struct completion *x);
void complete(struct completion *x);
void complete_all(struct completion *x);

#endif /* _LINUX_COMPLETION_H */
