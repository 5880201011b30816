// SPDX-License-Identifier: GPL-2.0
/*
 * Stack-protected frames (char buf[48] makes -fstack-protector-strong put a
 * canary in each) in every context a module's code runs in: a timer
 * callback re-arming itself (ksoftirqd), a work item and a delayed work item
 * that sleep (kworkers), a kthread, and init. Each task has its own canary
 * at %gs:0x28, switched with the task, so none of them may panic.
 */
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>

static struct timer_list t1;
static struct work_struct w1;
static struct delayed_work dw1;
static DECLARE_COMPLETION(done);
static int count;

static noinline void fill(char *b, int n, const char *who)
{
	snprintf(b, n, "%s on %d", who, raw_smp_processor_id());
}

static void timer_fn(struct timer_list *t)
{
	char buf[48];
	fill(buf, sizeof(buf), "timer");
	pr_info("canary_ctx: %s\n", buf);
	if (++count < 5)
		mod_timer(&t1, jiffies + 1);
	else
		complete(&done);
}

static void work_fn(struct work_struct *w)
{
	char buf[48];
	fill(buf, sizeof(buf), "work");
	msleep(3);
	pr_info("canary_ctx: %s\n", buf);
}

static int thr(void *d)
{
	char buf[48];
	int i;
	for (i = 0; i < 5; i++) {
		fill(buf, sizeof(buf), "thread");
		msleep(2);
		pr_info("canary_ctx: %s\n", buf);
	}
	return 0;
}

static int __init canary_ctx_init(void)
{
	char buf[48];
	timer_setup(&t1, timer_fn, 0);
	INIT_WORK(&w1, work_fn);
	INIT_DELAYED_WORK(&dw1, work_fn);
	kthread_run(thr, NULL, "thr");
	mod_timer(&t1, jiffies + 1);
	schedule_work(&w1);
	schedule_delayed_work(&dw1, 2);
	fill(buf, sizeof(buf), "init");
	wait_for_completion(&done);
	flush_work(&w1);
	flush_delayed_work(&dw1);
	msleep(20);
	pr_info("canary_ctx: %s\n", buf);
	return 0;
}
static void __exit canary_ctx_exit(void) { del_timer_sync(&t1); }
module_init(canary_ctx_init);
module_exit(canary_ctx_exit);
MODULE_LICENSE("GPL");
