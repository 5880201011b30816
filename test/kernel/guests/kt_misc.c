// Single-task kernel APIs (test/kernel/api.test.ts): module parameters,
// kmalloc/kzalloc/krealloc/kfree, snprintf/scnprintf, strings, seeded
// random numbers, printk formats and levels (and pr_cont), dump_stack,
// WARN_ON (the task goes on), module_init failing, module_exit.
#define pr_fmt(fmt) "kt_misc: " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/bug.h>
#include <linux/errno.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("kernel tests");

static int count = 3;
module_param(count, int, 0444);
static bool verbose;
module_param(verbose, bool, 0444);
static char *name = "default";
module_param(name, charp, 0444);
static long big = -1;
module_param(big, long, 0444);
static unsigned int mask = 0x10;
module_param(mask, uint, 0444);
/* Non-zero: module_init fails with -fail. */
static int fail;
module_param(fail, int, 0444);
/* Non-zero: WARN_ON(true) in module_init. */
static int warn;
module_param(warn, int, 0444);

static int some_data = 1234;
static char *volatile null_string;

static noinline __attribute__((noipa)) int kt_misc_target(int x)
{
	return x * 3 + some_data;
}

static noinline __attribute__((noipa)) void kt_misc_show_stack(void)
{
	pr_info("dump_stack from %s follows\n", __func__);
	dump_stack();
	pr_info("dump_stack returned\n");
}

static void test_params(void)
{
	pr_info("params count=%d verbose=%d name=%s big=%ld mask=0x%x\n", count, verbose, name, big, mask);
}

static void test_slab(void)
{
	unsigned char *z, *p, *q, *r;
	void *many[64];
	int i, j, zero_ok = 1, pattern_ok = 1, aligned_ok = 1;

	z = kzalloc(512, GFP_KERNEL);
	for (i = 0; i < 512; i++)
		if (z[i] != 0)
			zero_ok = 0;
	p = kmalloc(100, GFP_KERNEL);
	q = kmalloc(100, GFP_KERNEL);
	memset(p, 0xab, 100);
	memset(q, 0xcd, 100);
	pr_info("slab kzalloc_zero=%d distinct=%d p_intact=%d q_intact=%d ksize_ok=%d\n", zero_ok, p != q && p != z,
		p[0] == 0xab && p[99] == 0xab, q[0] == 0xcd && q[99] == 0xcd, ksize(p) >= 100);
	r = krealloc(p, 4000, GFP_KERNEL);
	pr_info("slab krealloc kept=%d\n", r && r[0] == 0xab && r[99] == 0xab);
	kfree(r);
	kfree(q);
	kfree(z);
	kfree(NULL);

	/* Many live blocks of many sizes never overlap. */
	for (i = 0; i < 64; i++) {
		many[i] = kmalloc(8 + i * 24, GFP_KERNEL);
		if (!many[i] || ((unsigned long)many[i] & 7))
			aligned_ok = 0;
		if (many[i])
			memset(many[i], i, 8 + i * 24);
	}
	for (i = 0; i < 64; i++)
		for (j = 0; j < 8 + i * 24; j++)
			if (((unsigned char *)many[i])[j] != i)
				pattern_ok = 0;
	for (i = 0; i < 64; i += 2)
		kfree(many[i]);
	for (i = 0; i < 64; i += 2)
		many[i] = kzalloc(16, GFP_KERNEL);
	for (i = 1; i < 64; i += 2)
		for (j = 0; j < 8 + i * 24; j++)
			if (((unsigned char *)many[i])[j] != i)
				pattern_ok = 0;
	for (i = 0; i < 64; i++)
		kfree(many[i]);
	pr_info("slab many aligned=%d no_overlap=%d zero_size=%d\n", aligned_ok, pattern_ok,
		kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
}

static void test_strings(void)
{
	char buf[16], big_buf[64];
	int n;

	n = snprintf(buf, sizeof(buf), "%s-%d", "abcdefghij", 123456);
	pr_info("snprintf n=%d buf=%s len=%zu\n", n, buf, strlen(buf));
	n = snprintf(NULL, 0, "%d", 12345);
	pr_info("snprintf null n=%d\n", n);
	n = scnprintf(buf, sizeof(buf), "%s-%d", "abcdefghij", 123456);
	pr_info("scnprintf n=%d\n", n);
	n = snprintf(big_buf, sizeof(big_buf), "[%5d|%-5d|%05d|%.3s|%08x|%+d]", 42, 42, 42, "abcdef", 0xbeef, 7);
	pr_info("snprintf widths n=%d %s\n", n, big_buf);
	strscpy(buf, "copied", sizeof(buf));
	pr_info("strings strcmp=%d strncmp=%d strchr=%s strstr=%s memcmp=%d strlen=%zu\n",
		strcmp("abc", "abd") < 0, strncmp("abcx", "abcy", 3), strchr("hello", 'l'),
		strstr("needle in haystack", "hay"), memcmp(buf, "copied", 7), strlen(buf));
}

static void test_random(void)
{
	u32 a = get_random_u32(), b = get_random_u32(), c = get_random_u32(), d = get_random_u32();
	u32 below[8];
	int i, in_range = 1;

	for (i = 0; i < 8; i++) {
		below[i] = get_random_u32_below(10);
		if (below[i] >= 10)
			in_range = 0;
	}
	pr_info("random %08x %08x %08x %08x\n", a, b, c, d);
	pr_info("random below10 %u %u %u %u %u %u %u %u in_range=%d\n", below[0], below[1], below[2], below[3],
		below[4], below[5], below[6], below[7], in_range);
}

static void test_printk(void)
{
	int n;
	void *ptr = &some_data;

	pr_info("fmt d=%d u=%u x=%x X=%X lx=%lx llx=%llx c=%c s=%s pct=%%\n", -42, 4000000000U, 0xbeefU, 0xBEEFU,
		0xdeadbeefcafeUL, 0x123456789abcdef0ULL, 'Z', "hello");
	pr_info("fmt ld=%ld lld=%lld lu=%lu hhx=%hhx null=%s\n", -1234567890123L, -9000000000000000000LL,
		18446744073709551615UL, (unsigned char)0x1ff, null_string);
	pr_info("fmt p=%p px=%px lx=%lx\n", ptr, ptr, (unsigned long)ptr);
	pr_info("fmt pS=%pS ps=%ps off=%pS\n", kt_misc_target, kt_misc_target, (char *)kt_misc_target + 5);
	pr_info("fmt target=%d\n", kt_misc_target(1));
	n = printk(KERN_INFO "printk returns length\n");
	pr_info("printk n=%d\n", n);
	pr_emerg("level emerg\n");
	pr_alert("level alert\n");
	pr_crit("level crit\n");
	pr_err("level err\n");
	pr_warn("level warn\n");
	pr_notice("level notice\n");
	pr_info("level info\n");
	pr_debug("level debug is compiled out\n");
	printk("level default\n");
	printk(KERN_DEBUG "level debug\n");
	pr_info("cont part1");
	pr_cont(" part2");
	pr_cont(" part3\n");
	pr_info("two\nlines\n");
}

static int __init kt_misc_init(void)
{
	int i;

	pr_info("init pid=%d comm=%s\n", current->pid, current->comm);
	test_params();
	if (fail) {
		pr_err("init fails with %d\n", -fail);
		return -fail;
	}
	test_slab();
	test_strings();
	test_random();
	test_printk();
	kt_misc_show_stack();
	if (warn) {
		if (WARN_ON(count > 0)) /* the warning */
			pr_info("WARN_ON returned true\n");
		WARN_ON(count < 0); /* no warning */
		for (i = 0; i < 3; i++)
			WARN_ON_ONCE(count > 0); /* warns once */
		pr_info("after WARN_ON\n");
	}
	pr_info("init done\n");
	return 0;
}

static void __exit kt_misc_exit(void)
{
	pr_info("exit comm=%s\n", current->comm);
}

module_init(kt_misc_init);
module_exit(kt_misc_exit);
