// SPDX-License-Identifier: MIT
/*
 * Guest module for the time-travel tests of stretch summaries
 * (test/adapter/timeTravel.test.ts): like longrun.c, but the watched
 * variable is not alone on its page — its next-door neighbour in the same
 * struct (the same page, the same cache line, the next 8 bytes) is stored
 * to on every iteration of the long loop. Early on, store_same() stores
 * into pair.value the value it already holds; then `loops` iterations
 * store to pair.hot; then finish().
 */
#include <linux/module.h>
#include <linux/kernel.h>

static unsigned long loops = 1000;
module_param(loops, ulong, 0644);

static struct {
	unsigned long value;
	unsigned long hot;
} pair = { .value = 7 };

static noinline void store_same(void)
{
	WRITE_ONCE(pair.value, 7); /* SAME: the value it already holds */
}

static noinline void finish(void)
{
	pr_info("neighbour: done (hot %lu, value %lu)\n", READ_ONCE(pair.hot), READ_ONCE(pair.value));
}

static int __init neighbour_init(void)
{
	unsigned long i;

	store_same();
	for (i = 0; i < loops; i++)
		WRITE_ONCE(pair.hot, READ_ONCE(pair.hot) + i); /* HOT: next door to pair.value */
	finish();
	return 0;
}

static void __exit neighbour_exit(void)
{
}

module_init(neighbour_init);
module_exit(neighbour_exit);
MODULE_LICENSE("GPL");
