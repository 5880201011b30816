/* SSE2 (and SSSE3's pshufb, palignr, SSE4.2's pcmpistri) in hot loops, for the wasm tier's
 * ops/sse.ts — and locked instructions, for ops/atomic.ts: 128-bit moves
 * (aligned and unaligned, loads and stores), movq/movd between XMM
 * registers, GPRs and memory, movsd/movss of doubles and floats, the
 * logic operations, byte/word/dword/qword adds, subtracts and compares,
 * pminub/pmaxub, pmovmskb, byte shifts of the whole register, unpacks and
 * pshufd, movhps/movlps/movhlps/movlhps; lock cmpxchg, lock xadd, lock
 * or, xchg with memory; double and float arithmetic, compares and
 * conversions, pcmpistri, fnstcw/fldcw (the JS tier's helpers,
 * ops/sseFloat.ts) — each loop's results folded into a checksum the host prints too.
 * Then faults: a movdqa at a misaligned address (#GP → SIGSEGV) and an
 * unaligned 16-byte store crossing into a read-only page, which must leave
 * both pages as they were. */
#define _GNU_SOURCE
#include <tmmintrin.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define N 4096
static unsigned char a[N + 64] __attribute__((aligned(16)));
static unsigned char b[N + 64] __attribute__((aligned(16)));
static double da[N / 8], db[N / 8];
static float fa[N / 4], fb[N / 4];

static uint64_t sum;
static void mix(uint64_t v) { sum = (sum ^ v) * 0x100000001b3ull; }
static void mixv(__m128i v) {
  mix((uint64_t)_mm_cvtsi128_si64(v));
  mix((uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v)));
}

/* strlen with pcmpeqb/pmovmskb over unaligned loads */
static __attribute__((noinline)) size_t sseStrlen(const unsigned char *s) {
  const __m128i z = _mm_setzero_si128();
  for (size_t i = 0;; i += 16) {
    int m = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(s + i)), z));
    if (m) return i + (size_t)__builtin_ctz((unsigned)m);
  }
}

/* unaligned copy, then aligned */
static __attribute__((noinline)) void copies(int off) {
  for (int i = 0; i + 16 <= N - off; i += 16) _mm_storeu_si128((__m128i *)(b + i + off), _mm_loadu_si128((const __m128i *)(a + i)));
  for (int i = 0; i < N; i += 16) _mm_store_si128((__m128i *)(b + i), _mm_xor_si128(_mm_load_si128((const __m128i *)(a + i)), _mm_load_si128((const __m128i *)(b + i))));
}

static __attribute__((noinline)) __m128i lanes(__m128i x, __m128i y) {
  __m128i r = _mm_add_epi8(x, y);
  r = _mm_xor_si128(r, _mm_sub_epi16(x, y));
  r = _mm_add_epi32(r, _mm_add_epi64(x, y));
  r = _mm_xor_si128(r, _mm_sub_epi64(_mm_sub_epi32(x, y), _mm_sub_epi8(y, x)));
  r = _mm_add_epi16(r, _mm_cmpeq_epi8(x, y));
  r = _mm_xor_si128(r, _mm_cmpeq_epi16(_mm_and_si128(x, _mm_set1_epi16(0x0f0f)), _mm_and_si128(y, _mm_set1_epi16(0x0f0f))));
  r = _mm_add_epi8(r, _mm_cmpeq_epi32(_mm_or_si128(x, _mm_set1_epi32(-16)), _mm_or_si128(y, _mm_set1_epi32(-16))));
  r = _mm_xor_si128(r, _mm_cmpgt_epi8(x, y));
  r = _mm_add_epi8(r, _mm_cmpgt_epi16(x, y));
  r = _mm_xor_si128(r, _mm_cmpgt_epi32(x, y));
  r = _mm_add_epi8(r, _mm_min_epu8(x, y));
  r = _mm_xor_si128(r, _mm_max_epu8(x, y));
  r = _mm_add_epi8(r, _mm_andnot_si128(x, y));
  r = _mm_xor_si128(r, _mm_slli_si128(x, 3));
  r = _mm_add_epi8(r, _mm_srli_si128(y, 5));
  r = _mm_xor_si128(r, _mm_slli_si128(y, 15));
  r = _mm_add_epi8(r, _mm_srli_si128(x, 8));
  r = _mm_xor_si128(r, _mm_unpacklo_epi8(x, y));
  r = _mm_add_epi8(r, _mm_unpackhi_epi8(x, y));
  r = _mm_xor_si128(r, _mm_unpacklo_epi16(x, y));
  r = _mm_add_epi8(r, _mm_unpackhi_epi16(x, y));
  r = _mm_xor_si128(r, _mm_unpacklo_epi32(x, y));
  r = _mm_add_epi8(r, _mm_unpackhi_epi32(x, y));
  r = _mm_xor_si128(r, _mm_unpacklo_epi64(x, y));
  r = _mm_add_epi8(r, _mm_shuffle_epi32(x, 0x1b));
  r = _mm_xor_si128(r, _mm_shuffle_epi32(y, 0xc6));
  return r;
}

/* SSSE3's pshufb and palignr, and the half-register moves */
static __attribute__((noinline)) __m128i ssse3(__m128i x, __m128i y, const double *p) {
  __m128i r = _mm_shuffle_epi8(x, y);
  r = _mm_xor_si128(r, _mm_alignr_epi8(x, y, 3));
  r = _mm_add_epi8(r, _mm_alignr_epi8(y, x, 15));
  r = _mm_xor_si128(r, _mm_alignr_epi8(x, y, 20));
  __m128d h = _mm_loadh_pd(_mm_castsi128_pd(r), p);
  h = _mm_loadl_pd(h, p + 1);
  r = _mm_add_epi8(r, _mm_castpd_si128(h));
  __m128 f = _mm_movehl_ps(_mm_castsi128_ps(x), _mm_castsi128_ps(r));
  f = _mm_movelh_ps(f, _mm_castsi128_ps(y));
  return _mm_xor_si128(r, _mm_castps_si128(f));
}

/* locked read-modify-writes and xchg with memory, as a spin lock and counters do */
static volatile long lockWord, counter;
static volatile int counter32;
static __attribute__((noinline)) long atomics(long i) {
  long old = __sync_val_compare_and_swap(&lockWord, i & 1 ? 0 : 1, i);
  old += __sync_fetch_and_add(&counter, i);
  __sync_fetch_and_add(&counter32, (int)i);
  __sync_fetch_and_or(&counter32, (int)(i << 3));
  old ^= __atomic_exchange_n(&lockWord, i * 3, __ATOMIC_SEQ_CST);
  if (__sync_bool_compare_and_swap(&counter32, (int)i, 5)) old++;
  return old;
}

/* movq/movd between GPRs and XMM registers */
static __attribute__((noinline)) uint64_t gprs(uint64_t x, int y) {
  __m128i v = _mm_cvtsi64_si128((long long)x), w = _mm_cvtsi32_si128(y);
  v = _mm_add_epi64(v, _mm_move_epi64(_mm_unpacklo_epi64(w, v)));
  v = _mm_insert_epi16(v, y * 3, 5);
  return (uint64_t)_mm_cvtsi128_si64(v) ^ (uint64_t)(unsigned)_mm_cvtsi128_si32(_mm_srli_si128(v, 4)) ^ ((uint64_t)_mm_extract_epi16(v, 5) << 40);
}

/* movsd/movss loads and stores (no arithmetic on them) */
static __attribute__((noinline)) void scalars(void) {
  for (int i = 0; i < N / 8; i++) db[(i * 7) % (N / 8)] = da[i];
  for (int i = 0; i < N / 4; i++) fb[(i * 5) % (N / 4)] = fa[i];
}

/* double and float arithmetic, compares and conversions: NaNs, infinities, overflowing conversions (integer indefinite), inexact results */
static __attribute__((noinline)) uint64_t floats(int i) {
  double x = da[i % (N / 8)], y = da[(i * 7 + 3) % (N / 8)] / 3.0, z = x * y - x / (y == 0 ? 1e-300 : y) + __builtin_sqrt(x < 0 ? -x : x);
  if (i % 17 == 0) z = 0.0 / 0.0;
  if (i % 19 == 0) z = x * 1e308 * 1e10;
  if (i % 23 == 0) y = -z;
  uint64_t r = 0;
  r += (x < y) + 2 * (x == y) + 4 * (z != z) + 8 * (z >= y) + 16 * (z <= x);
  r = r * 31 + (uint64_t)(long long)z + (uint64_t)(int)(y * 1e7) + (uint64_t)(long long)(x * 1e15);
  float f = fa[i % (N / 4)], g = (float)z, h = f * g + (float)y - f / 3.0f;
  r = r * 31 + (uint64_t)(int)h + (uint64_t)(long long)(g * 4.0f) + 32 * (f < g) + 64 * (h == h);
  r = r * 7 + (uint64_t)_mm_movemask_pd(_mm_set_pd(z, y)) + 4 * (uint64_t)_mm_movemask_ps(_mm_set_ps(f, -g, h, (float)-x));
  unsigned csr = _mm_getcsr();
  _mm_setcsr(csr);
  r = r * 3 + (csr & 0xffc0);
  double back = (double)(long long)r + (double)(int)i + (double)h + (float)(long long)(r >> 3);
  uint64_t u; memcpy(&u, &back, 8);
  return r ^ u;
}

/* pcmpistri as strpbrk/strspn use it: the index (lowest or highest match), and its flags */
static __attribute__((noinline)) uint64_t scan(const unsigned char *s, int i) {
  const __m128i set = _mm_set_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'z', 'q', (char)(i & 0x7f), 7, 3, 1);
  __m128i v = _mm_loadu_si128((const __m128i *)s);
  int i0, i1, i2;
  /* (by hand: -mssse3 keeps gcc from SSE4.1 code elsewhere) */
  __asm__("pcmpistri $0x00, %1, %2" : "=c"(i0) : "x"(v), "x"(set) : "cc");
  __asm__("pcmpistri $0x40, %1, %2" : "=c"(i1) : "x"(v), "x"(set) : "cc");
  __asm__("pcmpistri $0x10, %1, %2" : "=c"(i2) : "x"(v), "x"(set) : "cc");
  uint64_t r = (uint64_t)i0 * 289 + (uint64_t)i1 * 17 + (uint64_t)i2;
  unsigned char c, z, sg, o;
  int idx;
  __asm__("pcmpistri $0x04, %[v], %[set]\n\tsetc %[c]\n\tsetz %[z]\n\tsets %[sg]\n\tseto %[o]"
    : "=c"(idx), [c] "=r"(c), [z] "=r"(z), [sg] "=r"(sg), [o] "=r"(o) : [set] "x"(set), [v] "x"(v) : "cc");
  r = r * 31 + (uint64_t)idx + 2u * c + 4u * z + 8u * sg + 16u * o;
  unsigned short cw;
  __asm__ volatile("fnstcw %0" : "=m"(cw));
  __asm__ volatile("fldcw %0" : : "m"(cw));
  return r * 65599 + cw;
}

static sigjmp_buf back;
static volatile int faults;
static void onSegv(int sig) { (void)sig; faults++; siglongjmp(back, 1); }

int main(void) {
  for (int i = 0; i < N + 64; i++) a[i] = (unsigned char)(i * 37 + (i >> 5) + 1);
  for (int i = 0; i < N / 8; i++) da[i] = (double)i * 1.25 - 300.0;
  for (int i = 0; i < N / 4; i++) fa[i] = (float)i * 0.5f - 7.0f;
  for (int round = 0; round < 40; round++) {
    a[(round * 97) % N] = 0;
    mix(sseStrlen(a + round));
    copies(round % 16);
    for (int i = 0; i < N; i += 8) mix(*(uint64_t *)(b + i));
    __m128i acc = _mm_setzero_si128();
    for (int i = 0; i + 32 <= N; i += 16) acc = _mm_add_epi8(acc, lanes(_mm_loadu_si128((__m128i *)(a + i)), _mm_load_si128((__m128i *)(b + i + 16))));
    mixv(acc);
    for (int i = 0; i < 256; i++) mix(gprs((uint64_t)i * 0x9e3779b97f4a7c15ull, i * 77));
    acc = _mm_setzero_si128();
    for (int i = 0; i + 32 <= N; i += 16) acc = _mm_add_epi8(acc, ssse3(_mm_loadu_si128((__m128i *)(a + i)), _mm_load_si128((__m128i *)(b + i + 16)), da + (i >> 4)));
    mixv(acc);
    for (long i = 0; i < 200; i++) mix((uint64_t)atomics(i + round));
    mix((uint64_t)counter ^ (uint64_t)counter32 ^ (uint64_t)lockWord);
    for (int i = 0; i < 300; i++) mix(floats(i + round));
    for (int i = 0; i < 300; i++) mix(scan(a + ((i * 13 + round) % N), i));
    scalars();
    for (int i = 0; i < N / 8; i++) { uint64_t u; memcpy(&u, &db[i], 8); mix(u); }
    for (int i = 0; i < N / 4; i++) { uint32_t u; memcpy(&u, &fb[i], 4); mix(u); }
    a[(round * 97) % N] = (unsigned char)round;
  }
  printf("sum %#llx\n", (unsigned long long)sum);

  signal(SIGSEGV, onSegv);
  /* movdqa at a misaligned address: #GP */
  volatile int misaligned = 0;
  for (int i = 0; i < 64; i++) {
    if (sigsetjmp(back, 1) == 0) {
      const unsigned char *p = a + 16 * (i % 4) + (i == 60);
      __m128i v;
      __asm__ volatile("movdqa (%1), %0" : "=x"(v) : "r"(p) : "memory");
      mixv(v);
    } else misaligned++;
  }
  /* a 16-byte store crossing into a read-only page: neither page changes */
  unsigned char *m = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(m, 0x5a, 8192);
  mprotect(m + 4096, 4096, PROT_READ);
  volatile int crossed = 0;
  for (int i = 0; i < 64; i++) {
    if (sigsetjmp(back, 1) == 0) {
      unsigned char *p = m + 4096 - 16 - 16 * (i < 60 ? (i % 8) : -1) - (i >= 60 ? 8 : 0);
      __m128i v = _mm_set1_epi8((char)i);
      __asm__ volatile("movdqu %1, (%0)" : : "r"(p), "x"(v) : "memory");
    } else crossed++;
  }
  uint64_t page = 0;
  for (int i = 0; i < 8192; i++) page = page * 31 + m[i];
  printf("faults %d (misaligned %d, crossing %d) pages %#llx sum %#llx\n", faults, misaligned, crossed, (unsigned long long)page,
    (unsigned long long)sum);
  return 0;
}
