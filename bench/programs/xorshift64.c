/* Benchmark: a 64-bit xorshift* loop with 64-bit shifts, rotates, multiply
 * and compares. Usage: xorshift64 [SCALE] */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    uint64_t x = 0x9e3779b97f4a7c15ull, acc = 0, big = 0;
    long n = 20000000L * scale;
    for (long i = 0; i < n; i++) {
        x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
        uint64_t r = x * 0x2545f4914f6cdd1dull;
        acc += (r << 9) | (r >> 55);
        if (r > 0xc000000000000000ull) big++;
    }
    printf("xorshift64 n=%ld acc=%016llx big=%llu\n", n, (unsigned long long)acc, (unsigned long long)big);
    return 0;
}
