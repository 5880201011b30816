/* SPDX-License-Identifier: MIT */
/*
 * KStackWatch's debug helpers, exported by the simulated kernel
 * (KStackWatch Studio): show the active watches, and write the watched
 * slot from the current context (the test module's test0).
 */
#ifndef _KSW_KSTACKWATCH_H
#define _KSW_KSTACKWATCH_H

void ksw_watch_show(void);
void ksw_watch_fire(void);

#endif
