/* Benchmark: snprintf of kernel-log-like lines (decimal, hex, strings,
 * padding, u64). Usage: snprintf [SCALE] */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    static const char *names[] = { "kworker/0:1", "ksoftirqd/1", "swapper", "test_module", "rcu_sched" };
    char buf[256];
    uint64_t x = 0x2545f4914f6cdd1dull, h = 1469598103934665603ull;
    long n = 60000L * scale;
    for (long i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        int len = snprintf(buf, sizeof buf, "[%5lu.%06lu] %s[%d]: addr=%016llx len=%llu flags=%#x %-8s|",
                           (unsigned long)(i / 1000), (unsigned long)(x % 1000000), names[i % 5], (int)(x & 0xffff),
                           (unsigned long long)x, (unsigned long long)(x >> 40), (unsigned)(x >> 60), i & 1 ? "in" : "out");
        for (int k = 0; k < len; k++) h = (h ^ (unsigned char)buf[k]) * 1099511628211ull;
    }
    printf("snprintf n=%ld hash=%016llx last=%s\n", n, (unsigned long long)h, buf);
    return 0;
}
