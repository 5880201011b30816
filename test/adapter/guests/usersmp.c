/*
 * Threaded user-mode guest whose output depends on the interleaving (the
 * adapter's history test, test/adapter/userHistory.test.ts): four threads
 * on four simulated CPUs add to a global without a lock (updates get lost
 * as the threads' instructions interleave), record the order they finish
 * in, and main prints that with the simulated time at the end — so any
 * change in how the threads ran, or in how many instructions, shows.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

enum { THREADS = 4, ROUNDS = 3000 };

static volatile long racy;
static int order[THREADS];
static int finished;

static __attribute__((noinline)) long work(long id)
{
	long s = 0;

	for (int i = 0; i < ROUNDS; i++) {
		racy = racy + 1; /* RACE: a plain read-modify-write */
		s += i * id;
	}
	return s;
}

static void *worker(void *arg)
{
	long id = (long)arg;
	long s = work(id);

	order[__atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST)] = (int)id;
	return (void *)s;
}

int main(void)
{
	pthread_t t[THREADS];
	long total = 0;
	struct timespec ts;

	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)(i + 1));
	for (int i = 0; i < THREADS; i++) {
		void *r;

		pthread_join(t[i], &r);
		total += (long)r;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("racy=%ld order=%d%d%d%d total=%ld ns=%ld\n", racy, order[0], order[1], order[2], order[3], total,
	       ts.tv_sec * 1000000000L + ts.tv_nsec);
	return 0;
}
