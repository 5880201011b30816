// SPDX-License-Identifier: GPL-2.0
/*
 * HZ is a compile-time constant: msecs_to_jiffies(100) is folded into the
 * code as 100 * HZ / 1000 jiffies of the kernel the module is built for.
 * Sleeps 100 ms through schedule_timeout() and arms a timer HZ / 10 jiffies
 * ahead, and reports how many jiffies and how much ktime passed for each.
 */
#include <linux/module.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/timer.h>
#include <linux/completion.h>

static struct timer_list tick_timer;
static DECLARE_COMPLETION(fired);
static ktime_t armed_at;
static s64 timer_ns;

static void tick_fire(struct timer_list *t)
{
	timer_ns = ktime_to_ns(ktime_sub(ktime_get(), armed_at));
	complete(&fired);
}

static int __init hz_sleep_init(void)
{
	unsigned long j0 = jiffies;
	ktime_t t0 = ktime_get();
	long left;

	pr_info("hz_sleep: HZ=%d since boot %ld jiffies\n", HZ, (long)(j0 - INITIAL_JIFFIES));
	left = schedule_timeout_uninterruptible(msecs_to_jiffies(100));
	pr_info("hz_sleep: slept %lu jiffies (%u ms) %lld us left %ld\n", jiffies - j0,
		jiffies_to_msecs(jiffies - j0), ktime_us_delta(ktime_get(), t0), left);

	timer_setup(&tick_timer, tick_fire, 0);
	armed_at = ktime_get();
	mod_timer(&tick_timer, jiffies + HZ / 10);
	wait_for_completion(&fired);
	pr_info("hz_sleep: timer after %lld us\n", timer_ns / 1000);
	return 0;
}

static void __exit hz_sleep_exit(void)
{
	del_timer_sync(&tick_timer);
}

module_init(hz_sleep_init);
module_exit(hz_sleep_exit);
MODULE_LICENSE("GPL");
