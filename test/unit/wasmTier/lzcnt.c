/* lzcnt (64, 32 and 16 bits: the count, CF = the source was 0, ZF = the
 * count is 0) checked against counts computed here, not against the host:
 * a CPU without LZCNT (no ABM) runs its encoding as bsr. The first loop is
 * the hot one (in wasm with the tier on), the second counts with shifts;
 * the output says how many disagree and shows the first few. */
#include <stdint.h>
#include <stdio.h>

#define N 4096
static uint64_t vals[N], r64[N], r32[N], r16[N];
static uint8_t fl[N][3];

static unsigned clz(uint64_t x, unsigned bits) {
  unsigned n = 0;
  for (uint64_t m = (uint64_t)1 << (bits - 1); m != 0 && (x & m) == 0; m >>= 1) n++;
  return n;
}

int main(void) {
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < N; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    vals[i] = i % 97 == 0 ? 0 : i % 89 == 0 ? (uint64_t)1 << 48 : x >> (i & 63); /* every count, and zero sources */
  }
  for (int i = 0; i < N; i++) {
    uint64_t v = vals[i], a, b, c;
    uint8_t c64, z64, c32, c16;
    __asm__("lzcntq %[v], %[a]\n\tsetc %[c64]\n\tsetz %[z64]\n\t"
            "lzcntl %k[v], %k[b]\n\tsetc %[c32]\n\t"
            "xor %k[c], %k[c]\n\tlzcntw %w[v], %w[c]\n\tsetc %[c16]"
            : [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [c64] "=&q"(c64), [z64] "=&q"(z64), [c32] "=&q"(c32), [c16] "=&q"(c16)
            : [v] "r"(v) : "cc");
    r64[i] = a; r32[i] = b; r16[i] = c;
    fl[i][0] = (uint8_t)(c64 | z64 << 1); fl[i][1] = c32; fl[i][2] = c16;
  }
  unsigned wrong = 0;
  for (int i = 0; i < N; i++) {
    uint64_t v = vals[i];
    unsigned e64 = clz(v, 64), e32 = clz((uint32_t)v, 32), e16 = clz((uint16_t)v, 16);
    unsigned f64 = (v == 0) | (e64 == 0) << 1, f32 = (uint32_t)v == 0, f16 = (uint16_t)v == 0;
    if (r64[i] != e64 || r32[i] != e32 || r16[i] != e16 || fl[i][0] != f64 || fl[i][1] != f32 || fl[i][2] != f16) {
      if (wrong++ < 4)
        printf("%016llx: lzcnt %llu %llu %llu flags %u %u %u, expected %u %u %u flags %u %u %u\n", (unsigned long long)v,
               (unsigned long long)r64[i], (unsigned long long)r32[i], (unsigned long long)r16[i], fl[i][0], fl[i][1], fl[i][2],
               e64, e32, e16, f64, f32, f16);
    }
  }
  printf("lzcnt: %d values, %u wrong\n", N, wrong);
  return 0;
}
