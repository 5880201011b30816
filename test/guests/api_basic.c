// Kernel API, one task (test/unit/kernel-api.test.ts): printk formats and
// levels, the sprintf family, string and heap functions, sscanf, random
// numbers, time and jiffies, CPU queries, libgcc helpers, dump_stack.
#define pr_fmt(fmt) "basic: " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/random.h>
#include <linux/ktime.h>
#include <linux/jiffies.h>
#include <linux/smp.h>
#include <linux/sched.h>
#include <linux/delay.h>
#include <linux/preempt.h>

MODULE_LICENSE("GPL");

/* Exported by the simulated kernel but not (yet) declared by the SDK headers. */
char *kstrdup(const char *s, gfp_t gfp);
void *kmemdup(const void *src, size_t len, gfp_t gfp);
int kstrtoint(const char *s, unsigned int base, int *res);
int kstrtoul(const char *s, unsigned int base, unsigned long *res);

char watched[32];
static const char *volatile null_string;
static volatile unsigned long long popcount_input = 0xf0f0f0f0ULL;
static volatile __int128 big_dividend = ((__int128)1 << 100) + 12345;

noinline int helper(int x)
{
	return x * 3;
}

static __printf(1, 2) void logv(const char *fmt, ...)
{
	char buf[96];
	va_list args;
	int n;

	va_start(args, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	pr_info("logv n=%d [%s]\n", n, buf);
}

static __printf(1, 2) void logv2(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vprintk(fmt, args);
	va_end(args);
}

static int __init basic_init(void)
{
	char buf[64];
	char word[16];
	char *p, *q;
	int n, a = 0, b = 0, c = 0;
	u64 t0, t1;
	unsigned long j0, j1;

	pr_info("hello %s %d %u %x %lx %llx %c %%\n", "world", -5, 5u, 0xbeefu,
		0xffff888000000000UL, 0x123456789abcdefULL, 'Z');
	pr_info("pad [%5d] [%-5d] [%05d] [%+d] [%.3s] [%*d] [%-*d]\n", 42, 42, 42, 42, "abcdef", 4, 7, -4, 7);
	pr_info("many %d %d %d %d %d %d %d %d %d %s\n", 1, 2, 3, 4, 5, 6, 7, 8, 9, "ten");
	pr_info("sym %pS %ps\n", helper, helper);
	pr_info("null [%s] ptr %px\n", null_string, (void *)0xffff888012345678UL);
	printk(KERN_ERR "err level\n");
	printk("default level\n");
	pr_info("part1 ");
	pr_cont("part2 ");
	pr_cont("part3\n");
	pr_info("two\nlines\n");
	pr_warn("no newline at the end");
	pr_notice("after the partial line\n");

	n = snprintf(buf, 8, "%s-%d", "truncated", 12345);
	pr_info("snprintf n=%d buf=%s\n", n, buf);
	n = scnprintf(buf, 8, "%s-%d", "truncated", 12345);
	pr_info("scnprintf n=%d\n", n);
	n = sprintf(buf, "%d+%d=%d", 2, 2, 4);
	pr_info("sprintf n=%d buf=%s\n", n, buf);
	logv("vsnprintf %d %s %d %d %d %d %d %d", 1, "two", 3, 4, 5, 6, 7, 8);
	logv2(KERN_INFO "vprintk %d %d %d %d %d %d %d\n", 1, 2, 3, 4, 5, 6, 7);

	strcpy(buf, "abc");
	strcat(buf, "def");
	strncat(buf, "ghijk", 2);
	pr_info("str %s len=%zu nlen=%zu cmp=%d,%d,%d ncmp=%d,%d case=%d\n", buf, strlen(buf), strnlen(buf, 4),
		strcmp("a", "b"), strcmp("b", "a"), strcmp("x", "x"), strncmp("abcd", "abcx", 3),
		strncmp("abcd", "abcx", 4) < 0, strcasecmp("HeLLo", "hello"));
	pr_info("chr %s %s %s %d\n", strchr(buf, 'c'), strrchr("a/b/c", '/'), strstr("haystack", "st"),
		strchr(buf, 'z') == NULL);
	n = strscpy(word, "0123456789abcdefXYZ", sizeof(word));
	pr_info("strscpy %d [%s]\n", n, word);
	n = strscpy(word, "short", sizeof(word));
	pr_info("strscpy %d [%s]\n", n, word);
	memset(buf, 'x', 5);
	buf[5] = 0;
	memcpy(buf, "ab", 2);
	memmove(buf + 1, buf, 4);
	pr_info("mem %s cmp=%d,%d chr=%d\n", buf, memcmp("abc", "abd", 3) < 0, memcmp("abc", "abc", 3),
		(int)((char *)memchr("hello", 'l', 5) - "hello"));
	strncpy(word, "xy", 6);
	pr_info("strncpy %d%d%d%d\n", word[0] == 'x', word[2] == 0, word[5] == 0, word[6] == '6');

	p = kmalloc(100, GFP_KERNEL);
	q = kzalloc(32, GFP_KERNEL);
	pr_info("kmalloc ok=%d ksize=%zu zero=%d\n", p && q, ksize(p), q[0] == 0 && q[31] == 0);
	memcpy(p, "payload", 8);
	p = krealloc(p, 1000, GFP_KERNEL);
	pr_info("krealloc %s big=%d\n", p, ksize(p) >= 1000);
	kfree(p);
	kfree(q);
	kfree(NULL);
	pr_info("kmalloc(0) %px\n", kmalloc(0, GFP_KERNEL));
	p = kcalloc(4, 8, GFP_KERNEL);
	pr_info("kcalloc %d\n", p[0] == 0 && p[31] == 0);
	kfree(p);

	n = sscanf("12 0x1f word 077 -3", "%d %x %15s %o", &a, &b, word, &c);
	pr_info("sscanf n=%d a=%d b=%d word=%s c=%d\n", n, a, b, word, c);

	p = kstrdup("duplicate", GFP_KERNEL);
	q = kmemdup("mem\0dup", 8, GFP_KERNEL);
	pr_info("kstrdup %s %s %s\n", p, q, q + 4);
	kfree(p);
	kfree(q);
	a = b = 0;
	n = kstrtoint("-123\n", 10, &a);
	c = kstrtoint("99999999999", 10, &b);
	pr_info("kstrtoint %d %d %d %d\n", n, a, c, kstrtoint("12x", 0, &b));
	{
		unsigned long ul = 0;

		n = kstrtoul("0x10", 0, &ul);
		pr_info("kstrtoul %d %lu\n", n, ul);
	}

	pr_info("random below ok=%d\n", get_random_u32_below(10) < 10);

	t0 = ktime_get_ns();
	j0 = jiffies;
	msleep(5);
	t1 = ktime_get_ns();
	j1 = jiffies;
	pr_info("msleep %d jiffies %d %d initial %d\n", t1 - t0 >= 5000000 && t1 - t0 < 6000000,
		j1 - j0 >= 5 && j1 - j0 <= 6, time_after(j1, j0), j0 - INITIAL_JIFFIES < 100);
	j0 = jiffies;
	while (time_before(jiffies, j0 + 3))
		cpu_relax();	/* jiffies ticks while a task spins reading it */
	j1 = jiffies;
	pr_info("jiffies spin %lu\n", j1 - j0);
	t0 = ktime_get_ns();
	udelay(3);
	t1 = ktime_get_ns();
	pr_info("udelay %d\n", t1 - t0 >= 3000 && t1 - t0 < 4000);
	t0 = ktime_get_ns();
	mdelay(2);
	t1 = ktime_get_ns();
	pr_info("mdelay %d\n", t1 - t0 >= 2000000 && t1 - t0 < 3000000);
	t0 = ktime_get_ns();
	usleep_range(100, 200);
	t1 = ktime_get_ns();
	pr_info("usleep_range %d\n", t1 - t0 >= 100000 && t1 - t0 < 200000);

	pr_info("cpus %u/%u online0=%d online99=%d cpu_ok=%d\n", num_online_cpus(), num_possible_cpus(),
		cpu_online(0), cpu_online(99), smp_processor_id() < (int)num_online_cpus());
	pr_info("current %s pid=%d\n", current->comm, current->pid);
	preempt_disable();
	pr_info("preempt %d\n", preempt_count());
	preempt_enable();
	pr_info("preempt %d\n", preempt_count());

	pr_info("popcount %d div128 %llu mod128 %llu\n", __builtin_popcountll(popcount_input),
		(unsigned long long)(big_dividend / 1000000007), (unsigned long long)(big_dividend % 1000000007));

	memset(watched, 0, sizeof(watched));
	snprintf(watched, sizeof(watched), "%s", "written by snprintf");
	pr_info("watched %s\n", watched);

	dump_stack();
	return 0;
}

static void __exit basic_exit(void)
{
	pr_info("exit\n");
}

module_init(basic_init);
module_exit(basic_exit);
