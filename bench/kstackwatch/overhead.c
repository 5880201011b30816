// SPDX-License-Identifier: MIT
/* KStackWatch overhead workload: call a watched function `calls` times. */
#include <linux/module.h>
#include <linux/kernel.h>

static int calls = 100000;
module_param(calls, int, 0600);

static noinline unsigned long watched(unsigned long seed)
{
	unsigned long buf[16];
	int i;

	for (i = 0; i < 16; i++)
		buf[i] = seed * 31 + i;
	barrier_data(buf);
	return buf[seed & 15];
}

static int __init overhead_init(void)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < calls; i++)
		sum += watched(i);
	pr_info("overhead: %d calls, sum %lu\n", calls, sum);
	return 0;
}

module_init(overhead_init);
MODULE_LICENSE("GPL");
