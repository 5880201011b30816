// CPU hotplug while threads run (test/kernel/hotplug.test.ts): the test
// takes a CPU offline and back online (ksw run --hotplug) while NTHREADS
// threads alternate busy work and short sleeps, printing the CPU they are on
// and how many CPUs are online. Every thread must finish all its rounds.
#define pr_fmt(fmt) "kt_hotplug: " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/delay.h>
#include <linux/completion.h>
#include <linux/atomic.h>
#include <linux/smp.h>
#include <linux/ktime.h>

MODULE_LICENSE("GPL");

static int nthreads = 4;
module_param(nthreads, int, 0444);
static int rounds = 30;
module_param(rounds, int, 0444);
/* Busy work per round, in udelay(40)s (each keeps the CPU). */
static int busy = 2;
module_param(busy, int, 0444);

static DECLARE_COMPLETION(all_done);
static atomic_t finished = ATOMIC_INIT(0);

static int hp_thread(void *data)
{
	long id = (long)data;
	int i, k;
	unsigned int seen = 0;

	for (i = 0; i < rounds; i++) {
		int cpu = smp_processor_id();

		seen |= 1u << cpu;
		pr_info("t%ld round %d cpu=%d online=%u\n", id, i, cpu, num_online_cpus());
		for (k = 0; k < busy; k++)
			udelay(40);
		msleep(1);
	}
	pr_info("t%ld finished rounds=%d cpus_seen=0x%x\n", id, i, seen);
	if (atomic_inc_return(&finished) == nthreads)
		complete(&all_done);
	return 0;
}

static int __init kt_hotplug_init(void)
{
	int i;

	for (i = 0; i < nthreads; i++)
		kthread_run(hp_thread, (void *)(long)i, "kt_hp/%d", i);
	wait_for_completion(&all_done);
	pr_info("all %d threads finished, online=%u possible=%u\n", nthreads, num_online_cpus(), num_possible_cpus());
	return 0;
}

static void __exit kt_hotplug_exit(void)
{
	pr_info("exit\n");
}

module_init(kt_hotplug_init);
module_exit(kt_hotplug_exit);
