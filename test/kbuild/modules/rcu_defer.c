// SPDX-License-Identifier: GPL-2.0
/*
 * An RCU-protected configuration pointer: a reader thread looks at the
 * current config under rcu_read_lock() while an updater replaces it. The
 * old config is freed with kfree_rcu() - only after every reader that could
 * see it has left its read-side section - so readers always see a valid
 * magic. With bug=1 the updater frees it at once with kfree(), and a reader
 * still holding it reads freed (poisoned) memory.
 */
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/delay.h>
#include <linux/completion.h>

static int bug;
module_param(bug, int, 0444);

#define CONFIG_MAGIC 0xc0ff1cefULL

struct config {
	u64 magic;
	int version;
	struct rcu_head rcu;
};

static struct config __rcu *current_config;
static DECLARE_COMPLETION(reader_done);
static int bad_reads;

static int reader(void *unused)
{
	int i;

	for (i = 0; i < 20; i++) {
		struct config *c;

		rcu_read_lock();
		c = rcu_dereference(current_config);
		udelay(300);
		if (READ_ONCE(c->magic) != CONFIG_MAGIC) {
			pr_err("rcu_defer: read freed config (magic %llx)\n", c->magic);
			bad_reads++;
		}
		rcu_read_unlock();
		msleep(1);
	}
	complete(&reader_done);
	return 0;
}

static int __init rcu_defer_init(void)
{
	struct config *c = kzalloc(sizeof(*c), GFP_KERNEL);
	int v;

	c->magic = CONFIG_MAGIC;
	rcu_assign_pointer(current_config, c);
	kthread_run(reader, NULL, "cfg_reader");
	for (v = 1; v <= 10; v++) {
		struct config *n = kzalloc(sizeof(*n), GFP_KERNEL), *old;

		n->magic = CONFIG_MAGIC;
		n->version = v;
		old = rcu_replace_pointer(current_config, n, true);
		if (bug)
			kfree(old);
		else
			kfree_rcu(old, rcu);
		msleep(2);
	}
	wait_for_completion(&reader_done);
	synchronize_rcu();
	pr_info("rcu_defer: %d bad reads\n", bad_reads);
	kfree(rcu_dereference_protected(current_config, true));
	return 0;
}

static void __exit rcu_defer_exit(void)
{
}

module_init(rcu_defer_init);
module_exit(rcu_defer_exit);
MODULE_LICENSE("GPL");
