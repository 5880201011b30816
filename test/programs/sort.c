/* Sorting: libc qsort (with several comparators and element sizes) and our
 * own merge sort, heap sort, quicksort, insertion sort and radix sort, all
 * checked against each other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#define N 1500
static uint64_t state = 0x9e3779b97f4a7c15ULL;
static uint64_t xorshift(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}
static int cmp_i32_desc(const void *a, const void *b) { return cmp_i32(b, a); }
static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}
struct rec { char name[12]; int32_t key; uint16_t tag; };
static int cmp_rec(const void *a, const void *b) {
    const struct rec *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return strcmp(x->name, y->name);
}
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void insertion(int32_t *a, int n) {
    for (int i = 1; i < n; i++) {
        int32_t v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}
static void merge_sort(int32_t *a, int32_t *tmp, int n) {
    if (n < 16) { insertion(a, n); return; }
    int m = n / 2;
    merge_sort(a, tmp, m);
    merge_sort(a + m, tmp, n - m);
    int i = 0, j = m, k = 0;
    while (i < m && j < n) tmp[k++] = a[j] < a[i] ? a[j++] : a[i++];
    while (i < m) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    memcpy(a, tmp, (size_t)n * sizeof *a);
}
static void sift(int32_t *a, int start, int n) {
    int root = start;
    for (;;) {
        int c = 2 * root + 1;
        if (c >= n) return;
        if (c + 1 < n && a[c] < a[c + 1]) c++;
        if (a[root] >= a[c]) return;
        int32_t t = a[root]; a[root] = a[c]; a[c] = t;
        root = c;
    }
}
static void heap_sort(int32_t *a, int n) {
    for (int i = n / 2 - 1; i >= 0; i--) sift(a, i, n);
    for (int e = n - 1; e > 0; e--) {
        int32_t t = a[0]; a[0] = a[e]; a[e] = t;
        sift(a, 0, e);
    }
}
static void quick_sort(int32_t *a, int lo, int hi) {
    while (lo < hi) {
        int32_t p = a[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i <= j) { int32_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { quick_sort(a, lo, j); lo = i; }
        else { quick_sort(a, i, hi); hi = j; }
    }
}
static void radix_sort(uint64_t *a, uint64_t *tmp, int n) {
    for (int shift = 0; shift < 64; shift += 8) {
        size_t count[257] = {0};
        for (int i = 0; i < n; i++) count[((a[i] >> shift) & 0xff) + 1]++;
        for (int i = 0; i < 256; i++) count[i + 1] += count[i];
        for (int i = 0; i < n; i++) tmp[count[(a[i] >> shift) & 0xff]++] = a[i];
        memcpy(a, tmp, (size_t)n * sizeof *a);
    }
}

static uint64_t sum_hash(const int32_t *a, int n) {
    uint64_t h = 0;
    for (int i = 0; i < n; i++) h = h * 6364136223846793005ULL + (uint32_t)a[i];
    return h;
}

static int32_t base[N], a1[N], a2[N], a3[N], a4[N], a5[N], tmp[N];
static uint64_t u1[N], u2[N], utmp[N];
static struct rec recs[1500];

int main(void) {
    for (int i = 0; i < N; i++) base[i] = (int32_t)(xorshift() % 200001) - 100000;
    memcpy(a1, base, sizeof base); memcpy(a2, base, sizeof base);
    memcpy(a3, base, sizeof base); memcpy(a4, base, sizeof base);
    memcpy(a5, base, sizeof base);
    qsort(a1, N, sizeof a1[0], cmp_i32);
    merge_sort(a2, tmp, N);
    heap_sort(a3, N);
    quick_sort(a4, 0, N - 1);
    insertion(a5, 1000);
    int ok = memcmp(a1, a2, sizeof a1) == 0 && memcmp(a1, a3, sizeof a1) == 0 && memcmp(a1, a4, sizeof a1) == 0;
    int sorted5 = 1;
    for (int i = 1; i < 1000; i++) if (a5[i - 1] > a5[i]) sorted5 = 0;
    printf("int32 sorts agree=%d insertion sorted=%d min=%d max=%d median=%d hash=%016llx\n", ok, sorted5,
           a1[0], a1[N - 1], a1[N / 2], (unsigned long long)sum_hash(a1, N));
    for (int i = 0; i < 10; i++) printf("%d%c", a1[i * (N / 10)], i == 9 ? '\n' : ' ');

    qsort(a1, N, sizeof a1[0], cmp_i32_desc);
    printf("desc first=%d last=%d\n", a1[0], a1[N - 1]);
    /* already sorted and reversed input, all-equal input */
    qsort(a1, N, sizeof a1[0], cmp_i32);
    qsort(a1, N, sizeof a1[0], cmp_i32);
    for (int i = 0; i < N; i++) a2[i] = 7;
    qsort(a2, N, sizeof a2[0], cmp_i32);
    quick_sort(a2, 0, N - 1);
    printf("resort hash=%016llx equal hash=%016llx\n", (unsigned long long)sum_hash(a1, N),
           (unsigned long long)sum_hash(a2, N));

    for (int i = 0; i < N; i++) u1[i] = u2[i] = xorshift();
    qsort(u1, N, sizeof u1[0], cmp_u64);
    radix_sort(u2, utmp, N);
    printf("u64 qsort==radix %d first=%016llx last=%016llx\n", memcmp(u1, u2, sizeof u1) == 0,
           (unsigned long long)u1[0], (unsigned long long)u1[N - 1]);

    /* records with string tie-break: 20-byte elements */
    static const char *syll[] = {"ka", "lo", "mi", "nu", "pe", "ra", "so", "ti"};
    for (int i = 0; i < 1500; i++) {
        uint64_t r = xorshift();
        snprintf(recs[i].name, sizeof recs[i].name, "%s%s%s", syll[r & 7], syll[(r >> 3) & 7], syll[(r >> 6) & 7]);
        recs[i].key = (int32_t)((r >> 16) % 50);
        recs[i].tag = (uint16_t)i;
    }
    qsort(recs, 1500, sizeof recs[0], cmp_rec);
    int rok = 1;
    for (int i = 1; i < 1500; i++) if (cmp_rec(&recs[i - 1], &recs[i]) > 0) rok = 0;
    printf("records sorted=%d first=%s/%d last=%s/%d\n", rok, recs[0].name, recs[0].key, recs[1499].name,
           recs[1499].key);
    uint64_t th = 0;
    for (int i = 0; i < 1500; i++) if (i == 0 || cmp_rec(&recs[i - 1], &recs[i]) != 0) th = th * 31 + recs[i].key;
    printf("records key hash=%016llx\n", (unsigned long long)th);

    /* sorting strings through pointers */
    const char *words[] = {"pear", "apple", "fig", "banana", "cherry", "date", "elderberry", "grape",
                           "kiwi", "lemon", "mango", "nectarine", "orange", "papaya", "quince", "apricot"};
    int nw = sizeof words / sizeof words[0];
    qsort(words, (size_t)nw, sizeof words[0], cmp_str);
    for (int i = 0; i < nw; i++) printf("%s%c", words[i], i == nw - 1 ? '\n' : ',');
    /* bsearch */
    int32_t key = a1[1234];
    int32_t *hit = bsearch(&key, a1, N, sizeof a1[0], cmp_i32);
    int32_t missing = 100001;
    printf("bsearch found=%d value=%d missing=%p\n", hit != NULL, hit ? *hit : 0,
           bsearch(&missing, a1, N, sizeof a1[0], cmp_i32));
    return 0;
}
