/* __int128 arithmetic: add/sub/mul/div/mod/shifts/compare, printed through
 * our own decimal conversion (printf has no %I128). */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

typedef unsigned __int128 u128;
typedef __int128 s128;

static void u128_to_str(u128 v, char *out) {
    char buf[48];
    int n = 0;
    do {
        buf[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++) out[i] = buf[n - 1 - i];
    out[n] = 0;
}

static void s128_to_str(s128 v, char *out) {
    if (v < 0) {
        *out++ = '-';
        u128_to_str(-(u128)v, out);
    } else {
        u128_to_str((u128)v, out);
    }
}

static void put_u(const char *label, u128 v) {
    char s[64];
    u128_to_str(v, s);
    printf("%s=%s\n", label, s);
}
static void put_s(const char *label, s128 v) {
    char s[64];
    s128_to_str(v, s);
    printf("%s=%s\n", label, s);
}
static void put_x(const char *label, u128 v) {
    printf("%s=0x%016llx%016llx\n", label, (unsigned long long)(v >> 64), (unsigned long long)v);
}

static volatile uint64_t seeds[] = {
    0, 1, 3, 0xffffffffffffffffULL, 0x8000000000000000ULL, 0x123456789abcdef0ULL,
    0xfedcba9876543210ULL, 1000000007ULL, 0x00000000ffffffffULL,
};

__attribute__((noinline)) static u128 make(uint64_t hi, uint64_t lo) { return ((u128)hi << 64) | lo; }

int main(void) {
    u128 max = ~(u128)0;
    s128 smax = (s128)(max >> 1);
    s128 smin = -smax - 1;
    put_u("u128max", max);
    put_s("s128max", smax);
    put_s("s128min", smin);
    put_x("u128max_hex", max);

    /* factorials until overflow */
    u128 f = 1;
    int k;
    for (k = 1; k <= 40; k++) {
        u128 nf;
        if (__builtin_mul_overflow(f, (u128)k, &nf)) break;
        f = nf;
    }
    printf("largest factorial fitting: %d! ", k - 1);
    put_u("value", f);

    /* fibonacci up to F(180) */
    u128 a = 0, b = 1;
    for (int i = 0; i < 180; i++) {
        u128 t = a + b;
        a = b;
        b = t;
    }
    put_u("fib180", a);

    /* 2^127 - 1 is prime; compute 3^k mod p with mulmod via doubling */
    u128 p = ((u128)1 << 127) - 1;
    u128 base = 3, e = 1000003, res = 1;
    while (e) {
        if (e & 1) {
            /* res = res*base mod p via shift-add (avoid 256-bit) */
            u128 x = res, y = base, acc = 0;
            while (y) {
                if (y & 1) { acc += x; if (acc >= p) acc -= p; }
                x <<= 1; if (x >= p) x -= p;
                y >>= 1;
            }
            res = acc;
        }
        u128 x = base, y = base, acc = 0;
        while (y) {
            if (y & 1) { acc += x; if (acc >= p) acc -= p; }
            x <<= 1; if (x >= p) x -= p;
            y >>= 1;
        }
        base = acc;
        e >>= 1;
    }
    put_u("3^1000003 mod (2^127-1)", res);

    /* division / modulo of many pairs (calls __udivti3/__divti3/__umodti3) */
    uint64_t h = 0;
    unsigned n = sizeof(seeds) / sizeof(seeds[0]);
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < n; j++)
            for (unsigned k2 = 0; k2 < n; k2++) {
                u128 x = make(seeds[i], seeds[j]);
                u128 y = make(seeds[k2] >> (i & 7), seeds[(k2 + 1) % n]);
                if (y == 0) continue;
                u128 q = x / y, r = x % y;
                if (q * y + r != x || r >= y) printf("BAD udiv\n");
                s128 sx = (s128)x, sy = (s128)y;
                if (!(sx == smin && sy == -1)) {
                    s128 sq = sx / sy, sr = sx % sy;
                    if (sq * sy + sr != sx) printf("BAD sdiv\n");
                    h = h * 31 + (uint64_t)sq + (uint64_t)((u128)sr >> 64);
                }
                h = h * 31 + (uint64_t)q + (uint64_t)(r >> 64) + (uint64_t)(q >> 64);
            }
    printf("div hash=%016llx\n", (unsigned long long)h);

    /* shifts by every count */
    h = 0;
    u128 v = make(0x8123456789abcdefULL, 0xfedcba9876543211ULL);
    for (volatile int s = 0; s < 128; s++) {
        u128 l = v << s, r = v >> s;
        s128 ar = (s128)v >> s;
        h ^= (uint64_t)l ^ (uint64_t)(l >> 64) * 3 ^ (uint64_t)r * 5 ^ (uint64_t)(r >> 64) * 7 ^
             (uint64_t)ar * 11 ^ (uint64_t)((u128)ar >> 64) * 13;
        h = (h << 7) | (h >> 57);
    }
    printf("shift hash=%016llx\n", (unsigned long long)h);

    /* comparisons signed vs unsigned */
    s128 neg = -5;
    u128 big = (u128)1 << 100;
    printf("cmp %d %d %d %d\n", neg < (s128)big, (u128)neg > big, smin < smax, (u128)smin > (u128)smax);

    /* signed products */
    put_s("smax/3", smax / 3);
    put_s("smin/7", smin / 7);
    put_s("smin%7", smin % 7);
    put_s("-123456789012345678901234567*-9", (s128)-123456789012345678LL * 1000000000 * 1000000000 * -9);
    put_x("mul", make(0x0123456789abcdefULL, 0xfedcba9876543210ULL) * make(0x1111111111111111ULL, 0x2222222222222222ULL));
    char s[64];
    u128_to_str((u128)1 << 127, s);
    printf("2^127=%s len=%zu\n", s, strlen(s));
    return 0;
}
