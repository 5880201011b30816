/* SPDX-License-Identifier: MIT */
/*
 * The in-kernel file API, for the files the simulated kernel has: debugfs
 * under /sys/kernel/debug (KStackWatch's kstackwatch/config). Linux's
 * names and signatures; errors come back as ERR_PTR(-errno) from
 * filp_open and as negative counts from kernel_read/kernel_write:
 *
 *   struct file *f = filp_open("/sys/kernel/debug/kstackwatch/config", O_WRONLY, 0);
 *   if (!IS_ERR(f)) {
 *           loff_t pos = 0;
 *           kernel_write(f, "fn=victim", 9, &pos);
 *           filp_close(f, NULL);
 *   }
 *
 * The config file admits one opener at a time (-EBUSY for a second).
 */
#ifndef _LINUX_FS_H
#define _LINUX_FS_H

#include <linux/types.h>
#include <linux/err.h>

#define O_RDONLY	00000000
#define O_WRONLY	00000001
#define O_RDWR		00000002

struct file;
typedef void *fl_owner_t;

struct file *filp_open(const char *filename, int flags, umode_t mode);
int filp_close(struct file *filp, fl_owner_t id);
ssize_t kernel_read(struct file *file, void *buf, size_t count, loff_t *pos);
ssize_t kernel_write(struct file *file, const void *buf, size_t count, loff_t *pos);

#endif /* _LINUX_FS_H */
