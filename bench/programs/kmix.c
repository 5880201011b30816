/* Benchmark: a mix shaped like kernel code — u64 checksums, xorshift, sorting
 * u64 arrays, u64 division and modulo, snprintf, list walks and recursion,
 * interleaved in one loop. Usage: kmix [SCALE] */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define N 4096
static uint64_t arr[N];
struct item { struct item *next; uint64_t key; uint32_t flags; uint32_t pad; };
static struct item items[N];

static uint64_t xs(uint64_t *s) { uint64_t x = *s; x ^= x << 13; x ^= x >> 7; x ^= x << 17; return *s = x; }

static uint64_t csum64(const uint64_t *p, size_t n) {
    uint64_t a = 0x9e3779b97f4a7c15ull, b = 0;
    for (size_t i = 0; i < n; i++) { a += p[i]; b += a ^ (a >> 29); a = (a << 7) | (a >> 57); }
    return a ^ b;
}

static int cmp_u64(const void *x, const void *y) {
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static uint64_t divmix(uint64_t seed, int n) {
    uint64_t acc = 0;
    for (int i = 0; i < n; i++) {
        uint64_t v = xs(&seed), d = (xs(&seed) >> (i & 63)) | 1;
        acc += v / d + v % 1000003u + (v >> 20) / 7;
    }
    return acc;
}

static uint64_t walk(struct item *head) {
    uint64_t s = 0;
    for (struct item *it = head; it; it = it->next) if (it->flags & 1) s += it->key; else s ^= it->key >> 3;
    return s;
}

static uint64_t tree(int depth, uint64_t v) {
    if (depth == 0) return v * 2654435761u;
    return tree(depth - 1, v + 1) ^ (tree(depth - 1, v ^ 0x55) >> 1);
}

int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    uint64_t seed = 0x243f6a8885a308d3ull, total = 0;
    char line[128];
    size_t lines = 0;
    for (int i = 0; i < N; i++) { items[i].key = xs(&seed); items[i].flags = (uint32_t)i * 2654435761u >> 16; }
    for (int i = 0; i < N; i++) items[i].next = i + 1 < N ? &items[(uint32_t)(i + 1) * 2654435761u % N] : NULL;
    for (int round = 0; round < 60 * scale; round++) {
        for (int i = 0; i < N; i++) arr[i] = xs(&seed);
        total += csum64(arr, N);
        qsort(arr, N / 4, sizeof arr[0], cmp_u64);
        total ^= arr[round % (N / 4)];
        total += divmix(seed, 2000);
        for (int i = 0; i < 200; i++)
            lines += (size_t)snprintf(line, sizeof line, "cpu%d: %llu/%llx %s", i & 7,
                                      (unsigned long long)arr[i], (unsigned long long)(arr[i] % 99991), i & 1 ? "ok" : "wait");
        for (int w = 0; w < 20; w++) total += walk(&items[w]);
        total ^= tree(11, total);
    }
    printf("kmix total=%016llx lines=%zu\n", (unsigned long long)total, lines);
    return 0;
}
