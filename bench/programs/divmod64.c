/* Benchmark: u64 division and modulo of every kind a kernel does (by
 * constants, by small and by large variables, signed). Usage: divmod64 [SCALE] */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    volatile uint64_t dsmall = 1000000007u, dlarge = 0x1234567890abull;
    volatile int64_t dsigned = -12345;
    uint64_t x = 88172645463325252ull, acc = 0;
    int64_t sacc = 0;
    long n = 2000000L * scale;
    for (long i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint64_t v = x >> (i & 15);
        acc += v / dsmall + v % dsmall;
        acc ^= v / dlarge + v % (dlarge + (i & 255));
        sacc += (int64_t)v / dsigned + (int64_t)(v >> 3) % (dsigned - (i & 7));
        acc += v / 10 + v % 1000;
    }
    printf("divmod64 n=%ld acc=%016llx sacc=%lld\n", n, (unsigned long long)acc, (long long)sacc);
    return 0;
}
