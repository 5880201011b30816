// SPDX-License-Identifier: MIT
/*
 * A race narrower than a scheduling quantum: publish_window() publishes a
 * pointer to its stack buffer for a few dozen instructions, then withdraws
 * it; a writer thread on another CPU polls the pointer and, a few
 * instructions after seeing it, writes through it. Only a schedule that
 * lets the writer run while the publisher is inside that window corrupts
 * the publisher's frame — on real SMP hardware, two CPUs running at once.
 *
 * Watch: fn=publish_window var=buf[2]
 * rounds=N sets how many windows the publisher opens (default 4).
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/completion.h>
#include <linux/random.h>

static int rounds = 4;
module_param(rounds, int, 0444);
MODULE_PARM_DESC(rounds, "windows the publisher opens");

static unsigned long *shared;
static int publisher_finished;
static DECLARE_COMPLETION(publisher_done);
static DECLARE_COMPLETION(writer_done);

/* The window: buf is reachable through `shared` between the two stores. */
static noinline unsigned long publish_window(int round)
{
	unsigned long buf[4];
	unsigned long sum = 0;
	int i;

	for (i = 0; i < 4; i++)
		buf[i] = round + i;
	WRITE_ONCE(shared, buf); /* BUG: a stack address escapes */
	for (i = 0; i < 4; i++)
		sum += READ_ONCE(buf[i]);
	WRITE_ONCE(shared, NULL);
	barrier_data(buf);
	return sum;
}

static int publisher(void *data)
{
	unsigned long total = 0;
	int r;

	for (r = 0; r < rounds; r++) {
		total += publish_window(r);
		/* a seeded gap, so the windows fall at different phases */
		ndelay(100 + get_random_u32_below(400));
	}
	WRITE_ONCE(publisher_finished, 1);
	pr_info("narrow_race: publisher done (%lu)\n", total);
	complete(&publisher_done);
	return 0;
}

static noinline void write_through(unsigned long *p)
{
	unsigned long v = 0xbad0;
	int i;

	for (i = 0; i < 3; i++) { /* "a little later" */
		v = v * 3 + i;
		__asm__ __volatile__("" : "+r" (v)); /* keep the loop */
	}
	WRITE_ONCE(p[2], v);
}

static int writer(void *data)
{
	int hits = 0;

	while (!READ_ONCE(publisher_finished)) {
		unsigned long *p = READ_ONCE(shared);

		if (p) {
			write_through(p);
			hits++;
		}
	}
	pr_info("narrow_race: writer saw the pointer %d times\n", hits);
	complete(&writer_done);
	return 0;
}

static int __init narrow_race_init(void)
{
	kthread_run(writer, NULL, "writer");
	kthread_run(publisher, NULL, "publisher");
	wait_for_completion(&publisher_done);
	wait_for_completion(&writer_done);
	return 0;
}

static void __exit narrow_race_exit(void)
{
}

module_init(narrow_race_init);
module_exit(narrow_race_exit);
MODULE_LICENSE("GPL");
