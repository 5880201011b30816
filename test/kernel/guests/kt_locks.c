// Lock contention and atomics (test/kernel/locks.test.ts).
//
// NTHREADS threads each do ITERS read-modify-write updates of one shared
// counter, the read and the write separated by a delay (and, for the mutex,
// now and then a sleep while holding it), so that without mutual exclusion
// updates would get lost:
//   mode=0  under a spinlock      mode=1  under a mutex
//   mode=2  no lock at all (cond_resched() between the read and the write)
//   mode=3  atomics only (atomic_t, atomic64_t, cmpxchg, xchg, dec_and_test)
// The threads count how often they found the lock taken (trylock failed) and
// the most threads ever seen inside the critical section at once.
#define pr_fmt(fmt) "kt_locks: " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/delay.h>
#include <linux/completion.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/atomic.h>
#include <linux/smp.h>
#include <linux/ktime.h>
#include <linux/errno.h>

MODULE_LICENSE("GPL");

static int mode;
module_param(mode, int, 0444);
static int nthreads = 4;
module_param(nthreads, int, 0444);
static int iters = 150;
module_param(iters, int, 0444);

static DEFINE_SPINLOCK(slock);
static DEFINE_MUTEX(mlock);
static DECLARE_COMPLETION(finished);
static atomic_t done_threads = ATOMIC_INIT(0);

static long counter;
static atomic_t inside = ATOMIC_INIT(0);
static atomic_t max_inside = ATOMIC_INIT(0);
static atomic_t contended = ATOMIC_INIT(0);
static atomic_t preempt_seen = ATOMIC_INIT(0);
static unsigned int cpus_seen;
/* Simulated time: the critical sections, run one at a time, add up. */
static u64 first_enter_ns = ~0ULL, last_leave_ns, serial_ns;
static atomic_t clock_backwards = ATOMIC_INIT(0);

/* mode 3 */
static atomic_t a_inc = ATOMIC_INIT(0);
static atomic_t a_add = ATOMIC_INIT(0);
static atomic64_t a64 = ATOMIC64_INIT(1LL << 40);
static atomic_long_t a_long = ATOMIC_LONG_INIT(0);
static int cas_counter;
static atomic_t refs;
static atomic_t dec_and_test_hits = ATOMIC_INIT(0);
static unsigned long xchg_slot;
static atomic_t xchg_sum = ATOMIC_INIT(0);

static void enter(void)
{
	int now = atomic_inc_return(&inside);
	int old = atomic_read(&max_inside);

	while (now > old && !atomic_try_cmpxchg(&max_inside, &old, now))
		;
}

static void leave(void)
{
	atomic_dec(&inside);
}

/* The racy update: read, wait, write back. */
static void update(int i, bool may_sleep)
{
	long v;
	u64 t0 = ktime_get_ns(), t1;

	enter();
	if (mode != 2 && t0 < first_enter_ns)
		first_enter_ns = t0;
	v = READ_ONCE(counter);
	ndelay(50 + (i % 7) * 20);
	if (may_sleep && i % 40 == 7)
		msleep(1);
	else if (mode == 2)
		cond_resched();
	WRITE_ONCE(counter, v + 1);
	t1 = ktime_get_ns();
	if (mode != 2) {
		serial_ns += t1 - t0;
		if (t1 > last_leave_ns)
			last_leave_ns = t1;
	}
	leave();
}

static void atomics_round(void)
{
	int old, v;
	unsigned long mine;

	atomic_inc(&a_inc);
	atomic_add_return(2, &a_add);
	atomic64_add(3, &a64);
	atomic_long_fetch_add(5, &a_long);
	do {
		old = READ_ONCE(cas_counter);
		v = cmpxchg(&cas_counter, old, old + 1);
	} while (v != old);
	/* Each thread puts 1 into the slot and takes out what was there. */
	mine = xchg(&xchg_slot, 1UL);
	atomic_add((int)mine, &xchg_sum);
}

static int locker(void *data)
{
	int i;
	u64 prev = 0, now;

	for (i = 0; i < iters; i++) {
		now = ktime_get_ns();
		if (now < prev)
			atomic_inc(&clock_backwards);
		prev = now;
		switch (mode) {
		case 0:
			if (!spin_trylock(&slock)) {
				atomic_inc(&contended);
				spin_lock(&slock);
			}
			if (preempt_count() > 0)
				atomic_inc(&preempt_seen);
			update(i, false);
			spin_unlock(&slock);
			break;
		case 1:
			if (!mutex_trylock(&mlock)) {
				atomic_inc(&contended);
				mutex_lock(&mlock);
			}
			update(i, true);
			mutex_unlock(&mlock);
			break;
		case 2:
			update(i, false);
			break;
		default:
			atomics_round();
			break;
		}
		__atomic_fetch_or(&cpus_seen, 1u << smp_processor_id(), __ATOMIC_SEQ_CST);
		cond_resched();
	}
	if (mode == 3 && atomic_dec_and_test(&refs))
		atomic_inc(&dec_and_test_hits);
	if (atomic_inc_return(&done_threads) == nthreads)
		complete(&finished);
	return 0;
}

static int __init kt_locks_init(void)
{
	int i;

	if (nthreads < 1 || nthreads > 32)
		return -EINVAL;
	atomic_set(&refs, nthreads);
	for (i = 0; i < nthreads; i++)
		kthread_run(locker, NULL, "kt_locker/%d", i);
	wait_for_completion(&finished);
	pr_info("mode=%d threads=%d iters=%d\n", mode, nthreads, iters);
	if (mode == 3) {
		pr_info("atomic inc=%d add=%d a64=%lld long=%ld cas=%d dec_and_test_hits=%d refs=%d\n",
			atomic_read(&a_inc), atomic_read(&a_add), atomic64_read(&a64),
			atomic_long_read(&a_long), cas_counter, atomic_read(&dec_and_test_hits), atomic_read(&refs));
		pr_info("xchg sum=%d slot=%lu\n", atomic_read(&xchg_sum), xchg_slot);
	} else {
		pr_info("counter=%ld expected=%d max_inside=%d contended=%d\n",
			counter, nthreads * iters, atomic_read(&max_inside), atomic_read(&contended));
		pr_info("locked=%d/%d preempt_seen=%d\n", spin_is_locked(&slock), mutex_is_locked(&mlock),
			atomic_read(&preempt_seen));
		if (mode != 2)
			pr_info("time serial_ns=%llu span_ns=%llu\n", serial_ns, last_leave_ns - first_enter_ns);
	}
	pr_info("clock_backwards=%d\n", atomic_read(&clock_backwards));
	pr_info("cpus_used=%d\n", __builtin_popcount(cpus_seen));
	return 0;
}

module_init(kt_locks_init);
