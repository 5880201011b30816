/* SPDX-License-Identifier: MIT */
#ifndef _LINUX_PANIC_H
#define _LINUX_PANIC_H

#include <linux/compiler.h>

/* Exported by the simulated kernel: prints "Kernel panic - not syncing: ..." and stops the machine. */
__printf(1, 2) __noreturn __cold void panic(const char *fmt, ...);

#endif /* _LINUX_PANIC_H */
