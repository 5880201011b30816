// SPDX-License-Identifier: MIT
/*
 * Time-travel benchmark guest (bench/timeTravel.ts): test/adapter/guests/
 * escaped.c with a long stretch of work before the corruption, so a
 * reverse step has a long history to replay. The writer spins `loops`
 * iterations (about 4 instructions each) before writing through the stale
 * pointer; the victim's frame stays live until the writer is done.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/completion.h>

static unsigned long loops = 1000;
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
	escaped = &scratch[3];
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
	wait_for_completion(&written);
	sink += slots[3];
}

static int victim_thread(void *data)
{
	leak_frame();
	victim();
	return 0;
}

static int writer_thread(void *data)
{
	unsigned long i;

	msleep(1);
	for (i = 0; i < loops; i++)
		sink += i;
	*escaped = 0xbad0bad;
	complete(&written);
	return 0;
}

static int __init long_init(void)
{
	kthread_run(victim_thread, NULL, "victim");
	kthread_run(writer_thread, NULL, "writer");
	return 0;
}

static void __exit long_exit(void)
{
}

module_init(long_init);
module_exit(long_exit);
MODULE_LICENSE("GPL");
