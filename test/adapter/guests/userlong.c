/* A user program long enough for many time-travel checkpoints (about four
   million instructions): forty rounds of work(), each mixing its own seed
   four thousand times, with a call per step. */
#include <stdio.h>

static __attribute__((noinline)) unsigned mix(unsigned x, int i)
{
	unsigned y = x * 1103515245u + 12345u + (unsigned)i;
	return y ^ (y >> 7);
}

static __attribute__((noinline)) unsigned work(int n, unsigned seed)
{
	unsigned x = seed; /* WORK_START: */
	for (int i = 0; i < n; i++)
		x = mix(x, i);
	return x; /* WORK_END: */
}

int main(void)
{
	unsigned total = 0;
	for (int round = 0; round < 40; round++)
		total ^= work(4000, (unsigned)round); /* ROUND: */
	printf("total=%u\n", total);
	return 0;
}
