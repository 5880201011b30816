// SPDX-License-Identifier: GPL-2.0
/*
 * Work item CPU affinity: queue_work_on(cpu, ...) runs the item on that
 * CPU's kworker (kworker/<cpu>:0, kworker/<cpu>:0H for a WQ_HIGHPRI
 * workqueue), on that CPU; schedule_work() queues on the local CPU, here a
 * kthread bound to the last CPU with kthread_bind().
 */
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/workqueue.h>
#include <linux/completion.h>
#include <linux/smp.h>
#include <linux/sched.h>

#define MAX_WORKS 8

struct probe {
	struct work_struct work;
	int ran_on;
	char comm[TASK_COMM_LEN];
};

static struct probe probes[MAX_WORKS], hi_probe, local_probe;
static DECLARE_COMPLETION(local_done);
static int local_cpu;

static void probe_fn(struct work_struct *w)
{
	struct probe *p = container_of(w, struct probe, work);

	p->ran_on = raw_smp_processor_id();
	get_task_comm(p->comm, current);
}

static int local_thread(void *unused)
{
	local_cpu = raw_smp_processor_id();
	schedule_work(&local_probe.work);
	flush_work(&local_probe.work);
	complete(&local_done);
	return 0;
}

static int __init wq_cpu_init(void)
{
	struct workqueue_struct *hi = alloc_workqueue("wq_cpu_hi", WQ_HIGHPRI, 0);
	struct task_struct *t;
	int cpu, n = min_t(int, num_online_cpus(), MAX_WORKS);

	for (cpu = 0; cpu < n; cpu++) {
		INIT_WORK(&probes[cpu].work, probe_fn);
		queue_work_on(cpu, system_wq, &probes[cpu].work);
	}
	for (cpu = 0; cpu < n; cpu++) {
		flush_work(&probes[cpu].work);
		pr_info("wq_cpu: queued on %d ran on %d as %s\n", cpu, probes[cpu].ran_on, probes[cpu].comm);
	}

	INIT_WORK(&hi_probe.work, probe_fn);
	queue_work_on(n - 1, hi, &hi_probe.work);
	flush_work(&hi_probe.work);
	pr_info("wq_cpu: highpri queued on %d ran on %d as %s\n", n - 1, hi_probe.ran_on, hi_probe.comm);
	destroy_workqueue(hi);

	INIT_WORK(&local_probe.work, probe_fn);
	t = kthread_create(local_thread, NULL, "wq_cpu_local");
	if (IS_ERR(t))
		return PTR_ERR(t);
	kthread_bind(t, n - 1);
	wake_up_process(t);
	wait_for_completion(&local_done);
	pr_info("wq_cpu: schedule_work from cpu %d ran on %d as %s\n", local_cpu, local_probe.ran_on, local_probe.comm);
	return 0;
}

static void __exit wq_cpu_exit(void)
{
}

module_init(wq_cpu_init);
module_exit(wq_cpu_exit);
MODULE_LICENSE("GPL");
