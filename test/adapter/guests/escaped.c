// SPDX-License-Identifier: MIT
/*
 * Guest module for the time-travel tests (test/adapter/timeTravel.test.ts):
 * a pointer to a local array escapes. The "victim" thread's leak_frame()
 * publishes &scratch[3] in the global `escaped` and returns; the same
 * thread then calls victim(), whose frame takes the same stack (the two
 * functions have the same frame layout), so slots[3] is where scratch[3]
 * was. Meanwhile the "writer" thread works (`loops` iterations of about 6
 * instructions: the time-travel benchmark's long history, bench/timeTravel.ts),
 * sleeps, then writes through the stale pointer — into victim's live frame,
 * which waits until the write is done.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/completion.h>

static unsigned long loops;
module_param(loops, ulong, 0644);

static unsigned long *volatile escaped;
static volatile unsigned long sink;
static DECLARE_COMPLETION(written);

static noinline void leak_frame(void)
{
	unsigned long scratch[8];
	int i;

	for (i = 0; i < 8; i++)
		scratch[i] = 0x5c000 + i;
	escaped = &scratch[3]; /* LEAK: the pointer outlives the frame */
	barrier_data(scratch);
	sink += scratch[2];
}

static noinline void victim(void)
{
	unsigned long slots[8];
	int i;

	for (i = 0; i < 8; i++)
		slots[i] = 0x51000 + i;
	barrier_data(slots);
	wait_for_completion(&written); /* ARMED: the writer runs while this frame is live */
	sink += slots[3];
	pr_info("victim: slots[3]=0x%lx\n", slots[3]);
}

static int victim_thread(void *data)
{
	leak_frame();
	victim();
	return 0;
}

static int writer_thread(void *data)
{
	unsigned long *p;
	unsigned long i;

	for (i = 0; i < loops; i++)
		sink += i;
	msleep(10);
	p = escaped;
	*p = 0xbad0bad; /* CORRUPT: a write through the stale pointer */
	pr_info("writer: wrote through %px\n", p);
	complete(&written);
	return 0;
}

static int __init escaped_init(void)
{
	kthread_run(victim_thread, NULL, "victim");
	kthread_run(writer_thread, NULL, "writer");
	return 0;
}

static void __exit escaped_exit(void)
{
	pr_info("escaped: bye\n");
}

module_init(escaped_init);
module_exit(escaped_exit);
MODULE_LICENSE("GPL");
