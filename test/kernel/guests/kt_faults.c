// Things that go wrong (test/kernel/faults.test.ts), one per `mode`:
//   0  a NULL dereference in one thread while two others finish their work
//   1  ABBA deadlock: two threads take two mutexes in opposite order
//   2  a completion nobody completes: module_init and a thread wait forever
//   3  a stack buffer overflow in a thread: the stack protector panics
//   4  an endless loop (for the instruction budget)
//   5  BUG_ON in one thread while another finishes
//   6  panic() with a formatted message
//   7  a division by zero in one thread
//   8  a thread blocked forever while another keeps sleeping and waking for
//      more than two minutes of simulated time (hung task)
//   9  a thread prints half a line (no newline), then waits forever
#define pr_fmt(fmt) "kt_faults: " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/delay.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/bug.h>
#include <linux/panic.h>

MODULE_LICENSE("GPL");

static int mode;
module_param(mode, int, 0444);
/* Bytes written into a 16-byte stack buffer in mode 3. */
static int overflow = 64;
module_param(overflow, int, 0444);
/* Lines each "good" thread prints. */
static int good_lines = 8;
module_param(good_lines, int, 0444);

struct record {
	long key;
	long value;
};

static DEFINE_MUTEX(lock_a);
static DEFINE_MUTEX(lock_b);
static DECLARE_COMPLETION(nobody_completes);
static struct record *volatile no_record;
static volatile int zero;

static int good_fn(void *data)
{
	long id = (long)data;
	int i;

	for (i = 0; i < good_lines; i++) {
		pr_info("good %ld line %d\n", id, i);
		msleep(1);
	}
	pr_info("good %ld finished\n", id);
	return 0;
}

static noinline __attribute__((noipa)) void store_value(struct record *r, long v)
{
	r->value = v; /* NULL dereference */
}

static int crasher_fn(void *data)
{
	msleep(2);
	pr_info("crasher pid=%d about to dereference NULL\n", current->pid);
	store_value(no_record, 42);
	pr_err("crasher survived\n");
	return 0;
}

static int ab_fn(void *data)
{
	mutex_lock(&lock_a);
	msleep(1);
	mutex_lock(&lock_b); /* ab waits here */
	pr_err("ab got both\n");
	mutex_unlock(&lock_b);
	mutex_unlock(&lock_a);
	return 0;
}

static int ba_fn(void *data)
{
	mutex_lock(&lock_b);
	msleep(1);
	mutex_lock(&lock_a); /* ba waits here */
	pr_err("ba got both\n");
	mutex_unlock(&lock_a);
	mutex_unlock(&lock_b);
	return 0;
}

static int forever_waiter_fn(void *data)
{
	wait_for_completion(&nobody_completes); /* waiter blocks here */
	return 0;
}

static noinline __attribute__((noipa)) void smash_stack(int len)
{
	char buf[16];

	memset(buf, 'A', len);
	pr_info("smash_stack wrote %d bytes, first %c\n", len, buf[0]);
}

static int smasher_fn(void *data)
{
	msleep(1);
	smash_stack(overflow);
	pr_info("smasher survived\n");
	return 0;
}

static noinline __attribute__((noipa)) void spin_forever(void)
{
	for (;;)
		cpu_relax();
}

static int bug_fn(void *data)
{
	msleep(2);
	pr_info("bug thread checks its invariant\n");
	BUG_ON(good_lines > 0); /* BUG_ON fires */
	pr_err("BUG_ON returned\n");
	return 0;
}

static noinline __attribute__((noipa)) int divide(int a, int b)
{
	return a / b; /* divide error */
}

static int divider_fn(void *data)
{
	msleep(1);
	pr_info("divider result %d\n", divide(100, zero));
	return 0;
}

static int partial_fn(void *data)
{
	pr_info("partial line, then waiting");
	wait_for_completion(&nobody_completes);
	return 0;
}

static int ticker_fn(void *data)
{
	int i;

	for (i = 0; i < 15; i++)
		msleep(10000);
	pr_info("ticker finished\n");
	return 0;
}

static int __init kt_faults_init(void)
{
	pr_info("mode %d\n", mode);
	switch (mode) {
	case 0:
		kthread_run(good_fn, (void *)1L, "kt_good/1");
		kthread_run(crasher_fn, NULL, "kt_crasher");
		kthread_run(good_fn, (void *)2L, "kt_good/2");
		break;
	case 1:
		kthread_run(ab_fn, NULL, "kt_ab");
		kthread_run(ba_fn, NULL, "kt_ba");
		break;
	case 2:
		kthread_run(forever_waiter_fn, NULL, "kt_waiter");
		msleep(1);
		wait_for_completion(&nobody_completes); /* init blocks here */
		break;
	case 3:
		kthread_run(good_fn, (void *)1L, "kt_good/1");
		kthread_run(smasher_fn, NULL, "kt_smasher");
		break;
	case 4:
		spin_forever();
		break;
	case 5:
		kthread_run(good_fn, (void *)1L, "kt_good/1");
		kthread_run(bug_fn, NULL, "kt_bug");
		break;
	case 6:
		msleep(1);
		panic("kt_faults gives up: code %d", 42);
		break;
	case 7:
		kthread_run(good_fn, (void *)1L, "kt_good/1");
		kthread_run(divider_fn, NULL, "kt_divider");
		break;
	case 8:
		kthread_run(forever_waiter_fn, NULL, "kt_waiter");
		kthread_run(ticker_fn, NULL, "kt_ticker");
		break;
	case 9:
		kthread_run(partial_fn, NULL, "kt_partial");
		break;
	default:
		return -EINVAL;
	}
	pr_info("init returns\n");
	return 0;
}

static void __exit kt_faults_exit(void)
{
	pr_info("exit\n");
}

module_init(kt_faults_init);
module_exit(kt_faults_exit);
