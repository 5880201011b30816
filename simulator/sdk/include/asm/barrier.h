/* SPDX-License-Identifier: MIT */
/*
 * x86-64 memory barriers. x86 is TSO, so only full barriers need an
 * instruction. Linux uses `lock addl $0,-4(%rsp)` for smp_mb(); we use
 * mfence instead, because that locked add is a store to the stack, which a
 * stack watch would (correctly, but confusingly) report.
 */
#ifndef _ASM_X86_BARRIER_H
#define _ASM_X86_BARRIER_H

#define mb()	__asm__ __volatile__("mfence" : : : "memory")
#define rmb()	__asm__ __volatile__("lfence" : : : "memory")
#define wmb()	__asm__ __volatile__("sfence" : : : "memory")

#define smp_mb()	mb()
#define smp_rmb()	__asm__ __volatile__("" : : : "memory")
#define smp_wmb()	__asm__ __volatile__("" : : : "memory")
#define smp_mb__before_atomic()	__asm__ __volatile__("" : : : "memory")
#define smp_mb__after_atomic()	__asm__ __volatile__("" : : : "memory")

#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_mb(var, value) do { WRITE_ONCE(var, value); smp_mb(); } while (0)

#define cpu_relax()	__asm__ __volatile__("pause" : : : "memory")

#endif /* _ASM_X86_BARRIER_H */
