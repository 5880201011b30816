// SPDX-License-Identifier: MIT
/*
 * KStackWatch test module: the scenarios of the kernel series' test module
 * (mm/kstackwatch/test.c, v7), written fresh. Select one with the module
 * parameter test=N:
 *
 *   0  watch_fire        the watch fires at once (ksw_watch_fire)
 *   1  canary_overflow   a write past a local buffer hits the canary
 *   2  recursive_depth   recursion to depth 6; only depth 3 is watched
 *   3  silent corruption 1 worker, 20 loops: a buggy function publishes its
 *                        stack buffer and sometimes returns early; a
 *                        corrupting thread later writes through the stale
 *                        pointer into the victim's frame
 *   4  the same with 20 workers (many concurrent watches)
 *   5  prologue corruption: writes start 3 words before the buffer
 *
 * bug=PERCENT sets how often the buggy function returns early (default 10;
 * 0 gives a clean run).
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/completion.h>
#include <linux/spinlock.h>
#include <linux/list.h>
#include <linux/random.h>
#include <linux/ktime.h>
#include <linux/atomic.h>
#include <linux/slab.h>
#include <linux/kstackwatch.h>

#define BUFFER_SIZE 32
#define MAX_DEPTH 6
#define MAX_WORKERS 20

static int test = 3;
module_param(test, int, 0600);
MODULE_PARM_DESC(test, "scenario 0..5");

static int bug = 10;
module_param(bug, int, 0600);
MODULE_PARM_DESC(bug, "percent of buggy calls that return early");

/* ---- test0: the watch fires at once -------------------------------------- */

static noinline void test_watch_fire(void)
{
	u64 buffer[BUFFER_SIZE] = { 0 };

	pr_info("entry of %s\n", __func__);
	ksw_watch_show();
	ksw_watch_fire();
	barrier_data(buffer);
	pr_info("buf[0]:%llu\n", buffer[0]);
	pr_info("exit of %s\n", __func__);
}

/* ---- test1: overflow into the canary -------------------------------------- */

static noinline void test_canary_overflow(void)
{
	u64 buffer[BUFFER_SIZE];
	u64 *p = buffer;
	int i;

	pr_info("entry of %s\n", __func__);
	barrier_data(buffer);
	__asm__ ("" : "+r" (p)); /* hide the bound from the compiler */
	/* BUG: writes ten words past the end of buffer, over the canary */
	for (i = 0; i < BUFFER_SIZE + 10; i++)
		WRITE_ONCE(p[i], 0xdeadbeefULL);
	barrier_data(buffer);
	pr_info("exit of %s\n", __func__);
}

/* ---- test2: recursion, watched at one depth -------------------------------- */

static noinline void test_recursive_depth(int depth)
{
	u64 buffer[BUFFER_SIZE];

	if (depth >= MAX_DEPTH)
		return;
	barrier_data(buffer);
	test_recursive_depth(depth + 1);
	WRITE_ONCE(buffer[0], depth);
	barrier_data(buffer);
}

/* ---- test3/4/5: silent corruption across threads ---------------------------- */

struct work_node {
	struct list_head list;
	unsigned long *ptr;
	u64 start_ns;
	struct completion done;
};

static LIST_HEAD(work_list);
static DEFINE_SPINLOCK(work_lock);
static struct work_node nodes[MAX_WORKERS];
static struct completion workers_done[MAX_WORKERS];
static int mthread_loops;
static int mthread_fence;

/* Publishes its stack buffer; with `bug` % probability returns without waiting. */
static noinline bool test_mthread_buggy(int worker, int loop)
{
	unsigned long buf[BUFFER_SIZE];
	struct work_node *node = &nodes[worker];

	node->ptr = buf;
	node->start_ns = ktime_get_ns();
	init_completion(&node->done);
	spin_lock(&work_lock);
	list_add_tail(&node->list, &work_list);
	spin_unlock(&work_lock);

	if (get_random_u32_below(100) < (u32)bug) {
		pr_info("buggy[%d][%d]: returning early\n", worker, loop);
		return true; /* BUG: buf is still published */
	}
	wait_for_completion(&node->done);
	barrier_data(buf);
	return false;
}

/* Fills its buffer, waits if the buggy call left early, then checks it. */
static noinline void test_mthread_victim(int worker, int loop, bool early)
{
	unsigned long buf[BUFFER_SIZE];
	int i;

	for (i = 0; i < BUFFER_SIZE; i++)
		buf[i] = 0xdeadbeef + i;
	barrier_data(buf);
	if (early) {
		msleep(300);
		/* the corrupter had its chance; let it finish with our node */
		wait_for_completion(&nodes[worker].done);
	}
	for (i = 0; i < BUFFER_SIZE; i++) {
		if (READ_ONCE(buf[i]) != 0xdeadbeef + i) {
			pr_err("victim[%d][%d]: unhappy buf[%d]=0x%lx\n", worker, loop, i, buf[i]);
			return;
		}
	}
	pr_info("victim[%d][%d]: happy\n", worker, loop);
}

static int test_mthread_worker(void *data)
{
	int worker = (int)(long)data;
	int loop;

	for (loop = 0; loop < mthread_loops; loop++) {
		bool early = test_mthread_buggy(worker, loop);

		test_mthread_victim(worker, loop, early);
	}
	complete(&workers_done[worker]);
	return 0;
}

static noinline void test_mthread_corrupt(struct work_node *node)
{
	int i;

	for (i = mthread_fence; i < BUFFER_SIZE - mthread_fence; i++)
		WRITE_ONCE(node->ptr[i], 0xabcdabcd);
}

static int test_mthread_corrupting(void *data)
{
	while (!kthread_should_stop()) {
		struct work_node *node = NULL;
		u64 now, due;

		spin_lock(&work_lock);
		if (!list_empty(&work_list)) {
			node = list_first_entry(&work_list, struct work_node, list);
			list_del(&node->list);
		}
		spin_unlock(&work_lock);
		if (!node) {
			msleep(10);
			continue;
		}
		due = node->start_ns + 100 * NSEC_PER_MSEC;
		now = ktime_get_ns();
		if (due > now)
			msleep((due - now) / NSEC_PER_MSEC + 1);
		test_mthread_corrupt(node);
		complete(&node->done);
	}
	return 0;
}

static void test_mthread_case(int workers, int loops, int fence)
{
	struct task_struct *corrupting;
	int w;

	pr_info("mthread: %d workers, %d loops, fence %d\n", workers, loops, fence);
	mthread_loops = loops;
	mthread_fence = fence;
	corrupting = kthread_run(test_mthread_corrupting, NULL, "corrupting");
	for (w = 0; w < workers; w++) {
		init_completion(&workers_done[w]);
		kthread_run(test_mthread_worker, (void *)(long)w, "worker_%d", w);
	}
	for (w = 0; w < workers; w++)
		wait_for_completion(&workers_done[w]);
	kthread_stop(corrupting);
	pr_info("mthread: done\n");
}

static int __init kstackwatch_test_init(void)
{
	pr_info("kstackwatch_test: test%d\n", test);
	switch (test) {
	case 0: test_watch_fire(); break;
	case 1: test_canary_overflow(); break;
	case 2: test_recursive_depth(0); break;
	case 3: test_mthread_case(1, 20, 8); break;
	case 4: test_mthread_case(MAX_WORKERS, 1, 8); break;
	case 5: test_mthread_case(1, 1, -3); break;
	default:
		pr_err("Unknown test number %d\n", test);
		return -EINVAL;
	}
	return 0;
}

static void __exit kstackwatch_test_exit(void)
{
	pr_info("kstackwatch_test: exit\n");
}

module_init(kstackwatch_test_init);
module_exit(kstackwatch_test_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KStackWatch test scenarios");
