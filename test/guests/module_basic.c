// Guest module for the module loader tests (test/unit/moduleLoader.test.ts):
// every relocation kind gcc emits with the kernel flags, module parameters,
// module_init/module_exit, BUG/WARN records, a stack-protected function and
// a cold path that gcc moves to .text.unlikely.
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/jiffies.h>
#include <linux/random.h>

static int threshold = 7;
module_param(threshold, int, 0644);
MODULE_PARM_DESC(threshold, "added by basic_call");
static char *label = "basic";
module_param(label, charp, 0444);
static bool verbose;
module_param(verbose, bool, 0);
static unsigned long limit = 100;
module_param(limit, ulong, 0600);

static long table[4] = { 10, 20, 30, 40 };
/* R_X86_64_64 in .data: a pointer into the module's own data. */
long *table_ptr = &table[2];
/* Set by basic_init: the address of a module function, stored at run time. */
long (*call_ptr)(long);

/* A call to a kernel export (PLT32) and a read of module data (PC32). */
noinline long basic_call(long x)
{
	return x + get_random_u32() + threshold;
}

/* A read of an exported kernel variable (PC32). */
noinline unsigned long basic_jiffies(void)
{
	return jiffies + 1;
}

/* Indexed access to module data: an absolute, sign-extended address (32S). */
noinline long basic_table(int i)
{
	return table[i & 3] + *table_ptr;
}

/* A char array on the stack: -fstack-protector-strong guards this frame with the %gs:0x28 canary. */
noinline int basic_canary(int n)
{
	char buf[32];
	int i;

	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(n + i);
	barrier_data(buf);
	return buf[n & 31] + buf[(n + 1) & 31];
}

static int __init basic_init(void)
{
	if (unlikely(limit == 0))
		panic("basic: limit is 0");
	WARN_ON(threshold > 1000);
	if (verbose)
		pr_info("basic: %s threshold=%d\n", label, threshold);
	call_ptr = basic_call;
	return 0;
}

static void __exit basic_exit(void)
{
	BUG_ON(call_ptr != basic_call);
	pr_info("basic: bye\n");
}

module_init(basic_init);
module_exit(basic_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("KStackWatch Studio tests");
MODULE_DESCRIPTION("module loader test module");
