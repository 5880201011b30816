/* SPDX-License-Identifier: MIT */
/*
 * KStackWatch Studio guest SDK: compiler attributes and the access helpers
 * every other header builds on (READ_ONCE/WRITE_ONCE, barrier, likely).
 * Only GNU C is supported (gcc; clang should work too).
 */
#ifndef _LINUX_COMPILER_H
#define _LINUX_COMPILER_H

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

/* A compiler barrier: no memory access is moved across it. */
#define barrier()	__asm__ __volatile__("" : : : "memory")

#define __always_inline		inline __attribute__((__always_inline__))
#define noinline		__attribute__((__noinline__))
#define __noreturn		__attribute__((__noreturn__))
#define __used			__attribute__((__used__))
#define __maybe_unused		__attribute__((__unused__))
#define __always_unused		__attribute__((__unused__))
#define __packed		__attribute__((__packed__))
#define __aligned(x)		__attribute__((__aligned__(x)))
#define __section(s)		__attribute__((__section__(s)))
#define __printf(a, b)		__attribute__((__format__(printf, a, b)))
#define __cold			__attribute__((__cold__))
#define __weak			__attribute__((__weak__))
#define __pure			__attribute__((__pure__))
#define __must_check		__attribute__((__warn_unused_result__))
#define __malloc		__attribute__((__malloc__))
#define notrace			__attribute__((__no_instrument_function__))
#define fallthrough		__attribute__((__fallthrough__))
#define unreachable()		__builtin_unreachable()

/* Sparse annotations: meaningless to gcc. */
#define __force
#define __user
#define __kernel
#define __iomem
#define __rcu
#define __percpu
#define __bitwise

#define __stringify_1(...)	#__VA_ARGS__
#define __stringify(...)	__stringify_1(__VA_ARGS__)
#define ___PASTE(a, b)		a##b
#define __PASTE(a, b)		___PASTE(a, b)
#define __UNIQUE_ID(prefix)	__PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)

#define __same_type(a, b)	__builtin_types_compatible_p(__typeof__(a), __typeof__(b))
#define BUILD_BUG_ON_ZERO(e)	((int)(sizeof(struct { int:(-!!(e)); })))
#define BUILD_BUG_ON(cond)	_Static_assert(!(cond), "BUILD_BUG_ON failed: " #cond)
#define __must_be_array(a)	BUILD_BUG_ON_ZERO(__same_type((a), &(a)[0]))

/* Make the compiler assume the memory `ptr` points to is read and written here. */
#define barrier_data(ptr)	__asm__ __volatile__("" : : "r" (ptr) : "memory")

/* Hide a value from the optimizer (it can no longer reason about it). */
#define OPTIMIZER_HIDE_VAR(var)	__asm__ ("" : "=r" (var) : "0" (var))

/*
 * One access of exactly the variable's width that the compiler may not
 * merge, split, repeat or omit.
 */
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)	do { *(volatile __typeof__(x) *)&(x) = (val); } while (0)

#include <asm/barrier.h>

#endif /* _LINUX_COMPILER_H */
