/* SPDX-License-Identifier: MIT */
/* Formatting into buffers, with the kernel's format language (see printk.h). */
#ifndef _LINUX_SPRINTF_H
#define _LINUX_SPRINTF_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/stdarg.h>

/* Exported by the simulated kernel. */
__printf(2, 3) int sprintf(char *buf, const char *fmt, ...);
__printf(3, 4) int snprintf(char *buf, size_t size, const char *fmt, ...);
__printf(3, 4) int scnprintf(char *buf, size_t size, const char *fmt, ...);
__printf(3, 0) int vsnprintf(char *buf, size_t size, const char *fmt, va_list args);
__printf(3, 0) int vscnprintf(char *buf, size_t size, const char *fmt, va_list args);
int sscanf(const char *buf, const char *fmt, ...);

#endif /* _LINUX_SPRINTF_H */
