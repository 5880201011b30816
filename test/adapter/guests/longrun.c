// SPDX-License-Identifier: MIT
/*
 * Guest module for the time-travel tests of stretch summaries
 * (test/adapter/timeTravel.test.ts): early on, store_same() stores into
 * box.value the value it already holds; then `loops` iterations of work
 * that store nothing on box's page (a page of its own); then finish().
 * Going back from finish() to that store crosses many checkpoint stretches,
 * all but one of which a summary can rule out.
 */
#include <linux/module.h>
#include <linux/kernel.h>

static unsigned long loops = 1000;
module_param(loops, ulong, 0644);

/* a page of its own: nothing else the module stores to shares it */
static struct {
	unsigned long value;
	char pad[4096 - sizeof(unsigned long)];
} box __aligned(4096) = { .value = 7 };
static volatile unsigned long sink;

static noinline void store_same(void)
{
	WRITE_ONCE(box.value, 7); /* SAME: the value it already holds */
}

static noinline void finish(unsigned long total)
{
	pr_info("longrun: done (%lu, box %lu)\n", total, READ_ONCE(box.value));
}

static int __init longrun_init(void)
{
	unsigned long i, total = 0;

	store_same();
	for (i = 0; i < loops; i++)
		total += i ^ sink; /* loads only */
	finish(total);
	return 0;
}

static void __exit longrun_exit(void)
{
}

module_init(longrun_init);
module_exit(longrun_exit);
MODULE_LICENSE("GPL");
