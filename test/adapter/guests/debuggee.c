// SPDX-License-Identifier: MIT
/*
 * Guest module for the debug adapter tests (test/adapter/*.test.ts): small
 * functions with known lines for breakpoints and stepping, a loop to pause
 * in, a NULL write that oopses, a thread pair, selected by mode=N:
 *
 *   0  compute and print (breakpoints, stepping, variables)
 *   1  spin forever in a hot loop (pause)
 *   2  oops: write through a NULL pointer
 *   3  two threads counting (threads, data breakpoints)
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/delay.h>

static int mode;
module_param(mode, int, 0644);

static volatile unsigned long sink;
static unsigned long counter;
/* NULL, but the compiler cannot know: the oops stays in the code */
static int *volatile nowhere;

static noinline int add_one(int x)
{
	int y = x + 1;
	sink += y;
	return y;
}

static noinline int sum_to(int n)
{
	int total = 0;
	int i;

	for (i = 0; i < n; i++)
		total += add_one(i);
	return total;
}

static noinline void spin_forever(void)
{
	for (;;)
		sink++;
}

static noinline void crash(int *p)
{
	*p = 42;
}

static noinline void bump(unsigned long *where, int times)
{
	int i;

	for (i = 0; i < times; i++)
		WRITE_ONCE(*where, READ_ONCE(*where) + 1);
}

static int counting_thread(void *data)
{
	bump(&counter, (int)(long)data);
	return 0;
}

static int __init debuggee_init(void)
{
	int r = sum_to(5);

	pr_info("sum=%d\n", r);
	if (mode == 1)
		spin_forever();
	if (mode == 2)
		crash(nowhere);
	if (mode == 3) {
		kthread_run(counting_thread, (void *)3L, "counter_a");
		kthread_run(counting_thread, (void *)2L, "counter_b");
		msleep(50);
		pr_info("counter=%lu\n", counter);
	}
	return 0;
}

static void __exit debuggee_exit(void)
{
	pr_info("debuggee: bye\n");
}

module_init(debuggee_init);
module_exit(debuggee_exit);
MODULE_LICENSE("GPL");
