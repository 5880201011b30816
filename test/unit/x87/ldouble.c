/* Compiled long double code (no libc; prelude.h is prepended), built at
 * -O0 and -O2: gcc's own x87 code for arithmetic, comparisons, conversions
 * to and from every integer and floating type, and a few numeric kernels.
 * Results are printed as bit patterns. */

typedef long double LD;

static void pLD(LD v) { pld(&v); }
static void pD(double v) { u64 b; __builtin_memcpy(&b, &v, 8); px(b); }
static void pF(float v) { u32 b; __builtin_memcpy(&b, &v, 4); pxn(b, 8); }

static u64 rs = 0x243f6a8885a308d3ull;
static u64 rnd(void) { rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17; return rs; }

static double dbits(u64 b) { double d; __builtin_memcpy(&d, &b, 8); return d; }
static LD ldbits(u64 m, u16 se) { LD v = 0; unsigned char *p = (unsigned char *)&v; __builtin_memcpy(p, &m, 8); __builtin_memcpy(p + 8, &se, 2); return v; }

static const u64 EDGE[] = {
  0, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull, 0x3fe0000000000000ull,
  0x4004000000000000ull, 0xc004000000000000ull, 0x3fb999999999999aull, 0x0000000000000001ull,
  0x000fffffffffffffull, 0x0010000000000000ull, 0x7fefffffffffffffull, 0x7ff0000000000000ull,
  0xfff0000000000000ull, 0x7ff8000000000000ull, 0x43e0000000000000ull, 0xc3e0000000000000ull,
  0x43f0000000000000ull, 0x41dfffffffc00000ull, 0x41e0000000000000ull, 0x3ff0000000000001ull,
  0x4330000000000001ull, 0x433fffffffffffffull, 0x3fefffffffffffffull, 0x400921fb54442d18ull,
  0x7e37e43c8800759cull, 0x01a56e1fc2f8f359ull, 0x3ca0000000000000ull, 0x47efffffe0000000ull,
  0x36a0000000000000ull, 0xc1e0000000200000ull, 0x40f869f000000000ull,
};
#define NEDGE (sizeof EDGE / sizeof EDGE[0])
#define N 64
static double V[N];
static LD L[N];

__attribute__((noinline)) static LD poly(LD x) {
  static const LD c[] = { 1.0L, 1.0L, 0.5L, 1.0L / 6, 1.0L / 24, 1.0L / 120, 1.0L / 720, 1.0L / 5040 };
  LD r = c[7];
  for (int i = 6; i >= 0; i--) r = r * x + c[i];
  return r;
}

__attribute__((noinline)) static LD kahan(const LD *a, int n) {
  LD s = 0, c = 0;
  for (int i = 0; i < n; i++) {
    LD y = a[i] - c;
    LD t = s + y;
    c = (t - s) - y;
    s = t;
  }
  return s;
}

__attribute__((noinline)) static LD newton_sqrt(LD x) {
  if (!(x > 0)) return x;
  LD g = x > 1 ? x / 2 : 1;
  for (int i = 0; i < 80; i++) { LD n = (g + x / g) / 2; if (n == g) break; g = n; }
  return g;
}

__attribute__((noinline)) static int cmp(LD a, LD b) {
  return (a < b) | (a <= b) << 1 | (a > b) << 2 | (a >= b) << 3 | (a == b) << 4 | (a != b) << 5 |
         __builtin_isunordered(a, b) << 6 | __builtin_isless(a, b) << 7 | __builtin_islessgreater(a, b) << 8;
}

__attribute__((noinline)) static LD fromU64(u64 v) { return (LD)v; }
__attribute__((noinline)) static LD fromI64(i64 v) { return (LD)v; }
__attribute__((noinline)) static LD fromU32(u32 v) { return (LD)v; }
__attribute__((noinline)) static LD fromI16(short v) { return (LD)v; }
__attribute__((noinline)) static u64 toU64(LD v) { return (u64)v; }
__attribute__((noinline)) static i64 toI64(LD v) { return (i64)v; }
__attribute__((noinline)) static int toI32(LD v) { return (int)v; }
__attribute__((noinline)) static u32 toU32(LD v) { return (u32)v; }
__attribute__((noinline)) static short toI16(LD v) { return (short)v; }
__attribute__((noinline)) static unsigned char toU8(LD v) { return (unsigned char)v; }

static int finiteLD(LD v) { return !__builtin_isnan(v) && !__builtin_isinf(v); }
static int inRange(LD v, LD lo, LD hi) { return finiteLD(v) && v > lo && v < hi; }

int cmain(void) {
  for (unsigned i = 0; i < N; i++) {
    if (i < NEDGE) V[i] = dbits(EDGE[i]);
    else if (i < N - 8) V[i] = dbits((rnd() & 0x800fffffffffffffull) | ((u64)(0x3ff - 40 + rnd() % 81) << 52));
    else V[i] = dbits(rnd() & 0xffefffffffffffffull);
    L[i] = V[i];
  }
  /* some values with more than 53 significant bits */
  L[N - 1] = ldbits(0xc90fdaa22168c235ull, 0x4000);
  L[N - 2] = ldbits(0x8000000000000001ull, 0x3fff);
  L[N - 3] = ldbits(0xffffffffffffffffull, 0x403d);
  L[N - 4] = ldbits(0x8000000000000001ull, 0x0001);
  L[N - 5] = ldbits(0x0000000000000003ull, 0x0000);
  L[N - 6] = 1.0L / 3;
  L[N - 7] = ldbits(0x8000000000000400ull, 0x3fff);
  L[N - 8] = ldbits(0x8000000000000c00ull, 0xbfff);

  ps("arith\n");
  for (unsigned i = 0; i < N; i++) {
    for (unsigned j = 0; j < N; j += (i & 1) + 1) {
      LD a = L[i], b = L[j];
      pu(i); pc(' '); pu(j); pc(' ');
      pLD(a + b); pc(' '); pLD(a - b); pc(' '); pLD(a * b); pc(' '); pLD(a / b); pc(' ');
      pxn(cmp(a, b), 3); pc(' ');
      pD((double)(a * b)); pc(' '); pF((float)(a + b)); pc(' ');
      pLD(a * b + a); pc(' '); pLD((a - b) / (a + b)); pc('\n');
    }
  }

  ps("unary\n");
  for (unsigned i = 0; i < N; i++) {
    LD a = L[i];
    pu(i); pc(' ');
    pLD(-a); pc(' '); pLD(__builtin_fabsl(a)); pc(' '); pLD(__builtin_sqrtl(a)); pc(' ');
    pLD(__builtin_copysignl(3, a)); pc(' ');
    pD((double)a); pc(' '); pF((float)a); pc(' ');
    pLD((LD)(double)a); pc(' '); pLD((LD)(float)a); pc(' ');
    if (inRange(a, -9.2e18L, 9.2e18L)) { px((u64)toI64(a)); pc(' '); }
    if (inRange(a, -1, 1.8e19L)) { px(toU64(a)); pc(' '); }
    if (inRange(a, -2147483648.0L, 2147483648.0L)) { pxn((u32)toI32(a), 8); pc(' '); }
    if (inRange(a, -1, 4294967296.0L)) { pxn(toU32(a), 8); pc(' '); }
    if (inRange(a, -32768.0L, 32768.0L)) { pxn((u16)toI16(a), 4); pc(' '); }
    if (inRange(a, -1, 256)) { pxn(toU8(a), 2); pc(' '); }
    if (inRange(a, -1e300L, 1e300L)) { pLD(poly(a / 64)); pc(' '); pLD(newton_sqrt(__builtin_fabsl(a))); pc(' '); }
    pi(__builtin_isnan(a)); pi(__builtin_isinf(a)); pi(__builtin_signbit(a) != 0);
    pi(__builtin_isfinite(a)); pi(__builtin_isnormal(a)); pi(__builtin_fpclassify(0, 1, 2, 3, 4, a));
    pc('\n');
  }

  ps("ints\n");
  static const u64 INTS[] = { 0, 1, 2, 3, 0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffffffffffffull,
    0x0020000000000001ull, 0x8000000000000401ull, 0xfffffffffffff800ull, 0xfffffffffffffc00ull, 12345678901234567ull,
    0x00000000ffffffffull, 0x0000000080000000ull, 0xffffffff80000000ull };
  for (unsigned i = 0; i < sizeof INTS / sizeof INTS[0] + 20; i++) {
    u64 v = i < sizeof INTS / sizeof INTS[0] ? INTS[i] : rnd() >> (rnd() % 64);
    pLD(fromU64(v)); pc(' '); pLD(fromI64((i64)v)); pc(' '); pLD(fromU32((u32)v)); pc(' ');
    pLD(fromI16((short)v)); pc(' '); pD((double)fromU64(v)); pc(' ');
    pLD(fromU64(v) / 3); pc(' '); px(toU64(fromU64(v) / 2)); pc('\n');
  }

  ps("kernels\n");
  for (int n = 1; n <= N; n *= 2) { pLD(kahan(L + (N - n) / 2, n / 2)); pc(' '); }
  {
    static LD big[N];
    for (unsigned i = 0; i < N; i++) big[i] = L[(i * 7) % N] * (i & 1 ? 1e-10L : 1e10L);
    LD dot = 0;
    for (unsigned i = 0; i + 1 < N; i++) if (finiteLD(big[i]) && finiteLD(big[i + 1])) dot += big[i] * big[i + 1];
    pLD(dot); pc(' ');
    LD h = 0;
    for (int k = 1; k <= 2000; k++) h += 1.0L / k;
    pLD(h); pc(' ');
    LD f = 1;
    for (int k = 1; k <= 1700; k++) f *= k;
    pLD(f); pc(' ');
    LD e = 0, t = 1;
    for (int k = 1; k < 30; k++) { e += t; t /= k; }
    pLD(e); pc(' ');
    double dsum = 0;
    for (unsigned i = 0; i < N; i++) if (finiteLD(L[i]) && __builtin_fabsl(L[i]) < 1e300L) dsum += (double)(L[i] * L[i]);
    pD(dsum);
  }
  pc('\n');
  flush();
  return 0;
}
