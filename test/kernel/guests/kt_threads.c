// Kernel threads on several CPUs (test/kernel/threads.test.ts).
//
// - NTHREADS workers meet at a barrier where all of them run at once, each
//   on its own CPU, and record smp_processor_id() there; each prints its own
//   lines (comm, pid, CPU) and returns 100 + its index, which kthread_stop()
//   hands back to module_init.
// - kthread_should_stop()/kthread_stop() on a thread looping until told to
//   stop; kthread_exit() from a nested function; kthread_create() without a
//   wake-up, stopped before it ever ran (-EINTR, the function never runs);
//   kthread_create() + wake_up_process(); a name longer than 15 characters.
// - Detached threads still running when module_init returns: module_exit
//   runs only after every one of them has finished.
#define pr_fmt(fmt) "kt_threads: " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/delay.h>
#include <linux/completion.h>
#include <linux/atomic.h>
#include <linux/smp.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/string.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kernel threads on several CPUs");

static int nthreads = 4;
module_param(nthreads, int, 0444);
static int detached = 3;
module_param(detached, int, 0444);

#define MAX_THREADS 16

static struct task_struct *workers[MAX_THREADS];
static int barrier_cpu[MAX_THREADS];
static atomic_t arrived = ATOMIC_INIT(0);
static atomic_t recorded = ATOMIC_INIT(0);
static atomic_t workers_done = ATOMIC_INIT(0);
static DECLARE_COMPLETION(all_workers_done);
static atomic_t looper_loops = ATOMIC_INIT(0);
static atomic_t detached_done = ATOMIC_INIT(0);
static int never_ran;

/* Spin (keeping the CPU) until `count` reaches `n`. */
static void spin_until(atomic_t *count, int n)
{
	while (atomic_read(count) < n)
		cpu_relax();
}

static int worker_fn(void *data)
{
	long id = (long)data;
	int i;

	pr_info("worker %ld start pid=%d comm=%s cpu=%d\n", id, current->pid, current->comm, smp_processor_id());
	atomic_inc(&arrived);
	spin_until(&arrived, nthreads);
	/* Every worker is running now: each is on a CPU of its own. */
	barrier_cpu[id] = smp_processor_id();
	atomic_inc(&recorded);
	spin_until(&recorded, nthreads);
	pr_info("worker %ld barrier cpu=%d task_cpu=%u\n", id, barrier_cpu[id], task_cpu(current));
	for (i = 0; i < 3; i++) {
		udelay(20);
		pr_info("worker %ld step %d cpu=%d\n", id, i, smp_processor_id());
		msleep(1);
	}
	if (atomic_inc_return(&workers_done) == nthreads)
		complete(&all_workers_done);
	return 100 + id;
}

static int looper_fn(void *data)
{
	while (!kthread_should_stop()) {
		atomic_inc(&looper_loops);
		msleep(1);
	}
	pr_info("looper saw kthread_should_stop after %d loops\n", atomic_read(&looper_loops));
	return 77;
}

static noinline __attribute__((noipa)) void exit_from_nested(int code)
{
	pr_info("exiter leaving with kthread_exit(%d)\n", code);
	kthread_exit(code);
}

static int exiter_fn(void *data)
{
	exit_from_nested(-42);
	pr_err("exiter: kthread_exit returned\n");
	return 0;
}

static int never_fn(void *data)
{
	never_ran = 1;
	pr_err("never_fn ran\n");
	return 5;
}

static int woken_fn(void *data)
{
	pr_info("woken thread runs as %s\n", current->comm);
	return 9;
}

static int detached_fn(void *data)
{
	long id = (long)data;

	msleep(2 + 3 * id);
	pr_info("detached %ld done\n", id);
	atomic_inc(&detached_done);
	return 0;
}

static int __init kt_threads_init(void)
{
	struct task_struct *looper, *exiter, *never, *woken, *longname;
	int i, ret;

	if (nthreads < 1 || nthreads > MAX_THREADS)
		return -EINVAL;
	pr_info("init pid=%d comm=%s cpus=%u\n", current->pid, current->comm, num_online_cpus());
	for (i = 0; i < nthreads; i++) {
		workers[i] = kthread_run(worker_fn, (void *)(long)i, "kt_worker/%d", i);
		if (IS_ERR(workers[i]))
			return PTR_ERR(workers[i]);
	}
	wait_for_completion(&all_workers_done);
	for (i = 0; i < nthreads; i++)
		pr_info("kthread_stop(worker %d) = %d\n", i, kthread_stop(workers[i]));

	looper = kthread_run(looper_fn, NULL, "kt_looper");
	msleep(5);
	ret = kthread_stop(looper);
	pr_info("kthread_stop(looper) = %d loops_ok=%d\n", ret, atomic_read(&looper_loops) >= 2);

	exiter = kthread_run(exiter_fn, NULL, "kt_exiter");
	pr_info("kthread_stop(exiter) = %d\n", kthread_stop(exiter));

	never = kthread_create(never_fn, NULL, "kt_never");
	pr_info("created %s state=%u\n", never->comm, never->__state);
	ret = kthread_stop(never);
	pr_info("kthread_stop(never woken) = %d never_ran=%d\n", ret, never_ran);

	woken = kthread_create(woken_fn, NULL, "kt_woken");
	pr_info("wake_up_process = %d\n", wake_up_process(woken));
	pr_info("kthread_stop(woken) = %d\n", kthread_stop(woken));

	longname = kthread_create(woken_fn, NULL, "kt_a_very_long_thread_name_%d", 12345);
	pr_info("long name '%s' len=%d\n", longname->comm, (int)strlen(longname->comm));
	wake_up_process(longname);
	kthread_stop(longname);

	for (i = 0; i < detached; i++)
		kthread_run(detached_fn, (void *)(long)i, "kt_detached/%d", i);
	pr_info("init returns with %d detached threads running\n", detached);
	return 0;
}

static void __exit kt_threads_exit(void)
{
	pr_info("exit detached_done=%d comm=%s\n", atomic_read(&detached_done), current->comm);
}

module_init(kt_threads_init);
module_exit(kt_threads_exit);
