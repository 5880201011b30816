/* SPDX-License-Identifier: MIT */
/*
 * jiffies: a kernel variable counting ticks of the simulated clock (HZ per
 * simulated second). It starts at INITIAL_JIFFIES, like Linux's, so code
 * that mishandles wrap-around shows it.
 */
#ifndef _LINUX_JIFFIES_H
#define _LINUX_JIFFIES_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/limits.h>

#define HZ			1000
#define INITIAL_JIFFIES		((unsigned long)(unsigned int)(-300 * HZ))
#define MAX_JIFFY_OFFSET	((LONG_MAX >> 1) - 1)

/* Exported by the simulated kernel (a variable, not a function). */
extern unsigned long volatile jiffies;

static inline u64 get_jiffies_64(void) { return jiffies; }

#define time_after(a, b)	((long)((b) - (a)) < 0)
#define time_before(a, b)	time_after(b, a)
#define time_after_eq(a, b)	((long)((a) - (b)) >= 0)
#define time_before_eq(a, b)	time_after_eq(b, a)
#define time_in_range(a, b, c)	(time_after_eq(a, b) && time_before_eq(a, c))
#define time_is_before_jiffies(a)	time_after(jiffies, a)
#define time_is_after_jiffies(a)	time_before(jiffies, a)

/* HZ is 1000: a jiffy is a millisecond. */
static inline unsigned long msecs_to_jiffies(const unsigned int m) { return m; }
static inline unsigned long usecs_to_jiffies(const unsigned int u) { return (u + 999) / 1000; }
static inline unsigned int jiffies_to_msecs(const unsigned long j) { return (unsigned int)j; }
static inline unsigned int jiffies_to_usecs(const unsigned long j) { return (unsigned int)(j * 1000); }
static inline u64 jiffies_to_nsecs(const unsigned long j) { return (u64)j * 1000000ULL; }

#endif /* _LINUX_JIFFIES_H */
