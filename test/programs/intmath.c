/* 64-bit integer arithmetic: mul/div/mod edge cases, signed and unsigned,
 * mixed widths, shifts, overflow-checking builtins. Deterministic output. */
#include <stdio.h>
#include <stdint.h>
#include <limits.h>
#include <inttypes.h>

/* volatile sources keep the compiler from folding everything at -O2 */
static volatile int64_t sv[] = {
    0, 1, -1, 2, -2, 3, -3, 7, -7, 10, -10, 255, -256, 65535, -65536,
    INT32_MAX, INT32_MIN, (int64_t)INT32_MAX + 1, (int64_t)INT32_MIN - 1,
    INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
    0x123456789abcdefLL, -0x123456789abcdefLL, 1000000007, -999999937,
    0x5555555555555555LL, (int64_t)0xaaaaaaaaaaaaaaaaULL,
};
#define NSV (sizeof(sv) / sizeof(sv[0]))

static volatile uint64_t uv[] = {
    0, 1, 2, 3, 7, 10, 255, 256, 65535, 0xffffffffULL, 0x100000000ULL,
    0x7fffffffffffffffULL, 0x8000000000000000ULL, 0xffffffffffffffffULL,
    0xfffffffffffffffeULL, 0xdeadbeefcafebabeULL, 1000000007ULL,
    0x0123456789abcdefULL, 0xfedcba9876543210ULL,
};
#define NUV (sizeof(uv) / sizeof(uv[0]))

static uint64_t hash = 1469598103934665603ULL; /* FNV-1a over all results */
static void mix(uint64_t v) {
    for (int i = 0; i < 8; i++) {
        hash ^= (v >> (8 * i)) & 0xff;
        hash *= 1099511628211ULL;
    }
}

__attribute__((noinline)) static int64_t sdiv(int64_t a, int64_t b) { return a / b; }
__attribute__((noinline)) static int64_t smod(int64_t a, int64_t b) { return a % b; }
__attribute__((noinline)) static uint64_t udiv(uint64_t a, uint64_t b) { return a / b; }
__attribute__((noinline)) static uint64_t umod(uint64_t a, uint64_t b) { return a % b; }
__attribute__((noinline)) static int32_t sdiv32(int32_t a, int32_t b) { return a / b; }
__attribute__((noinline)) static uint32_t udiv32(uint32_t a, uint32_t b) { return a / b; }
__attribute__((noinline)) static int16_t smul16(int16_t a, int16_t b) { return (int16_t)(a * b); }
__attribute__((noinline)) static uint8_t udiv8(uint8_t a, uint8_t b) { return a / b; }
__attribute__((noinline)) static int8_t sdiv8(int8_t a, int8_t b) { return a / b; }

/* high half of 64x64 multiply, via __int128 (mul / imul with rdx:rax) */
__attribute__((noinline)) static uint64_t umulh(uint64_t a, uint64_t b) {
    return (uint64_t)(((unsigned __int128)a * b) >> 64);
}
__attribute__((noinline)) static int64_t smulh(int64_t a, int64_t b) {
    return (int64_t)(((__int128)a * b) >> 64);
}

int main(void) {
    unsigned n = 0;
    /* signed division / modulo, skipping the trapping cases */
    for (unsigned i = 0; i < NSV; i++) {
        for (unsigned j = 0; j < NSV; j++) {
            int64_t a = sv[i], b = sv[j];
            if (b == 0 || (a == INT64_MIN && b == -1)) continue;
            int64_t q = sdiv(a, b), r = smod(a, b);
            mix((uint64_t)q); mix((uint64_t)r);
            if (q * b + r != a) printf("BAD sdiv %" PRId64 " %" PRId64 "\n", a, b);
            n++;
        }
    }
    printf("signed div/mod pairs=%u hash=%016" PRIx64 "\n", n, hash);

    n = 0;
    for (unsigned i = 0; i < NUV; i++) {
        for (unsigned j = 0; j < NUV; j++) {
            uint64_t a = uv[i], b = uv[j];
            if (b == 0) continue;
            uint64_t q = udiv(a, b), r = umod(a, b);
            mix(q); mix(r);
            if (q * b + r != a || r >= b) printf("BAD udiv %" PRIu64 " %" PRIu64 "\n", a, b);
            n++;
        }
    }
    printf("unsigned div/mod pairs=%u hash=%016" PRIx64 "\n", n, hash);

    /* a few printed explicitly */
    printf("%" PRId64 " / %" PRId64 " = %" PRId64 " rem %" PRId64 "\n",
           sv[20], sv[3], sdiv(sv[20], sv[3]), smod(sv[20], sv[3]));
    printf("%" PRId64 " / %" PRId64 " = %" PRId64 " rem %" PRId64 "\n",
           sv[8], sv[5], sdiv(sv[8], sv[5]), smod(sv[8], sv[5]));
    printf("%" PRId64 " / %" PRId64 " = %" PRId64 " rem %" PRId64 "\n",
           sv[7], sv[6], sdiv(sv[7], sv[6]), smod(sv[7], sv[6]));
    printf("%" PRIu64 " / %" PRIu64 " = %" PRIu64 " rem %" PRIu64 "\n",
           uv[13], uv[16], udiv(uv[13], uv[16]), umod(uv[13], uv[16]));
    printf("%" PRIu64 " / %" PRIu64 " = %" PRIu64 "\n", uv[13], uv[12], udiv(uv[13], uv[12]));

    /* 32-, 16-, 8-bit forms */
    printf("sdiv32 %d %d %d %d\n", sdiv32(INT32_MIN, 2), sdiv32(-7, 2), sdiv32(7, -2), sdiv32(INT32_MAX, -1));
    printf("udiv32 %u %u %u\n", udiv32(0xffffffffu, 3), udiv32(0x80000000u, 0x7fffffffu), udiv32(5, 7));
    printf("smul16 %d %d %d\n", smul16(300, 300), smul16(-32768, -1), smul16(-200, 164));
    printf("udiv8 %u %u sdiv8 %d %d\n", udiv8(255, 7), udiv8(200, 201), sdiv8(-128, 3), sdiv8(127, -5));

    /* multiplication: low and high halves */
    hash = 1469598103934665603ULL;
    for (unsigned i = 0; i < NUV; i++)
        for (unsigned j = 0; j < NUV; j++) {
            mix(uv[i] * uv[j]);
            mix(umulh(uv[i], uv[j]));
        }
    printf("umul hash=%016" PRIx64 "\n", hash);
    hash = 1469598103934665603ULL;
    for (unsigned i = 0; i < NSV; i++)
        for (unsigned j = 0; j < NSV; j++) {
            mix((uint64_t)((uint64_t)sv[i] * (uint64_t)sv[j]));
            mix((uint64_t)smulh(sv[i], sv[j]));
        }
    printf("smul hash=%016" PRIx64 "\n", hash);
    printf("umulh(max,max)=%016" PRIx64 " smulh(min,min)=%016" PRIx64 " smulh(min,-1)=%" PRId64 "\n",
           umulh(uv[13], uv[13]), (uint64_t)smulh(sv[20], sv[20]), smulh(sv[20], sv[2]));

    /* overflow-checking builtins (jo / jc / seto) */
    int64_t r64;
    uint64_t u64;
    int o1 = __builtin_add_overflow(sv[19], sv[1], &r64);
    int o2 = __builtin_sub_overflow(sv[20], sv[1], &r64);
    int o3 = __builtin_mul_overflow(sv[15], sv[15], &r64);
    int o4 = __builtin_mul_overflow(sv[19], sv[3], &r64);
    int o5 = __builtin_add_overflow(uv[13], uv[1], &u64);
    int o6 = __builtin_mul_overflow(uv[10], uv[10], &u64);
    int o7 = __builtin_sub_overflow(uv[0], uv[1], &u64);
    printf("overflow %d %d %d %d %d %d %d\n", o1, o2, o3, o4, o5, o6, o7);

    /* shifts: arithmetic vs logical, variable counts */
    hash = 1469598103934665603ULL;
    for (unsigned i = 0; i < NSV; i++)
        for (volatile int s = 0; s < 64; s++) {
            mix((uint64_t)(sv[i] >> s));
            mix((uint64_t)sv[i] >> s);
            mix((uint64_t)sv[i] << s);
            mix((uint64_t)((int32_t)sv[i] >> (s & 31)));
            mix((uint32_t)sv[i] >> (s & 31));
            mix((uint64_t)((int8_t)sv[i] >> (s & 7)));
            mix((uint64_t)((int16_t)sv[i] << (s & 15)));
        }
    printf("shift hash=%016" PRIx64 "\n", hash);

    /* conversions between widths */
    hash = 1469598103934665603ULL;
    for (unsigned i = 0; i < NSV; i++) {
        int64_t v = sv[i];
        mix((uint64_t)(int64_t)(int8_t)v);
        mix((uint64_t)(int64_t)(int16_t)v);
        mix((uint64_t)(int64_t)(int32_t)v);
        mix((uint64_t)(uint8_t)v);
        mix((uint64_t)(uint16_t)v);
        mix((uint64_t)(uint32_t)v);
        mix((uint64_t)(v < 0) | ((uint64_t)((uint64_t)v < 1000) << 1) | ((uint64_t)((int32_t)v > 5) << 2));
    }
    printf("convert hash=%016" PRIx64 "\n", hash);

    /* min/max/abs by comparisons (cmov) */
    int64_t mn = INT64_MAX, mx = INT64_MIN;
    uint64_t umx = 0, umn = UINT64_MAX, sabs = 0;
    for (unsigned i = 0; i < NSV; i++) {
        int64_t v = sv[i];
        mn = v < mn ? v : mn;
        mx = v > mx ? v : mx;
        sabs += v < 0 ? -(uint64_t)v : (uint64_t)v;
    }
    for (unsigned i = 0; i < NUV; i++) {
        umx = uv[i] > umx ? uv[i] : umx;
        umn = uv[i] < umn ? uv[i] : umn;
    }
    printf("min=%" PRId64 " max=%" PRId64 " umin=%" PRIu64 " umax=%" PRIu64 " sumabs=%" PRIu64 "\n",
           mn, mx, umn, umx, sabs);

    /* division by constants (magic-number multiplies at -O2) */
    int64_t acc = 0;
    for (int64_t v = -100000; v <= 100000; v += 37) {
        acc += v / 3 + v / 7 + v % 10 + v / 1000 + v % 641 + v / -5;
        acc ^= (int64_t)((uint64_t)(v + 200000) / 13 + (uint64_t)(v + 200000) % 17);
    }
    printf("const div acc=%" PRId64 "\n", acc);
    return 0;
}
