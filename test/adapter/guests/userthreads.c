/*
 * Threaded user-mode guest for the adapter tests (test/adapter/user.test.ts):
 * main starts two workers and joins them; each worker sums a range in a
 * helper, where the test stops to look at the threads and their stacks.
 */
#include <pthread.h>
#include <stdio.h>

static __attribute__((noinline)) long sum_range(long from, long to)
{
	long s = 0;
	for (long i = from; i < to; i++)
		s += i;
	return s;
}

static void *worker(void *arg)
{
	long id = (long)arg;
	long s = sum_range(id * 100, id * 100 + 100);
	return (void *)s;
}

int main(void)
{
	pthread_t t[2];
	long total = 0;

	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, (void *)(i + 1));
	for (int i = 0; i < 2; i++) {
		void *r;
		pthread_join(t[i], &r);
		total += (long)r;
	}
	printf("total=%ld\n", total);
	return (int)(total % 100);
}
