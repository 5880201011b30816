// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt flags through the paravirt inline helpers (CONFIG_PARAVIRT_XXL):
 * local_irq_save/restore, local_irq_disable/enable and irqs_disabled() emit
 * `call *pv_ops+OFF(%rip)` with an .altinstructions entry whose native
 * replacement (pushf;pop / cli / sti / push;popf) the loader patches in;
 * a spin_lock_irqsave on top. Each check prints what it saw.
 */
#include <linux/module.h>
#include <linux/irqflags.h>
#include <linux/spinlock.h>
#include <linux/printk.h>

static DEFINE_SPINLOCK(counter_lock);
static unsigned long counter;

static noinline int count_irqsave(int n)
{
	unsigned long flags;
	int bad = 0, i;

	for (i = 0; i < n; i++) {
		local_irq_save(flags);
		if (!irqs_disabled())
			bad++;
		counter++;
		local_irq_restore(flags);
		if (irqs_disabled())
			bad++;
	}
	return bad;
}

static noinline int nested(void)
{
	unsigned long outer, inner;
	int bad = 0;

	local_irq_save(outer);
	local_irq_save(inner);
	if (!irqs_disabled() || !arch_irqs_disabled_flags(inner))
		bad++;
	local_irq_restore(inner);
	if (!irqs_disabled())	/* the outer save still holds */
		bad++;
	local_irq_restore(outer);
	if (irqs_disabled() || arch_irqs_disabled_flags(outer))
		bad++;
	local_irq_disable();
	if (!irqs_disabled())
		bad++;
	local_irq_enable();
	if (irqs_disabled())
		bad++;
	return bad;
}

static noinline int locked(void)
{
	unsigned long flags;
	int bad = 0;

	spin_lock_irqsave(&counter_lock, flags);
	if (!irqs_disabled())
		bad++;
	counter += 100;
	spin_unlock_irqrestore(&counter_lock, flags);
	if (irqs_disabled())
		bad++;
	return bad;
}

static int __init irq_flags_init(void)
{
	int bad = count_irqsave(10) + nested() + locked();

	pr_info("irq_flags: counter %lu, %d bad\n", counter, bad);
	return 0;
}

static void __exit irq_flags_exit(void)
{
}

module_init(irq_flags_init);
module_exit(irq_flags_exit);
MODULE_LICENSE("GPL");
