/*
 * User-mode guest for the adapter tests (test/adapter/user.test.ts): a
 * static executable (musl-gcc -static -g) with a loop, a helper function
 * and output on stdout; argv[1] == "crash" writes through NULL.
 */
#include <stdio.h>
#include <string.h>

static int *volatile nowhere;

static __attribute__((noinline)) long square(long v)
{
	long r = v * v;
	return r;
}

int main(int argc, char **argv)
{
	long total = 0;
	int i;

	for (i = 1; i <= 4; i++)
		total += square(i);
	printf("total=%ld\n", total);
	if (argc > 1 && strcmp(argv[1], "crash") == 0)
		*nowhere = 1;
	return (int)(total % 7);
}
