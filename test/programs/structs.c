/* Structures: large structs passed and returned by value (memcpy / rep movs),
 * nested structs, arrays of structs, bitfields, unions, packed layouts. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

struct big { int64_t v[40]; char tag[24]; int32_t n; };
struct small { int32_t a; int16_t b; int8_t c; };
struct mid { double d; int64_t i; };
struct bits { unsigned a : 3; unsigned b : 5; signed c : 7; unsigned d : 17; uint64_t e : 40; };
struct __attribute__((packed)) packed { uint8_t k; uint32_t v; uint16_t w; uint64_t z; };
union pun { uint64_t u; uint32_t w[2]; uint8_t b[8]; };

__attribute__((noinline)) static struct big make_big(int seed) {
    struct big b;
    for (int i = 0; i < 40; i++) b.v[i] = (int64_t)seed * (i + 1) - i * i;
    snprintf(b.tag, sizeof b.tag, "big-%d", seed);
    b.n = seed;
    return b;
}
__attribute__((noinline)) static struct big transform(struct big b, int k) {
    for (int i = 0; i < 40; i++) b.v[i] = b.v[i] * k + b.v[39 - i];
    b.n += k;
    b.tag[0] = (char)('A' + k % 26);
    return b;
}
__attribute__((noinline)) static int64_t sum_big(struct big b) {
    int64_t s = b.n;
    for (int i = 0; i < 40; i++) s += b.v[i] ^ i;
    for (int i = 0; b.tag[i]; i++) s += b.tag[i];
    return s;
}
__attribute__((noinline)) static struct small make_small(int x) {
    struct small s = {x * 1000, (int16_t)(x * 7), (int8_t)(x - 3)};
    return s;
}
__attribute__((noinline)) static struct mid combine(struct mid a, struct mid b) {
    struct mid r = {a.d * 0.5 + b.d, a.i * 3 - b.i};
    return r;
}
/* many struct arguments: some in registers, some on the stack */
__attribute__((noinline)) static int64_t many(struct small a, struct small b, struct mid c, struct small d,
                                              struct big e, struct small f, struct mid g) {
    return a.a + b.b + c.i + d.c + e.v[3] + f.a + g.i + (int64_t)(c.d + g.d);
}

struct node { struct node *left, *right; int key; struct small payload; };

int main(void) {
    struct big a = make_big(7);
    struct big b = transform(a, 3);
    struct big c = transform(transform(b, 5), 11);
    printf("sums %lld %lld %lld\n", (long long)sum_big(a), (long long)sum_big(b), (long long)sum_big(c));
    printf("tags %s %s %s n=%d %d %d\n", a.tag, b.tag, c.tag, a.n, b.n, c.n);
    printf("v[0..3] %lld %lld %lld %lld\n", (long long)c.v[0], (long long)c.v[1], (long long)c.v[2], (long long)c.v[39]);

    /* array of big structs, assignment and swap */
    static struct big arr[16];
    for (int i = 0; i < 16; i++) arr[i] = make_big(i * 3 + 1);
    for (int i = 0; i < 8; i++) { struct big t = arr[i]; arr[i] = arr[15 - i]; arr[15 - i] = t; }
    int64_t total = 0;
    for (int i = 0; i < 16; i++) total = total * 3 + sum_big(arr[i]);
    printf("array total %lld first tag %s\n", (long long)total, arr[0].tag);

    struct small s = make_small(42);
    printf("small %d %d %d\n", s.a, s.b, s.c);
    struct mid m1 = {1.5, 10}, m2 = {-0.25, 4};
    struct mid m3 = combine(m1, m2);
    printf("mid %lld %lld\n", (long long)(m3.d * 1000), (long long)m3.i);
    printf("many %lld\n", (long long)many(make_small(1), make_small(2), m1, make_small(4), a, make_small(6), m3));

    /* bitfields */
    struct bits bf = {0};
    uint64_t bh = 0;
    for (int i = 0; i < 1000; i++) {
        bf.a += (unsigned)i;
        bf.b ^= (unsigned)(i * 7);
        bf.c = (signed)(bf.c + i * 3);
        bf.d += (unsigned)(i * 1234);
        bf.e = bf.e * 3 + (uint64_t)i;
        bh = bh * 31 + bf.a + bf.b * 10 + (uint64_t)(int64_t)bf.c * 100 + bf.d + bf.e;
    }
    printf("bits a=%u b=%u c=%d d=%u e=%llu hash=%016llx sizeof=%zu\n", bf.a, bf.b, bf.c, bf.d,
           (unsigned long long)bf.e, (unsigned long long)bh, sizeof bf);

    /* packed: unaligned members */
    struct packed pk[5];
    memset(pk, 0, sizeof pk);
    for (int i = 0; i < 5; i++) {
        pk[i].k = (uint8_t)i;
        pk[i].v = 0x01020304u * (uint32_t)(i + 1);
        pk[i].w = (uint16_t)(0xbeef + i);
        pk[i].z = 0x1122334455667788ULL + (uint64_t)i;
    }
    uint64_t ph = 0;
    for (int i = 0; i < 5; i++) ph += pk[i].k + pk[i].v + pk[i].w + pk[i].z;
    printf("packed sizeof=%zu sum=%016llx\n", sizeof pk[0], (unsigned long long)ph);

    union pun u = {.u = 0x0102030405060708ULL};
    printf("union w0=%08x w1=%08x b0=%u b7=%u\n", u.w[0], u.w[1], u.b[0], u.b[7]);

    /* binary tree of nodes in a static pool */
    static struct node pool[1000];
    struct node *root = NULL;
    for (int i = 0; i < 1000; i++) {
        struct node *n = &pool[i];
        n->key = (i * 7919) % 1009;
        n->payload = make_small(i);
        struct node **p = &root;
        while (*p) p = n->key < (*p)->key ? &(*p)->left : &(*p)->right;
        *p = n;
    }
    /* iterative in-order walk with an explicit stack */
    struct node *stack[1000];
    int sp = 0, count = 0, last = -1, inorder = 1;
    int64_t ps = 0;
    struct node *cur = root;
    while (cur || sp) {
        while (cur) { stack[sp++] = cur; cur = cur->left; }
        cur = stack[--sp];
        if (cur->key < last) inorder = 0;
        last = cur->key;
        ps += cur->payload.a / 1000 * (count % 5);
        count++;
        cur = cur->right;
    }
    printf("tree count=%d inorder=%d payload=%lld\n", count, inorder, (long long)ps);

    /* struct comparison through memcmp after copy */
    struct big d = c;
    printf("copy equal=%d\n", memcmp(&d, &c, sizeof d) == 0);
    d.v[20]++;
    printf("copy differs=%d\n", memcmp(&d, &c, sizeof d) != 0);
    return 0;
}
