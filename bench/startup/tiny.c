// SPDX-License-Identifier: MIT
/* Start-up benchmark: the smallest useful test module (one log line). */
#include <linux/module.h>
#include <linux/kernel.h>

static int __init tiny_init(void)
{
	pr_info("tiny: loaded\n");
	return 0;
}

static void __exit tiny_exit(void)
{
	pr_info("tiny: unloaded\n");
}

module_init(tiny_init);
module_exit(tiny_exit);
MODULE_LICENSE("GPL");
