// SPDX-License-Identifier: GPL-2.0
/* In the shape of lib/test_string.c: memset16/32/64, strchr, strnchr,
 * strspn, strscpy, memchr_inv, kasprintf and the %p extensions. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>

static int failed, total;

#define CHECK(cond) do { total++; if (!(cond)) { failed++; pr_err("line %d: %s\n", __LINE__, #cond); } } while (0)

static noinline void test_memset(void)
{
	u16 s16[64]; u32 s32[64]; u64 s64[64];
	int i;

	memset16(s16, 0xb1b2, 64);
	memset32(s32, 0xb1b2b3b4, 64);
	memset64(s64, 0xb1b2b3b4b5b6b7b8ULL, 64);
	for (i = 0; i < 64; i++) {
		CHECK(s16[i] == 0xb1b2);
		CHECK(s32[i] == 0xb1b2b3b4);
		CHECK(s64[i] == 0xb1b2b3b4b5b6b7b8ULL);
	}
}

static noinline void test_str(void)
{
	const char *s = "abcdefghijklmnopqrstuvwxyz";
	char buf[16];
	u8 bytes[32];
	char *k;

	CHECK(strchr(s, 'q') == s + 16);
	CHECK(strchr(s, '\0') == s + 26);
	CHECK(strnchr(s, 5, 'q') == NULL);
	CHECK(strnchr(s, 26, 'z') == s + 25);
	CHECK(strspn("aaab", "a") == 3);
	CHECK(strcspn("aaab", "b") == 3);
	CHECK(strscpy(buf, s, sizeof(buf)) == -E2BIG);
	CHECK(strlen(buf) == 15);
	CHECK(strscpy(buf, "short", sizeof(buf)) == 5);
	memset(bytes, 0x5a, sizeof(bytes));
	CHECK(memchr_inv(bytes, 0x5a, sizeof(bytes)) == NULL);
	bytes[20] = 1;
	CHECK(memchr_inv(bytes, 0x5a, sizeof(bytes)) == bytes + 20);
	k = kasprintf(GFP_KERNEL, "%s-%d-%pS", "x", 42, test_str);
	CHECK(k && !strncmp(k, "x-42-test_str+0x0/", 18));
	kfree(k);
	snprintf(buf, sizeof(buf), "%*ph", 3, "\x01\x02\xff");
	CHECK(!strcmp(buf, "01 02 ff"));
}

static int __init test_string_init(void)
{
	test_memset();
	test_str();
	if (failed) {
		pr_err("%d of %d tests failed\n", failed, total);
		return -EINVAL;
	}
	pr_info("all %d tests passed\n", total);
	return 0;
}

static void __exit test_string_exit(void)
{
}

module_init(test_string_init);
module_exit(test_string_exit);
MODULE_LICENSE("GPL");
