/* Heap: malloc/calloc/realloc/free patterns (many small blocks, growing
 * buffers, a hash table with chaining, a linked list, fragmentation), with
 * contents verified; prints only values, never addresses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

static uint32_t seed = 2463534242u;
static uint32_t rnd(void) { seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5; return seed; }

struct entry { struct entry *next; char *key; long value; };
struct table { struct entry **buckets; size_t nbuckets, count; };

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    while (*s) { h ^= (unsigned char)*s++; h *= 1099511628211ULL; }
    return h;
}
static void table_grow(struct table *t) {
    size_t nb = t->nbuckets ? t->nbuckets * 2 : 8;
    struct entry **b = calloc(nb, sizeof *b);
    for (size_t i = 0; i < t->nbuckets; i++)
        for (struct entry *e = t->buckets[i], *n; e; e = n) {
            n = e->next;
            size_t k = hash_str(e->key) & (nb - 1);
            e->next = b[k];
            b[k] = e;
        }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = nb;
}
static void table_put(struct table *t, const char *key, long value) {
    if (t->count >= t->nbuckets * 3 / 4) table_grow(t);
    size_t k = hash_str(key) & (t->nbuckets - 1);
    for (struct entry *e = t->buckets[k]; e; e = e->next)
        if (strcmp(e->key, key) == 0) { e->value += value; return; }
    struct entry *e = malloc(sizeof *e);
    e->key = malloc(strlen(key) + 1);
    strcpy(e->key, key);
    e->value = value;
    e->next = t->buckets[k];
    t->buckets[k] = e;
    t->count++;
}
static long table_get(struct table *t, const char *key) {
    size_t k = hash_str(key) & (t->nbuckets - 1);
    for (struct entry *e = t->buckets[k]; e; e = e->next) if (strcmp(e->key, key) == 0) return e->value;
    return -1;
}
static void table_free(struct table *t) {
    for (size_t i = 0; i < t->nbuckets; i++)
        for (struct entry *e = t->buckets[i], *n; e; e = n) { n = e->next; free(e->key); free(e); }
    free(t->buckets);
}

struct item { struct item *next; int value; char pad[20]; };

int main(void) {
    /* many small allocations of random sizes, freed in random order */
    enum { SLOTS = 2000 };
    static unsigned char *slot[SLOTS];
    static size_t slot_len[SLOTS];
    uint64_t check = 0;
    int bad = 0;
    for (int round = 0; round < 8000; round++) {
        int i = (int)(rnd() % SLOTS);
        if (slot[i]) {
            for (size_t j = 0; j < slot_len[i]; j++)
                if (slot[i][j] != (unsigned char)(i + j)) { bad++; break; }
            check += slot_len[i];
            if (rnd() % 3 == 0) {
                size_t nl = rnd() % 600 + 1;
                unsigned char *p = realloc(slot[i], nl);
                for (size_t j = slot_len[i]; j < nl; j++) p[j] = (unsigned char)(i + j);
                slot[i] = p;
                slot_len[i] = nl;
            } else {
                free(slot[i]);
                slot[i] = NULL;
            }
        } else {
            size_t len = (rnd() % 64 == 0) ? rnd() % 10000 + 1 : rnd() % 200 + 1;
            slot[i] = malloc(len);
            slot_len[i] = len;
            for (size_t j = 0; j < len; j++) slot[i][j] = (unsigned char)(i + j);
        }
    }
    int live = 0;
    for (int i = 0; i < SLOTS; i++) if (slot[i]) { live++; free(slot[i]); }
    printf("random heap: bad=%d live=%d checked bytes=%llu\n", bad, live, (unsigned long long)check);

    /* calloc must give zeroes, even after reuse */
    for (int k = 0; k < 100; k++) {
        unsigned char *p = malloc(5000);
        memset(p, 0xab, 5000);
        free(p);
        unsigned *z = calloc(1250, sizeof *z);
        for (int j = 0; j < 1250; j++) if (z[j]) { bad++; break; }
        free(z);
    }
    printf("calloc zero bad=%d\n", bad);

    /* growing buffer with realloc (string builder) */
    size_t cap = 1, len = 0;
    char *sb = malloc(cap);
    for (int i = 0; i < 4000; i++) {
        char tmp[32];
        int n = snprintf(tmp, sizeof tmp, "%d,", i * i % 9973);
        if (len + (size_t)n + 1 > cap) { cap *= 2; sb = realloc(sb, cap); }
        memcpy(sb + len, tmp, (size_t)n + 1);
        len += (size_t)n;
    }
    printf("builder len=%zu cap=%zu hash=%016llx tail=%s\n", len, cap, (unsigned long long)hash_str(sb), sb + len - 12);
    sb = realloc(sb, 16);
    sb[15] = 0;
    printf("shrunk=%s\n", sb);
    free(sb);

    /* hash table word counts */
    struct table t = {0};
    static const char *words[] = {"lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit",
                                  "sed", "do", "eiusmod", "tempor", "incididunt", "ut", "labore", "et"};
    char key[64];
    for (int i = 0; i < 8000; i++) {
        uint32_t r = rnd();
        snprintf(key, sizeof key, "%s-%s-%u", words[r % 16], words[(r >> 4) % 16], (r >> 8) % 50);
        table_put(&t, key, 1);
    }
    long maxv = 0;
    for (size_t i = 0; i < t.nbuckets; i++)
        for (struct entry *e = t.buckets[i]; e; e = e->next) if (e->value > maxv) maxv = e->value;
    printf("table entries=%zu buckets=%zu max=%ld lorem-ipsum-7=%ld missing=%ld\n", t.count, t.nbuckets, maxv,
           table_get(&t, "lorem-ipsum-7"), table_get(&t, "nope"));
    table_free(&t);

    /* linked list: build, reverse, filter, sum */
    struct item *head = NULL;
    for (int i = 0; i < 30000; i++) {
        struct item *it = malloc(sizeof *it);
        it->value = (int)(rnd() % 1000);
        it->next = head;
        head = it;
    }
    struct item *rev = NULL;
    while (head) { struct item *n = head->next; head->next = rev; rev = head; head = n; }
    long sum = 0;
    int kept = 0;
    struct item **pp = &rev;
    while (*pp) {
        if ((*pp)->value % 3 == 0) { struct item *dead = *pp; *pp = dead->next; free(dead); }
        else { sum += (*pp)->value; kept++; pp = &(*pp)->next; }
    }
    printf("list kept=%d sum=%ld\n", kept, sum);
    while (rev) { struct item *n = rev->next; free(rev); rev = n; }

    /* large blocks (mmap-backed in musl) */
    for (int k = 1; k <= 8; k++) {
        size_t n = (size_t)k * 20000;
        uint32_t *big = malloc(n * sizeof *big);
        for (size_t j = 0; j < n; j++) big[j] = (uint32_t)(j * 2654435761u);
        uint64_t s = 0;
        for (size_t j = 0; j < n; j += 97) s += big[j];
        big = realloc(big, n * 2 * sizeof *big);
        for (size_t j = n; j < 2 * n; j++) big[j] = 1;
        for (size_t j = 0; j < 2 * n; j += 89) s += big[j];
        printf("big %d: %llu\n", k, (unsigned long long)s);
        free(big);
    }
    return 0;
}
