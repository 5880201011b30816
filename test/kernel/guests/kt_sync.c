// Completions and sleeps on simulated time (test/kernel/sync.test.ts).
//
// Every measurement is printed as "name key=value ..." so the test can
// check it against what it asked for, and against the log timestamps.
#define pr_fmt(fmt) "kt_sync: " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/delay.h>
#include <linux/completion.h>
#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/jiffies.h>

MODULE_LICENSE("GPL");

/* msleep() length for the timing checks, in ms. */
static int sleep_ms = 10;
module_param(sleep_ms, int, 0444);

static DECLARE_COMPLETION(c_one);
static DECLARE_COMPLETION(c_one_ack);
static DECLARE_COMPLETION(c_all);
static DECLARE_COMPLETION(c_all_ack);
static DECLARE_COMPLETION(c_never);
static DECLARE_COMPLETION(c_late);
static DECLARE_COMPLETION(c_count);
static DECLARE_COMPLETION(c_sleepers);
static atomic_t released = ATOMIC_INIT(0);
static atomic_t sleepers_done = ATOMIC_INIT(0);

#define ALL_WAITERS 3
#define SLEEPERS 4

static int one_waiter(void *data)
{
	u64 t0 = ktime_get_ns();

	wait_for_completion(&c_one);
	pr_info("one_waiter woke waited_ns=%llu\n", ktime_get_ns() - t0);
	complete(&c_one_ack);
	return 0;
}

static int all_waiter(void *data)
{
	wait_for_completion(&c_all);
	pr_info("all_waiter %ld released\n", (long)data);
	if (atomic_inc_return(&released) == ALL_WAITERS)
		complete(&c_all_ack);
	return 0;
}

static int late_completer(void *data)
{
	msleep(2);
	pr_info("late_completer completes\n");
	complete(&c_late);
	return 0;
}

static int sleeper(void *data)
{
	msleep(20);
	if (atomic_inc_return(&sleepers_done) == SLEEPERS)
		complete(&c_sleepers);
	return 0;
}

static void timing(void)
{
	u64 t0, t1;
	unsigned long j0, j1;

	pr_info("jiffies_start=%lu\n", jiffies);

	pr_info("before msleep(%d)\n", sleep_ms);
	t0 = ktime_get_ns();
	j0 = jiffies;
	msleep(sleep_ms);
	t1 = ktime_get_ns();
	j1 = jiffies;
	pr_info("after msleep(%d) elapsed_ns=%llu jiffies=%lu\n", sleep_ms, t1 - t0, j1 - j0);

	pr_info("before usleep_range(300, 500)\n");
	t0 = ktime_get_ns();
	usleep_range(300, 500);
	t1 = ktime_get_ns();
	pr_info("after usleep_range(300, 500) elapsed_ns=%llu\n", t1 - t0);

	t0 = ktime_get_ns();
	udelay(40);
	t1 = ktime_get_ns();
	pr_info("udelay(40) elapsed_ns=%llu\n", t1 - t0);

	t0 = ktime_get_ns();
	ndelay(700);
	t1 = ktime_get_ns();
	pr_info("ndelay(700) elapsed_ns=%llu\n", t1 - t0);

	t0 = ktime_get_ns();
	mdelay(2);
	t1 = ktime_get_ns();
	pr_info("mdelay(2) elapsed_ns=%llu\n", t1 - t0);

	t0 = ktime_get();
	t1 = ktime_get();
	pr_info("ktime monotonic=%d\n", t1 >= t0);
	/* The log's clock is ktime's clock. */
	pr_info("now ktime_ns=%llu\n", ktime_get_ns());
}

static int __init kt_sync_init(void)
{
	unsigned long left;
	u64 t0, t1;
	int i, a, b, c;

	/* complete(): one waiter, released only when completed. */
	kthread_run(one_waiter, NULL, "kt_one_waiter");
	msleep(3);
	pr_info("completing c_one\n");
	complete(&c_one);
	wait_for_completion(&c_one_ack);

	/* complete_all(): every waiter, and every later wait, goes through. */
	for (i = 0; i < ALL_WAITERS; i++)
		kthread_run(all_waiter, (void *)(long)i, "kt_all_waiter/%d", i);
	msleep(2);
	pr_info("released before complete_all=%d\n", atomic_read(&released));
	complete_all(&c_all);
	wait_for_completion(&c_all_ack);
	t0 = ktime_get_ns();
	wait_for_completion(&c_all);
	wait_for_completion(&c_all);
	t1 = ktime_get_ns();
	pr_info("complete_all released=%d done=%d rewait_ns=%llu\n", atomic_read(&released), completion_done(&c_all), t1 - t0);

	/* A timeout that expires. */
	t0 = ktime_get_ns();
	left = wait_for_completion_timeout(&c_never, msecs_to_jiffies(5));
	t1 = ktime_get_ns();
	pr_info("timeout expired left=%lu elapsed_ns=%llu done=%d\n", left, t1 - t0, completion_done(&c_never));

	/* A timed wait that is completed in time. */
	t0 = ktime_get_ns();
	kthread_run(late_completer, NULL, "kt_late");
	left = wait_for_completion_timeout(&c_late, msecs_to_jiffies(50));
	t1 = ktime_get_ns();
	pr_info("timeout completed left=%lu elapsed_ns=%llu\n", left, t1 - t0);

	/* complete() counts: two completes let two waits through, not a third. */
	complete(&c_count);
	complete(&c_count);
	a = completion_done(&c_count);
	wait_for_completion(&c_count);
	b = try_wait_for_completion(&c_count);
	c = try_wait_for_completion(&c_count);
	pr_info("count done=%d try1=%d try2=%d done_after=%d\n", a, b, c, completion_done(&c_count));
	reinit_completion(&c_all);
	pr_info("reinit done=%d\n", completion_done(&c_all));

	timing();

	/* Sleepers sleep side by side: 4 x msleep(20) take 20 ms, not 80. */
	t0 = ktime_get_ns();
	for (i = 0; i < SLEEPERS; i++)
		kthread_run(sleeper, NULL, "kt_sleeper/%d", i);
	wait_for_completion(&c_sleepers);
	t1 = ktime_get_ns();
	pr_info("parallel sleepers elapsed_ns=%llu\n", t1 - t0);
	return 0;
}

static void __exit kt_sync_exit(void)
{
	pr_info("exit\n");
}

module_init(kt_sync_init);
module_exit(kt_sync_exit);
