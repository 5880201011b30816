// SPDX-License-Identifier: GPL-2.0
/* In the shape of lib/test-kstrtox.c: good and bad inputs of kstrto*. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/kernel.h>
#include <linux/kstrtox.h>
#include <linux/module.h>

static int failed, total;

#define CHECK(cond) do { total++; if (!(cond)) { failed++; pr_err("line %d: %s\n", __LINE__, #cond); } } while (0)

static noinline void test_kstrtoull(void)
{
	unsigned long long v;

	CHECK(kstrtoull("0", 10, &v) == 0 && v == 0);
	CHECK(kstrtoull("18446744073709551615", 10, &v) == 0 && v == ULLONG_MAX);
	CHECK(kstrtoull("18446744073709551616", 10, &v) == -ERANGE);
	CHECK(kstrtoull("0x1f\n", 0, &v) == 0 && v == 0x1f);
	CHECK(kstrtoull("017", 0, &v) == 0 && v == 15);
	CHECK(kstrtoull("+5", 10, &v) == 0 && v == 5);
	CHECK(kstrtoull("-5", 10, &v) == -EINVAL);
	CHECK(kstrtoull("", 10, &v) == -EINVAL);
	CHECK(kstrtoull("5 ", 10, &v) == -EINVAL);
	CHECK(kstrtoull("12a", 16, &v) == 0 && v == 0x12a);
}

static noinline void test_small(void)
{
	int i; long l; unsigned int u; u8 b; s8 sb; bool t;

	CHECK(kstrtoint("-2147483648", 10, &i) == 0 && i == INT_MIN);
	CHECK(kstrtoint("2147483648", 10, &i) == -ERANGE);
	CHECK(kstrtol("-9223372036854775808", 10, &l) == 0 && l == LONG_MIN);
	CHECK(kstrtouint("4294967295", 10, &u) == 0 && u == UINT_MAX);
	CHECK(kstrtou8("256", 10, &b) == -ERANGE);
	CHECK(kstrtos8("-128", 10, &sb) == 0 && sb == -128);
	CHECK(kstrtobool("yes", &t) == 0 && t);
	CHECK(kstrtobool("0", &t) == 0 && !t);
	CHECK(kstrtobool("on", &t) == 0 && t);
	CHECK(kstrtobool("of", &t) == 0 && !t);
	CHECK(kstrtobool("x", &t) == -EINVAL);
}

static int __init test_kstrtox_init(void)
{
	test_kstrtoull();
	test_small();
	if (failed) {
		pr_err("%d of %d tests failed\n", failed, total);
		return -EINVAL;
	}
	pr_info("all %d tests passed\n", total);
	return 0;
}

static void __exit test_kstrtox_exit(void)
{
}

module_init(test_kstrtox_init);
module_exit(test_kstrtox_exit);
MODULE_LICENSE("GPL");
