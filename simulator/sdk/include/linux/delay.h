/* SPDX-License-Identifier: MIT */
/*
 * Delays on the simulated clock. msleep/usleep_range put the task to sleep
 * (other tasks run); udelay/ndelay/mdelay busy-wait, keeping the CPU.
 */
#ifndef _LINUX_DELAY_H
#define _LINUX_DELAY_H

#include <linux/types.h>

/* Exported by the simulated kernel. */
void msleep(unsigned int msecs);
unsigned long msleep_interruptible(unsigned int msecs);
void usleep_range(unsigned long min, unsigned long max);
void udelay(unsigned long usecs);
void ndelay(unsigned long nsecs);

#define mdelay(n)	udelay((n) * 1000UL)

static inline void ssleep(unsigned int seconds)
{
	msleep(seconds * 1000);
}

#endif /* _LINUX_DELAY_H */
