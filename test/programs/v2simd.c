/* x86-64-v2 code as gcc emits it (built with -march=x86-64-v2, see
   programs.test.ts): floor/ceil/trunc/nearbyint become roundsd/roundss,
   popcount becomes popcnt, loops vectorize with SSE4.1 (pmulld, pminsd,
   pmovzx, blends), and the intrinsics gcc offers for SSSE3/SSE4.x — pshufb,
   ptest, pcmpistri/pcmpestrm, crc32, hadd, dpps/dppd, mpsadbw — plus a 16-byte compare-and-swap
   (cmpxchg16b). CPUID must report the features used, and libgcc's
   __builtin_cpu_supports (which decodes them only for vendors it knows:
   ours says GenuineIntel) must see them. */
#include <cpuid.h>
#include <math.h>
#include <nmmintrin.h>
#include <smmintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <tmmintrin.h>
#include <pmmintrin.h>

static double dv[] = {0.5, -0.5, 1.5, 2.5, -2.5, 3.7, -3.7, 1e300, -0.0, 4503599627370495.5, 123456.789};
static float fv[] = {0.5f, -0.5f, 1.5f, 2.5f, -7.25f, 8388607.5f, 1e30f, -0.0f};

__attribute__((noinline)) static void vec_ops(int n, const int *a, const int *b, int *prod, int *mn, unsigned *widened, const uint8_t *bytes) {
  for (int i = 0; i < n; i++) prod[i] = a[i] * b[i];
  for (int i = 0; i < n; i++) mn[i] = a[i] < b[i] ? a[i] : b[i];
  for (int i = 0; i < n; i++) widened[i] = bytes[i];
}

static size_t sse42_strlen(const char *s) {
  const __m128i zero = _mm_setzero_si128();
  size_t off = 0;
  for (;;) {
    __m128i chunk;
    memcpy(&chunk, s + off, 16);
    int idx = _mm_cmpistri(zero, chunk, _SIDD_UBYTE_OPS | _SIDD_CMP_EQUAL_EACH);
    if (_mm_cmpistrz(zero, chunk, _SIDD_UBYTE_OPS | _SIDD_CMP_EQUAL_EACH)) return off + idx;
    off += 16;
  }
}

int main(void) {
  unsigned a, b, c, d;
  __get_cpuid(1, &a, &b, &c, &d);
  /* (AVX is not printed: the host may have it, the simulated CPU says it has not) */
  printf("cpuid: sse3=%u ssse3=%u sse4.1=%u sse4.2=%u popcnt=%u cx16=%u\n", c & 1, (c >> 9) & 1, (c >> 19) & 1,
         (c >> 20) & 1, (c >> 23) & 1, (c >> 13) & 1);
  __builtin_cpu_init();
  printf("__builtin_cpu_supports: sse3=%d ssse3=%d sse4.1=%d sse4.2=%d popcnt=%d cmpxchg16b=%d x86-64-v2=%d\n",
         !!__builtin_cpu_supports("sse3"), !!__builtin_cpu_supports("ssse3"), !!__builtin_cpu_supports("sse4.1"),
         !!__builtin_cpu_supports("sse4.2"), !!__builtin_cpu_supports("popcnt"), !!__builtin_cpu_supports("cmpxchg16b"),
         !!__builtin_cpu_supports("x86-64-v2"));

  for (unsigned i = 0; i < sizeof dv / sizeof *dv; i++)
    printf("%g: floor %.17g ceil %.17g trunc %.17g rint %.17g\n", dv[i], floor(dv[i]), ceil(dv[i]), trunc(dv[i]), nearbyint(dv[i]));
  for (unsigned i = 0; i < sizeof fv / sizeof *fv; i++)
    printf("%g: floorf %.9g ceilf %.9g truncf %.9g rintf %.9g\n", fv[i], floorf(fv[i]), ceilf(fv[i]), truncf(fv[i]), nearbyintf(fv[i]));

  uint64_t pc = 0;
  for (uint64_t x = 1; x < 100000; x = x * 3 + 1) pc += __builtin_popcountll(x * 0x9e3779b97f4a7c15ull);
  printf("popcount sum %llu\n", (unsigned long long)pc);

  enum { N = 37 };
  int va[N], vb[N], prod[N], mn[N];
  unsigned widened[N];
  uint8_t bytes[N];
  for (int i = 0; i < N; i++) { va[i] = i * 7919 - 100000; vb[i] = 50000 - i * i * 31; bytes[i] = (uint8_t)(i * 37 + 200); }
  vec_ops(N, va, vb, prod, mn, widened, bytes);
  long long s1 = 0, s2 = 0, s3 = 0;
  for (int i = 0; i < N; i++) { s1 += prod[i]; s2 += mn[i]; s3 += widened[i]; }
  printf("vector sums %lld %lld %lld\n", s1, s2, s3);

  const char *text = "The quick brown fox jumps over the lazy dog, twice over: the quick brown fox.";
  char buf[128] = {0};
  strcpy(buf, text);
  printf("sse4.2 strlen %zu (libc %zu)\n", sse42_strlen(buf), strlen(buf));
  __m128i vowels = _mm_setr_epi8('a', 'e', 'i', 'o', 'u', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  int count = 0;
  for (size_t off = 0; off < strlen(buf); off += 16) {
    __m128i chunk;
    memcpy(&chunk, buf + off, 16);
    __m128i m = _mm_cmpestrm(vowels, 5, chunk, 16, _SIDD_UBYTE_OPS | _SIDD_CMP_EQUAL_ANY | _SIDD_BIT_MASK);
    count += __builtin_popcount(_mm_cvtsi128_si32(m));
  }
  printf("vowels %d\n", count);

  uint32_t crc = 0xffffffff;
  for (size_t i = 0; i < strlen(text); i++) crc = _mm_crc32_u8(crc, (uint8_t)text[i]);
  uint64_t crc64 = 0;
  for (size_t i = 0; i + 8 <= strlen(text); i += 8) { uint64_t w; memcpy(&w, text + i, 8); crc64 = _mm_crc32_u64(crc64, w); }
  printf("crc32c %08x %016llx\n", ~crc, (unsigned long long)crc64);

  __m128i x = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m128i rev = _mm_shuffle_epi8(x, _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, (char)0x80));
  uint8_t out[16];
  _mm_storeu_si128((__m128i *)out, rev);
  printf("pshufb:");
  for (int i = 0; i < 16; i++) printf(" %d", out[i]);
  printf("\nptest zero %d ones %d\n", _mm_testz_si128(x, _mm_setzero_si128()), _mm_testc_si128(x, x));
  __m128d h = _mm_hadd_pd(_mm_set_pd(1.25, 2.5), _mm_set_pd(-4.0, 8.5));
  double hd[2];
  _mm_storeu_pd(hd, h);
  __m128i bl = _mm_blendv_epi8(x, rev, _mm_setr_epi8(-1, 0, -1, 0, -1, 0, -1, 0, 0, 0, 0, 0, -1, -1, -1, -1));
  _mm_storeu_si128((__m128i *)out, bl);
  printf("hadd %g %g blendv %d %d %d %d abs %d\n", hd[0], hd[1], out[0], out[1], out[12], out[15],
         _mm_cvtsi128_si32(_mm_abs_epi32(_mm_set1_epi32(-77))));

  /* dot products (dpps/dppd) of a small matrix-vector product, and mpsadbw's block search */
  float m4[4][4] = {{1.5f, -2, 0.25f, 3}, {0.1f, 0.2f, 0.3f, 0.4f}, {-1e20f, 1e20f, 7, 1}, {3.3f, 1e-40f, -0.0f, 2}};
  __m128 vv = _mm_setr_ps(0.5f, -1.25f, 3, 1.0f / 3);
  printf("dpps");
  for (int r = 0; r < 4; r++) printf(" %.9g", _mm_cvtss_f32(_mm_dp_ps(_mm_loadu_ps(m4[r]), vv, 0xf1)));
  printf(" masked %.9g\n", _mm_cvtss_f32(_mm_dp_ps(_mm_loadu_ps(m4[0]), vv, 0x51)));
  __m128d dpd = _mm_dp_pd(_mm_set_pd(1e16, 0.1), _mm_set_pd(1.0, 3.0), 0x32);
  printf("dppd %.17g %.17g\n", _mm_cvtsd_f64(dpd), _mm_cvtsd_f64(_mm_unpackhi_pd(dpd, dpd)));
  uint16_t sad[8];
  _mm_storeu_si128((__m128i *)sad, _mm_mpsadbw_epu8(rev, _mm_setr_epi8(9, 8, 7, 6, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0), 5));
  printf("mpsadbw");
  for (int i = 0; i < 8; i++) printf(" %u", sad[i]);
  printf("\n");

  unsigned __int128 cell = ((unsigned __int128)0x1122334455667788ull << 64) | 0x99aabbccddeeff00ull;
  unsigned __int128 want = cell, next = cell + 1;
  int swapped = __sync_bool_compare_and_swap(&cell, want, next);
  int again = __sync_bool_compare_and_swap(&cell, want, next);
  printf("cmpxchg16b %d %d %016llx%016llx\n", swapped, again, (unsigned long long)(cell >> 64), (unsigned long long)cell);
  return 0;
}
