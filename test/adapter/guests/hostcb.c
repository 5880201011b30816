// SPDX-License-Identifier: MIT
/*
 * A function called both directly and by a host function (the kernel's
 * sort(), which calls back into the module), at the same call depth
 * (test/adapter/timeTravel.test.ts, restartFrame): compare_directly()
 * calls cmp_int() first, then sort() calls it again and again — both from
 * a function hostcb_init() called.
 */
#include <linux/module.h>
#include <linux/kernel.h>

MODULE_LICENSE("GPL");

/* lib/sort.c (the simulated kernel's; its SDK has no <linux/sort.h>) */
void sort(void *base, size_t num, size_t size, int (*cmp)(const void *, const void *), void (*swap)(void *, void *, int));

static int calls;

static noinline int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	calls++; /* CMP: */
	return (x > y) - (x < y);
}

static noinline int compare_directly(int *v)
{
	int r = cmp_int(&v[0], &v[1]); /* DIRECT: */

	barrier(); /* a call, not a tail jump: a frame of its own at the depth sort()'s callbacks get */
	return r;
}

static int __init hostcb_init(void)
{
	int v[4] = { 4, 3, 2, 1 };
	int first = compare_directly(v);

	sort(v, 4, sizeof(int), cmp_int, NULL);
	pr_info("first=%d sorted=%d %d %d %d calls=%d\n", first, v[0], v[1], v[2], v[3], calls);
	return 0;
}

module_init(hostcb_init);
