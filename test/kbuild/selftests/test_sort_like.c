// SPDX-License-Identifier: GPL-2.0
/* In the shape of lib/test_sort.c and lib/test_list_sort.c: sort() an
 * array, bsearch() it, list_sort() a list and check it is sorted and stable. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/bsearch.h>
#include <linux/init.h>
#include <linux/list.h>
#include <linux/list_sort.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/sort.h>

#define TEST_LEN 1000
#define LIST_LEN 257

static bool trace;
module_param(trace, bool, 0444);
MODULE_PARM_DESC(trace, "dump_stack() in the first list_sort comparison");

static int cmpint(const void *a, const void *b)
{
	return *(int *)a - *(int *)b;
}

struct debug_el {
	struct list_head list;
	int value;
	unsigned int serial;
};

static int cmp_el(void *priv, const struct list_head *a, const struct list_head *b)
{
	const struct debug_el *ela = container_of(a, struct debug_el, list);
	const struct debug_el *elb = container_of(b, struct debug_el, list);

	if (trace && (*(unsigned int *)priv)++ == 0)
		dump_stack();
	else if (!trace)
		(*(unsigned int *)priv)++;
	return ela->value - elb->value;
}

static int __init test_sort_init(void)
{
	int *a, i, r = 1, failed = 0, key;
	unsigned int calls = 0;
	struct debug_el *els, *el, *prev = NULL;
	LIST_HEAD(head);

	a = kmalloc_array(TEST_LEN, sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	for (i = 0; i < TEST_LEN; i++) {
		r = (r * 725861) % 6599;
		a[i] = r;
	}
	sort(a, TEST_LEN, sizeof(*a), cmpint, NULL);
	for (i = 0; i < TEST_LEN - 1; i++)
		if (a[i] > a[i + 1]) {
			pr_err("test has failed at %d\n", i);
			failed++;
			break;
		}
	key = a[TEST_LEN / 3];
	if (!bsearch(&key, a, TEST_LEN, sizeof(*a), cmpint)) {
		pr_err("bsearch did not find %d\n", key);
		failed++;
	}
	key = -1;
	if (bsearch(&key, a, TEST_LEN, sizeof(*a), cmpint)) {
		pr_err("bsearch found -1\n");
		failed++;
	}
	kfree(a);

	els = kcalloc(LIST_LEN, sizeof(*els), GFP_KERNEL);
	if (!els)
		return -ENOMEM;
	for (i = 0; i < LIST_LEN; i++) {
		els[i].value = get_random_u32_below(LIST_LEN / 3);
		els[i].serial = i;
		list_add_tail(&els[i].list, &head);
	}
	list_sort(&calls, &head, cmp_el);
	i = 0;
	list_for_each_entry(el, &head, list) {
		if (prev && (prev->value > el->value || (prev->value == el->value && prev->serial > el->serial))) {
			pr_err("list_sort: element %d out of order\n", i);
			failed++;
			break;
		}
		prev = el;
		i++;
	}
	if (i != LIST_LEN) {
		pr_err("list_sort: %d elements, expected %d\n", i, LIST_LEN);
		failed++;
	}
	kfree(els);
	pr_info("list_sort: %u comparisons\n", calls);
	if (failed)
		return -EINVAL;
	pr_info("all tests passed\n");
	return 0;
}

static void __exit test_sort_exit(void)
{
}

module_init(test_sort_init);
module_exit(test_sort_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sort, bsearch and list_sort self-test");
