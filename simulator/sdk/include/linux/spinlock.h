/* SPDX-License-Identifier: MIT */
/*
 * Spinlocks. The lock word `val` is 0 when free and non-zero when held; the
 * lock and unlock operations are kernel functions (with Linux's names, so
 * they show up in stack traces as in Linux), which lets the simulated
 * kernel see contention, disable preemption while a lock is held and report
 * a task that spins forever.
 */
#ifndef _LINUX_SPINLOCK_H
#define _LINUX_SPINLOCK_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/preempt.h>

typedef struct raw_spinlock {
	unsigned int val;		/* 0x00: 0 = unlocked */
} raw_spinlock_t;			/* 0x04 bytes */

typedef struct spinlock {
	union {
		struct raw_spinlock rlock;
	};
} spinlock_t;

#define __RAW_SPIN_LOCK_UNLOCKED(name)	(raw_spinlock_t){ .val = 0 }
#define __SPIN_LOCK_UNLOCKED(name)	(spinlock_t){ { .rlock = { .val = 0 } } }
#define DEFINE_RAW_SPINLOCK(x)		raw_spinlock_t x = { .val = 0 }
#define DEFINE_SPINLOCK(x)		spinlock_t x = { { .rlock = { .val = 0 } } }

/* Exported by the simulated kernel. */
void _raw_spin_lock(raw_spinlock_t *lock);
void _raw_spin_unlock(raw_spinlock_t *lock);
int _raw_spin_trylock(raw_spinlock_t *lock);
void _raw_spin_lock_irq(raw_spinlock_t *lock);
void _raw_spin_unlock_irq(raw_spinlock_t *lock);
unsigned long _raw_spin_lock_irqsave(raw_spinlock_t *lock);
void _raw_spin_unlock_irqrestore(raw_spinlock_t *lock, unsigned long flags);
void _raw_spin_lock_bh(raw_spinlock_t *lock);
void _raw_spin_unlock_bh(raw_spinlock_t *lock);

#define raw_spin_lock_init(lock)	do { (lock)->val = 0; } while (0)
#define raw_spin_lock(lock)		_raw_spin_lock(lock)
#define raw_spin_unlock(lock)		_raw_spin_unlock(lock)
#define raw_spin_trylock(lock)		_raw_spin_trylock(lock)
#define raw_spin_lock_irq(lock)		_raw_spin_lock_irq(lock)
#define raw_spin_unlock_irq(lock)	_raw_spin_unlock_irq(lock)
#define raw_spin_lock_irqsave(lock, flags) \
	do { (flags) = _raw_spin_lock_irqsave(lock); } while (0)
#define raw_spin_unlock_irqrestore(lock, flags)	_raw_spin_unlock_irqrestore(lock, flags)

#define spin_lock_init(lock)		do { (lock)->rlock.val = 0; } while (0)

static __always_inline void spin_lock(spinlock_t *lock) { _raw_spin_lock(&lock->rlock); }
static __always_inline void spin_unlock(spinlock_t *lock) { _raw_spin_unlock(&lock->rlock); }
static __always_inline int spin_trylock(spinlock_t *lock) { return _raw_spin_trylock(&lock->rlock); }
static __always_inline void spin_lock_irq(spinlock_t *lock) { _raw_spin_lock_irq(&lock->rlock); }
static __always_inline void spin_unlock_irq(spinlock_t *lock) { _raw_spin_unlock_irq(&lock->rlock); }
static __always_inline void spin_lock_bh(spinlock_t *lock) { _raw_spin_lock_bh(&lock->rlock); }
static __always_inline void spin_unlock_bh(spinlock_t *lock) { _raw_spin_unlock_bh(&lock->rlock); }

#define spin_lock_irqsave(lock, flags) \
	do { (flags) = _raw_spin_lock_irqsave(&(lock)->rlock); } while (0)

static __always_inline void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
	_raw_spin_unlock_irqrestore(&lock->rlock, flags);
}

static __always_inline int spin_is_locked(spinlock_t *lock)
{
	return READ_ONCE(lock->rlock.val) != 0;
}

#define assert_spin_locked(lock)	do { } while (0)
#define lockdep_assert_held(lock)	do { } while (0)

#endif /* _LINUX_SPINLOCK_H */
