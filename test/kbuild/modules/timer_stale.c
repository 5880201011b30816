// SPDX-License-Identifier: GPL-2.0
/*
 * A timer callback that outlives the stack frame it points into:
 * arm_watchdog() points a timer at a counter on its stack and - with bug=1 -
 * returns without del_timer_sync(). When the timer fires, the callback
 * increments through the stale pointer, into the frame of the function the
 * thread is now in. bug=0 deletes the timer before returning.
 */
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/timer.h>
#include <linux/jiffies.h>
#include <linux/delay.h>
#include <linux/completion.h>

static int bug = 1;
module_param(bug, int, 0444);

struct watchdog {
	struct timer_list timer;
	u64 *counter;
};

static struct watchdog wd;
static DECLARE_COMPLETION(thread_done);

static void watchdog_fire(struct timer_list *t)
{
	struct watchdog *w = from_timer(w, t, timer);

	WRITE_ONCE(*w->counter, READ_ONCE(*w->counter) + 0x100);
}

static noinline void arm_watchdog(void)
{
	u64 counter[4] = { 0 };

	wd.counter = &counter[1];
	mod_timer(&wd.timer, jiffies + msecs_to_jiffies(5));
	if (!bug)
		del_timer_sync(&wd.timer);
	barrier_data(counter);
}

static noinline void compute(void)
{
	u64 table[16];
	int i;

	for (i = 0; i < 16; i++)
		table[i] = 0x1000 + i;
	barrier_data(table);
	msleep(30);
	for (i = 0; i < 16; i++)
		if (READ_ONCE(table[i]) != 0x1000 + i)
			pr_err("timer_stale: table[%d]=%llx\n", i, table[i]);
}

static int worker(void *unused)
{
	arm_watchdog();
	compute();
	complete(&thread_done);
	return 0;
}

static int __init timer_stale_init(void)
{
	timer_setup(&wd.timer, watchdog_fire, 0);
	kthread_run(worker, NULL, "wd_worker");
	wait_for_completion(&thread_done);
	del_timer_sync(&wd.timer);
	return 0;
}

static void __exit timer_stale_exit(void)
{
}

module_init(timer_stale_init);
module_exit(timer_stale_exit);
MODULE_LICENSE("GPL");
