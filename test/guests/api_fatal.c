// Kernel API failure paths (test/unit/kernel-api.test.ts), one per `mode`:
// 1 stack-protector panic, 2 AB-BA mutex deadlock, 3 panic(), 4 double
// kfree, 5 bad pointers in printk and strlen, 6 spinlock recursion,
// 7 sleeping with a spinlock held, 8 a task exiting with a spinlock held,
// 9 a last printk without a newline.
#define pr_fmt(fmt) "fatal: " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/slab.h>
#include <linux/string.h>

MODULE_LICENSE("GPL");

static int mode;
module_param(mode, int, 0444);
static int overflow = 40;
module_param(overflow, int, 0444);

static DEFINE_MUTEX(a);
static DEFINE_MUTEX(b);
static DEFINE_SPINLOCK(lock);

noinline void victim(int n)
{
	char buf[16];
	int i;

	for (i = 0; i < n; i++)
		WRITE_ONCE(buf[i], 'A');
	pr_info("victim wrote %d bytes at %p\n", n, buf);
}

static int ab(void *arg)
{
	mutex_lock(&a);
	msleep(1);
	mutex_lock(&b);
	mutex_unlock(&b);
	mutex_unlock(&a);
	return 0;
}

static int ba(void *arg)
{
	mutex_lock(&b);
	msleep(1);
	mutex_lock(&a);
	mutex_unlock(&a);
	mutex_unlock(&b);
	return 0;
}

static int holder(void *arg)
{
	spin_lock(&lock);
	if (arg) {
		msleep(3);	/* scheduling while atomic */
		spin_unlock(&lock);
	}
	return 0;	/* with arg == NULL: exits holding the lock */
}

static int spinner(void *arg)
{
	msleep(1);
	spin_lock(&lock);
	pr_info("spinner got the lock\n");
	spin_unlock(&lock);
	return 0;
}

static int __init fatal_init(void)
{
	char *p;

	switch (mode) {
	case 1:
		victim(overflow);
		break;
	case 2:
		kthread_run(ab, NULL, "ab");
		kthread_run(ba, NULL, "ba");
		break;
	case 3:
		panic("boom %d", 42);
	case 4:
		p = kmalloc(8, GFP_KERNEL);
		kfree(p);
		pr_info("freed once\n");
		kfree(p);
		pr_info("freed twice\n");
		break;
	case 5:
		pr_info("bad [%s] [%s]\n", (char *)0x10, (char *)0xffff8880dead0000UL);
		pr_info("len %zu\n", strlen((char *)0xffff8880dead0000UL));
		pr_info("not reached\n");
		break;
	case 6:
		spin_lock(&lock);
		spin_lock(&lock);
		break;
	case 7:
		kthread_run(holder, (void *)1, "holder");
		kthread_run(spinner, NULL, "spinner");
		break;
	case 8:
		kthread_run(holder, NULL, "holder");
		kthread_run(spinner, NULL, "spinner");
		break;
	case 9:
		pr_info("last words");
		break;
	}
	return 0;
}

module_init(fatal_init);
