// SPDX-License-Identifier: GPL-2.0
/*
 * List and string code: entries named with scnprintf and kept on a list,
 * checked with kstrtoint. With bug=1, format_tag() copies a name into a
 * small stack buffer with a hand-written copy loop that trusts the source
 * length: a long name runs over the buffer into the stack canary.
 */
#include <linux/module.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/kernel.h>

static int bug;
module_param(bug, int, 0444);

struct entry {
	struct list_head node;
	int id;
	char name[24];
};

static LIST_HEAD(entries);

int format_tag(const char *name);

noinline int format_tag(const char *name)
{
	char tag[8];
	size_t i, n = bug ? strlen(name) : min(strlen(name), sizeof(tag) - 1);

	for (i = 0; i < n; i++)
		WRITE_ONCE(tag[i], name[i]);
	tag[min(n, sizeof(tag) - 1)] = '\0';
	barrier_data(tag);
	return tag[0];
}

static int __init name_list_init(void)
{
	struct entry *e, *tmp;
	int i, sum = 0, v;

	for (i = 0; i < 5; i++) {
		e = kzalloc(sizeof(*e), GFP_KERNEL);
		if (!e)
			return -ENOMEM;
		e->id = i;
		scnprintf(e->name, sizeof(e->name), "%d-entry-number-%d", i * 7, i);
		list_add_tail(&e->node, &entries);
	}
	list_for_each_entry(e, &entries, node) {
		if (kstrtoint(strsep(&(char *){ e->name }, "-") ?: "0", 10, &v) == 0)
			sum += v;
	}
	pr_info("name_list: sum %d\n", sum);
	list_for_each_entry(e, &entries, node)
		format_tag(e->name + strlen(e->name) + 1);
	list_for_each_entry_safe(e, tmp, &entries, node) {
		list_del(&e->node);
		kfree(e);
	}
	pr_info("name_list: done\n");
	return 0;
}

static void __exit name_list_exit(void)
{
}

module_init(name_list_init);
module_exit(name_list_exit);
MODULE_LICENSE("GPL");
