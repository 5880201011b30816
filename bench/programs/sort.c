/* Benchmark: sorting a large array of integers: quicksort (median of three,
 * insertion sort for small ranges), then heap sort and a merge sort of the
 * same data, compared. Usage: sort [SCALE] */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define N 400000
static uint32_t a[N], b[N], c[N], tmp[N];

static void insertion(uint32_t *v, long lo, long hi) {
    for (long i = lo + 1; i <= hi; i++) {
        uint32_t x = v[i];
        long j = i - 1;
        while (j >= lo && v[j] > x) { v[j + 1] = v[j]; j--; }
        v[j + 1] = x;
    }
}
static void quick(uint32_t *v, long lo, long hi) {
    while (hi - lo > 16) {
        long mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo]) { uint32_t t = v[mid]; v[mid] = v[lo]; v[lo] = t; }
        if (v[hi] < v[lo]) { uint32_t t = v[hi]; v[hi] = v[lo]; v[lo] = t; }
        if (v[hi] < v[mid]) { uint32_t t = v[hi]; v[hi] = v[mid]; v[mid] = t; }
        uint32_t p = v[mid];
        long i = lo, j = hi;
        while (i <= j) {
            while (v[i] < p) i++;
            while (v[j] > p) j--;
            if (i <= j) { uint32_t t = v[i]; v[i] = v[j]; v[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { quick(v, lo, j); lo = i; }
        else { quick(v, i, hi); hi = j; }
    }
    insertion(v, lo, hi);
}
static void sift(uint32_t *v, long root, long n) {
    uint32_t x = v[root];
    for (;;) {
        long child = 2 * root + 1;
        if (child >= n) break;
        if (child + 1 < n && v[child] < v[child + 1]) child++;
        if (x >= v[child]) break;
        v[root] = v[child];
        root = child;
    }
    v[root] = x;
}
static void heap(uint32_t *v, long n) {
    for (long i = n / 2 - 1; i >= 0; i--) sift(v, i, n);
    for (long e = n - 1; e > 0; e--) { uint32_t t = v[0]; v[0] = v[e]; v[e] = t; sift(v, 0, e); }
}
static void merge(uint32_t *v, long n) {
    /* bottom-up merge sort */
    uint32_t *src = v, *dst = tmp;
    for (long w = 1; w < n; w *= 2) {
        for (long lo = 0; lo < n; lo += 2 * w) {
            long mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            long i = lo, j = mid, k = lo;
            while (i < mid && j < hi) dst[k++] = src[j] < src[i] ? src[j++] : src[i++];
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        uint32_t *t = src; src = dst; dst = t;
    }
    if (src != v) memcpy(v, src, (size_t)n * sizeof *v);
}

int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    uint64_t s = 88172645463325252ULL, h = 0;
    int ok = 1;
    for (int round = 0; round < 2 * scale; round++) {
        for (long i = 0; i < N; i++) {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            a[i] = b[i] = c[i] = (uint32_t)s % (round % 2 ? 1000u : 0xffffffffu);
        }
        quick(a, 0, N - 1);
        heap(b, N);
        merge(c, N);
        if (memcmp(a, b, sizeof a) || memcmp(a, c, sizeof a)) ok = 0;
        for (long i = 0; i < N; i += 1000) h = h * 31 + a[i];
    }
    printf("sort n=%d rounds=%d agree=%d hash=%016llx\n", N, 2 * scale, ok, (unsigned long long)h);
    return 0;
}
