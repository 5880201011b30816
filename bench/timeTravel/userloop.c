/* A long user-mode program for the time-travel benchmark (bench/timeTravel.ts):
   argv[1] rounds of work(), about 2.1 million instructions each, a call per
   step. Built with musl-gcc -static -g -O0. */
#include <stdio.h>
#include <stdlib.h>

static unsigned step(unsigned x, int i) { return x * 1103515245u + 12345u + (unsigned)i; }

static unsigned work(int n)
{
	unsigned x = 1;
	for (int i = 0; i < n; i++)
		x = step(x, i);
	return x;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 100;
	unsigned total = 0;
	for (int round = 0; round < rounds; round++)
		total ^= work(100000);
	printf("total=%u\n", total);
	return 0;
}
