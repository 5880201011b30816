/* SPDX-License-Identifier: MIT */
/*
 * KStackWatch's debug helpers (mm/kstackwatch), exported by the simulated
 * kernel:
 *   ksw_watch_show()  prints "watch target bp_addr: 0x... len:..." for the
 *                     calling task's armed watch, or "nothing to show";
 *   ksw_watch_fire()  prints "watch triggered immediately" and writes 0x42
 *                     to the first watched byte (or prints "nothing to fire").
 */
#ifndef _LINUX_KSTACKWATCH_H
#define _LINUX_KSTACKWATCH_H

void ksw_watch_show(void);
void ksw_watch_fire(void);

#endif /* _LINUX_KSTACKWATCH_H */
