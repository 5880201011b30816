// Guest module for the DWARF tests (test/unit/dwarf.test.ts). The tests find
// lines by the @markers in comments, so keep each marker on its statement.
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/types.h>

struct pair {
	int a;
	long b;
};

u64 shared_words[4];
int (*dwarf_hook)(void *, int);
const char *dwarf_name = "dwarf";
char *const dwarf_fixed = 0;
volatile unsigned long dwarf_ticks;

noinline long dwarf_locals(int count, long scale)
{
	u64 buffer[8];
	struct pair p = { 1, 2 };
	int i;
	long sum = 0;

	for (i = 0; i < 8; i++)
		buffer[i] = (u64)(i * scale);		/* @store */
	for (i = 0; i < count && i < 8; i++) {
		long v = (long)buffer[i];		/* @block */

		sum += v + p.a;
	}
	shared_words[count & 3] = (u64)sum;
	return sum + p.b;				/* @return */
}

noinline int dwarf_leaf(int x)
{
	return x * 3 + 1;				/* @leaf */
}

static int __init dwarf_init(void)
{
	return dwarf_locals(4, 10) > 0 ? dwarf_leaf(2) - 7 : 0;
}

module_init(dwarf_init);
MODULE_LICENSE("GPL");
