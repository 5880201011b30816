// SPDX-License-Identifier: MIT
/*
 * Interleaving cost benchmark: `threads` kthreads (default 4, one per CPU)
 * each run `iters` rounds of a small checksum over their own stack buffer,
 * so every CPU is busy and the scheduler's quantum length is what changes
 * the host cost (bench/sched.ts).
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/completion.h>

static int threads = 4;
module_param(threads, int, 0444);
static int iters = 20000;
module_param(iters, int, 0444);

static struct completion done[8];

static noinline unsigned long churn(int seed)
{
	unsigned long buf[16];
	unsigned long sum = 0;
	int i, r;

	for (i = 0; i < 16; i++)
		buf[i] = seed * 31 + i;
	for (r = 0; r < iters; r++)
		for (i = 0; i < 16; i++) {
			sum = sum * 33 + buf[i];
			buf[i] = sum ^ (sum >> 7);
		}
	return sum;
}

static int busy(void *data)
{
	int n = (int)(long)data;

	pr_info("busy[%d]: %lx\n", n, churn(n));
	complete(&done[n]);
	return 0;
}

static int __init busy_init(void)
{
	int n;

	if (threads < 1 || threads > 8)
		return -EINVAL;
	for (n = 0; n < threads; n++) {
		init_completion(&done[n]);
		kthread_run(busy, (void *)(long)n, "busy_%d", n);
	}
	for (n = 0; n < threads; n++)
		wait_for_completion(&done[n]);
	return 0;
}

static void __exit busy_exit(void)
{
}

module_init(busy_init);
module_exit(busy_exit);
MODULE_LICENSE("GPL");
