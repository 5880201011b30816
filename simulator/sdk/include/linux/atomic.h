/* SPDX-License-Identifier: MIT */
/*
 * atomic_t, atomic64_t and atomic_long_t, implemented inline with gcc's
 * __atomic builtins, which compile to lock-prefixed instructions (lock add,
 * lock xadd, lock cmpxchg, xchg) exactly like Linux's x86 versions: the
 * simulated CPUs execute those atomically.
 *
 * Ordering follows Linux: operations that return a value are fully ordered,
 * plain atomic_add/inc/... are "relaxed" but on x86 are still locked.
 */
#ifndef _LINUX_ATOMIC_H
#define _LINUX_ATOMIC_H

#include <linux/compiler.h>
#include <linux/types.h>

#define ATOMIC_INIT(i)		{ (i) }
#define ATOMIC64_INIT(i)	{ (i) }
#define ATOMIC_LONG_INIT(i)	ATOMIC64_INIT(i)

#define __KSW_SC	__ATOMIC_SEQ_CST

/* Generates the operations for one atomic type: prefix, struct type, value type. */
#define __KSW_ATOMIC_OPS(pfx, atype, T)						\
static __always_inline T pfx##_read(const atype *v)				\
{ return READ_ONCE(v->counter); }						\
static __always_inline void pfx##_set(atype *v, T i)				\
{ WRITE_ONCE(v->counter, i); }							\
static __always_inline void pfx##_add(T i, atype *v)				\
{ __atomic_fetch_add(&v->counter, i, __KSW_SC); }				\
static __always_inline void pfx##_sub(T i, atype *v)				\
{ __atomic_fetch_sub(&v->counter, i, __KSW_SC); }				\
static __always_inline void pfx##_inc(atype *v)					\
{ __atomic_fetch_add(&v->counter, 1, __KSW_SC); }				\
static __always_inline void pfx##_dec(atype *v)					\
{ __atomic_fetch_sub(&v->counter, 1, __KSW_SC); }				\
static __always_inline void pfx##_and(T i, atype *v)				\
{ __atomic_fetch_and(&v->counter, i, __KSW_SC); }				\
static __always_inline void pfx##_or(T i, atype *v)				\
{ __atomic_fetch_or(&v->counter, i, __KSW_SC); }				\
static __always_inline void pfx##_xor(T i, atype *v)				\
{ __atomic_fetch_xor(&v->counter, i, __KSW_SC); }				\
static __always_inline T pfx##_add_return(T i, atype *v)			\
{ return __atomic_add_fetch(&v->counter, i, __KSW_SC); }			\
static __always_inline T pfx##_sub_return(T i, atype *v)			\
{ return __atomic_sub_fetch(&v->counter, i, __KSW_SC); }			\
static __always_inline T pfx##_inc_return(atype *v)				\
{ return __atomic_add_fetch(&v->counter, 1, __KSW_SC); }			\
static __always_inline T pfx##_dec_return(atype *v)				\
{ return __atomic_sub_fetch(&v->counter, 1, __KSW_SC); }			\
static __always_inline T pfx##_fetch_add(T i, atype *v)				\
{ return __atomic_fetch_add(&v->counter, i, __KSW_SC); }			\
static __always_inline T pfx##_fetch_sub(T i, atype *v)				\
{ return __atomic_fetch_sub(&v->counter, i, __KSW_SC); }			\
static __always_inline T pfx##_fetch_inc(atype *v)				\
{ return __atomic_fetch_add(&v->counter, 1, __KSW_SC); }			\
static __always_inline T pfx##_fetch_dec(atype *v)				\
{ return __atomic_fetch_sub(&v->counter, 1, __KSW_SC); }			\
static __always_inline T pfx##_fetch_and(T i, atype *v)				\
{ return __atomic_fetch_and(&v->counter, i, __KSW_SC); }			\
static __always_inline T pfx##_fetch_or(T i, atype *v)				\
{ return __atomic_fetch_or(&v->counter, i, __KSW_SC); }				\
static __always_inline T pfx##_fetch_xor(T i, atype *v)				\
{ return __atomic_fetch_xor(&v->counter, i, __KSW_SC); }			\
static __always_inline T pfx##_xchg(atype *v, T new)				\
{ return __atomic_exchange_n(&v->counter, new, __KSW_SC); }			\
/* Returns the old value; the store happened iff it equals `old`. */		\
static __always_inline T pfx##_cmpxchg(atype *v, T old, T new)			\
{										\
	__atomic_compare_exchange_n(&v->counter, &old, new, 0, __KSW_SC, __KSW_SC); \
	return old;								\
}										\
/* On failure *old is updated to the current value. */				\
static __always_inline bool pfx##_try_cmpxchg(atype *v, T *old, T new)		\
{ return __atomic_compare_exchange_n(&v->counter, old, new, 0, __KSW_SC, __KSW_SC); } \
static __always_inline bool pfx##_dec_and_test(atype *v)			\
{ return __atomic_sub_fetch(&v->counter, 1, __KSW_SC) == 0; }			\
static __always_inline bool pfx##_inc_and_test(atype *v)			\
{ return __atomic_add_fetch(&v->counter, 1, __KSW_SC) == 0; }			\
static __always_inline bool pfx##_sub_and_test(T i, atype *v)			\
{ return __atomic_sub_fetch(&v->counter, i, __KSW_SC) == 0; }			\
static __always_inline bool pfx##_add_negative(T i, atype *v)			\
{ return __atomic_add_fetch(&v->counter, i, __KSW_SC) < 0; }			\
/* Adds a to v unless v was u; returns whether it added. */			\
static __always_inline bool pfx##_add_unless(atype *v, T a, T u)		\
{										\
	T c = pfx##_read(v);							\
	do {									\
		if (unlikely(c == u))						\
			return 0;						\
	} while (!pfx##_try_cmpxchg(v, &c, c + a));				\
	return 1;								\
}										\
static __always_inline bool pfx##_inc_not_zero(atype *v)			\
{ return pfx##_add_unless(v, 1, 0); }

__KSW_ATOMIC_OPS(atomic, atomic_t, int)
__KSW_ATOMIC_OPS(atomic64, atomic64_t, s64)
__KSW_ATOMIC_OPS(atomic_long, atomic_long_t, long)

/* Generic forms on plain variables of 1, 2, 4 or 8 bytes. */
#define xchg(ptr, v)	__atomic_exchange_n((ptr), (v), __KSW_SC)
#define cmpxchg(ptr, old, new) ({						\
	__typeof__(*(ptr)) __ksw_old = (old);					\
	__atomic_compare_exchange_n((ptr), &__ksw_old, (new), 0, __KSW_SC, __KSW_SC); \
	__ksw_old; })
#define try_cmpxchg(ptr, oldp, new) \
	__atomic_compare_exchange_n((ptr), (oldp), (new), 0, __KSW_SC, __KSW_SC)

#endif /* _LINUX_ATOMIC_H */
