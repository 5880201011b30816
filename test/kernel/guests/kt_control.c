// KStackWatch's debugfs control file driven from a module at run time
// (test/kstackwatch/control.test.ts): open /sys/kernel/debug/kstackwatch/config
// with filp_open, read it, write a config that watches a victim frame, let a
// second opener get -EBUSY, then corrupt the watched frame from another
// thread; finally clear the config with an empty-after-trim write.
#define pr_fmt(fmt) "kt_control: " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/fs.h>
#include <linux/string.h>
#include <linux/kthread.h>
#include <linux/completion.h>
#include <linux/delay.h>

MODULE_LICENSE("GPL");

#define CONFIG_FILE "/sys/kernel/debug/kstackwatch/config"

static unsigned long *volatile published;
static DECLARE_COMPLETION(slot_published);
static DECLARE_COMPLETION(slot_written);

static noinline void kt_victim(void)
{
	unsigned long slot[4] = { 1, 2, 3, 4 };

	published = &slot[2];
	complete(&slot_published);
	wait_for_completion(&slot_written);
	barrier_data(slot);
	pr_info("victim slot[2]=0x%lx\n", slot[2]);
}

static int kt_writer(void *unused)
{
	wait_for_completion(&slot_published);
	*published = 0xabcdabcd; /* the corrupting store */
	complete(&slot_written);
	return 0;
}

static void show_config(struct file *f)
{
	char buf[160];
	loff_t pos = 0;
	ssize_t n = kernel_read(f, buf, sizeof(buf) - 1, &pos);

	if (n < 0) {
		pr_info("read: %ld\n", n);
		return;
	}
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	pr_info("config reads '%s' (%ld bytes, pos %lld)\n", buf, n, pos);
}

static ssize_t write_config(struct file *f, const char *text)
{
	loff_t pos = 0;
	ssize_t n = kernel_write(f, text, strlen(text), &pos);
	int shown = 0;

	while (text[shown] && text[shown] != '\n')
		shown++; /* echo's newline is written, not printed */
	pr_info("write '%.*s' (%zu bytes): %ld\n", shown, text, strlen(text), n);
	return n;
}

static int __init kt_control_init(void)
{
	struct file *f, *second;

	f = filp_open(CONFIG_FILE, O_RDWR, 0);
	if (IS_ERR(f)) {
		pr_info("open: %ld\n", PTR_ERR(f));
		return PTR_ERR(f);
	}
	show_config(f);
	second = filp_open(CONFIG_FILE, O_RDWR, 0);
	pr_info("second open: %ld\n", IS_ERR(second) ? PTR_ERR(second) : 0L);
	write_config(f, "fn=no_such_function");
	write_config(f, "fo=0x10");
	write_config(f, "");
	write_config(f, "fn=kt_victim var=slot[2]\n");
	show_config(f);
	filp_close(f, NULL);

	pr_info("missing file: %ld\n", PTR_ERR(filp_open("/sys/kernel/debug/nosuch", O_RDONLY, 0)));
	kthread_run(kt_writer, NULL, "kt_writer");
	kt_victim();

	f = filp_open(CONFIG_FILE, O_WRONLY, 0);
	if (!IS_ERR(f)) {
		write_config(f, " \n");
		show_config(f);
		filp_close(f, NULL);
	}
	return 0;
}

static void __exit kt_control_exit(void)
{
}

module_init(kt_control_init);
module_exit(kt_control_exit);
