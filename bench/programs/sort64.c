/* Benchmark: sorting u64 arrays — an insertion/heap hybrid written out and
 * libc qsort with a comparison callback. Usage: sort64 [SCALE] */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

#define N 20000
static uint64_t a[N];

static void sift(uint64_t *v, size_t start, size_t end) {
    size_t root = start;
    while (2 * root + 1 <= end) {
        size_t child = 2 * root + 1, swap = root;
        if (v[swap] < v[child]) swap = child;
        if (child + 1 <= end && v[swap] < v[child + 1]) swap = child + 1;
        if (swap == root) return;
        uint64_t t = v[root]; v[root] = v[swap]; v[swap] = t;
        root = swap;
    }
}
static void heapsort64(uint64_t *v, size_t n) {
    for (size_t s = n / 2; s-- > 0;) sift(v, s, n - 1);
    for (size_t e = n - 1; e > 0; e--) { uint64_t t = v[e]; v[e] = v[0]; v[0] = t; sift(v, 0, e - 1); }
}
static int cmp(const void *x, const void *y) {
    uint64_t p = *(const uint64_t *)x, q = *(const uint64_t *)y;
    return (p > q) - (p < q);
}

int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    uint64_t x = 0x853c49e6748fea9bull, sum = 0;
    for (int r = 0; r < 6 * scale; r++) {
        for (int i = 0; i < N; i++) { x ^= x >> 12; x ^= x << 25; x ^= x >> 27; a[i] = x * 0x2545f4914f6cdd1dull; }
        if (r & 1) qsort(a, N, sizeof a[0], cmp); else heapsort64(a, N);
        for (int i = 1; i < N; i++) if (a[i - 1] > a[i]) { printf("unsorted\n"); return 1; }
        sum += a[N / 2] ^ a[r];
    }
    printf("sort64 sum=%016llx\n", (unsigned long long)sum);
    return 0;
}
