// A module that calls kernel functions no kernel exports and reads a kernel
// variable that does not exist (test/kernel/badmodules.test.ts): loading it
// must fail with one line naming every unresolved symbol.
#include <linux/module.h>
#include <linux/kernel.h>

MODULE_LICENSE("GPL");

extern int kt_no_such_function(int x);
extern void kt_another_missing_function(void);
extern unsigned long kt_missing_variable;

static int __init kt_unresolved_init(void)
{
	kt_another_missing_function();
	pr_info("never printed %lu\n", kt_missing_variable);
	return kt_no_such_function(1);
}

module_init(kt_unresolved_init);
