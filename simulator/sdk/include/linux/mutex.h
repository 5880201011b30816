/* SPDX-License-Identifier: MIT */
/*
 * Sleeping locks. `owner` is 0 when free, else the owning task_struct
 * pointer (as in Linux, modulo flag bits); waiters are kept by the
 * simulated kernel, keyed by the mutex's address.
 */
#ifndef _LINUX_MUTEX_H
#define _LINUX_MUTEX_H

#include <linux/compiler.h>
#include <linux/types.h>

struct mutex {
	unsigned long	owner;			/* 0x00: struct task_struct *, 0 = unlocked */
	unsigned long	__ksw_reserved;		/* 0x08 */
};						/* 0x10 bytes */

#define __MUTEX_INITIALIZER(lockname)	{ .owner = 0, .__ksw_reserved = 0 }
#define DEFINE_MUTEX(mutexname)		struct mutex mutexname = __MUTEX_INITIALIZER(mutexname)

static inline void __ksw_mutex_init(struct mutex *lock)
{
	lock->owner = 0;
	lock->__ksw_reserved = 0;
}

#define mutex_init(mutex)	__ksw_mutex_init(mutex)
#define mutex_destroy(mutex)	do { } while (0)

static inline bool mutex_is_locked(struct mutex *lock)
{
	return READ_ONCE(lock->owner) != 0;
}

/* Exported by the simulated kernel. */
void mutex_lock(struct mutex *lock);
int mutex_lock_interruptible(struct mutex *lock);
int mutex_lock_killable(struct mutex *lock);
int mutex_trylock(struct mutex *lock);
void mutex_unlock(struct mutex *lock);

#endif /* _LINUX_MUTEX_H */
