/* Bit manipulation: __builtin_popcount/clz/ctz/parity/bswap/ffs at all
 * widths, rotates, bit reversal, and the same through the popcnt / lzcnt /
 * tzcnt instructions, enabled per function with target("popcnt"/"lzcnt"/
 * "bmi") (the host CPU and the simulator must both support them). */
#include <stdio.h>
#include <stdint.h>

static volatile uint64_t vals[] = {
    1, 2, 3, 0x80, 0xff, 0x100, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
    0x100000000ULL, 0x8000000000000000ULL, 0xffffffffffffffffULL, 0x5555555555555555ULL,
    0xaaaaaaaaaaaaaaaaULL, 0x0123456789abcdefULL, 0xf0f0f0f00f0f0f0fULL, 0x0000100000001000ULL,
};
#define NV (sizeof vals / sizeof vals[0])

static uint64_t h = 1469598103934665603ULL;
static void mix(uint64_t v) { h = (h ^ v) * 1099511628211ULL; }

static uint64_t rotl64(uint64_t x, unsigned r) { return (x << (r & 63)) | (x >> ((64 - r) & 63)); }
static uint32_t rotr32(uint32_t x, unsigned r) { return (x >> (r & 31)) | (x << ((32 - r) & 31)); }
static uint8_t rotl8(uint8_t x, unsigned r) { return (uint8_t)((x << (r & 7)) | (x >> ((8 - r) & 7))); }
static uint16_t rotr16(uint16_t x, unsigned r) { return (uint16_t)((x >> (r & 15)) | (x << ((16 - r) & 15))); }

static uint64_t reverse64(uint64_t x) {
    x = ((x >> 1) & 0x5555555555555555ULL) | ((x & 0x5555555555555555ULL) << 1);
    x = ((x >> 2) & 0x3333333333333333ULL) | ((x & 0x3333333333333333ULL) << 2);
    x = ((x >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((x & 0x0f0f0f0f0f0f0f0fULL) << 4);
    return __builtin_bswap64(x);
}
static int popcount_naive(uint64_t x) { int n = 0; while (x) { x &= x - 1; n++; } return n; }

__attribute__((noinline, target("popcnt"))) static int hw_popcount(uint64_t x) { return __builtin_popcountll(x); }
__attribute__((noinline, target("lzcnt"))) static int hw_clz(uint64_t x) { return __builtin_clzll(x); }
__attribute__((noinline, target("lzcnt"))) static int hw_lzcnt0(uint32_t x) { return x ? __builtin_clz(x) : 32; }
__attribute__((noinline, target("bmi"))) static int hw_ctz(uint64_t x) { return __builtin_ctzll(x); }

int main(void) {
    for (unsigned i = 0; i < NV; i++) {
        uint64_t v = vals[i];
        uint32_t w = (uint32_t)v;
        printf("%016llx pop=%d clz=%d ctz=%d par=%d ffs=%d | w pop=%d clz=%d ctz=%d | bswap=%016llx rev=%016llx\n",
               (unsigned long long)v, __builtin_popcountll(v), __builtin_clzll(v), __builtin_ctzll(v),
               __builtin_parityll(v), __builtin_ffsll((long long)v), __builtin_popcount(w), w ? __builtin_clz(w) : -1,
               w ? __builtin_ctz(w) : -1, (unsigned long long)__builtin_bswap64(v),
               (unsigned long long)reverse64(v));
    }
    int bad = 0;
    uint64_t x = 0x243f6a8885a308d3ULL;
    for (int i = 0; i < 5000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint64_t v = x >> (i % 64);
        if (v == 0) v = 1;
        int pc = __builtin_popcountll(v);
        if (pc != popcount_naive(v) || pc != hw_popcount(v)) bad++;
        if (__builtin_clzll(v) != hw_clz(v) || __builtin_ctzll(v) != hw_ctz(v)) bad++;
        if (hw_lzcnt0((uint32_t)v) != ((uint32_t)v ? __builtin_clz((uint32_t)v) : 32)) bad++;
        mix((uint64_t)pc);
        mix(rotl64(v, (unsigned)i));
        mix(rotr32((uint32_t)v, (unsigned)i));
        mix(rotl8((uint8_t)v, (unsigned)i));
        mix(rotr16((uint16_t)v, (unsigned)i));
        mix(__builtin_bswap32((uint32_t)v) ^ __builtin_bswap16((uint16_t)v));
        mix(v & -v);                                 /* lowest set bit */
        mix(v | (v - 1));                            /* fill trailing zeros */
        mix((uint64_t)(63 - __builtin_clzll(v)));    /* floor log2 */
        mix((uint64_t)__builtin_parityll(v) << 3 | (uint64_t)__builtin_clrsbll((long long)v));
        /* bit test and set/reset/complement on memory-like words */
        uint64_t word = v;
        unsigned b = (unsigned)(x & 63);
        mix((word >> b) & 1);
        word |= 1ULL << b; mix(word);
        word &= ~(1ULL << ((b + 5) & 63)); mix(word);
        word ^= 1ULL << ((b * 3) & 63); mix(word);
    }
    printf("random bits bad=%d hash=%016llx\n", bad, (unsigned long long)h);
    /* next power of two, gray code, and a bitset sieve */
    for (uint32_t v = 1; v < 5000000; v = v * 3 + 1) {
        uint32_t p2 = v == 1 ? 1 : 1u << (32 - __builtin_clz(v - 1));
        printf("v=%u next_pow2=%u gray=%u\n", v, p2, v ^ (v >> 1));
    }
    static uint64_t sieve[(200000 / 64) + 1];
    for (uint32_t i = 2; i * i < 200000; i++)
        if (!(sieve[i / 64] >> (i % 64) & 1))
            for (uint32_t j = i * i; j < 200000; j += i) sieve[j / 64] |= 1ULL << (j % 64);
    int primes = 0;
    for (uint32_t i = 2; i < 200000; i++) primes += !(sieve[i / 64] >> (i % 64) & 1);
    int pc = 0;
    for (unsigned i = 0; i < sizeof sieve / sizeof sieve[0]; i++) pc += __builtin_popcountll(sieve[i]);
    printf("primes below 2e5=%d composite bits=%d\n", primes, pc);
    return 0;
}
