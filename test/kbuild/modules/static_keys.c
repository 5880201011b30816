// SPDX-License-Identifier: GPL-2.0
/*
 * Static keys (__jump_table): branches follow each key's initial value, then
 * static_branch_enable/disable/inc/dec patch every site of the key; pr_debug
 * (a dynamic-debug static branch, off by default) prints nothing.
 */
#include <linux/module.h>
#include <linux/jump_label.h>
#include <linux/printk.h>

static DEFINE_STATIC_KEY_FALSE(fast_path);
static DEFINE_STATIC_KEY_TRUE(on_key);

static noinline void report(const char *when)
{
	pr_info("static_keys: %s: fast_path %s, on_key %s\n", when,
		static_branch_unlikely(&fast_path) ? "on" : "off",
		static_branch_likely(&on_key) ? "on" : "off");
}

static int __init static_keys_init(void)
{
	pr_debug("static_keys: a debug line\n");
	report("initial");
	static_branch_enable(&fast_path);
	static_branch_disable(&on_key);
	report("flipped");
	static_branch_inc(&on_key);
	static_branch_inc(&on_key);
	static_branch_dec(&on_key);
	static_branch_dec(&fast_path);
	report("counted");
	return 0;
}

static void __exit static_keys_exit(void)
{
}

module_init(static_keys_init);
module_exit(static_keys_exit);
MODULE_LICENSE("GPL");
