/* SPDX-License-Identifier: MIT */
#ifndef _LINUX_PRANDOM_H
#define _LINUX_PRANDOM_H
#include <linux/random.h>
#endif
