// SPDX-License-Identifier: MIT
/*
 * A data breakpoint that waits for a debug register in the middle of a run
 * (test/adapter/dataBreakpoints.test.ts): `value` starts at 1; the module
 * starts KStackWatch on rearm_victim() through its debugfs control file (its
 * pool takes DR0–DR3, so a debugger's watch on `value` waits), the victim
 * sets `value` to 2 meanwhile, the watch is cleared (the debugger's watch
 * arms again) and the module stores 3: that store's old value is 2.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/string.h>

MODULE_LICENSE("GPL");

#define CONFIG_FILE "/sys/kernel/debug/kstackwatch/config"

static volatile long value = 1;

static noinline void rearm_victim(void)
{
	unsigned long slot[4] = { 1, 2, 3, 4 };

	value = 2; /* WAITING: the debugger's watch has no register */
	barrier_data(slot);
}

static void configure(const char *text)
{
	struct file *f = filp_open(CONFIG_FILE, O_WRONLY, 0);
	loff_t pos = 0;

	if (IS_ERR(f)) {
		pr_info("open: %ld\n", PTR_ERR(f));
		return;
	}
	kernel_write(f, text, strlen(text), &pos);
	filp_close(f, NULL);
}

static int __init rearm_init(void)
{
	configure("fn=rearm_victim var=slot[2]\n");
	rearm_victim();
	configure(" \n");
	value = 3; /* ARMED: the first store it sees */
	pr_info("value=%ld\n", value);
	return 0;
}

module_init(rearm_init);
