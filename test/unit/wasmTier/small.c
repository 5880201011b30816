/* A program with a few hot traces (wasmTierCache.test.ts): prints one line; given N, runs one loop N times first. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    unsigned long n = argc > 1 ? strtoul(argv[1], 0, 10) : 0, x = 1;
    for (unsigned long i = 0; i < n; i++) x = x * 6364136223846793005UL + i;
    printf("%lu\n", x);
    return 0;
}
