// Guest module using every SDK header and much of the API
// (test/unit/moduleSdk.test.ts): it must compile without warnings with
// -Wall -Wextra at -O2 and -O0, and import only symbols the SDK lists.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/delay.h>
#include <linux/completion.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/random.h>
#include <linux/prandom.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/smp.h>
#include <linux/ktime.h>
#include <linux/jiffies.h>
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/export.h>
#include <linux/moduleparam.h>
#include <linux/gfp.h>
#include <linux/minmax.h>
#include <linux/limits.h>
#include <linux/stddef.h>
#include <linux/stdarg.h>
#include <linux/stringify.h>
#include <linux/sprintf.h>
#include <linux/panic.h>
#include <linux/preempt.h>
#include <linux/kstackwatch.h>
#include <asm/current.h>
#include <asm/percpu.h>
#include <asm/barrier.h>

static int count = 3;
module_param(count, int, 0644);
MODULE_PARM_DESC(count, "how many workers");
static char *who = "world";
module_param(who, charp, 0444);
static bool flag;
module_param(flag, bool, 0);
static unsigned int mask = 0xff;
module_param(mask, hexint, 0600);
static unsigned long long big = ULLONG_MAX;
module_param_named(big_value, big, ullong, 0444);

struct item {
	struct list_head node;
	int v;
};

static LIST_HEAD(items);
static DEFINE_SPINLOCK(lock);
static DEFINE_MUTEX(mtx);
static DECLARE_COMPLETION(done);
static atomic_t counter = ATOMIC_INIT(0);
static atomic64_t total = ATOMIC64_INIT(0);
static atomic_long_t hits = ATOMIC_LONG_INIT(0);
static int published;

static __printf(1, 2) void log_both(const char *fmt, ...)
{
	char buf[64];
	va_list args;

	va_start(args, fmt);
	vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	pr_info("%s\n", buf);
}

static int worker(void *data)
{
	struct completion *started = data;
	char buf[TASK_COMM_LEN + 16];
	struct item *it = kzalloc(sizeof(*it), GFP_KERNEL);
	unsigned long flags;
	ktime_t t0 = ktime_get();
	unsigned long deadline = jiffies + msecs_to_jiffies(20);
	int cpu;

	complete(started);
	if (!it)
		return -ENOMEM;
	it->v = (int)get_random_u32_below(100) + get_random_u32_inclusive(1, 3);
	spin_lock_irqsave(&lock, flags);
	list_add_tail(&it->node, &items);
	spin_unlock_irqrestore(&lock, flags);
	if (spin_trylock(&lock))
		spin_unlock(&lock);
	mutex_lock(&mtx);
	atomic_inc(&counter);
	atomic64_add(it->v, &total);
	mutex_unlock(&mtx);
	if (mutex_trylock(&mtx))
		mutex_unlock(&mtx);
	atomic_long_inc(&hits);
	snprintf(buf, sizeof(buf), "%s-%d", current->comm, current->pid);
	cpu = get_cpu();
	put_cpu();
	pr_info("%s on cpu %d of %u at %llu %lu\n", buf, cpu, num_online_cpus(), ktime_get_ns(), jiffies);
	msleep(10);
	usleep_range(10, 20);
	udelay(3);
	ndelay(5);
	mdelay(1);
	if (time_after(jiffies, deadline))
		pr_warn("late by %lld ms\n", (long long)ktime_ms_delta(ktime_get(), t0));
	if (atomic_dec_and_test(&counter))
		complete_all(&done);
	WARN_ON(it->v > 1000);
	WARN_ON_ONCE(it->v < 0);
	WARN(it->v == 500, "odd value %d\n", it->v);
	BUG_ON(it->v < 0 && count > 5);
	smp_store_release(&published, 1);
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		schedule_timeout(msecs_to_jiffies(5));
		cond_resched();
	}
	return 0;
}

static int __init all_init(void)
{
	DECLARE_COMPLETION_ONSTACK(started);
	struct task_struct *t;
	struct item *pos, *n;
	int *arr = kcalloc(4, sizeof(int), GFP_KERNEL);
	char name[16];
	int old = 0;

	t = kthread_run(worker, &started, "worker_%d", 0);
	if (IS_ERR(t)) {
		kfree(arr);
		return PTR_ERR(t);
	}
	wait_for_completion(&started);
	if (!wait_for_completion_timeout(&done, msecs_to_jiffies(1000)))
		pr_err_once("timed out\n");
	kthread_stop(t);
	list_for_each_entry_safe(pos, n, &items, node) {
		list_del(&pos->node);
		kfree(pos);
	}
	ksw_watch_show();
	ksw_watch_fire();
	if (count > 100)
		panic("too many %d", count);
	dump_stack();
	pr_debug("hidden unless DEBUG\n");
	strscpy(name, who, sizeof(name));
	log_both("%s %d %zu %x %llx", name, smp_load_acquire(&published), ARRAY_SIZE(name), mask, big);
	(void)cmpxchg(&old, 0, 1);
	(void)xchg(&old, 2);
	kfree(arr);
	return min(count, 4) + atomic_cmpxchg(&counter, 0, 1) + (int)strlen(who) + flag +
	       (int)atomic64_read(&total) * 0 + (int)(atomic_long_read(&hits) & 0) +
	       (memcmp(name, who, 1) != 0);
}

static void __exit all_exit(void)
{
	pr_info("bye from %s\n", __stringify(KBUILD_MODNAME));
}

module_init(all_init);
module_exit(all_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("KStackWatch Studio tests");
MODULE_DESCRIPTION("every header of the guest SDK");
