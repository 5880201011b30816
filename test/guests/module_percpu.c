// Guest module for the SDK ABI tests (test/unit/moduleSdk.test.ts): the
// per-CPU reads behind `current` and smp_processor_id(), the inline atomics
// and list helpers, run on the simulated CPU.
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/atomic.h>
#include <linux/list.h>

noinline int percpu_pid(void)
{
	return current->pid;
}

noinline int percpu_cpu(void)
{
	return smp_processor_id();
}

noinline int percpu_comm(int i)
{
	return current->comm[i & (TASK_COMM_LEN - 1)];
}

/* 0 → inc 1 → add 5: 6 → dec_and_test: 5 → cmpxchg(5 → 100) returns 5 → 5 + 100 * 1000 */
noinline int atomic_ops(atomic_t *v)
{
	atomic_inc(v);
	atomic_add(5, v);
	if (atomic_dec_and_test(v))
		return -1;
	return atomic_cmpxchg(v, 5, 100) + atomic_read(v) * 1000;
}

noinline long atomic64_ops(atomic64_t *v)
{
	long old = atomic64_fetch_add(7, v);

	return old * 1000 + atomic64_inc_return(v);
}

struct node {
	int v;
	struct list_head link;
};

/* c, a, b in order → 312; after deleting a the rest sums to 5; a's next is poisoned. */
noinline long list_ops(void)
{
	LIST_HEAD(head);
	struct node a = { .v = 1 }, b = { .v = 2 }, c = { .v = 3 };
	struct node *pos;
	long order = 0, sum = 0;

	list_add_tail(&a.link, &head);
	list_add_tail(&b.link, &head);
	list_add(&c.link, &head);
	list_for_each_entry(pos, &head, link)
		order = order * 10 + pos->v;
	list_del(&a.link);
	list_for_each_entry(pos, &head, link)
		sum += pos->v;
	return order * 100 + sum + (a.link.next == LIST_POISON1 ? 10000000 : 0);
}

MODULE_LICENSE("GPL");
