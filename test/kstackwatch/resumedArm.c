// SPDX-License-Identifier: MIT
/*
 * A loop calling a watched function; on call `bad` it writes its canary
 * slot (the word above its buffer) with the value already there: a write
 * the watch reports, with no stack-protector panic after it
 * (test/kstackwatch/resumedArm.test.ts).
 */
#include <linux/module.h>
#include <linux/kernel.h>

static int calls = 60;
module_param(calls, int, 0600);
static int bad = 37;
module_param(bad, int, 0600);

static noinline unsigned long victim(int call)
{
	unsigned long buf[8];
	int i;

	for (i = 0; i < 8; i++)
		buf[i] = call + i;
	if (call == bad) {
		volatile unsigned long *p = &buf[8];
		*p = *p;
	}
	barrier_data(buf);
	return buf[call & 7];
}

static int __init resumed_init(void)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < calls; i++)
		sum += victim(i);
	pr_info("resumed: %d calls, sum %lu\n", calls, sum);
	return 0;
}

module_init(resumed_init);
MODULE_LICENSE("GPL");
