// Kernel API, several tasks on several CPUs (test/unit/kernel-api.test.ts):
// kthread_run/kthread_create/kthread_stop/kthread_should_stop, schedule()
// with set_current_state, completions (with and without timeouts),
// mutexes and spinlocks under contention, sleeps and busy-waits.
#define pr_fmt(fmt) "threads: " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/delay.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/string.h>

MODULE_LICENSE("GPL");

#define NWORKERS 4
#define ITERS 300

static int iters = ITERS;
module_param(iters, int, 0444);

static DEFINE_MUTEX(mtx);
static DEFINE_SPINLOCK(lock);
static DECLARE_COMPLETION(all_done);
static DECLARE_COMPLETION(never);
static DECLARE_COMPLETION(early);
static DECLARE_COMPLETION(gate);
static atomic_t finished = ATOMIC_INIT(0);
static atomic_t passed_gate = ATOMIC_INIT(0);
static int counter_mutex, counter_spin, max_inside;
static int inside;
static int waiter_loops;
static int cpus_seen;

static void with_mutex(void)
{
	int tmp;

	mutex_lock(&mtx);
	tmp = READ_ONCE(counter_mutex);
	ndelay(300);
	WRITE_ONCE(counter_mutex, tmp + 1);
	mutex_unlock(&mtx);
}

static void with_spinlock(void)
{
	int tmp;

	spin_lock(&lock);
	inside++;
	if (inside > max_inside)
		max_inside = inside;
	tmp = READ_ONCE(counter_spin);
	ndelay(300);
	WRITE_ONCE(counter_spin, tmp + 1);
	inside--;
	spin_unlock(&lock);
}

static int worker(void *arg)
{
	long id = (long)arg;
	int i;

	wait_for_completion(&gate);
	atomic_inc(&passed_gate);
	for (i = 0; i < iters; i++) {
		/* Half the workers take the locks in the other order: both get contended. */
		if (id & 1) {
			with_spinlock();
			with_mutex();
		} else {
			with_mutex();
			with_spinlock();
		}
		__atomic_fetch_or(&cpus_seen, 1 << smp_processor_id(), __ATOMIC_SEQ_CST);
		if (i % 100 == 50)
			msleep(1);
		cond_resched();
	}
	if (atomic_inc_return(&finished) == NWORKERS)
		complete(&all_done);
	return 100 + id;
}

static int waiter(void *arg)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
		waiter_loops++;
	}
	return 77;
}

static int never_runs(void *arg)
{
	pr_err("never_runs ran\n");
	return 0;
}

static int __init threads_init(void)
{
	struct task_struct *t[NWORKERS], *w, *s;
	unsigned long left;
	u64 t0, t1;
	int i, ret, a, b;
	unsigned long flags;

	for (i = 0; i < NWORKERS; i++) {
		t[i] = kthread_run(worker, (void *)(long)i, "worker_%d", i);
		if (IS_ERR(t[i]))
			return PTR_ERR(t[i]);
	}
	pr_info("names %s %s pid_ok=%d\n", t[0]->comm, t[3]->comm, t[1]->pid != t[2]->pid);
	w = kthread_run(waiter, NULL, "waiter");
	msleep(2);
	pr_info("gate passed before complete_all: %d\n", atomic_read(&passed_gate));
	complete_all(&gate);
	wait_for_completion(&all_done);
	pr_info("counters %d %d expected %d max_inside %d\n", counter_mutex, counter_spin, NWORKERS * iters, max_inside);
	pr_info("several cpus %d\n", __builtin_popcount(cpus_seen) > 1);

	wake_up_process(w);
	ret = kthread_stop(w);
	pr_info("kthread_stop(waiter) = %d loops_ok=%d\n", ret, waiter_loops >= 1);
	for (i = 0; i < NWORKERS; i++)
		pr_info("kthread_stop(worker_%d) = %d\n", i, kthread_stop(t[i]));

	s = kthread_create(never_runs, NULL, "never_%s", "runs");
	pr_info("created %s\n", s->comm);
	pr_info("kthread_stop(unstarted) = %d\n", kthread_stop(s));

	t0 = ktime_get_ns();
	left = wait_for_completion_timeout(&never, msecs_to_jiffies(3));
	t1 = ktime_get_ns();
	pr_info("timeout left=%lu waited_ok=%d done=%d\n", left, t1 - t0 >= 2000000 && t1 - t0 <= 4000000,
		completion_done(&never));
	complete(&early);
	complete(&early);
	a = completion_done(&early);
	b = try_wait_for_completion(&early);
	pr_info("done=%d try=%d\n", a, b);
	left = wait_for_completion_timeout(&early, 100);
	b = try_wait_for_completion(&early);
	pr_info("early left=%lu try=%d\n", left, b);

	a = mutex_trylock(&mtx);
	b = mutex_trylock(&mtx);
	pr_info("mutex trylock %d %d locked=%d\n", a, b, mutex_is_locked(&mtx));
	mutex_unlock(&mtx);
	pr_info("mutex unlocked=%d\n", !mutex_is_locked(&mtx));
	spin_lock_irqsave(&lock, flags);
	a = spin_trylock(&lock);
	pr_info("spin trylock %d locked=%d preempt=%d irqflags=%lx\n", a, spin_is_locked(&lock),
		preempt_count(), flags & 0x200);
	spin_unlock_irqrestore(&lock, flags);
	pr_info("spin unlocked=%d preempt=%d\n", !spin_is_locked(&lock), preempt_count());

	t0 = ktime_get_ns();
	ret = schedule_timeout_interruptible(5);
	t1 = ktime_get_ns();
	pr_info("schedule_timeout ret=%d slept_ok=%d\n", ret, t1 - t0 >= 4000000 && t1 - t0 <= 5000000);
	return 0;
}

module_init(threads_init);
