/* SSE2 intrinsics and auto-vectorisable loops, no libc (the runtime --
 * _start, pc/ps/px/pu, flush -- is prepended by sse.test.ts). Each section
 * folds its results into a hash and prints "section hash"; some print
 * values directly. Compiled at -O2 and -O3 and compared with the host. */
#include <emmintrin.h>

static u64 hash;
static void mix(u64 v) { hash ^= v; hash *= 1099511628211ULL; hash ^= hash >> 29; }
static void mixv(__m128i v) {
  mix((u64)_mm_cvtsi128_si64(v));
  mix((u64)_mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v)));
}
static void mixpd(__m128d v) { mixv(_mm_castpd_si128(v)); }
static void mixps(__m128 v) { mixv(_mm_castps_si128(v)); }
static void report(const char *name) { ps(name); pc(' '); px(hash); pc('\n'); hash = 1469598103934665603ULL; }

static u64 rs = 0x9e3779b97f4a7c15ULL;
static u64 rnd(void) { rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17; return rs; }

#define N 1024
static unsigned char bytes[4 * N + 64] __attribute__((aligned(16)));
static short shorts[N] __attribute__((aligned(16)));
static short shorts2[N] __attribute__((aligned(16)));
static int ints[N] __attribute__((aligned(16)));
static int ints2[N] __attribute__((aligned(16)));
static long long longs[N] __attribute__((aligned(16)));
static float floats[N] __attribute__((aligned(16)));
static float floats2[N] __attribute__((aligned(16)));
static double doubles[N] __attribute__((aligned(16)));
static double doubles2[N] __attribute__((aligned(16)));

static void fill(void) {
  for (int i = 0; i < 4 * N + 64; i++) bytes[i] = (unsigned char)(rnd() % 7 == 0 ? 0 : rnd());
  for (int i = 0; i < N; i++) {
    u64 r = rnd();
    shorts[i] = (short)r;
    shorts2[i] = (short)(r >> 16);
    ints[i] = (int)(r >> 20);
    ints2[i] = (int)r % 1000;
    longs[i] = (long long)rnd();
    floats[i] = (float)((int)(r % 20001) - 10000) / 37.0f;
    floats2[i] = (float)(int)((r >> 32) % 999) * 0.125f - 50.0f;
    doubles[i] = (double)(long long)(r >> 11) / 1e12 - 4000.0;
    doubles2[i] = 1.0 / ((double)(i % 97) + 0.5);
  }
  doubles[5] = 0.0; doubles[6] = -0.0; floats[7] = 0.0f;
}

/* strlen with pcmpeqb/pmovmskb over aligned blocks */
static unsigned sse_strlen(const unsigned char *s) {
  const __m128i zero = _mm_setzero_si128();
  unsigned off = (unsigned)((unsigned long)s & 15);
  const __m128i *p = (const __m128i *)(s - off);
  unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_load_si128(p), zero)) >> off;
  if (mask) return (unsigned)__builtin_ctz(mask);
  unsigned n = 16 - off;
  for (;;) {
    mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_load_si128(++p), zero));
    if (mask) return n + (unsigned)__builtin_ctz(mask);
    n += 16;
  }
}

static void strings(void) {
  for (int i = 0; i < 200; i++) {
    unsigned len = sse_strlen(bytes + i * 7);
    mix(len);
  }
  /* count bytes equal to a value, 16 at a time */
  for (int c = 0; c < 256; c += 17) {
    __m128i needle = _mm_set1_epi8((char)c), acc = _mm_setzero_si128();
    for (int i = 0; i < 4 * N; i += 16) acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_load_si128((const __m128i *)(bytes + i)), needle));
    mixv(_mm_sad_epu8(acc, _mm_setzero_si128()));
  }
  report("strings");
}

static void saturating(void) {
  for (int i = 0; i < N; i += 8) {
    __m128i a = _mm_load_si128((const __m128i *)(shorts + i)), b = _mm_load_si128((const __m128i *)(shorts2 + i));
    mixv(_mm_adds_epi16(a, b)); mixv(_mm_subs_epi16(a, b)); mixv(_mm_adds_epu16(a, b)); mixv(_mm_subs_epu16(a, b));
    mixv(_mm_adds_epi8(a, b)); mixv(_mm_subs_epi8(a, b)); mixv(_mm_adds_epu8(a, b)); mixv(_mm_subs_epu8(a, b));
    mixv(_mm_min_epi16(a, b)); mixv(_mm_max_epi16(a, b)); mixv(_mm_min_epu8(a, b)); mixv(_mm_max_epu8(a, b));
    mixv(_mm_avg_epu8(a, b)); mixv(_mm_avg_epu16(a, b)); mixv(_mm_sad_epu8(a, b));
    mixv(_mm_mullo_epi16(a, b)); mixv(_mm_mulhi_epi16(a, b)); mixv(_mm_mulhi_epu16(a, b));
    mixv(_mm_madd_epi16(a, b)); mixv(_mm_mul_epu32(a, b));
    mixv(_mm_packs_epi16(a, b)); mixv(_mm_packs_epi32(a, b)); mixv(_mm_packus_epi16(a, b));
    mixv(_mm_cmpgt_epi8(a, b)); mixv(_mm_cmpgt_epi16(a, b)); mixv(_mm_cmpgt_epi32(a, b)); mixv(_mm_cmplt_epi16(a, b));
    mixv(_mm_cmpeq_epi16(a, _mm_and_si128(a, b)));
  }
  report("saturating");
}

static void shifts(void) {
  for (int i = 0; i < N; i += 8) {
    __m128i a = _mm_load_si128((const __m128i *)(shorts + i));
    __m128i c = _mm_cvtsi32_si128(i % 70);
    mixv(_mm_slli_epi16(a, 3)); mixv(_mm_srli_epi16(a, 5)); mixv(_mm_srai_epi16(a, 7));
    mixv(_mm_slli_epi32(a, 9)); mixv(_mm_srli_epi32(a, 13)); mixv(_mm_srai_epi32(a, 31));
    mixv(_mm_slli_epi64(a, 33)); mixv(_mm_srli_epi64(a, 1));
    mixv(_mm_sll_epi16(a, c)); mixv(_mm_srl_epi32(a, c)); mixv(_mm_sra_epi16(a, c)); mixv(_mm_sra_epi32(a, c));
    mixv(_mm_sll_epi64(a, c)); mixv(_mm_srl_epi64(a, c));
    mixv(_mm_slli_si128(a, 3)); mixv(_mm_srli_si128(a, 5)); mixv(_mm_srli_si128(a, 8)); mixv(_mm_slli_si128(a, 12));
  }
  report("shifts");
}

static void shuffles(void) {
  for (int i = 0; i < N; i += 4) {
    __m128i a = _mm_load_si128((const __m128i *)(ints + i)), b = _mm_load_si128((const __m128i *)(ints2 + i));
    mixv(_mm_shuffle_epi32(a, 0x1b)); mixv(_mm_shuffle_epi32(a, 0xd8));
    mixv(_mm_shufflelo_epi16(a, 0xb1)); mixv(_mm_shufflehi_epi16(a, 0x4e));
    mixv(_mm_unpacklo_epi8(a, b)); mixv(_mm_unpackhi_epi8(a, b)); mixv(_mm_unpacklo_epi16(a, b)); mixv(_mm_unpackhi_epi16(a, b));
    mixv(_mm_unpacklo_epi32(a, b)); mixv(_mm_unpackhi_epi32(a, b)); mixv(_mm_unpacklo_epi64(a, b)); mixv(_mm_unpackhi_epi64(a, b));
    mixv(_mm_insert_epi16(a, i, 5)); mix((u64)_mm_extract_epi16(b, 3));
    mix((u64)_mm_movemask_epi8(a));
    __m128 fa = _mm_load_ps(floats + i), fb = _mm_load_ps(floats2 + i);
    mixps(_mm_shuffle_ps(fa, fb, 0x39)); mixps(_mm_movehl_ps(fa, fb)); mixps(_mm_movelh_ps(fa, fb));
    mixps(_mm_unpacklo_ps(fa, fb)); mixps(_mm_unpackhi_ps(fa, fb));
    mix((u64)_mm_movemask_ps(fa));
    __m128d da = _mm_load_pd(doubles + (i & ~1)), db = _mm_load_pd(doubles2 + (i & ~1));
    mixpd(_mm_shuffle_pd(da, db, 1)); mixpd(_mm_unpacklo_pd(da, db)); mixpd(_mm_unpackhi_pd(da, db));
    mix((u64)_mm_movemask_pd(da));
    mixpd(_mm_loadh_pd(da, doubles2 + i)); mixpd(_mm_loadl_pd(da, doubles2 + i + 1));
  }
  /* 4x4 float transpose (movlhps/movhlps/unpck) */
  for (int i = 0; i + 16 <= N; i += 16) {
    __m128 r0 = _mm_load_ps(floats + i), r1 = _mm_load_ps(floats + i + 4), r2 = _mm_load_ps(floats + i + 8), r3 = _mm_load_ps(floats + i + 12);
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
    mixps(r0); mixps(r1); mixps(r2); mixps(r3);
  }
  report("shuffles");
}

static void floating(void) {
  __m128d dacc = _mm_setzero_pd(), dmin = _mm_set1_pd(1e300), dmax = _mm_set1_pd(-1e300);
  __m128 facc = _mm_setzero_ps();
  for (int i = 0; i < N; i += 4) {
    __m128d a = _mm_load_pd(doubles + i), b = _mm_load_pd(doubles2 + i);
    dacc = _mm_add_pd(dacc, _mm_mul_pd(a, b));
    dmin = _mm_min_pd(dmin, a); dmax = _mm_max_pd(dmax, a);
    mixpd(_mm_div_pd(a, b)); mixpd(_mm_sqrt_pd(_mm_mul_pd(a, a))); mixpd(_mm_sub_pd(a, b));
    mixpd(_mm_sqrt_pd(a)); /* negative lanes: default NaN */
    mixpd(_mm_div_pd(a, _mm_setzero_pd()));
    mixpd(_mm_cmplt_pd(a, b)); mixpd(_mm_cmpunord_pd(a, _mm_sqrt_pd(a))); mixpd(_mm_cmpneq_pd(a, b));
    mixpd(_mm_cmpnle_pd(a, b)); mixpd(_mm_cmpord_pd(a, _mm_sqrt_pd(a)));
    /* select: a < b ? a : b via and/andnot/or */
    __m128d m = _mm_cmplt_pd(a, b);
    mixpd(_mm_or_pd(_mm_and_pd(m, a), _mm_andnot_pd(m, b)));
    mixpd(_mm_xor_pd(a, _mm_set1_pd(-0.0)));
    __m128 fa = _mm_load_ps(floats + i), fb = _mm_load_ps(floats2 + i);
    facc = _mm_add_ps(facc, _mm_mul_ps(fa, fb));
    mixps(_mm_div_ps(fa, fb)); mixps(_mm_sqrt_ps(fa)); mixps(_mm_min_ps(fa, fb)); mixps(_mm_max_ps(fa, fb));
    mixps(_mm_sub_ps(fa, fb)); mixps(_mm_cmple_ps(fa, fb)); mixps(_mm_cmpeq_ps(fa, fb));
    mixps(_mm_add_ss(fa, fb)); mixps(_mm_mul_ss(fa, fb)); mixps(_mm_div_ss(fa, fb)); mixps(_mm_sqrt_ss(fa));
    mixpd(_mm_add_sd(a, b)); mixpd(_mm_min_sd(a, b)); mixpd(_mm_max_sd(a, b)); mixpd(_mm_sqrt_sd(a, b));
    mix((u64)_mm_comilt_sd(a, b)); mix((u64)_mm_ucomige_sd(a, b)); mix((u64)_mm_comieq_ss(fa, fb));
  }
  mixpd(dacc); mixpd(dmin); mixpd(dmax); mixps(facc);
  report("floating");
}

static void conversions(void) {
  for (int i = 0; i < N; i += 4) {
    __m128i a = _mm_load_si128((const __m128i *)(ints + i));
    __m128d d = _mm_load_pd(doubles + i);
    __m128 f = _mm_load_ps(floats + i);
    mixpd(_mm_cvtepi32_pd(a)); mixps(_mm_cvtepi32_ps(a));
    mixv(_mm_cvtps_epi32(f)); mixv(_mm_cvttps_epi32(_mm_mul_ps(f, _mm_set1_ps(1e6f))));
    mixv(_mm_cvtpd_epi32(d)); mixv(_mm_cvttpd_epi32(_mm_mul_pd(d, _mm_set1_pd(1e7))));
    mixps(_mm_cvtpd_ps(d)); mixpd(_mm_cvtps_pd(f));
    mixpd(_mm_cvtsi32_sd(d, ints[i])); mixpd(_mm_cvtsi64_sd(d, longs[i]));
    mixps(_mm_cvtsi32_ss(f, ints[i])); mixps(_mm_cvtsi64_ss(f, longs[i]));
    mix((u64)_mm_cvtsd_si32(d)); mix((u64)_mm_cvttsd_si64(d)); mix((u64)_mm_cvtss_si64(f)); mix((u64)_mm_cvttss_si32(f));
    mixpd(_mm_cvtss_sd(d, f)); mixps(_mm_cvtsd_ss(f, d));
  }
  report("conversions");
}

/* plain loops for the auto-vectoriser (-O3 vectorises them with SSE2) */
static void loops(void) {
  long long s64 = 0;
  int s32 = 0;
  unsigned char mx = 0;
  for (int i = 0; i < N; i++) s32 += ints[i] * 3 + ints2[i];
  for (int i = 0; i < N; i++) s64 += longs[i] ^ (long long)ints[i];
  for (int i = 0; i < 4 * N; i++) mx = bytes[i] > mx ? bytes[i] : mx;
  mix((u64)s32); mix((u64)s64); mix(mx);
  for (int i = 0; i < N; i++) floats2[i] = floats[i] * 1.5f + floats2[i];
  for (int i = 0; i < N; i++) doubles2[i] = doubles[i] * doubles2[i] - 0.25;
  for (int i = 0; i < N; i++) ints2[i] = (ints[i] >> 3) + (shorts[i] << 2);
  for (int i = 0; i < N; i++) shorts2[i] = (short)(shorts[i] * shorts2[i]);
  for (int i = 0; i < N; i++) { int v = shorts[i]; shorts[i] = (short)(v < 0 ? -v : v); }
  for (int i = 0; i < N; i++) ints[i] = (int)floats[i];
  for (int i = 0; i < N; i++) floats[i] = (float)ints2[i];
  for (int i = 0; i < N; i++) doubles[i] = (double)ints[i] * 0.5;
  for (int i = 0; i < N; i++) { mix((u64)ints2[i]); mix((u64)shorts2[i]); mix((u64)shorts[i]); mix((u64)ints[i]); }
  for (int i = 0; i < N; i++) { union { float f; u32 u; } a = {floats[i]}, b = {floats2[i]}; mix(a.u); mix(b.u); }
  for (int i = 0; i < N; i++) { union { double d; u64 u; } a = {doubles[i]}, b = {doubles2[i]}; mix(a.u); mix(b.u); }
  report("loops");
}

int cmain(void) {
  hash = 1469598103934665603ULL;
  fill();
  strings();
  saturating();
  shifts();
  shuffles();
  floating();
  conversions();
  loops();
  flush();
  return (int)(hash & 63);
}
