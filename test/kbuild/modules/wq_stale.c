// SPDX-License-Identifier: GPL-2.0
/*
 * A work item that outlives the stack frame it was given: submit_request()
 * puts a request on its stack, hands a pointer to it to a delayed work item
 * and - with bug=1 - returns without waiting for the work. The kthread then
 * calls process_batch(), whose frame reuses that stack, and the work item
 * writes the result through the stale pointer into the live batch array.
 * bug=0 waits (flush_delayed_work) before returning: nothing is corrupted.
 */
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/workqueue.h>
#include <linux/delay.h>
#include <linux/completion.h>

static int bug = 1;
module_param(bug, int, 0444);
MODULE_PARM_DESC(bug, "1: return before the work has run");

struct request {
	u64 id;
	u64 result[6];
};

struct req_work {
	struct delayed_work dwork;
	struct request *req;
};

static struct req_work rw;
static DECLARE_COMPLETION(worker_done);

static void complete_request(struct work_struct *work)
{
	struct req_work *w = container_of(to_delayed_work(work), struct req_work, dwork);
	int i;

	for (i = 0; i < 6; i++)
		WRITE_ONCE(w->req->result[i], 0xfeed0000 + i);
}

static noinline void submit_request(u64 id)
{
	struct request req = { .id = id };

	rw.req = &req;
	queue_delayed_work(system_wq, &rw.dwork, msecs_to_jiffies(20));
	if (!bug)
		flush_delayed_work(&rw.dwork);
	barrier_data(&req);
}

static noinline u64 process_batch(void)
{
	u64 batch[16];
	u64 sum = 0;
	int i;

	for (i = 0; i < 16; i++)
		batch[i] = i;
	barrier_data(batch);
	msleep(50);
	for (i = 0; i < 16; i++) {
		if (READ_ONCE(batch[i]) != i)
			pr_err("wq_stale: batch[%d] corrupted: %llx\n", i, batch[i]);
		sum += batch[i];
	}
	return sum;
}

static int submitter(void *unused)
{
	submit_request(1);
	pr_info("wq_stale: batch sum %llu\n", process_batch());
	cancel_delayed_work_sync(&rw.dwork);
	complete(&worker_done);
	return 0;
}

static int __init wq_stale_init(void)
{
	INIT_DELAYED_WORK(&rw.dwork, complete_request);
	kthread_run(submitter, NULL, "submitter");
	wait_for_completion(&worker_done);
	return 0;
}

static void __exit wq_stale_exit(void)
{
	pr_info("wq_stale: exit\n");
}

module_init(wq_stale_init);
module_exit(wq_stale_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("work item writing through a stale stack pointer");
